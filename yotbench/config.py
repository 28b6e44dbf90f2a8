"""Run parameters: one typed object, validated once at the boundary.

Every path a run touches is derived from `RunConfig.data_dir`; the project's own
rule files (schemas/, sql/) are found relative to the package, never the working
directory.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, field_validator

if TYPE_CHECKING:
    import hashlib

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SCHEMAS_DIR = PROJECT_ROOT / "schemas"
RECORDS_DIR = SCHEMAS_DIR / "records"
FRAMEWORKS_DIR = SCHEMAS_DIR / "frameworks"
EXPECTATIONS_DIR = SCHEMAS_DIR / "expectations"
SQL_DIR = PROJECT_ROOT / "sql"
PACKAGE_DIR = PROJECT_ROOT / "yotbench"


def hash_files(digest: hashlib._Hash, root: Path, pattern: str = "*", prefix: str = "") -> None:
    """Feed every file under `root` matching `pattern` to `digest`, in a fixed order: each file's path
    relative to root (after `prefix`), then its bytes. What the rule and code fingerprints are made of."""
    for path in sorted(root.rglob(pattern)):
        if path.is_file():
            digest.update(f"{prefix}{path.relative_to(root).as_posix()}".encode())
            digest.update(path.read_bytes())


TaskRunner = Literal["threads", "processes", "dask"]  # Prefect task runners for landing (ops.task_runner)
TASK_RUNNERS = get_args(TaskRunner)


class RunConfig(BaseModel):
    """Parameters of one pipeline run."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    data_dir: Path = Field(default=Path("data"), description="Root of raw/, parquet/, marts/ ...")
    rebuild: bool = Field(default=False, description="Rebuild marts even when nothing new landed.")
    alpha: float = Field(default=0.05, gt=0, lt=1, description="Significance level after adjustment.")
    min_gap_pp: float = Field(default=5.0, ge=0, description="Gaps below this many points are noted as small.")
    suppress_below: int = Field(default=5, ge=0, description="Briefing cells built from fewer cases are shown as [c].")
    suppress_per_inspection: bool = Field(default=False, description="Also suppress per-inspection tables.")
    landing_workers: int = Field(default=2, ge=1, le=64, description="Submissions landed in parallel.")
    task_runner: TaskRunner = "threads"
    dask_address: str | None = Field(default=None, description="Scheduler address for task_runner=dask.")
    briefing: bool = Field(default=True, description="Write the periodic briefings after the marts.")
    contact: str | None = Field(
        default=None, max_length=500, description="Whom readers of the briefings contact (their cover sheet)."
    )

    @field_validator("data_dir")
    @classmethod
    def _absolute(cls, value: Path) -> Path:
        return value.expanduser().resolve()

    @property
    def raw_dir(self) -> Path:
        return self.data_dir / "raw"

    @property
    def parquet_dir(self) -> Path:
        return self.data_dir / "parquet"

    @property
    def marts_dir(self) -> Path:
        return self.data_dir / "marts"

    @property
    def marts_db(self) -> Path:
        return self.marts_dir / "yotbench.duckdb"

    @property
    def quarantine_dir(self) -> Path:
        return self.data_dir / "quarantine"

    @property
    def validation_dir(self) -> Path:
        return self.data_dir / "validation"

    @property
    def briefings_dir(self) -> Path:
        return self.data_dir / "briefings"

    @property
    def ledger_path(self) -> Path:
        return self.data_dir / "ledger.sqlite"

    @property
    def lock_path(self) -> Path:
        return self.data_dir / "run.lock"

    @property
    def tmp_dir(self) -> Path:
        """Scratch space on the same filesystem, so finished files move into place atomically."""
        return self.data_dir / ".tmp"
