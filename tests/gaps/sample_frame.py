"""The embedded sample programme as int_answers_enriched rows, derived here without the marts code."""

from __future__ import annotations

import numpy as np
import pandas as pd

from yotbench.frameworks import load_frameworks
from yotbench.sample import DEFAULT_SEED, SAMPLE_SIZES, generate_inspection


def ethnic_group(ethnicity: pd.Series) -> pd.Series:
    return ethnicity.map(lambda e: e if e in ("white", "unknown") else "minority_ethnic")


def age_band(age: pd.Series) -> pd.Series:
    return pd.Series(np.select([age <= 14, age <= 17], ["10-14", "15-17"], "18"), index=age.index)


def enriched_sample(framework_id: str = "yos-2018", seed: int = DEFAULT_SEED) -> pd.DataFrame:
    """One row per case x question for the sample programme of one framework."""
    framework = load_frameworks()[framework_id]
    questions = pd.DataFrame(
        [
            {
                "question_id": q.question_id,
                "domain_id": q.domain_id,
                "standard_id": q.standard_id,
                "area": q.area,
                "parent_id": q.parent_id,
                "level": q.level,
            }
            for q in framework.questions()
        ]
    )
    frames = []
    for index in range(SAMPLE_SIZES[framework_id]):
        tables = generate_inspection(framework, index, seed)
        inspection = tables["inspection"]
        cases = tables["cases"].assign(age=lambda c: c["age"].astype(int))
        cases["case_key"] = np.arange(1, len(cases) + 1)  # a surrogate within the inspection, as in the marts
        cases["ethnic_group"] = ethnic_group(cases["ethnicity"])
        cases["age_band"] = age_band(cases["age"])
        rows = (
            tables["answers"]
            .merge(cases, on="case_ref")
            .merge(questions, on="question_id")
            .merge(inspection, how="cross")
            .drop(columns=["case_ref", "rosh", "safety_wellbeing", "published"])
        )
        frames.append(rows)
    return pd.concat(frames, ignore_index=True)
