"""marts.question_results and marts.characteristic_results_by_period written the way an analyst would in pandas.

The benchmark times this against the DuckDB marts over the same landed Parquet, and the tests check
it gives the same numbers (sql/marts/*.yml say what each column means). It reads the Parquet into
pandas whole, joins and groups with plain pandas calls, and loops over the characteristics rather
than melting every case seven times over.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from yotbench.frameworks import Framework, load_frameworks

Z = 1.959963984540054  # the 97.5% normal quantile, as in sql/marts/wilson_low.sql
ANSWERED = ["yes", "no"]
CHARACTERISTICS = ["gender", "ethnicity", "ethnic_group", "looked_after", "age_band", "case_type", "disposal"]
ETHNIC_GROUPS = {
    "white": "white",
    "unknown": "unknown",
    "black": "minority_ethnic",
    "asian": "minority_ethnic",
    "mixed": "minority_ethnic",
    "other": "minority_ethnic",
}

QUESTION_RESULTS = [
    "inspection_id",
    "framework",
    "provider",
    "fieldwork_start",
    "fieldwork_end",
    "financial_year",
    "domain_id",
    "standard_id",
    "question_id",
    "parent_id",
    "level",
    "area",
    "headline",
    "question_text",
    "question_order",
    "relevant_cases",
    "yes_cases",
    "no_cases",
    "na_cases",
    "pct_yes",
    "ci_low",
    "ci_high",
]
CHARACTERISTIC_RESULTS_BY_PERIOD = [
    "framework",
    "period_kind",
    "period_label",
    "period_start",
    "period_end",
    "domain_id",
    "standard_id",
    "question_id",
    "parent_id",
    "level",
    "area",
    "question_order",
    "characteristic",
    "group_value",
    "inspections",
    "relevant_cases",
    "yes_cases",
    "pct_yes",
    "ci_low",
    "ci_high",
]


def read_store(files: dict[str, list[Path]]) -> dict[str, pd.DataFrame]:
    """The landed tables inspections, cases and answers, each read whole into pandas."""
    return {table: pd.read_parquet([str(p) for p in files[table]]) for table in ("inspections", "cases", "answers")}


def framework_questions(frameworks: list[Framework] | None = None) -> pd.DataFrame:
    """Every question of every framework, one row each."""
    chosen = frameworks if frameworks is not None else list(load_frameworks().values())
    return pd.DataFrame(
        [
            {
                "framework": q.framework,
                "domain_id": q.domain_id,
                "standard_id": q.standard_id,
                "question_id": q.question_id,
                "parent_id": q.parent_id,
                "level": q.level,
                "area": q.area,
                "headline": q.headline,
                "question_text": q.text,
                "question_order": q.order,
            }
            for fw in chosen
            for q in fw.questions()
        ]
    )


def pct_and_interval(yes: pd.Series, relevant: pd.Series) -> pd.DataFrame:
    """% yes and its 95% Wilson interval, in per cent; missing where nothing is relevant."""
    n = relevant.astype(float).where(relevant > 0)
    p = yes / n
    centre = p + Z**2 / (2 * n)
    spread = Z * np.sqrt(p * (1 - p) / n + Z**2 / (4 * n**2))
    scale = 1 + Z**2 / n
    return pd.DataFrame(
        {
            "pct_yes": 100 * yes / n,
            "ci_low": 100 * (centre - spread) / scale,
            "ci_high": 100 * (centre + spread) / scale,
        }
    )


def with_financial_year(inspections: pd.DataFrame) -> pd.DataFrame:
    """Inspections with the financial year (April to March) in which fieldwork ended."""
    end = pd.to_datetime(inspections["fieldwork_end"])
    start_year = end.dt.year - (end.dt.month < 4).astype(int)
    out = inspections.copy()
    out["financial_year"] = start_year.astype(str) + "/" + ((start_year + 1) % 100).astype(str).str.zfill(2)
    out["financial_year_start"] = pd.to_datetime(start_year.astype(str) + "-04-01").dt.date
    out["financial_year_end"] = pd.to_datetime((start_year + 1).astype(str) + "-03-31").dt.date
    return out


def question_results(tables: dict[str, pd.DataFrame], questions: pd.DataFrame) -> pd.DataFrame:
    """One row per inspection × question of its framework, with answer counts, % yes and Wilson interval."""
    inspections = with_financial_year(tables["inspections"])
    counts = pd.crosstab(
        [tables["answers"]["inspection_id"], tables["answers"]["question_id"]], tables["answers"]["answer"]
    )
    counts = counts.reindex(columns=["yes", "no", "na"], fill_value=0)
    counts.columns = ["yes_cases", "no_cases", "na_cases"]
    grid = inspections[
        ["inspection_id", "framework", "provider", "fieldwork_start", "fieldwork_end", "financial_year"]
    ].merge(questions, on="framework")
    out = grid.merge(counts.reset_index(), on=["inspection_id", "question_id"], how="left")
    for column in ("yes_cases", "no_cases", "na_cases"):
        out[column] = out[column].fillna(0).astype("int64")
    out["relevant_cases"] = out["yes_cases"] + out["no_cases"]
    out = pd.concat([out, pct_and_interval(out["yes_cases"], out["relevant_cases"])], axis=1)
    return out[QUESTION_RESULTS]


def periods(inspections: pd.DataFrame) -> pd.DataFrame:
    """Each inspection's reporting periods: the programme to date and the financial year its fieldwork ended in."""
    inspections = with_financial_year(inspections)
    programme = (
        inspections.groupby("framework")
        .agg(period_start=("fieldwork_start", "min"), period_end=("fieldwork_end", "max"))
        .reset_index()
    )
    programme = (
        inspections[["framework", "inspection_id"]]
        .merge(programme, on="framework")
        .assign(period_kind="programme", period_label="programme")
    )
    years = inspections.rename(
        columns={
            "financial_year": "period_label",
            "financial_year_start": "period_start",
            "financial_year_end": "period_end",
        }
    ).assign(period_kind="financial_year")
    columns = ["framework", "inspection_id", "period_kind", "period_label", "period_start", "period_end"]
    return pd.concat([programme[columns], years[columns]], ignore_index=True)


