"""The nightly flow: land new submissions, then (when anything changed) publish.

Each task is a verb that calls the library. Retries are on I/O tasks only.
"""

from __future__ import annotations

import time

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from yotbench import pipeline, validation
from yotbench.config import RunConfig
from yotbench.ingest import Submission
from yotbench.ledger import Ledger
from yotbench.lock import RunLock
from yotbench.report import RunRecord

IO = {"retries": 2, "retry_delay_seconds": [2, 10], "cache_policy": NO_CACHE, "persist_result": False}
PURE = {"cache_policy": NO_CACHE, "persist_result": False}


@task(name="plan_run", **IO)
def plan_run(config: RunConfig, rules: str) -> pipeline.Plan:
    with Ledger(config.ledger_path) as ledger:
        return pipeline.make_plan(config, ledger, rules)


@task(name="validate_submissions", **IO)
def validate_submissions(subs: list[Submission], config: RunConfig, run_id: str) -> dict[str, int]:
    return validation.prevalidate(subs, config=config, run_id=run_id)


@task(name="write_validation_docs", **IO)
def write_validation_docs(config: RunConfig, run_id: str):
    return validation.data_docs_index(config, run_id)


@task(name="land_submission", **IO)
def land_submission(sub: Submission, config: RunConfig, run_id: str, rules: str) -> pipeline.Outcome:
    return pipeline.process_submission(sub, config, run_id, rules)


@task(name="record_superseded", **IO)
def record_superseded(sub: Submission, live: Submission, config: RunConfig, run_id: str) -> pipeline.Outcome:
    return pipeline.record_superseded_in_drop(sub, live, config, run_id)


@flow(name="nightly", log_prints=False)
def nightly(config: RunConfig | None = None, run_id: str | None = None) -> dict:
    """Land what is new in DIR/raw and publish marts and briefings when anything changed."""
    config = config or RunConfig()
    run_id = run_id or pipeline.new_run_id()
    logger = get_run_logger()
    record = RunRecord(run_id=run_id, config=config)
    with RunLock(config.lock_path, run_id) as lock, Ledger(config.ledger_path) as ledger:
        if lock.stale:
            logger.warning("cleared the lock of run %s, which ended without releasing it", lock.stale.get("run_id"))
            record.notes.append(f"previous run {lock.stale.get('run_id')} ended without releasing its lock")
        ledger.start_run(run_id)
        try:
            rules = pipeline.rules_hash()
            started = time.perf_counter()
            plan = plan_run(config, rules)
            record.plan(plan)
            record.stage("plan", started)

            started = time.perf_counter()
            validate_submissions(plan.todo, config, run_id)
            record.stage("validate", started)

            started = time.perf_counter()
            futures = [land_submission.submit(sub, config, run_id, rules) for sub in plan.todo]
            extra = [record_superseded.submit(old, live, config, run_id) for old, live in plan.superseded_in_drop]
            for future in [*futures, *extra]:
                record.add(future.result())
            record.stage("land", started)
            started = time.perf_counter()
            docs = write_validation_docs(config, run_id)
            record.stage("validation_docs", started)
            if docs:
                record.outputs["validation_docs"] = docs
            logger.info("landed %d, rejected %d, skipped %d", record.count("landed"), record.count("rejected"), len(plan.unchanged))
        except BaseException as exc:
            record.fail(exc)
            ledger.finish_run(run_id, "failed", record.as_dict())
            raise
        ledger.finish_run(run_id, record.final_status(), record.as_dict())
    return record.as_dict()
