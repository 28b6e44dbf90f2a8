"""sqs-2012 and cci-2009: reconstructed frameworks as data, and sample programmes that read like
the published reports (seeds 000, 001, 004)."""

from __future__ import annotations

import pyarrow as pa
import pytest

from tests.marts.conftest import build_landed, landed_submission, rows
from yotbench.config import FRAMEWORKS_DIR
from yotbench.frameworks import load_frameworks
from yotbench.sample import SAMPLE_SIZES, generate_inspection

SQS_THEMES = [
    "Reducing the likelihood of reoffending",
    "Protecting the public",
    "Protecting the child or young person",
    "Ensuring the sentence is served",
]
CCI_CRITERIA = ["1.1", "1.2", "1.3", "2.1", "2.2", "2.3", "3.1", "3.2"]


def open_header(framework_id: str) -> str:
    text = (FRAMEWORKS_DIR / f"{framework_id}.yaml").read_text(encoding="utf-8")
    return "\n".join(line for line in text.splitlines() if line.startswith("#"))


@pytest.fixture(scope="module")
def frameworks():
    return load_frameworks()


def test_sqs_has_the_four_themes_of_seed_000_and_no_ratings(frameworks):
    sqs = frameworks["sqs-2012"]
    assert [s.name for s in sqs.standards] == SQS_THEMES
    assert [a.name for a in sqs.areas] == SQS_THEMES
    assert sqs.rating is None and not sqs.headlines
    for standard, area in zip(sqs.standards, sqs.areas, strict=True):
        assert {q.area for q in standard.key_questions} == {area.id}
    assert "RECONSTRUCTED" in open_header("sqs-2012")


def test_cci_has_the_criteria_and_headlines_of_seed_004(frameworks):
    cci = frameworks["cci-2009"]
    assert [s.id for s in cci.standards] == CCI_CRITERIA
    assert [h.name for h in cci.headlines] == ["Safeguarding", "Risk of Harm to others", "Likelihood of Reoffending"]
    assert [(b.min_pct, b.comment.split()[0]) for b in cci.comment_bands] == [
        (80, "MINIMUM"),
        (60, "MODERATE"),
        (40, "SUBSTANTIAL"),
        (0, "DRASTIC"),
    ]
    for standard in cci.standards:
        assert all(q.headline for q in standard.key_questions), standard.id
    assert "RECONSTRUCTED" in open_header("cci-2009") and "UNCONFIRMED" in open_header("cci-2009")


@pytest.fixture(scope="module")
def programme(frameworks):
    """The sample programmes of sqs-2012 and cci-2009, built into marts in memory."""
    parts: dict[str, list[pa.Table]] = {}
    for framework_id in ("sqs-2012", "cci-2009"):
        for index in range(SAMPLE_SIZES[framework_id]):
            for table, value in landed_submission(generate_inspection(frameworks[framework_id], index)).items():
                parts.setdefault(table, []).append(value)
    tables = {table: pa.concat_tables(values) for table, values in parts.items()}
    return build_landed(tables, list(frameworks.values()))


def test_sample_sqs_programme_reads_like_seed_000(programme):
    assert rows(
        programme,
        """
        select inspections, cases from marts.periods where framework = 'sqs-2012' and period_kind = 'programme'
    """,
    ) == [(49, 1158)]
    pct = dict(
        rows(
            programme,
            """
        select question_id, pct_yes from marts.question_results_by_period
        where framework = 'sqs-2012' and period_kind = 'programme'""",
        )
    )
    # engagement in assessment ~ nine in ten; management oversight not good enough in over half
    assert pct["4.1"] > 85 and pct["2.5"] < 50 and pct["3.6"] < 50
    assert pct["4.1"] > pct["4.2"] > pct["2.2"]
    shares = dict(
        rows(
            programme,
            """
        select group_value, pct_cases from marts.case_characteristics
        where framework = 'sqs-2012' and characteristic = 'ethnic_group'""",
        )
    )
    assert 20 < shares["minority_ethnic"] < 35


def test_sample_cci_headlines_spread_like_seed_004(programme):
    spread = rows(
        programme,
        """
        select headline, min(pct_rounded), max(pct_rounded), avg(pct) from marts.headline_scores
        group by headline order by headline""",
    )
    assert [h for h, *_ in spread] == ["likelihood_of_reoffending", "risk_of_harm", "safeguarding"]
    for _, low, high, mean in spread:
        # seed 004: lowest 36-43%, highest 85-91%, average 63-71% across the three headlines
        assert low < 45 and high > 80 and 55 < mean < 75
    assert rows(programme, "select count(distinct comment) from marts.headline_scores") == [(4,)]
