"""A mixed drop through `yotbench run` (the real Prefect flow): good lands, bad is quarantined, nothing is lost."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from tests.conftest import copy_submission
from yotbench.cli import main
from yotbench.config import RunConfig
from yotbench.ledger import Ledger
from yotbench.store import current_files

pytestmark = pytest.mark.prefect

CORPUS = Path(__file__).parents[1] / "fixtures" / "submissions"
BAD = {  # fixture -> errors it must be quarantined with
    "answers_fail_na_not_allowed": 1,
    "cases_fail_answer_missing": 1,
    "cases_fail_case_all_na": 27,
    "ratings_fail_key_duplicated": 2,
    "inspection_fail_text_formula": 1,
    "answers_fail_file_not_text": 1,
    "cases_fail_code_not_in_set.xlsx": 1,
}


def _with_id(source: Path, raw_dir: Path, inspection_id: str) -> None:
    """Copy a CSV fixture under its own inspection_id (the corpus shares one), keeping everything else."""
    target = raw_dir / source.name
    shutil.copytree(source, target)
    head = target / "inspection.csv"
    head.write_text(head.read_text(encoding="utf-8").replace("fix-0001", inspection_id), encoding="utf-8")


def test_mixed_drop_lands_the_good_quarantines_the_bad_and_accounts_for_every_row(
    prefect_harness, tmp_path, sample_raw, capsys
):
    config = RunConfig(data_dir=tmp_path)
    config.raw_dir.mkdir(parents=True)
    good = sorted(sample_raw.iterdir())[:5]  # four CSV folders and one workbook
    for entry in good:
        copy_submission(entry, config.raw_dir)
    _with_id(CORPUS / "pass_normalised", config.raw_dir, "fix-0100")
    for i, name in enumerate(BAD):
        if name.endswith(".xlsx"):
            copy_submission(CORPUS / name, config.raw_dir)  # the only one left declaring fix-0001
        else:
            _with_id(CORPUS / name, config.raw_dir, f"fix-{i + 1:04d}-bad")

    assert main(["run", "--data-dir", str(tmp_path)]) == 2
    out = capsys.readouterr().out

    assert "13 seen, 6 landed, 0 skipped (unchanged), 7 rejected" in out
    assert "notices: 4 lossless normalisation(s) applied in 1 submission(s)" in out
    assert f"REJECTED cases_fail_case_all_na: 27 error(s); full list in {tmp_path}/quarantine/" in out
    assert f"validation: {config.validation_dir}" in out

    with Ledger(config.ledger_path) as ledger:
        records = {r.name: r for r in ledger.history()}
        assert set(records) == {e.name for e in good} | {"pass_normalised"} | set(BAD)
        for name, record in records.items():
            counts = ledger.table_counts(record.id)
            assert all(read == landed + quarantined for read, landed, quarantined in counts.values()), name
            if name in BAD:
                assert record.status == "rejected"
                assert record.error_count == BAD[name]
                assert all(landed == 0 for _, landed, _ in counts.values()), name
                with (config.data_dir / record.quarantine_path / "errors.csv").open(newline="") as handle:
                    assert len(list(csv.DictReader(handle))) == BAD[name]
                assert (config.data_dir / record.quarantine_path / "README.txt").exists()
            else:
                assert record.status == "landed"
                assert all(quarantined == 0 for _, _, quarantined in counts.values()), name
                for table, path in record.files.items():
                    assert pq.read_metadata(config.data_dir / path).num_rows == counts[table][1], (name, table)

    landed_ids = {
        i
        for path in current_files(config)["inspections"]
        for i in pq.read_table(path).column("inspection_id").to_pylist()
    }
    assert landed_ids == {f"yos-{k:05d}" for k in range(1, 6)} | {"fix-0100"}
    assert (config.validation_dir / next(p.name for p in config.validation_dir.iterdir()) / "index.html").exists()
