"""The nightly flow: land new submissions, then, when anything changed, rebuild and publish.

Each task is a verb that calls the library. Retries are on I/O tasks only; the
transforms (marts, tests, briefing) do not retry. Landing is a task per batch of
submissions (read once, checked in one GX run per suite, each landed or quarantined);
a retried batch never settles a submission twice. Publication is the
last step: the briefings are written from the finished but unpublished marts build
into a staging folder; then the marts file is swapped in whole, each briefing folder
is swapped in whole, and the ledger marks the run published only after all are in place.
"""

from __future__ import annotations

import time
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from yotbench import briefing, marts, pipeline, validation
from yotbench.config import RunConfig
from yotbench.faults import checkpoint
from yotbench.ingest import Submission
from yotbench.ledger import Ledger
from yotbench.lock import RunLock
from yotbench.ops import task_runner
from yotbench.report import Progress, RunRecord

IO = {"retries": 2, "retry_delay_seconds": [2, 10], "cache_policy": NO_CACHE, "persist_result": False}
PURE = {"cache_policy": NO_CACHE, "persist_result": False}
# A run finding the data folder locked by `yotbench brief` waits for it (a brief takes seconds to
# about a minute at scale 1000) rather than failing its night; another run it refuses at once.
BRIEF_PATIENCE_SECONDS = 900


@task(name="plan_run", **IO)
def plan_run(config: RunConfig, rules: str, run_id: str) -> pipeline.Plan:
    with Ledger(config.ledger_path) as ledger:
        return pipeline.make_plan(config, ledger, rules, run_id)


@task(name="land_batch", **IO)
def land_batch(subs: list[Submission], config: RunConfig, run_id: str, rules: str) -> list[pipeline.Outcome]:
    """Read, check (one GX run per suite) and land or quarantine a batch of submissions."""
    return pipeline.land_batch(subs, config, run_id, rules)


@task(name="record_superseded", **IO)
def record_superseded(sub: Submission, live: Submission, config: RunConfig, run_id: str) -> pipeline.Outcome:
    return pipeline.record_superseded_in_drop(sub, live, config, run_id)


@task(name="write_data_docs", **IO)
def write_data_docs(config: RunConfig, run_id: str) -> Path | None:
    return validation.data_docs_index(config, run_id)


@task(name="build_marts", **PURE)
def build_marts(config: RunConfig, run_id: str) -> Path:
    return marts.build_marts(config, run_id, incremental=not config.rebuild)


@task(name="test_gaps", **PURE)
def test_gaps(tmp: Path, config: RunConfig) -> int:
    return marts.add_significance(tmp, config)


@task(name="publish_marts", **IO)
def publish_marts(tmp: Path, config: RunConfig) -> Path:
    return marts.publish_marts(tmp, config)


@task(name="write_briefing", **PURE)
def write_briefing(config: RunConfig, run_id: str, build: Path) -> list[Path]:
    """Write the briefings from the unpublished build into a staging folder."""
    staging = config.tmp_dir / f".briefings-{run_id}.tmp"
    return briefing.write_nightly_briefings(config, run_id, db=build, root=staging)


@task(name="publish_briefings", **IO)
def publish_briefings(staged: list[Path], config: RunConfig) -> list[Path]:
    return briefing.install_briefings(staged, config)


@task(name="briefing_artifacts", **IO)
def briefing_artifacts(paths: list[Path]) -> None:
    """Apart from publish_briefings, so that a retry of one does not repeat the other."""
    briefing.publish_artifacts(paths)


