"""The run record: what a run did, kept in the ledger and printed as a one-screen summary."""

from __future__ import annotations

import os
import sys
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime

from yotbench.config import RunConfig

SHOWN_ERRORS = 3
SHOWN_SUBMISSIONS = 10  # per kind of line in the summary; the run's record in the ledger keeps them all
HIDDEN_OUTPUTS = {"fingerprint", "significance_rows"}  # kept in the run record, not printed


@dataclass
class RunRecord:
    run_id: str
    config: RunConfig
    started_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    outcomes: list = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    same_content: dict[str, str] = field(default_factory=dict)  # skipped copy -> the landed submission it copies
    awaiting: list[str] = field(default_factory=list)
    awaiting_quarantine: dict[str, str | None] = field(default_factory=dict)  # where each one's errors are
    stages: dict[str, float] = field(default_factory=dict)
    outputs: dict[str, object] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    landing: dict | None = None  # the task runner that landed this run's submissions, and its workers
    error: str | None = None
    published: bool = False

    def plan(self, plan) -> None:
        self.unchanged = [s.name for s in plan.unchanged]
        self.same_content = dict(plan.same_content)
        self.awaiting = [s.name for s in plan.awaiting]
        self.awaiting_quarantine = dict(plan.quarantined)

    def add(self, outcome) -> None:
        self.outcomes.append(outcome)

    def stage(self, name: str, started: float) -> None:
        self.stages[name] = round(time.perf_counter() - started, 3)

    @contextmanager
    def timing(self, name: str) -> Iterator[None]:
        """Time a stage into the record (when it succeeds); on an interactive terminal, say that it is
        running and then how long it took, so a long marts build or gaps stage is not silence."""
        live = interactive()
        started = time.perf_counter()
        if live:
            print(f"  {name} ...", end="", file=sys.stderr, flush=True)
        try:
            yield
            self.stage(name, started)
        finally:
            if live:
                print(f"\r  {name} {time.perf_counter() - started:.1f} s", file=sys.stderr, flush=True)

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    def fail(self, exc: BaseException) -> None:
        self.error = "".join(traceback.format_exception_only(type(exc), exc)).strip()

    @property
    def exit_code(self) -> int:
        if self.error:
            return 1
        return 2 if self.count("rejected") else 0

    def final_status(self) -> str:
        if self.error:
            return "failed"
        return "published" if self.published else "no_change"

    def as_dict(self) -> dict:
        config = self.config
        outputs = {
            "parquet": str(config.parquet_dir),
            "ledger": str(config.ledger_path),
            **{
                k: (str(v) if not isinstance(v, (list, dict, int)) else v)
                for k, v in self.outputs.items()
                if v is not None
            },
        }
        outputs["quarantine"] = (
            str(config.quarantine_dir / self.run_id)
            if self.count("rejected")
            else f"{config.quarantine_dir} (nothing rejected in this run)"
        )
        if "briefings" in outputs:  # the summary ends with the briefings written (issue 6)
            outputs["briefings"] = outputs.pop("briefings")
        return {
            "run_id": self.run_id,
            "started_at": self.started_at,
            "ended_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "status": self.final_status(),
            "exit_code": self.exit_code,
            "data_dir": str(config.data_dir),
            "counts": {
                "seen": len(self.outcomes) + len(self.unchanged) + len(self.awaiting),
                "landed": self.count("landed"),
                "skipped": len(self.unchanged),
                "rejected": self.count("rejected"),
                "superseded": self.count("superseded"),
                "awaiting_correction": len(self.awaiting),
            },
            "submissions": [o.as_dict() for o in self.outcomes],
            "same_content": self.same_content,
            "awaiting": self.awaiting,
            "awaiting_quarantine": self.awaiting_quarantine,
            "stages": self.stages,
            "landing": self.landing,
            "outputs": outputs,
            "notes": self.notes,
            "error": self.error,
        }


