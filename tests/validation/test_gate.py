"""The gate beyond single fixtures: the store, batches, threads, GX faults, Data Docs, limits."""

from __future__ import annotations

import os
import shutil
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.conftest import copy_submission
from yotbench import pipeline, validation
from yotbench.config import RunConfig
from yotbench.errors import problem_count
from yotbench.ingest import MAX_FILE_BYTES, discover, read_submission
from yotbench.ledger import Ledger
from yotbench.pipeline import batches, land_batch, process_submission, rules_hash
from yotbench.validation import (
    GateCrashed,
    build_frames,
    data_docs_index,
    gate,
    validate_submission,
    validate_submissions,
)

CORPUS = Path(__file__).parents[1] / "fixtures" / "submissions"


def _sub(raw_dir: Path, name: str):
    return next(s for s in discover(raw_dir) if s.name == name)


def _received(path: Path, day: int) -> None:
    stamp = datetime(2019, 6, day, 9, tzinfo=UTC).timestamp()
    for file in path.iterdir():
        os.utime(file, (stamp, stamp))


def test_sample_programme_passes_the_gate(sample_raw, tmp_path):
    raws = [read_submission(sub) for sub in discover(sample_raw)]
    found = validate_submissions(raws, config=RunConfig(data_dir=tmp_path), run_id="sample")
    assert len(found) == 50
    assert {name: v for name, v in found.items() if v != ([], [])} == {}


def test_an_older_submission_cannot_replace_a_later_landed_one(tmp_path):
    config = RunConfig(data_dir=tmp_path)
    source = CORPUS / "inspection_fail_inspection_id_unique"
    _received(copy_submission(source, config.raw_dir, "b_later"), 20)
    _received(copy_submission(source, config.raw_dir, "a_older"), 10)
    _received(copy_submission(source, config.raw_dir, "c_newest"), 25)
    assert process_submission(_sub(config.raw_dir, "b_later"), config, "r1", rules_hash()).status == "landed"

    errors, _ = validate_submission(read_submission(_sub(config.raw_dir, "a_older")), config=config, run_id="r2")
    assert [(p.file, p.row, p.column, p.value, p.rule) for p in errors] == [
        ("a_older/inspection.csv", 2, "inspection_id", "fix-0001", "inspection_id_unique")
    ]
    assert errors[0].message == (
        "inspection_id 'fix-0001' is already landed from submission 'b_later', received 2019-06-20T09:00:00+00:00, "
        "after this one (2019-06-10T09:00:00+00:00); drop a newer version to change it"
    )

    newest = read_submission(_sub(config.raw_dir, "c_newest"))
    assert validate_submission(newest, config=config, run_id="r2") == ([], [])  # supersedes
    again = read_submission(_sub(config.raw_dir, "b_later"))
    assert validate_submission(again, config=config, run_id="r3") == ([], [])  # its own resubmission


def test_a_batch_is_read_once_checked_in_one_gx_run_and_each_submission_settled(tmp_path):
    config = RunConfig(data_dir=tmp_path)
    names = ["pass_csv", "answers_fail_na_not_allowed", "cases_fail_file_empty"]
    subs = [_sub(CORPUS, name) for name in names]

    outcomes = land_batch(subs, config, "r1", rules_hash())

    assert [(o.name, o.status) for o in outcomes] == [
        ("pass_csv", "landed"),
        ("answers_fail_na_not_allowed", "rejected"),
        ("cases_fail_file_empty", "rejected"),
    ]
    assert [(p.row, p.rule) for p in outcomes[1].problems] == [(3, "na_not_allowed")]
    assert [p.rule for p in outcomes[2].problems] == ["file_empty"]
    # all three were checked together (the empty cases file's submission on the tables it has, which add
    # no problem of their own): one saved result per suite, labelled by the batch
    saved = sorted(p.name for p in (config.validation_dir / "r1" / "results").iterdir())
    assert saved == ["3-submissions-from-pass_csv.json"]


def test_a_retried_batch_settles_nothing_twice(tmp_path, monkeypatch):
    config = RunConfig(data_dir=tmp_path)
    subs = [_sub(CORPUS, name) for name in ("pass_csv", "answers_fail_na_not_allowed")]

    def disk_full(*args):
        raise OSError("no space left on device")

    with monkeypatch.context() as patch:
        patch.setattr(pipeline, "_quarantine", disk_full)
        with pytest.raises(OSError, match="no space"):
            land_batch(subs, config, "r1", rules_hash())  # the first lands; the second fails to quarantine
    outcomes = land_batch(subs, config, "r1", rules_hash())  # the task's retry

    assert [o.status for o in outcomes] == ["landed", "rejected"]
    assert outcomes[0].tables["answers"] == (232, 232, 0)
    with Ledger(config.ledger_path) as ledger:
        rows = [(s.name, s.status, s.run_id) for s in ledger.history()]
    assert sorted(rows) == [("answers_fail_na_not_allowed", "rejected", "r1"), ("pass_csv", "landed", "r1")]
    assert not (tmp_path / "parquet_history").exists()


def test_batches_split_by_raw_bytes_and_give_every_worker_one(tmp_path):
    subs = [_sub(CORPUS, name) for name in ("pass_csv", "answers_fail_na_not_allowed", "pass_xlsx.xlsx")]
    sizes = [sum(p.stat().st_size for p in s.files) for s in subs]

    assert sizes[2] > sizes[0] + sizes[1]  # the workbook is the larger half

    assert batches(subs) == [subs]
    assert batches(subs, workers=2) == [subs[:2], subs[2:]]
    assert batches(subs, workers=3) == [[s] for s in subs]
    assert batches(subs, batch_bytes=sizes[0] + sizes[1]) == [subs[:2], subs[2:]]
    assert batches(subs, batch_bytes=sizes[0] + sizes[1] - 1) == [[s] for s in subs]
    assert batches(subs, batch_bytes=1) == [[s] for s in subs]  # a submission larger than a batch goes alone
    assert batches([], workers=2) == []


