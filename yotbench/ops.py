"""Operating yotbench: `yotbench status` and the scheduled deployment behind `yotbench serve`."""

from __future__ import annotations

import datetime as dt
import os
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

from yotbench.config import RunConfig
from yotbench.ledger import Ledger, was_killed

DEFAULT_CRON = "0 2 * * *"
DEFAULT_TIMEZONE = "Europe/London"
DEPLOYMENT_NAME = "nightly"


def _duration(run: dict) -> str:
    if not run.get("ended_at"):
        return "still running (or killed)"
    if was_killed(run):  # when it died is not known
        return f"killed; found {run['ended_at']}"
    seconds = (
        dt.datetime.fromisoformat(run["ended_at"]) - dt.datetime.fromisoformat(run["started_at"])
    ).total_seconds()
    return f"{seconds:.0f}s"


def _awaiting(config: RunConfig, ledger: Ledger) -> list:
    """The raw entries whose content, as it is now, was last rejected: what the next run's plan holds
    as awaiting correction (an entry removed, or put back to a landed version, no longer awaits)."""
    from yotbench.ingest import HashCache, discover
    from yotbench.pipeline import raw_hashes_path

    rejected = ledger.last_rejected()
    found = []
    if rejected:
        for sub in discover(config.raw_dir, HashCache(raw_hashes_path(config))):
            previous = rejected.get((sub.name, sub.content_hash))
            if previous is not None:
                found.append(previous)
    return sorted(found, key=lambda sub: sub.recorded_at, reverse=True)


def status_text(config: RunConfig, runs: int = 5) -> str:
    """Recent runs, what is published, and what awaits correction, on one screen."""
    lines = [f"yotbench status for {config.data_dir}"]
    if not config.ledger_path.exists():
        lines.append("  no runs yet: drop submissions in raw/ and run `yotbench run`")
        return "\n".join(lines)
    with Ledger(config.ledger_path) as ledger:
        recent = ledger.runs(runs)
        current = ledger.current_lineage()
        awaiting = _awaiting(config, ledger)
        published = ledger.last_published_run()
    lines.append("  last runs:")
    for run in recent:
        counts = (run["summary"] or {}).get("counts", {})
        detail = ", ".join(f"{k} {v}" for k, v in counts.items() if v and k != "seen")
        lines.append(
            f"    {run['run_id']}  {run['status']:<10} {run['started_at']}  {_duration(run)}"
            + (f"  ({detail})" if detail else "")
        )
    by_framework = Counter(sub["framework"] or "?" for sub in current)
    store = ", ".join(f"{n} {fw}" for fw, n in sorted(by_framework.items())) or "nothing"
    lines.append(f"  landed inspections: {store}")
    if config.marts_db.exists():
        built = dt.datetime.fromtimestamp(config.marts_db.stat().st_mtime).isoformat(timespec="seconds")
        from yotbench.marts import published_run_id

        built_by = published_run_id(config)
        lines.append(f"  marts: {config.marts_db} (built {built}" + (f", run {built_by})" if built_by else ")"))
    else:
        lines.append("  marts: not built yet")
    if published:
        for path in (published["summary"] or {}).get("outputs", {}).get("briefings", []):
            lines.append(f"  briefing: {path}")
    if awaiting:
        lines.append(f"  awaiting correction ({len(awaiting)}):")
        for sub in awaiting:
            where = config.data_dir / sub.quarantine_path / "errors.csv" if sub.quarantine_path else "?"
            lines.append(f"    {sub.name}: {sub.error_count} error(s), rejected in run {sub.run_id}; see {where}")
    else:
        lines.append("  awaiting correction: none")
    return "\n".join(lines)


def task_runner(config: RunConfig):
    """The Prefect task runner the nightly flow lands through (flows.nightly.land enters it): threads;
    Prefect's own pool of worker processes (on one machine, the parallelism threads cannot give:
    landing holds the GIL); or Dask (a cluster at config.dask_address, else a local cluster of
    landing_workers processes)."""
    if config.task_runner == "processes":
        from prefect.task_runners import ProcessPoolTaskRunner

        return ProcessPoolTaskRunner(max_workers=config.landing_workers)
    if config.task_runner == "dask":
        from prefect_dask import DaskTaskRunner

        if config.dask_address:
            return DaskTaskRunner(address=config.dask_address)
        return DaskTaskRunner(
            cluster_kwargs={"n_workers": config.landing_workers, "threads_per_worker": 1, "processes": True}
        )
    from prefect.task_runners import ThreadPoolTaskRunner

    return ThreadPoolTaskRunner(max_workers=config.landing_workers)


@contextmanager
def workers_api(config: RunConfig) -> Iterator[None]:
    """Run the nightly flow inside this so that local worker processes report to its Prefect API.

    Without PREFECT_API_URL, Prefect starts a temporary API for the process on its first call; worker
    processes (task_runner processes, or dask without an address) do not inherit it and would each start
    their own, on the same database. Here the temporary API is started first and its URL set for the
    block, which Prefect passes on to the workers' settings. Threads, a team's Dask cluster, and a set
    PREFECT_API_URL (a running `prefect server start`) are left as they are."""
    from prefect.settings import PREFECT_API_URL, PREFECT_SERVER_EPHEMERAL_ENABLED, temporary_settings

    local_processes = config.task_runner == "processes" or (config.task_runner == "dask" and not config.dask_address)
    if not local_processes or PREFECT_API_URL.value() or not PREFECT_SERVER_EPHEMERAL_ENABLED.value():
        yield
        return
    from prefect.server.api.server import SubprocessASGIServer

    server = SubprocessASGIServer()  # one per process: the one Prefect's own clients would start
    server.start()
    with temporary_settings(updates={PREFECT_API_URL: server.api_url}):
        yield


def run_nightly_flow(config: RunConfig, run_id: str | None = None) -> dict:
    """One run of the nightly flow in this process (what `yotbench run` and the benchmark do): the flow lands
    through the task runner `config` names (flows.nightly.land), here with any local worker processes
    reporting to this run's Prefect API (workers_api); returns the run's summary."""
    from flows.nightly import nightly

    with workers_api(config):
        return nightly(config=config, run_id=run_id)


def deployment(config: RunConfig, cron: str = DEFAULT_CRON, timezone: str = DEFAULT_TIMEZONE):
    """The nightly flow as a scheduled deployment (what `yotbench serve` serves)."""
    from prefect.schedules import Cron

    from flows.nightly import nightly

    return nightly.to_deployment(
        name=DEPLOYMENT_NAME,
        schedule=Cron(cron, timezone=timezone),
        parameters={"config": config.model_dump(mode="json")},
        description="Land new submissions, rebuild the marts, test gaps and write briefings.",
        tags=["yotbench"],
    )


def serve(config: RunConfig, cron: str = DEFAULT_CRON, timezone: str = DEFAULT_TIMEZONE) -> None:
    """Serve the nightly deployment until interrupted; needs a running Prefect server."""
    from prefect import serve as prefect_serve

    if not os.environ.get("PREFECT_API_URL"):
        raise SystemExit(
            "yotbench serve needs a long-running Prefect server, or the schedule never fires:\n"
            "  prefect server start            # in another terminal (UI at http://127.0.0.1:4200)\n"
            "  export PREFECT_API_URL=http://127.0.0.1:4200/api\n"
            "  yotbench serve\n"
            "or simply: make serve"
        )
    prefect_serve(deployment(config, cron, timezone), pause_on_shutdown=False)
