"""The framework loader, and yos-2018 against the tables seed 003 actually prints."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from tests import seed003
from yotbench.config import FRAMEWORKS_DIR
from yotbench.errors import FrameworkError
from yotbench.frameworks import load_framework, load_frameworks

YOS = FRAMEWORKS_DIR / "yos-2018.yaml"


@pytest.fixture(scope="module")
def yos():
    return load_framework(YOS)


@pytest.fixture(scope="module")
def published():
    return seed003.parse()


def test_every_framework_file_loads():
    frameworks = load_frameworks()
    assert "yos-2018" in frameworks
    assert all(fid == f.id for fid, f in frameworks.items())


def test_yos_has_the_twelve_standards_of_seed_003(yos):
    assert [(s.id, s.name, s.rated_by) for s in yos.standards] == [
        ("1.1", "Governance and leadership", "judgement"),
        ("1.2", "Staff", "judgement"),
        ("1.3", "Partnerships and services", "judgement"),
        ("1.4", "Information and facilities", "judgement"),
        ("2.1", "Assessment", "key_questions"),
        ("2.2", "Planning", "key_questions"),
        ("2.3", "Implementation and delivery", "key_questions"),
        ("2.4", "Reviewing", "key_questions"),
        ("3.1", "Assessment", "key_questions"),
        ("3.2", "Planning", "key_questions"),
        ("3.3", "Implementation and delivery", "key_questions"),
        ("3.4", "Joint working", "key_questions"),
    ]
    assert [d.case_types for d in yos.domains] == [[], ["court"], ["out_of_court"]]


def test_yos_questions_match_seed_tables_word_for_word(yos, published):
    """Every key question and prompt id, in report order, with the report's wording."""
    expected = []
    for sid, standard in published.items():
        for k, kq in enumerate(standard.key_questions, start=1):
            expected.append((f"{sid}.{k}", kq.text))
            for p, prompt in enumerate(kq.prompts):
                expected.append((f"{sid}.{k}.{chr(ord('a') + p)}", prompt.text))
    actual = [(q.question_id, q.text) for q in yos.questions()]
    assert actual == expected
    assert len(actual) == 116
    assert dict(actual)["2.1.1"] == "Does assessment sufficiently analyse how to support the child's desistance?"
    assert dict(actual)["2.1.1.a"].startswith("Is there sufficient analysis of offending behaviour")
    assert dict(actual)["3.4.1"].startswith("Are the YOT's recommendations")
    assert (
        dict(actual)["3.4.2"]
        == "Does the YOT work effectively with the police in implementing the out-of-court disposal?"
    )


def test_na_is_allowed_wherever_the_report_shows_fewer_relevant_cases(yos, published):
    flags = {q.question_id: q.na_allowed for q in yos.questions()}
    for sid, standard in published.items():
        for k, kq in enumerate(standard.key_questions, start=1):
            kid = f"{sid}.{k}"
            if kq.relevant < standard.sample:
                assert flags[kid], kid
            for p, prompt in enumerate(kq.prompts):
                pid = f"{kid}.{chr(ord('a') + p)}"
                if prompt.relevant < kq.relevant or prompt.text.startswith("Where applicable"):
                    assert flags[pid], pid
    # asked of every case: assessment's key questions and their unconditional prompts
    assert not flags["2.1.1"] and not flags["2.1.1.a"] and not flags["3.1.3"]
    # footnoted 'only relevant in cases where ...' and reviewing (footnote 18)
    assert flags["2.2.2"] and flags["2.4.1"] and flags["3.4.2"]


def test_rating_rules_are_annexe_1(yos):
    rating = yos.rating
    assert [(b.rating, b.min_pct, b.score) for b in rating.question_bands] == [
        ("inadequate", 0, 0),
        ("requires_improvement", 50, 1),
        ("good", 65, 2),
        ("outstanding", 80, 3),
    ]
    assert [(b.rating, b.min_score, b.max_score) for b in rating.overall_bands] == [
        ("inadequate", 0, 6),
        ("requires_improvement", 7, 18),
        ("good", 19, 30),
        ("outstanding", 31, 36),
    ]
    assert (rating.discretion.window_pp, rating.discretion.max_cases) == (5, 5)


def _broken(tmp_path: Path, name: str, edit) -> Path:
    data = yaml.safe_load(YOS.read_text(encoding="utf-8"))
    edit(data)
    path = tmp_path / f"{name}.yaml"
    data["id"] = name
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def _kq(data, sid="2.1", k=0):
    standard = next(s for d in data["domains"] for s in d["standards"] if s["id"] == sid)
    return standard["key_questions"][k]


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: _kq(d).update(area="tea"), r"2\.1\.1: area 'tea' is not declared in areas"),
        (lambda d: _kq(d, k=1).update(id="2.1.1"), r"id '2\.1\.1' is used twice"),
        (lambda d: _kq(d).update(id="2.2.9"), r"key question 2\.2\.9 must start with its standard id 2\.1\."),
        (
            lambda d: d["rating"]["question_bands"].reverse(),
            r"question_bands must start at min_pct 0 and rise strictly",
        ),
        (
            lambda d: d["rating"]["overall_bands"][1].update(min_score=8),
            r"band requires_improvement starts at 8, expected 7",
        ),
        (
            lambda d: d["domains"][1].update(case_types=["youth_court"]),
            r"case type 'youth_court' is not one of court, out_of_court",
        ),
        (
            lambda d: _kq(d).update(colour="blue"),
            r"domains\[1\] \(id 2\)\.standards\[0\] \(id 2\.1\)\.key_questions\[0\] \(id 2\.1\.1\)\.colour: Extra inputs are not permitted",
        ),
        (
            lambda d: d["rating"]["question_bands"][3].update(rating="excellent"),
            r"rating band 'excellent' is not one of",
        ),
    ],
)
def test_broken_framework_files_are_named_with_the_place_and_rule(tmp_path, edit, message):
    path = _broken(tmp_path, "broken", edit)
    with pytest.raises(FrameworkError) as caught:
        load_framework(path)
    text = str(caught.value)
    assert str(path) in text
    assert re.search(message, text), text


def test_framework_id_must_match_its_file_name(tmp_path):
    path = tmp_path / "other.yaml"
    path.write_text(YOS.read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(FrameworkError, match=r"id 'yos-2018' must match the file name 'other'"):
        load_framework(path)


def test_unreadable_yaml_is_a_framework_error(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("id: [unclosed\n", encoding="utf-8")
    with pytest.raises(FrameworkError, match=r"bad\.yaml: cannot read framework file"):
        load_framework(path)


def test_input_contract_doc_is_generated_from_the_schemas():
    from yotbench.contract_doc import DOC, render

    assert DOC.read_text(encoding="utf-8") == render(), "run: python -m yotbench.contract_doc"
