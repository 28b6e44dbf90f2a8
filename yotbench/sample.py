"""A deterministic synthetic inspection programme, written as raw submissions.

Nothing here is real: services, cases and answers are drawn from a seeded model.
The model is simple and documented so that tests and briefings can rely on it:

* each service has a latent quality (logit scale) that spreads key-question
  results across roughly 35%-90%;
* each case has its own small random effect, so answers within a case agree more
  than answers across cases;
* prompts lean the way their key question was answered;
* relevance follows the framework: questions that may be `na` are relevant to a
  share of cases (safety questions to cases with safety or risk factors, the
  conditional-caution question only to youth conditional cautions), and a key
  question answered `na` makes its prompts `na`;
* a few differences by characteristic are planted (`PLANTED`), none by ethnicity.

`scale` multiplies the number of inspections for benchmarks; inspection k is the
same at every scale, so scale 100 contains scale 1.
"""

from __future__ import annotations

import datetime as dt
import os
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv

from yotbench.frameworks import Framework, load_frameworks
from yotbench.records import code_sets

DEFAULT_SEED = 20210221

# Planted differences, on the logit scale, by framework area. Documented in
# docs/assumptions.md (Sample data); the gaps tests look for exactly these and nothing else.
PLANTED = {
    "female_desistance": {
        "column": "gender",
        "value": "female",
        "areas": {"desistance", "reoffending"},
        "effect": 0.45,
    },
    "looked_after_child_safety": {
        "column": "looked_after",
        "value": "yes",
        "areas": {"child_safety", "child"},
        "effect": -0.55,
    },
}

# Per-question shifts (logit scale) so the reconstructed SQS programme reads like the aggregate
# report of seed 000: engagement and compliance strong, management oversight weak, risk-of-harm
# planning insufficient in about four cases in ten. None for yos-2018, whose output is unchanged.
QUESTION_SHIFTS = {
    "sqs-2012": {
        "1.3": 0.55,
        "1.7": 0.25,
        "2.2": -0.45,
        "2.5": -1.05,
        "3.2": 0.55,
        "3.5": 0.55,
        "3.6": -1.05,
        "4.1": 1.4,
        "4.2": 0.55,
        "4.4": 1.2,
        "4.5": 1.6,
    },
}

REGIONS = [
    ("North East", "england"),
    ("North West", "england"),
    ("Yorkshire and the Humber", "england"),
    ("East Midlands", "england"),
    ("West Midlands", "england"),
    ("East of England", "england"),
    ("London", "england"),
    ("South East", "england"),
    ("South West", "england"),
    ("Wales", "wales"),
]
_STEMS = [
    "Ash",
    "Bram",
    "Cal",
    "Dun",
    "Elm",
    "Fen",
    "Gar",
    "Hol",
    "Ivy",
    "Kel",
    "Lang",
    "Mar",
    "Nor",
    "Oak",
    "Pen",
    "Rook",
    "Sel",
    "Thorn",
    "Wick",
    "Yar",
]
_ENDS = ["ford", "ley", "ton", "bury", "wick", "field", "mouth", "dale", "ham", "stow"]

PERIODS = {
    "yos-2018": (dt.date(2018, 7, 2), dt.date(2021, 5, 28)),
    "sqs-2012": (dt.date(2012, 11, 5), dt.date(2014, 3, 28)),
    "cci-2009": (dt.date(2009, 4, 6), dt.date(2012, 3, 30)),
}
SAMPLE_SIZES = {"yos-2018": 50, "sqs-2012": 49, "cci-2009": 24}
CASE_RANGE = {"yos-2018": (8, 40), "sqs-2012": (14, 32), "cci-2009": (20, 60)}
COURT_SHARE = {"yos-2018": 0.6, "sqs-2012": 1.0, "cci-2009": 1.0}