def test_submissions_validated_from_two_threads_get_their_own_verdicts(tmp_path):
    config = RunConfig(data_dir=tmp_path)
    names = ["pass_csv", "answers_fail_question_unknown", "cases_fail_answer_missing", "ratings_fail_standard_unknown"]
    raws = [read_submission(_sub(CORPUS, name)) for name in names]
    alone = [validate_submission(raw, config=config, run_id="serial") for raw in raws]
    with ThreadPoolExecutor(max_workers=2) as pool:
        together = list(pool.map(lambda raw: validate_submission(raw, config=config, run_id="threads"), raws))
    assert together == alone
    assert [[p.rule for p in errors] for errors, _ in together] == [
        [],
        ["question_unknown"],
        ["answer_missing"],
        ["standard_unknown"],
    ]


def test_a_gx_fault_raises_and_is_not_reported_as_bad_data(tmp_path):
    raw = read_submission(_sub(CORPUS, "pass_csv"))
    frames = build_frames([raw], RunConfig(data_dir=tmp_path))
    frames.frames["cells"]["date"] = 20190304  # GX's strftime check raises on a non-string
    with pytest.raises(GateCrashed, match=r"match_strftime_format \(date_invalid\) of suite cells"):
        gate().validate(frames)


def test_data_docs_are_written_for_the_run(tmp_path):
    config = RunConfig(data_dir=tmp_path)
    assert data_docs_index(config, "r1") is None
    raws = [read_submission(_sub(CORPUS, name)) for name in ("pass_csv", "cases_fail_code_not_in_set")]
    validate_submissions(raws, config=config, run_id="r1")

    index = data_docs_index(config, "r1")

    assert index == config.validation_dir / "r1" / "index.html"
    pages = sorted(p.parent.parent.parent.name for p in (index.parent / "validations").rglob("*.html"))
    assert pages == ["answers", "cases", "cells", "coverage", "inspection", "ratings"]
    cells = next((index.parent / "validations" / "yotbench" / "cells").rglob("*.html")).read_text()
    assert "cases.gender=M" in cells  # the failing value, as GX recorded it


def test_rows_beyond_the_listing_limit_are_counted(tmp_path, monkeypatch):
    monkeypatch.setattr(validation, "MAX_LISTED", 3)
    target = tmp_path / "raw" / "many_bad"
    shutil.copytree(CORPUS / "pass_csv", target)
    answers = target / "answers.csv"
    lines = answers.read_text().splitlines()
    for row in [3, 4, 5, 6, 7, 8, 9, 11, 12, 13]:  # prompts only: a bad key question would break its prompts too
        lines[row - 1] = lines[row - 1].rsplit(",", 1)[0] + ",maybe"
    answers.write_text("\n".join(lines) + "\n")
    raw = read_submission(_sub(tmp_path / "raw", "many_bad"))

    errors, _ = validate_submission(raw, config=RunConfig(data_dir=tmp_path), run_id="r1")

    assert [(p.row, p.rule) for p in errors] == [
        (None, "code_not_in_set"),
        (3, "code_not_in_set"),
        (4, "code_not_in_set"),
        (5, "code_not_in_set"),
    ]
    assert errors[0].message == "7 more rows break code_not_in_set; only the first 3 are listed"
    # the ledger, the summary and README.txt count ten problems, not four lines
    assert problem_count(errors) == 10
    assert errors[0].as_dict() == {
        "file": "many_bad/answers.csv",
        "row": None,
        "column": None,
        "value": None,
        "rule": "code_not_in_set",
        "message": "7 more rows break code_not_in_set; only the first 3 are listed",
    }


def test_a_200_mb_file_is_rejected_before_it_is_read(tmp_path):
    target = tmp_path / "raw" / "huge"
    shutil.copytree(CORPUS / "pass_csv", target)
    with (target / "answers.csv").open("r+b") as handle:
        handle.truncate(200 * 1024 * 1024)  # sparse: 200 MB on paper, nothing to write
    raw = read_submission(_sub(tmp_path / "raw", "huge"))
    assert [(p.file, p.rule) for p in raw.problems] == [("huge/answers.csv", "file_too_large")]
    assert raw.problems[0].message == (
        f"huge/answers.csv is 200 MB; a submission file must be under {MAX_FILE_BYTES // 2**20} MB "
        "(one inspection's data is a few MB at most)"
    )


def test_a_mixed_batch_gets_the_verdicts_each_submission_gets_alone(tmp_path):
    # the batch's tables are stacked into one frame each and every row is told apart by its
    # submission: tables missing from some submissions (unreadable, duplicated or unnamed columns),
    # an unexpected column and a bad answer change no other submission's verdict
    names = [
        "pass_csv",
        "pass_unexpected_column",
        "cases_fail_column_duplicated",
        "cases_fail_column_missing",
        "cases_fail_column_unnamed",
        "answers_fail_na_not_allowed",
    ]
    raws = [read_submission(_sub(CORPUS, name)) for name in names]
    config = RunConfig(data_dir=tmp_path)
    together = validate_submissions(raws, config=config, run_id="together")
    alone = {
        raw.submission.name: validate_submissions([raw], config=config, run_id="alone")[raw.submission.name]
        for raw in raws
    }
    assert together == alone
    assert together["pass_csv"] == together["pass_unexpected_column"] == ([], [])
    assert [(p.file, p.row, p.rule) for p in together["answers_fail_na_not_allowed"][0]] == [
        ("answers_fail_na_not_allowed/answers.csv", 3, "na_not_allowed")
    ]
