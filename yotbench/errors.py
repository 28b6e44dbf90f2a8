"""Named errors and the problem record every validation stage reports."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

PROBLEM_FIELDS = ("file", "row", "column", "value", "rule", "message")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a submission, precise enough to fix without guessing.

    `row` is the spreadsheet row: the header is row 1, the first record row 2
    (the number Excel shows for the same file). None when the problem is about
    a whole file or column.
    """

    file: str
    row: int | None
    column: str | None
    value: str | None
    rule: str
    message: str
    count: int = field(default=1, compare=False)  # a summary line ("N more rows break ...") stands for N problems

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f" row {self.row}"
        if self.column:
            where += f", column {self.column}"
        return f"{where}: {self.message} [{self.rule}]"

    def as_dict(self) -> dict:
        """The columns of errors.csv."""
        return {name: getattr(self, name) for name in PROBLEM_FIELDS}


def problem_count(problems: Iterable[Problem]) -> int:
    """How many problems a list stands for: a summary line counts the rows it summarises."""
    return sum(p.count for p in problems)


class YotbenchError(Exception):
    """Base of the errors yotbench raises on purpose."""


class SubmissionRejected(YotbenchError):
    """A submission failed a rule; it is quarantined whole."""

    def __init__(self, submission: str, problems: list[Problem]):
        self.submission = submission
        self.problems = problems
        first = str(problems[0]) if problems else "no detail"
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        super().__init__(f"SubmissionRejected: {submission}: {first}{more}")


class FrameworkError(YotbenchError):
    """A framework file is malformed; the message names the file and the place."""


class ConfigError(YotbenchError):
    """Run parameters are invalid."""
