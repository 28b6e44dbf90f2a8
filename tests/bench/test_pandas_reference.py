"""The pandas reference of the benchmark gives the marts' numbers: counts exactly, percentages to 1e-9 points."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from bench import pandas_reference as reference
from tests.marts.conftest import build_landed, landed_submission
from yotbench.bench import differences
from yotbench.frameworks import load_frameworks
from yotbench.sample import generate_inspection

# Inspections of all three frameworks, so periods, frameworks and unrated questions all appear.
PROGRAMME = {"yos-2018": range(12), "sqs-2012": range(3), "cci-2009": range(2)}


@pytest.fixture(scope="module")
def landed():
    frameworks = load_frameworks()
    parts: dict[str, list[pa.Table]] = {}
    for framework_id, indices in PROGRAMME.items():
        for index in indices:
            for table, value in landed_submission(generate_inspection(frameworks[framework_id], index)).items():
                parts.setdefault(table, []).append(value)
    return {table: pa.concat_tables(values) for table, values in parts.items()}


@pytest.fixture(scope="module")
def marts_con(landed):
    return build_landed(landed, list(load_frameworks().values()))


@pytest.fixture(scope="module")
def ours(landed, tmp_path_factory):
    """The reference read back from Parquet files, as the benchmark reads the landed store."""
    root = tmp_path_factory.mktemp("store")
    files = {}
    for table, value in landed.items():
        path = root / f"{table}.parquet"
        pq.write_table(value, path)
        files[table] = [path]
    return reference.build(files)


def test_reference_has_the_marts_rows_and_numbers(ours, marts_con):
    assert differences(ours, marts_con) == []
    assert (
        len(ours["question_results"]) == marts_con.sql("select count(*) from marts.question_results").fetchall()[0][0]
    )
    periods = set(ours["characteristic_results_by_period"]["period_label"])
    assert "programme" in periods and len(periods) > 2


def test_a_wrong_count_or_percentage_is_found(ours, marts_con):
    wrong = {name: frame.copy() for name, frame in ours.items()}
    wrong["question_results"].loc[3, "yes_cases"] += 1
    wrong["characteristic_results_by_period"].loc[7, "ci_high"] += 1e-6
    assert differences(wrong, marts_con) == [
        "question_results.yes_cases differs",
        "characteristic_results_by_period.ci_high differs",
    ]


def test_a_missing_row_is_found(ours, marts_con):
    short = {name: frame.iloc[1:] for name, frame in ours.items()}
    found = differences(short, marts_con)
    assert found[0].startswith("question_results: ") and "rows !=" in found[0]