# Shares of each characteristic, in code order (see schemas/records/codes.json).
SHARES = {
    "gender": {"male": 0.84, "female": 0.14, "other": 0.005, "unknown": 0.015},
    "ethnicity": {"white": 0.71, "black": 0.1, "asian": 0.07, "mixed": 0.08, "other": 0.02, "unknown": 0.02},
    "looked_after": {"yes": 0.3, "no": 0.67, "unknown": 0.03},
    "rosh": {"low": 0.3, "medium": 0.45, "high": 0.2, "very_high": 0.03, "not_known": 0.02},
    "safety_wellbeing": {"low": 0.2, "medium": 0.45, "high": 0.3, "very_high": 0.04, "not_known": 0.01},
}
DISPOSALS = {
    "court": {"referral_order": 0.45, "youth_rehabilitation_order": 0.42, "custody": 0.08, "other": 0.05},
    "out_of_court": {"youth_caution": 0.3, "youth_conditional_caution": 0.25, "community_resolution": 0.45},
}
AGES = np.arange(10, 19)
AGE_SHARES = np.array([0.01, 0.02, 0.05, 0.09, 0.15, 0.2, 0.23, 0.2, 0.05])


@dataclass(frozen=True)
class SampleSpec:
    framework: str
    inspections: int
    first_index: int = 0


