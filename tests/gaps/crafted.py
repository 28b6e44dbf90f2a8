"""Small int_answers_enriched frames built from counts, for tests with known answers."""

from __future__ import annotations

import pandas as pd

# Every characteristic not under test is `unknown`, so its rows say "nothing to compare".
BLANK = {c: "unknown" for c in ("gender", "ethnicity", "ethnic_group", "looked_after", "age_band", "case_type")}
QUESTION = {"standard_id": "2.1", "area": "desistance", "level": "key_question", "parent_id": None}


def one_question(
    counts: dict[tuple[str, str], tuple[int, int]],
    *,
    column: str = "gender",
    question_id: str = "2.1.1",
    framework: str = "sqs-2012",
    na: int = 0,
) -> pd.DataFrame:
    """One key question; `counts` maps (inspection_id, group) to (yes, no); `na` more cases per cell answer na."""
    rows = []
    for (inspection, group), (yes, no) in counts.items():
        for answer, n in (("yes", yes), ("no", no), ("na", na)):
            rows += [
                BLANK
                | QUESTION
                | {
                    column: group,
                    "framework": framework,
                    "inspection_id": inspection,
                    "case_key": f"{framework}/{inspection}/{len(rows) + i}",
                    "question_id": question_id,
                    "answer": answer,
                    "fieldwork_start": "2013-01-07",
                    "fieldwork_end": "2013-01-11",
                }
                for i in range(n)
            ]
    return pd.DataFrame(rows)


def per_case(
    cases: list[tuple[str, dict[str, str]]], *, column: str = "gender", inspection: str = "ins-1"
) -> pd.DataFrame:
    """Answers written case by case: [(group, {question_id: answer})]; the standard is the id's first two parts."""
    rows = []
    for number, (group, answers) in enumerate(cases):
        for question_id, answer in answers.items():
            parts = question_id.split(".")
            rows.append(
                BLANK
                | {
                    column: group,
                    "framework": "sqs-2012",
                    "inspection_id": inspection,
                    "case_key": f"case-{number}",
                    "question_id": question_id,
                    "standard_id": ".".join(parts[:2]),
                    "area": "desistance",
                    "level": "prompt" if len(parts) > 3 else "key_question",
                    "parent_id": ".".join(parts[:3]) if len(parts) > 3 else None,
                    "answer": answer,
                    "fieldwork_start": "2013-01-07",
                    "fieldwork_end": "2013-01-11",
                }
            )
    return pd.DataFrame(rows)


def row(result: pd.DataFrame, characteristic: str, scope: str = "question", item_id: str = "2.1.1") -> pd.Series:
    """The one result row for a characteristic and item."""
    found = result[
        (result["characteristic"] == characteristic) & (result["scope"] == scope) & (result["item_id"] == item_id)
    ]
    assert len(found) == 1, found
    return found.iloc[0]
