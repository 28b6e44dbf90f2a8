"""Command line: `yotbench run`, `yotbench sample`, ... (see `yotbench --help`)."""

from __future__ import annotations

import argparse
import logging
import os
import sqlite3
import sys
import tempfile
import traceback
from pathlib import Path

from pydantic import ValidationError

from yotbench import __version__
from yotbench.config import TASK_RUNNERS
from yotbench.errors import YotbenchError

EXIT_OK, EXIT_FAILED, EXIT_REJECTED = 0, 1, 2


def _quiet_prefect() -> None:
    """Keep Prefect's own log lines to warnings unless the user asked otherwise."""
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")


def _console_without_tracebacks() -> None:
    """Print Prefect's ERROR lines for a failed task or flow without the traceback Prefect adds to
    them. `yotbench run` saves the traceback to DIR/.tmp/failed-<run>.txt and says where; the Prefect
    API (and so its UI) still receives the whole record."""
    from prefect.logging.configuration import ensure_logging_setup
    from prefect.logging.handlers import PrefectConsoleHandler

    ensure_logging_setup()  # Prefect's handlers exist from here on (done once per process)
    loggers = [logging.getLogger(), *(logging.getLogger(name) for name in list(logging.root.manager.loggerDict))]
    for logger in loggers:
        for handler in logger.handlers:
            if isinstance(handler, PrefectConsoleHandler) and not isinstance(handler.formatter, _Untraced):
                handler.setFormatter(_Untraced(handler.formatter or logging.Formatter()))


class _Untraced:
    """A formatter that formats a copy of each record without its exception or stack."""

    def __init__(self, inner) -> None:
        self.inner = inner

    def format(self, record) -> str:
        copy = logging.makeLogRecord(record.__dict__)
        copy.exc_info = copy.exc_text = copy.stack_info = None
        return self.inner.format(copy)


def _config(args: argparse.Namespace, **extra):
    from yotbench.config import RunConfig

    values = {"data_dir": Path(args.data_dir)}
    for name in (
        "rebuild",
        "landing_workers",
        "task_runner",
        "dask_address",
        "suppress_below",
        "suppress_per_inspection",
        "contact",
    ):
        value = getattr(args, name, None)
        if value is not None:
            values[name] = value
    values.update(extra)
    return RunConfig(**values)


def cmd_run(args: argparse.Namespace) -> int:
    _quiet_prefect()
    config = _config(args)
    from yotbench.ingest import has_submissions

    if config.data_dir.exists() and not config.data_dir.is_dir():
        print(f"yotbench run: {config.data_dir} is a file, not a data folder", file=sys.stderr)
        return EXIT_FAILED
    if not args.sample_if_empty and not config.data_dir.exists():
        # a mistyped --data-dir would otherwise become a new, empty store
        print(
            f"yotbench run: {config.data_dir} does not exist: create it with the submissions in "
            f"{config.raw_dir}, or pass --sample-if-empty to start one with the embedded sample",
            file=sys.stderr,
        )
        return EXIT_FAILED
    if args.sample_if_empty and not has_submissions(config.raw_dir):
        from yotbench.sample import write_sample

        written = write_sample(config.raw_dir, frameworks=args.sample_framework)
        print(f"{config.raw_dir} held no submissions: wrote the embedded sample ({len(written)} submissions)")
    from yotbench.ops import run_nightly_flow
    from yotbench.pipeline import new_run_id
    from yotbench.report import format_summary

    run_id = new_run_id()
    _console_without_tracebacks()
    try:
        summary = run_nightly_flow(config, run_id)
    except Exception as exc:  # the run record says what happened; the user gets it, not a traceback
        failed = _failed_run(config, run_id)
        if failed:
            print(format_summary(failed))
        if not isinstance(exc, YotbenchError):
            trace = config.tmp_dir / f"failed-{run_id}.txt"
            trace.parent.mkdir(parents=True, exist_ok=True)
            trace.write_text("".join(traceback.format_exception(exc)), encoding="utf-8")
            # Prefect's failed states keep the exception, and its frames keep their locals alive to
            # the end of the process; closed DuckDB connections among them make DuckDB's bindings
            # print "nanobind: leaked ..." at exit
            traceback.clear_frames(exc.__traceback__)
            exc = f"{type(exc).__name__}: {exc} (traceback in {trace})"
        print(f"yotbench run failed: {exc}", file=sys.stderr)
        return EXIT_FAILED
    print(format_summary(summary))
    return summary["exit_code"]


def _failed_run(config, run_id: str) -> dict | None:
    """The summary the ledger holds for a run that failed (None if it never started: e.g. the lock was held)."""
    from yotbench.ledger import Ledger

    if not config.ledger_path.exists():
        return None
    try:
        with Ledger(config.ledger_path) as ledger:
            run = ledger.run(run_id)
    except sqlite3.Error:  # the ledger itself may be why the run failed (damaged, locked)
        return None
    return run["summary"] if run else None