def _name(index: int) -> str:
    """A made-up place name, distinct for the first 200 indices."""
    stem, end = _STEMS[index % len(_STEMS)], _ENDS[(index * 7 + index // len(_STEMS)) % len(_ENDS)]
    suffix = f" {index // 200 + 1}" if index >= 200 else ""
    return f"{stem}{end}{suffix}"


def _draw(rng: np.random.Generator, shares: dict[str, float], n: int) -> np.ndarray:
    keys = list(shares)
    p = np.array([shares[k] for k in keys], dtype=float)
    return np.array(keys, dtype=object)[rng.choice(len(keys), size=n, p=p / p.sum())]


def _logistic(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _relevance(framework: Framework, cases: pd.DataFrame, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Which cases each key question is relevant to (a boolean per case)."""
    n = len(cases)
    out = {}
    for standard in framework.standards:
        domain = framework.domain_of(standard.id)
        applies = cases["case_type"].isin(domain.case_types).to_numpy()
        for kq in standard.key_questions:
            relevant = applies.copy()
            if kq.relevant_when:
                for column, values in kq.relevant_when.items():
                    relevant &= cases[column].isin(values).to_numpy()
            elif kq.na_allowed:
                if kq.area in ("child_safety", "child"):
                    relevant &= (cases["safety_wellbeing"] != "low").to_numpy() | (rng.random(n) < 0.15)
                elif kq.area in ("others_safety", "public"):
                    relevant &= (cases["rosh"] != "low").to_numpy() | (rng.random(n) < 0.15)
                else:
                    relevant &= rng.random(n) < 0.75
            out[kq.id] = relevant
    return out


def generate_inspection(framework: Framework, index: int, seed: int = DEFAULT_SEED) -> dict[str, pd.DataFrame]:
    """Generate one inspection's tables (all values as text, as a submission would hold them)."""
    rng = np.random.default_rng([seed, zlib.crc32(framework.id.encode()), index])
    name = _name(index)
    region, nation = REGIONS[index % len(REGIONS)]
    start, end = PERIODS[framework.id]
    span = (end - start).days
    fieldwork_start = start + dt.timedelta(days=int(rng.integers(0, span - 10)))
    fieldwork_end = fieldwork_start + dt.timedelta(days=int(rng.integers(3, 10)))
    published = fieldwork_end + dt.timedelta(days=int(rng.integers(60, 120)))
    inspection_id = f"{framework.id.split('-')[0]}-{index + 1:05d}"
    quality = rng.normal(0.9, 0.75)

    low, high = CASE_RANGE[framework.id]
    n = int(rng.integers(low, high + 1))
    court = rng.random(n) < COURT_SHARE[framework.id]
    case_type = np.where(court, "court", "out_of_court")
    disposal = np.empty(n, dtype=object)
    for kind in ("court", "out_of_court"):
        mask = case_type == kind
        disposal[mask] = _draw(rng, DISPOSALS[kind], int(mask.sum()))
    cases = pd.DataFrame(
        {
            "case_ref": [f"C{rng.integers(16**7, 16**8):08X}" for _ in range(n)],
            "case_type": case_type,
            "disposal": disposal,
            "gender": _draw(rng, SHARES["gender"], n),
            "ethnicity": _draw(rng, SHARES["ethnicity"], n),
            "looked_after": _draw(rng, SHARES["looked_after"], n),
            "age": rng.choice(AGES, size=n, p=AGE_SHARES),
            "rosh": _draw(rng, SHARES["rosh"], n),
            "safety_wellbeing": _draw(rng, SHARES["safety_wellbeing"], n),
        }
    )
    cases = cases.drop_duplicates("case_ref").reset_index(drop=True)
    n = len(cases)
    case_effect = rng.normal(0, 0.5, n)
    relevant = _relevance(framework, cases, rng)

    own_na = {p.id: p.na_allowed for s in framework.standards for k in s.key_questions for p in k.prompts}
    case_type_values = cases["case_type"].to_numpy()
    planted_masks = [
        (p["areas"], p["effect"] * (cases[p["column"]] == p["value"]).to_numpy()) for p in PLANTED.values()
    ]
    parts: list[tuple[np.ndarray, int, np.ndarray]] = []  # (case indices, question order, answers)
    kq_yes: dict[str, np.ndarray] = {}
    for q in framework.questions():
        parent = q.parent_id or q.question_id
        rel = relevant[parent]
        if q.level == "prompt" and own_na[q.question_id]:
            rel = rel & (rng.random(n) < 0.85)
        shift = QUESTION_SHIFTS.get(framework.id, {}).get(q.question_id, 0.0)
        logit = quality + case_effect + rng.normal(0, 0.25) + shift
        for areas, effect in planted_masks:
            if q.area in areas:
                logit = logit + effect
        if q.level == "prompt":
            logit = logit + np.where(kq_yes[parent], 1.2, -1.2) + 0.4
        yes = rng.random(n) < _logistic(logit)
        if q.level == "key_question":
            kq_yes[q.question_id] = yes & rel
        applies = np.flatnonzero(np.isin(case_type_values, q.case_types))
        parts.append((applies, q.order, np.where(rel, np.where(yes, "yes", "no"), "na")[applies]))
    case_index = np.concatenate([p[0] for p in parts])
    order = np.concatenate([np.full(len(p[0]), p[1]) for p in parts])
    question_ids = np.array([q.question_id for q in framework.questions()], dtype=object)
    by_order = {q.order: i for i, q in enumerate(framework.questions())}
    question = question_ids[[by_order[o] for o in order]] if len(order) else question_ids[:0]
    answer = np.concatenate([p[2] for p in parts])
    sort = np.lexsort((order, case_index))
    case_index, question, answer = case_index[sort], question[sort], answer[sort]
    # A case whose every answer is `na` is not a case the inspectors would have read.
    answered = np.zeros(n, dtype=bool)
    answered[case_index[answer != "na"]] = True
    keep = answered[case_index]
    refs = cases["case_ref"].to_numpy()
    answers = pd.DataFrame({"case_ref": refs[case_index[keep]], "question_id": question[keep], "answer": answer[keep]})
    cases = cases[answered].reset_index(drop=True)

    inspection = pd.DataFrame(
        [
            {
                "inspection_id": inspection_id,
                "framework": framework.id,
                "provider": f"{name} Youth Offending Service",
                "region": region,
                "nation": nation,
                "fieldwork_start": fieldwork_start.isoformat(),
                "fieldwork_end": fieldwork_end.isoformat(),
                "published": published.isoformat(),
            }
        ]
    )
    tables = {"inspection": inspection, "cases": cases.astype({"age": str}), "answers": answers}
    ratings = _ratings(framework, quality, cases, answers, rng)
    if ratings is not None:
        tables["ratings"] = ratings
    return tables


def _ratings(
    framework: Framework, quality: float, cases: pd.DataFrame, answers: pd.DataFrame, rng: np.random.Generator
) -> pd.DataFrame | None:
    """Domain-1 judgements, and now and then a panel override of a case standard."""
    if framework.rating is None:
        return None
    order = [b.rating for b in framework.rating.question_bands]
    rows = []
    for standard in framework.standards:
        if standard.rated_by == "judgement":
            level = int(np.clip(np.round(1.6 + 0.9 * quality + rng.normal(0, 0.6)), 0, len(order) - 1))
            rows.append({"standard_id": standard.id, "rating": order[level], "kind": "judgement", "reason": ""})
    # A panel override: where a case standard's lowest key question sits just below a band
    # edge, lift it one band, as Annexe 1's professional discretion allows.
    if rng.random() < 0.15:
        edges = [b.min_pct for b in framework.rating.question_bands]
        kq = answers[answers["answer"] != "na"].copy()
        kq = kq[kq["question_id"].str.count(r"\.") == 2]
        pct = kq.assign(yes=kq["answer"] == "yes").groupby("question_id")["yes"].mean() * 100
        for standard in framework.standards:
            ids = [q.id for q in standard.key_questions]
            scores = pct.reindex(ids).dropna()
            if not ids or len(scores) < len(ids):
                continue
            lowest = scores.min()
            band = max(i for i, e in enumerate(edges) if lowest >= e)
            if band + 1 < len(edges) and edges[band + 1] - lowest <= 5:
                rows.append(
                    {
                        "standard_id": standard.id,
                        "rating": order[band + 1],
                        "kind": "override",
                        "reason": "Professional discretion: lowest key question within five points of the boundary",
                    }
                )
                break
    return pd.DataFrame(rows, columns=["standard_id", "rating", "kind", "reason"])


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    table = pa.Table.from_pandas(frame.astype(str), preserve_index=False)
    pa_csv.write_csv(table, path, pa_csv.WriteOptions(quoting_style="needed"))


def write_submission(
    tables: dict[str, pd.DataFrame], raw_dir: Path, name: str, fmt: str, received: dt.date | None = None
) -> Path:
    """Write one submission as a CSV folder or an .xlsx workbook."""
    raw_dir.mkdir(parents=True, exist_ok=True)
    if fmt == "xlsx":
        path = raw_dir / f"{name}.xlsx"
        with pd.ExcelWriter(
            path,
            engine="xlsxwriter",
            engine_kwargs={"options": {"strings_to_formulas": False, "strings_to_numbers": False}},
        ) as writer:
            # the workbook records when it was made: the received day, so the same seed gives the same bytes
            made = dt.datetime.combine(received or dt.date(2000, 1, 1), dt.time())
            writer.book.set_properties({"created": made})
            for table, frame in tables.items():
                frame.astype(str).to_excel(writer, sheet_name=table, index=False)
        files = [path]
    else:
        path = raw_dir / name
        path.mkdir(exist_ok=True)
        files = []
        for table, frame in tables.items():
            target = path / f"{table}.csv"
            _write_csv(frame, target)
            files.append(target)
    if received is not None:
        stamp = dt.datetime.combine(received, dt.time(9)).timestamp()
        for file in files:
            os.utime(file, (stamp, stamp))
    return path


def write_sample(
    raw_dir: Path, frameworks: list[str] | None = None, scale: int = 1, seed: int = DEFAULT_SEED, xlsx_every: int = 5
) -> list[Path]:
    """Write the embedded sample programme (times `scale`) into raw_dir; returns the paths."""
    available = load_frameworks()
    chosen = frameworks or ["yos-2018"]
    unknown = [f for f in chosen if f not in available]
    if unknown:
        raise ValueError(f"unknown framework(s) {', '.join(unknown)}; known: {', '.join(available)}")
    return [
        write_inspection(available[framework_id], index, raw_dir, seed, xlsx_every)
        for framework_id in chosen
        for index in range(sample_size(framework_id, scale))
    ]


def sample_size(framework_id: str, scale: int = 1) -> int:
    """How many inspections of a framework `write_sample` writes at `scale`."""
    return SAMPLE_SIZES.get(framework_id, 50) * scale


def write_inspection(
    framework: Framework, index: int, raw_dir: Path, seed: int = DEFAULT_SEED, xlsx_every: int = 5
) -> Path:
    """Generate inspection `index` and write it as `write_sample` does (every `xlsx_every`-th a workbook).

    Each inspection depends only on (seed, framework, index), so callers may write them in any
    order or in parallel processes and get the same files."""
    tables = generate_inspection(framework, index, seed)
    inspection = tables["inspection"].iloc[0]
    fmt = "xlsx" if xlsx_every and index % xlsx_every == xlsx_every - 1 else "csv"
    name = f"{inspection['inspection_id']}_{inspection['provider'].split()[0].lower()}"
    received = dt.date.fromisoformat(inspection["published"])
    return write_submission(tables, raw_dir, name, fmt, received)


__all__ = [
    "PLANTED",
    "SampleSpec",
    "generate_inspection",
    "sample_size",
    "write_inspection",
    "write_submission",
    "write_sample",
    "code_sets",
]
