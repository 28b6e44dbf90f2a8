"""Synthetic int_answers_enriched rows with known gaps, at the scale of seed 000.

49 inspections and 1,127 cases; nine key questions in three standards, one standard per
area, each key question with one prompt. Services differ in quality and cases within a
service differ too (both on the logit scale), so answers cluster as real ones do.
`planted` adds a logit effect for one group of one characteristic on every question of
the named areas; `looked_after_by_quality` concentrates looked-after children in the
weaker services without treating them differently within any service.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tests.gaps.sample_frame import age_band, ethnic_group

STRUCTURE = {  # standard: (area, key questions)
    "2.1": ("desistance", ("2.1.1", "2.1.2", "2.1.3")),
    "2.2": ("child_safety", ("2.2.1", "2.2.2", "2.2.3")),
    "2.3": ("others_safety", ("2.3.1", "2.3.2", "2.3.3")),
}
SHARES = {
    "gender": {"male": 0.84, "female": 0.14, "other": 0.005, "unknown": 0.015},
    "ethnicity": {"white": 0.71, "black": 0.1, "asian": 0.07, "mixed": 0.08, "other": 0.02, "unknown": 0.02},
    "looked_after": {"yes": 0.3, "no": 0.67, "unknown": 0.03},
    "case_type": {"court": 0.7, "out_of_court": 0.3},
}
AGE_SHARES = {10: 0.01, 11: 0.02, 12: 0.05, 13: 0.09, 14: 0.15, 15: 0.2, 16: 0.23, 17: 0.2, 18: 0.05}


def _draw(rng: np.random.Generator, shares: dict, n: int) -> np.ndarray:
    keys = list(shares)
    p = np.array([shares[k] for k in keys], dtype=float)
    return np.array(keys, dtype=object)[rng.choice(len(keys), size=n, p=p / p.sum())]


def programme(
    seed: int,
    *,
    inspections: int = 49,
    cases: int = 1127,
    planted: tuple[str, str, set[str], float] | None = None,
    looked_after_by_quality: bool = False,
) -> pd.DataFrame:
    """One row per case x question; `planted` is (column, value, areas, logit effect)."""
    rng = np.random.default_rng(seed)
    sizes = rng.multinomial(cases - 10 * inspections, np.full(inspections, 1 / inspections)) + 10
    inspection = np.repeat(np.arange(inspections), sizes)
    quality = rng.normal(0.9, 0.75, inspections)
    if looked_after_by_quality:
        quality = np.where(np.arange(inspections) % 2 == 0, -0.4, 1.6)
    people = pd.DataFrame(
        {
            "inspection_id": [f"ins-{i + 1:03d}" for i in inspection],
            # a surrogate within the inspection, as in the marts
            "case_key": np.arange(cases) - np.repeat(np.cumsum(sizes) - sizes, sizes) + 1,
            "gender": _draw(rng, SHARES["gender"], cases),
            "ethnicity": _draw(rng, SHARES["ethnicity"], cases),
            "looked_after": _draw(rng, SHARES["looked_after"], cases),
            "case_type": _draw(rng, SHARES["case_type"], cases),
            "age": rng.choice(list(AGE_SHARES), size=cases, p=list(AGE_SHARES.values())),
        }
    )
    if looked_after_by_quality:
        weak = quality[inspection] < 0
        people["looked_after"] = np.where(rng.random(cases) < np.where(weak, 0.6, 0.1), "yes", "no")
    people["ethnic_group"] = ethnic_group(people["ethnicity"])
    people["age_band"] = age_band(people["age"])
    base = quality[inspection] + rng.normal(0, 0.5, cases)

    frames = []
    for standard, (area, key_questions) in STRUCTURE.items():
        for question in key_questions:
            relevant = np.ones(cases, dtype=bool) if area == "desistance" else rng.random(cases) < 0.75
            logit = base + rng.normal(0, 0.25)
            if planted and area in planted[2]:
                logit = logit + planted[3] * (people[planted[0]] == planted[1]).to_numpy()
            yes = rng.random(cases) < 1 / (1 + np.exp(-logit))
            prompt_yes = rng.random(cases) < 1 / (1 + np.exp(-(logit + np.where(yes, 1.2, -1.2) + 0.4)))
            for question_id, level, parent, answer in (
                (question, "key_question", None, yes),
                (f"{question}.a", "prompt", question, prompt_yes),
            ):
                frames.append(
                    people.assign(
                        standard_id=standard,
                        area=area,
                        question_id=question_id,
                        parent_id=parent,
                        level=level,
                        answer=np.where(relevant, np.where(answer, "yes", "no"), "na"),
                    )
                )
    answers = pd.concat(frames, ignore_index=True)
    return answers.assign(framework="sqs-2012", fieldwork_start="2012-11-05", fieldwork_end="2014-03-28")