def characteristic_results_by_period(tables: dict[str, pd.DataFrame], questions: pd.DataFrame) -> pd.DataFrame:
    """One row per framework × period × question × characteristic × group, pooled over the period's inspections."""
    cases = tables["cases"].merge(tables["inspections"][["inspection_id", "framework"]], on="inspection_id")
    cases["ethnic_group"] = cases["ethnicity"].map(ETHNIC_GROUPS)
    cases["age_band"] = pd.cut(cases["age"], bins=[9, 14, 17, 18], labels=["10-14", "15-17", "18"]).astype(object)
    answers = tables["answers"].merge(
        cases[["inspection_id", "case_ref", "framework", *CHARACTERISTICS]], on=["inspection_id", "case_ref"]
    )
    answers = answers.merge(questions[["framework", "question_id"]], on=["framework", "question_id"])
    answers["relevant"] = answers["answer"].isin(ANSWERED)
    answers["yes"] = answers["answer"] == "yes"
    per_inspection = []
    for characteristic in CHARACTERISTICS:
        counts = (
            answers.groupby(["framework", "inspection_id", "question_id", characteristic], dropna=False)
            .agg(relevant_cases=("relevant", "sum"), yes_cases=("yes", "sum"))
            .reset_index()
        )
        per_inspection.append(
            counts.rename(columns={characteristic: "group_value"}).assign(characteristic=characteristic)
        )
    per_inspection = pd.concat(per_inspection, ignore_index=True)
    pooled = per_inspection.merge(periods(tables["inspections"]), on=["framework", "inspection_id"])
    # an inspection counts for a group when some of its cases of the group are relevant (one row each)
    pooled["with_relevant"] = pooled["relevant_cases"] > 0
    keys = [
        "framework",
        "period_kind",
        "period_label",
        "period_start",
        "period_end",
        "question_id",
        "characteristic",
        "group_value",
    ]
    pooled = (
        pooled.groupby(keys, dropna=False)
        .agg(
            inspections=("with_relevant", "sum"),
            relevant_cases=("relevant_cases", "sum"),
            yes_cases=("yes_cases", "sum"),
        )
        .reset_index()
    )
    out = pooled.merge(questions.drop(columns=["headline", "question_text"]), on=["framework", "question_id"])
    out = pd.concat([out, pct_and_interval(out["yes_cases"], out["relevant_cases"])], axis=1)
    return out[CHARACTERISTIC_RESULTS_BY_PERIOD]


def build(files: dict[str, list[Path]]) -> dict[str, pd.DataFrame]:
    """Both marts from the landed Parquet files (store.current_files)."""
    tables = read_store(files)
    questions = framework_questions()
    return {
        "question_results": question_results(tables, questions),
        "characteristic_results_by_period": characteristic_results_by_period(tables, questions),
    }