def land(plan: pipeline.Plan, config: RunConfig, run_id: str, rules: str, record: RunRecord) -> None:
    """Land the plan's batches through the task runner config names (ops.task_runner), entered here
    rather than set on the flow, so that a served run, which loads the flow from its entrypoint, lands
    as `yotbench run` does; nothing is started on a night with nothing to land.

    Landing goes in rounds: where a drop holds several versions of an inspection, an older one is
    landed only after the newer ones were rejected, and recorded as superseded once one has landed."""
    runner = task_runner(config)
    record.landing = {"task_runner": type(runner).__name__, "workers": config.landing_workers}
    progress = Progress("landing", len(plan.todo) + len(plan.held))
    with runner:
        todo = plan.todo
        while todo:
            batches = [
                runner.submit(land_batch, {"subs": batch, "config": config, "run_id": run_id, "rules": rules})
                for batch in pipeline.batches(todo, config.landing_workers)
            ]
            settled = []
            for outcome in (o for future in batches for o in future.result()):
                settled.append(outcome)
                record.add(outcome)
                progress.step()
            todo, superseded = plan.follow_up(todo, settled)
            recorded = [
                runner.submit(record_superseded, {"sub": old, "live": live, "config": config, "run_id": run_id})
                for old, live in superseded
            ]
            for future in recorded:
                record.add(future.result())
                progress.step()
    progress.done()


@flow(name="nightly", log_prints=False)
def nightly(config: RunConfig | None = None, run_id: str | None = None) -> dict:
    """Land what is new in DIR/raw; rebuild and publish marts and briefings when anything changed."""
    config = config or RunConfig()
    run_id = run_id or pipeline.new_run_id()
    logger = get_run_logger()
    record = RunRecord(run_id=run_id, config=config)
    lock = RunLock(
        config.lock_path,
        run_id,
        wait_for_brief_seconds=BRIEF_PATIENCE_SECONDS,
        on_wait=lambda holder: logger.warning(
            "waiting for %s %s (pid %s) to finish with %s",
            holder["command"],
            holder.get("run_id"),
            holder.get("pid"),
            config.data_dir,
        ),
    )
    with lock, Ledger(config.ledger_path) as ledger:
        killed = None
        if lock.stale:
            held_by, stale_id = lock.stale["command"], lock.stale.get("run_id")
            logger.warning("%s %s ended without releasing its lock; cleared", held_by, stale_id)
            record.notes.append(f"previous {held_by} {stale_id} ended without finishing; its leftovers were cleared")
            if held_by == "run":
                killed = stale_id
                ledger.mark_killed(stale_id, found_by=run_id)
        pipeline.clear_leftovers(config, last_run_finished=lock.after_clean_release)
        ledger.start_run(run_id)
        try:
            rules = pipeline.rules_hash()
            with record.timing("plan"):
                plan = plan_run(config, rules, run_id)
            record.plan(plan)

            started = time.perf_counter()
            if plan.todo:
                land(plan, config, run_id, rules, record)
            record.stage("land", started)
            if plan.todo:
                record.outputs["validation"] = write_data_docs(config, run_id)

            reason = pipeline.publish_reason(config, record, ledger, killed_run=killed)
            if reason is None:
                record.notes.append(
                    "nothing new or changed: marts and briefings left as published (use --rebuild to rebuild)"
                )
                record.outputs.update(pipeline.published_outputs(ledger, config))
            else:
                logger.info("publishing: %s", reason)
                record.notes.append(f"rebuilding: {reason}")
                with record.timing("marts"):
                    tmp = build_marts(config, run_id)
                try:
                    record.notes.append(marts.build_summary(tmp))
                    with record.timing("gaps"):
                        record.outputs["significance_rows"] = test_gaps(tmp, config)
                    staged = []
                    if config.briefing:
                        with record.timing("briefing"):
                            staged = write_briefing(config, run_id, tmp)
                    # Publish last, marts then briefings: until here nothing visible has changed.
                    record.outputs["marts"] = publish_marts(tmp, config)
                except BaseException:
                    marts.discard_build(tmp)
                    raise
                checkpoint("publishing", config.data_dir)  # marts in place, briefings not: the crash tests stop here
                if staged:
                    installed = publish_briefings(staged, config)
                    record.outputs["briefings"] = [str(p) for p in installed]
                    briefing_artifacts(installed)
                record.published = True
        except BaseException as exc:
            record.fail(exc)
            ledger.finish_run(run_id, "failed", record.as_dict())
            raise
        ledger.finish_run(run_id, record.final_status(), record.as_dict())
    return record.as_dict()
