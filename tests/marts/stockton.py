"""Case-level records that reproduce every published count of seed 003 (Stockton-on-Tees, 2021).

The report publishes, for each case standard, how many of its 8 court or 5 out-of-court cases
each key question and prompt was relevant to and how many were answered 'Yes'. We rebuild one
submission whose cases give exactly those counts: for each key question the first `relevant`
cases of its domain (in the order below) are relevant and the first `yes` of those answered
yes; a prompt is relevant only to cases its key question is relevant to, again first-n. The
case order puts cases with safety and risk-of-harm factors first, so the sub-samples the report
describes ('the 4 cases with factors related to keeping the child safe') are those cases.

The published tables do not say which case gave which answer, nor the cases' characteristics;
those are our choice and nothing is asserted about them.
"""

from __future__ import annotations

import pandas as pd

from tests.seed003 import parse
from yotbench.frameworks import Framework

INSPECTION = {
    "inspection_id": "stockton-2021",
    "framework": "yos-2018",
    "provider": "Stockton-on-Tees Youth Offending Service",
    "region": "North East",
    "nation": "england",
    "fieldwork_start": "2020-09-21",
    "fieldwork_end": "2020-09-24",
    "published": "",
}

# Seven community sentences and one custodial sentence; one youth conditional caution, one
# youth caution and three triage (community resolution) cases.
COURT = [
    ("S01", "youth_rehabilitation_order", "male", "white", "yes", 16, "high", "high"),
    ("S02", "custody", "male", "white", "no", 17, "high", "medium"),
    ("S03", "referral_order", "male", "asian", "no", 15, "medium", "high"),
    ("S04", "youth_rehabilitation_order", "male", "white", "yes", 14, "medium", "medium"),
    ("S05", "referral_order", "female", "white", "no", 13, "medium", "medium"),
    ("S06", "referral_order", "male", "white", "no", 17, "medium", "medium"),
    ("S07", "youth_rehabilitation_order", "male", "white", "no", 16, "medium", "medium"),
    ("S08", "referral_order", "male", "white", "no", 15, "medium", "medium"),
]
OUT_OF_COURT = [
    ("S09", "youth_conditional_caution", "male", "white", "no", 16, "medium", "high"),
    ("S10", "youth_caution", "male", "white", "yes", 14, "medium", "medium"),
    ("S11", "community_resolution", "male", "white", "no", 13, "medium", "medium"),
    ("S12", "community_resolution", "male", "mixed", "no", 12, "low", "medium"),
    ("S13", "community_resolution", "male", "white", "no", 15, "low", "low"),
]
COLUMNS = ["case_ref", "disposal", "gender", "ethnicity", "looked_after", "age", "rosh", "safety_wellbeing"]

JUDGEMENTS = {"1.1": "good", "1.2": "outstanding", "1.3": "outstanding", "1.4": "outstanding"}
OVERRIDE = (
    "2.2",
    "good",
    "Professional discretion: planning to keep the child safe uplifted to Good, "
    "a more accurate reflection of the overall quality of planning",
)


def _cases() -> pd.DataFrame:
    court = pd.DataFrame(COURT, columns=COLUMNS).assign(case_type="court")
    ooc = pd.DataFrame(OUT_OF_COURT, columns=COLUMNS).assign(case_type="out_of_court")
    frame = pd.concat([court, ooc], ignore_index=True)
    return frame[["case_ref", "case_type", *COLUMNS[1:]]]


def submission(framework: Framework) -> dict[str, pd.DataFrame]:
    """The Stockton submission as text tables (inspection, cases, answers, ratings)."""
    published = parse()
    cases = _cases()
    rows = []
    for standard_id, table in published.items():
        standard = next(s for s in framework.standards if s.id == standard_id)
        domain = framework.domain_of(standard_id)
        pool = cases[cases["case_type"].isin(domain.case_types)]
        assert len(pool) == table.sample, standard_id
        for kq, kq_counts in zip(standard.key_questions, table.key_questions, strict=True):
            eligible = pool
            for column, values in (kq.relevant_when or {}).items():
                eligible = eligible[eligible[column].isin(values)]
            relevant = list(eligible["case_ref"][: kq_counts.relevant])
            assert len(relevant) == kq_counts.relevant, kq.id
            yes = set(relevant[: kq_counts.yes])
            for ref in pool["case_ref"]:
                rows.append((ref, kq.id, "na" if ref not in relevant else "yes" if ref in yes else "no"))
            for prompt, p_counts in zip(kq.prompts, kq_counts.prompts, strict=True):
                p_relevant = relevant[: p_counts.relevant]
                p_yes = set(p_relevant[: p_counts.yes])
                for ref in pool["case_ref"]:
                    rows.append((ref, prompt.id, "na" if ref not in p_relevant else "yes" if ref in p_yes else "no"))
    answers = pd.DataFrame(rows, columns=["case_ref", "question_id", "answer"])
    order = {ref: i for i, ref in enumerate(cases["case_ref"])}
    answers = answers.sort_values("case_ref", key=lambda s: s.map(order), kind="stable").reset_index(drop=True)
    ratings = pd.DataFrame(
        [{"standard_id": s, "rating": r, "kind": "judgement", "reason": ""} for s, r in JUDGEMENTS.items()]
        + [{"standard_id": OVERRIDE[0], "rating": OVERRIDE[1], "kind": "override", "reason": OVERRIDE[2]}]
    )
    return {
        "inspection": pd.DataFrame([INSPECTION]),
        "cases": cases.astype({"age": str}),
        "answers": answers,
        "ratings": ratings,
    }