def format_summary(summary: dict) -> str:
    """The one-screen summary `yotbench run` prints."""
    c = summary["counts"]
    lines = [
        f"yotbench run {summary['run_id']}: {summary['status']}",
        f"  submissions: {c['seen']} seen, {c['landed']} landed, {c['skipped']} skipped (unchanged), "
        f"{c['rejected']} rejected"
        + (f", {c['superseded']} superseded in the drop" if c["superseded"] else "")
        + (f", {c['awaiting_correction']} awaiting correction" if c["awaiting_correction"] else ""),
    ]
    notices = sum(len(s["notices"]) for s in summary["submissions"])
    warnings = sum(s["warnings"] for s in summary["submissions"])
    if notices or warnings:
        normalised = sum(1 for s in summary["submissions"] if s["notices"])
        lines.append(
            f"  notices: {notices} lossless normalisation(s) applied in {normalised} submission(s) "
            f"(case, whitespace, N/A -> na, BOM); warnings: {warnings}"
        )
    copies = [
        f"  {name}: skipped, the same content as {landed} (landed)" for name, landed in summary["same_content"].items()
    ]
    lines += _capped(copies, "skipped as copies of landed submissions")
    if c["awaiting_correction"]:
        lines.append("  awaiting correction (rejected earlier, unchanged since):")
        awaiting = []
        for name in summary["awaiting"]:
            path = summary["awaiting_quarantine"].get(name)
            awaiting.append(
                f"    {name}: " + (f"errors in {summary['data_dir']}/{path}/errors.csv" if path else "rejected")
            )
        lines += _capped(awaiting, "awaiting correction (`yotbench status` lists them all)", indent="    ")
    landed = [sub for sub in summary["submissions"] if sub["status"] == "landed"]
    superseding = [
        f"  {sub['name']}: landed, superseding {', '.join(sub['superseded'])}" for sub in landed if sub["superseded"]
    ]
    lines += _capped(superseding, "landed, superseding an earlier version")
    with_warnings = [
        _with_first(
            f"  {sub['name']}: landed with {sub['warnings']} warning(s)", sub["warnings"], sub["first_warnings"]
        )
        for sub in landed
        if sub["warnings"]
    ]
    lines += _capped(with_warnings, "landed with warnings")
    rejected = [
        _with_first(
            f"  REJECTED {sub['name']}: {sub['errors']} error(s); full list in "
            f"{summary['data_dir']}/{sub['quarantine_path']}/errors.csv",
            sub["errors"],
            sub["first_errors"],
        )
        for sub in summary["submissions"]
        if sub["status"] == "rejected"
    ]
    lines += _capped(rejected, "rejected, each with its errors.csv in the quarantine folder below")
    if summary["stages"]:
        lines.append("  stages: " + ", ".join(f"{k} {v:.1f}s" for k, v in summary["stages"].items()))
    for note in summary["notes"]:
        lines.append(f"  note: {note}")
    lines.append("  outputs:")
    for name, path in summary["outputs"].items():
        if name in HIDDEN_OUTPUTS:
            continue
        if isinstance(path, list):
            for item in path:
                lines.append(f"    {name}: {item}")
        else:
            lines.append(f"    {name}: {path}")
    if summary["error"]:
        lines.append(f"  FAILED: {summary['error']}")
    return "\n".join(lines)


def _with_first(head: str, count: int, first: list[str]) -> str:
    """A submission's line, then its first problems and how many more there are."""
    block = [head, *(f"    - {text}" for text in first[:SHOWN_ERRORS])]
    if count > SHOWN_ERRORS:
        block.append(f"    ... and {count - SHOWN_ERRORS} more")
    return "\n".join(block)


def _capped(entries: list[str], what: str, indent: str = "  ") -> list[str]:
    """The first SHOWN_SUBMISSIONS entries, then one line counting the rest."""
    if len(entries) <= SHOWN_SUBMISSIONS:
        return entries
    return [*entries[:SHOWN_SUBMISSIONS], f"{indent}... and {len(entries) - SHOWN_SUBMISSIONS} more {what}"]


def interactive() -> bool:
    """Progress is shown on a terminal; never in CI, pipes or logs."""
    return sys.stderr.isatty() and not os.environ.get("CI")


class Progress:
    """A one-line counter on an interactive terminal; silent in CI, pipes and logs."""

    def __init__(self, label: str, total: int):
        self.label, self.total, self.count = label, total, 0
        self.live = total > 1 and interactive()

    def step(self) -> None:
        self.count += 1
        if self.live:
            print(f"\r  {self.label} {self.count}/{self.total}", end="", file=sys.stderr, flush=True)

    def done(self) -> None:
        if self.live:
            print(file=sys.stderr, flush=True)