def cmd_sample(args: argparse.Namespace) -> int:
    from yotbench.sample import write_sample

    raw_dir = (Path(args.raw_dir) if args.raw_dir else Path(args.data_dir) / "raw").resolve()
    raw_dir.mkdir(parents=True, exist_ok=True)
    # written beside raw/, then moved in: a submission already in raw/ is never overwritten
    with tempfile.TemporaryDirectory(dir=raw_dir.parent, prefix=".sample-") as staging:
        kept, moved = [], 0
        for path in write_sample(Path(staging), frameworks=args.framework, scale=args.scale, seed=args.seed):
            target = raw_dir / path.name
            if target.exists():
                kept.append(path.name)
            else:
                os.rename(path, target)
                moved += 1
    print(f"wrote {moved} submissions to {raw_dir}")
    if kept:
        names = ", ".join(kept[:3]) + (", ..." if len(kept) > 3 else "")
        print(f"left {len(kept)} already in {raw_dir} as they were (a submission is never overwritten): {names}")
    return EXIT_OK


def cmd_status(args: argparse.Namespace) -> int:
    from yotbench.ops import status_text

    print(status_text(_config(args), runs=args.runs))
    return EXIT_OK


def cmd_serve(args: argparse.Namespace) -> int:
    _quiet_prefect()
    from yotbench.ops import serve

    serve(_config(args), cron=args.cron, timezone=args.timezone)
    return EXIT_OK


def _date(text: str):
    from datetime import date

    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date in the form YYYY-MM-DD") from None


