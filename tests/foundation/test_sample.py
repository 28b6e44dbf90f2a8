"""The embedded sample: deterministic, realistic in shape, consistent with the framework."""

from __future__ import annotations

import hashlib
import re
import zipfile

import pandas as pd
import pytest

from yotbench.frameworks import load_frameworks
from yotbench.ingest import discover, read_submission
from yotbench.sample import generate_inspection, write_sample


@pytest.fixture(scope="module")
def programme(sample_raw):
    tables = {"inspection": [], "cases": [], "answers": [], "ratings": []}
    for sub in discover(sample_raw):
        raw = read_submission(sub)
        assert raw.problems == [], sub.name
        for name, frame in raw.tables.items():
            inspection_id = raw.tables["inspection"]["inspection_id"].iloc[0]
            tables[name].append(frame.assign(inspection_id=inspection_id))
    return {name: pd.concat(frames, ignore_index=True) for name, frames in tables.items()}


def test_sample_is_deterministic(tmp_path):
    def digest(root):
        return {
            p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*"))
            if p.is_file()
        }

    write_sample(tmp_path / "a")
    write_sample(tmp_path / "b")
    # workbooks too: one made a second later must not look like new content to the ledger
    assert any(name.endswith(".xlsx") for name in digest(tmp_path / "a"))
    assert digest(tmp_path / "a") == digest(tmp_path / "b")
    # ... because a workbook's creation time is its received day in the programme, not the clock
    workbook = next((tmp_path / "a").rglob("*.xlsx"))
    with zipfile.ZipFile(workbook) as z:
        created = re.search(r"<dcterms:created[^>]*>([^<]+)<", z.read("docProps/core.xml").decode())[1]
    assert 2018 <= int(created[:4]) <= 2022 and created.endswith("T00:00:00Z")


def test_sample_has_fifty_inspections_in_both_formats_and_nations(sample_raw, programme):
    entries = discover(sample_raw)
    assert len(entries) == 50
    assert {e.format for e in entries} == {"csv", "xlsx"}
    inspections = programme["inspection"]
    assert inspections["inspection_id"].is_unique
    assert set(inspections["nation"]) == {"england", "wales"}
    assert inspections["region"].nunique() == 10
    years = pd.to_datetime(inspections["fieldwork_start"]).dt.year
    assert years.min() == 2018 and years.max() == 2021


def test_case_counts_and_mix(programme):
    cases = programme["cases"]
    per_inspection = cases.groupby("inspection_id").size()
    assert per_inspection.min() >= 8 and per_inspection.max() <= 40
    share = cases["gender"].value_counts(normalize=True)
    assert 0.78 < share["male"] < 0.9
    minority = cases["ethnicity"].isin(["black", "asian", "mixed", "other"]).mean()
    assert 0.18 < minority < 0.34
    assert 0.22 < (cases["looked_after"] == "yes").mean() < 0.38
    assert set(cases["case_type"]) == {"court", "out_of_court"}
    assert cases["age"].astype(int).between(10, 18).all()


def test_answers_respect_case_type_and_na_rules(programme):
    framework = load_frameworks()["yos-2018"]
    questions = {q.question_id: q for q in framework.questions()}
    answers = programme["answers"].merge(programme["cases"], on=["inspection_id", "case_ref"])
    applies = [row.case_type in questions[row.question_id].case_types for row in answers.itertuples()]
    assert all(applies)
    na_forbidden = answers["question_id"].map(lambda q: not questions[q].na_allowed)
    assert (answers.loc[na_forbidden, "answer"] != "na").all()
    # one row per case and applicable question
    expected = programme["cases"]["case_type"].map(lambda ct: sum(ct in q.case_types for q in questions.values())).sum()
    assert len(answers) == expected
    # a key question answered na makes its prompts na
    kq = answers[answers["question_id"].isin([q for q, v in questions.items() if v.level == "key_question"])]
    na_kq = set(
        zip(
            kq.loc[kq["answer"] == "na", "inspection_id"],
            kq.loc[kq["answer"] == "na", "case_ref"],
            kq.loc[kq["answer"] == "na", "question_id"],
            strict=True,
        )
    )
    prompts = answers[answers["question_id"].map(lambda q: questions[q].parent_id is not None)]
    under = prompts[
        [
            (i, c, questions[q].parent_id) in na_kq
            for i, c, q in zip(prompts["inspection_id"], prompts["case_ref"], prompts["question_id"], strict=True)
        ]
    ]
    assert len(under) > 0 and (under["answer"] == "na").all()
    # the conditional-caution question is relevant only to youth conditional cautions
    police = answers[answers["question_id"] == "3.4.2"]
    assert (police.loc[police["disposal"] != "youth_conditional_caution", "answer"] == "na").all()


def test_key_question_results_spread_across_services(programme):
    answers = programme["answers"]
    kq = answers[answers["question_id"].str.count(r"\.") == 2]
    kq = kq[kq["answer"] != "na"]
    pct = kq.assign(yes=kq["answer"] == "yes").groupby("inspection_id")["yes"].mean() * 100
    assert pct.min() < 50 and pct.max() > 85


def test_domain_one_judgements_for_every_inspection(programme):
    judgements = programme["ratings"][programme["ratings"]["kind"] == "judgement"]
    per_inspection = judgements.groupby("inspection_id")["standard_id"].apply(lambda s: tuple(sorted(s)))
    assert set(per_inspection) == {("1.1", "1.2", "1.3", "1.4")}
    assert judgements["inspection_id"].nunique() == 50


def test_generation_is_reproducible_per_index():
    framework = load_frameworks()["yos-2018"]
    a = generate_inspection(framework, 7)
    b = generate_inspection(framework, 7)
    for name in a:
        pd.testing.assert_frame_equal(a[name], b[name])


def test_the_sample_command_never_overwrites_a_submission(tmp_path, capsys):
    from yotbench.cli import main

    raw = tmp_path / "raw"
    assert main(["sample", "--raw-dir", str(raw)]) == 0
    first = sorted(p.name for p in raw.iterdir())
    edited = next(p for p in sorted(raw.iterdir()) if p.is_dir()) / "ratings.csv"
    edited.write_text("edited by hand\n", encoding="utf-8")
    capsys.readouterr()

    assert main(["sample", "--raw-dir", str(raw)]) == 0

    out = capsys.readouterr().out
    assert out.splitlines()[0] == f"wrote 0 submissions to {raw}"
    assert f"left {len(first)} already in {raw} as they were" in out
    assert edited.read_text(encoding="utf-8") == "edited by hand\n"
    assert sorted(p.name for p in raw.iterdir()) == first  # nothing left behind beside them
    assert [p.name for p in tmp_path.iterdir()] == ["raw"]