def cmd_brief(args: argparse.Namespace) -> int:
    """Write the aggregate briefing of each framework (or the one asked for) with inspections in the period."""
    from yotbench.briefing import write_briefing
    from yotbench.briefing.source import frameworks_in_period
    from yotbench.pipeline import new_run_id

    config = _config(args)
    if args.date_from > args.date_to:
        print(f"yotbench brief: --from {args.date_from} is after --to {args.date_to}", file=sys.stderr)
        return EXIT_FAILED
    if args.framework:
        from yotbench.frameworks import load_frameworks

        known = sorted(load_frameworks())
        if args.framework not in known:
            print(
                f"yotbench brief: unknown framework {args.framework!r}; the frameworks are {', '.join(known)}",
                file=sys.stderr,
            )
            return EXIT_FAILED
    frameworks = [args.framework] if args.framework else frameworks_in_period(config, args.date_from, args.date_to)
    if not frameworks:
        print(
            f"yotbench brief: no inspection's fieldwork ended between {args.date_from} and {args.date_to}",
            file=sys.stderr,
        )
        return EXIT_FAILED
    from yotbench.lock import RunLock, RunLocked

    run_id = new_run_id()
    try:
        # briefings/ is where a nightly run installs its own and clears what a killed writer left
        with RunLock(config.lock_path, run_id, command="brief"):
            for framework in frameworks:
                print(
                    write_briefing(
                        config, framework=framework, date_from=args.date_from, date_to=args.date_to, run_id=run_id
                    )
                )
    except RunLocked as exc:
        print(f"yotbench brief: {exc}", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


def cmd_bench(args: argparse.Namespace) -> int:
    """Generate (or reuse) the programme at --scale, time every stage, write bench/results.json, print a table."""
    from yotbench.bench import CACHE_DIR, BenchOptions, format_table, run_bench

    # The benchmark's Prefect state (an ephemeral server's database) stays beside its cached data.
    os.environ.setdefault("PREFECT_HOME", str(CACHE_DIR / "prefect-home"))
    os.environ.setdefault("DASK_LOGGING__DISTRIBUTED", "warning")  # the Dask speed-up run's cluster chatter
    _quiet_prefect()
    options = BenchOptions(
        scale=args.scale,
        workers=args.workers,
        task_runner=args.task_runner,
        speedup=args.speedup,
        keep=args.keep,
        briefing=not args.no_briefing,
        lean=args.lean,
        rebuilding_night=args.rebuilding_night,
    )
    results = run_bench(options)
    print(format_table(results))
    print(f"results: {results['results_path']}" + (f"; data kept in {results['kept']}" if "kept" in results else ""))
    return EXIT_OK


def _scale(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive number")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="yotbench", description=__doc__)
    parser.add_argument("--version", action="version", version=f"yotbench {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    def data_dir(p: argparse.ArgumentParser) -> None:
        p.add_argument("--data-dir", default="data", help="data directory holding raw/ (default: data)")

    def landing_options(p: argparse.ArgumentParser) -> None:
        p.add_argument("--workers", dest="landing_workers", type=int, help="submissions landed in parallel (default 2)")
        p.add_argument("--task-runner", choices=TASK_RUNNERS, help="Prefect task runner for landing (default threads)")
        p.add_argument("--dask-address", help="Dask scheduler address, with --task-runner dask")

    def briefing_options(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--suppress-below",
            type=int,
            metavar="N",
            help="show briefing cells built from fewer than N cases as [c] (default 5)",
        )
        p.add_argument(
            "--suppress-per-inspection",
            action="store_true",
            default=None,
            help="suppress the per-inspection table too (default: not suppressed)",
        )
        p.add_argument(
            "--contact",
            metavar="TEXT",
            help="whom readers of the briefings contact, for their cover sheet (e.g. a team and its email)",
        )

    run = sub.add_parser("run", help="land new submissions and publish marts and briefings (the nightly flow)")
    data_dir(run)
    briefing_options(run)
    run.add_argument(
        "--rebuild",
        action="store_true",
        default=None,
        help="rebuild marts from scratch (not incrementally), even if nothing new landed",
    )
    landing_options(run)
    run.add_argument("--sample-if-empty", action="store_true", help="write the embedded sample first if raw/ is empty")
    run.add_argument("--sample-framework", action="append", help=argparse.SUPPRESS)
    run.set_defaults(func=cmd_run)

    sample = sub.add_parser("sample", help="write the deterministic synthetic sample programme into raw/")
    data_dir(sample)
    sample.add_argument("--raw-dir", help="write here instead of DATA_DIR/raw")
    sample.add_argument("--framework", action="append", help="framework id (repeatable; default yos-2018)")
    sample.add_argument("--scale", type=int, default=1, help="multiply the number of inspections (default 1)")
    sample.add_argument("--seed", type=int, default=20210221, help="random seed (default 20210221)")
    sample.set_defaults(func=cmd_sample)

    status = sub.add_parser("status", help="show recent runs, what is published, and what awaits correction")
    data_dir(status)
    status.add_argument("--runs", type=int, default=5, help="how many recent runs to list (default 5)")
    status.set_defaults(func=cmd_status)

    serve = sub.add_parser("serve", help="serve the nightly flow on a cron schedule (needs a Prefect server)")
    data_dir(serve)
    landing_options(serve)
    briefing_options(serve)
    serve.add_argument("--cron", default="0 2 * * *", help="cron schedule (default: 0 2 * * *, 02:00)")
    serve.add_argument("--timezone", default="Europe/London", help="timezone of the schedule (default Europe/London)")
    serve.set_defaults(func=cmd_serve)

    brief = sub.add_parser("brief", help="write the aggregate briefing for a period into DATA_DIR/briefings/")
    data_dir(brief)
    brief.add_argument(
        "--from", dest="date_from", metavar="DATE", required=True, type=_date, help="first day (YYYY-MM-DD)"
    )
    brief.add_argument("--to", dest="date_to", metavar="DATE", required=True, type=_date, help="last day (YYYY-MM-DD)")
    brief.add_argument("--framework", help="framework id (default: every framework with inspections in the period)")
    briefing_options(brief)
    brief.set_defaults(func=cmd_brief)

    bench = sub.add_parser("bench", help="benchmark every stage on a programme N times the sample (bench/results.json)")
    bench.add_argument(
        "--scale",
        type=_scale,
        default=1,
        help="multiple of the embedded sample: 1 ~ 72k answer rows, 100 ~ 7M (default 1)",
    )
    bench.add_argument("--workers", type=int, default=2, help="submissions landed in parallel (default 2)")
    bench.add_argument(
        "--task-runner",
        choices=TASK_RUNNERS,
        default="threads",
        help="Prefect task runner for landing (default threads)",
    )
    bench.add_argument(
        "--speedup",
        action="store_true",
        help="also land from empty with 1 worker, N threads, N worker processes and N Dask processes",
    )
    bench.add_argument("--no-briefing", action="store_true", help="leave the briefings out of the nightly runs")
    bench.add_argument(
        "--lean",
        action="store_true",
        help="only the nightly runs, the rebuild and the GROUP BY floor (no pandas reference, no landing by format)",
    )
    bench.add_argument(
        "--rebuilding-night",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="end with a night that lands one more new inspection with --rebuild, the like-for-like measure "
        "for the one-new night (default: at scale 100 and above, unless --lean)",
    )
    bench.add_argument("--keep", action="store_true", help="keep the landed store and marts in bench/cache/scale-N/run")
    bench.set_defaults(func=cmd_bench)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except ValidationError as exc:
        print(f"yotbench: invalid option: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except YotbenchError as exc:
        print(f"yotbench: {exc}", file=sys.stderr)
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
