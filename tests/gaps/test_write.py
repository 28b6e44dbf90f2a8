"""write_significance against a real in-memory DuckDB holding the view int_answers_enriched."""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd
import pytest

from tests.gaps.crafted import one_question, per_case, row
from tests.gaps.sample_frame import enriched_sample
from yotbench.gaps import COLUMNS, significance, significance_of, write_significance


@pytest.fixture
def con():
    answers = pd.concat(
        [
            one_question(
                {("A", "male"): (60, 40), ("A", "female"): (30, 70), ("B", "male"): (55, 45), ("B", "female"): (25, 75)}
            ),
            one_question({("A", "male"): (3, 1), ("A", "female"): (1, 3)}, question_id="2.1.2"),
        ],
        ignore_index=True,
    )
    answers["fieldwork_start"] = pd.to_datetime(answers["fieldwork_start"]).dt.date
    answers["fieldwork_end"] = pd.to_datetime(answers["fieldwork_end"]).dt.date
    connection = duckdb.connect()
    connection.execute("create schema marts")
    connection.register("answers_frame", answers)
    connection.execute("create temp view int_answers_enriched as select * from answers_frame")
    yield connection
    connection.close()


def test_writes_marts_significance_with_the_rows_of_significance(con):
    count = write_significance(con, alpha=0.05, min_gap_pp=5.0)
    expected = significance(con.table("int_answers_enriched").df())
    assert count == len(expected) == con.execute("select count(*) from marts.significance").fetchall()[0][0]
    stored = con.execute(
        "select item_id, test, stratified_test, significant from marts.significance"
        " where characteristic = 'gender' and scope = 'question' order by item_id"
    ).fetchall()
    assert stored == [("2.1.1", "chi2", "cmh", True), ("2.1.2", "fisher", "cmh_exact", False)]
    types = dict(
        con.execute(
            "select column_name, data_type from information_schema.columns"
            " where table_schema = 'marts' and table_name = 'significance'"
        ).fetchall()
    )
    assert list(types) == list(COLUMNS)
    assert (types["significant"], types["p_value"], types["dof"], types["fieldwork_from"]) == (
        "BOOLEAN",
        "DOUBLE",
        "BIGINT",
        "DATE",
    )
    # a test that was not run leaves NULL, not NaN
    assert (
        con.execute("select count(*) from marts.significance where test = 'none' and p_value is null").fetchall()[0][0]
        == con.execute("select count(*) from marts.significance where test = 'none'").fetchall()[0][0]
        > 0
    )


def test_rebuilding_replaces_the_table_and_uses_the_settings(con):
    write_significance(con)
    assert con.execute("select count(*) from marts.significance where significant").fetchall()[0][0] > 0
    count = write_significance(con, alpha=1e-12)
    assert count == con.execute("select count(*) from marts.significance").fetchall()[0][0]
    assert con.execute("select count(*) from marts.significance where significant").fetchall()[0][0] == 0


def test_the_table_passes_its_sidecar_checks_at_publish(con):
    from yotbench import marts

    sidecar = next(m for m in marts.load_models() if m.name == "significance").sidecar
    assert (sidecar.materialized, list(sidecar.columns)) == ("external", list(COLUMNS))
    write_significance(con)
    # columns in order, the grain, and the five invariants of sql/marts/significance.yml
    assert marts.check_invariants(con, ("marts",), external_only=True) == 7
    con.execute("update marts.significance set significant = true where test = 'none'")
    with pytest.raises(marts.MartInvariantFailed, match="no_test_no_p_value"):
        marts.check_invariants(con, ("marts",), external_only=True)


def test_read_in_pieces_gives_exactly_the_rows_of_the_whole_frame():
    # two frameworks, rows in another order: pieces are cut by framework, standard and area, and the
    # case scores are summed in case order, so neither the cut nor the row order changes a bit
    answers = pd.concat([enriched_sample("yos-2018"), enriched_sample("sqs-2012")], ignore_index=True)
    answers = answers.sample(frac=1, random_state=7).reset_index(drop=True)
    con = duckdb.connect()
    con.register("answers_frame", answers)
    whole = significance(answers)
    pieces = significance_of(con.table("answers_frame").order("inspection_id desc, case_key desc"))
    con.close()

    assert sorted(whole["framework"].unique()) == ["sqs-2012", "yos-2018"]
    assert set(whole["scope"]) == {"question", "standard", "area"}
    pd.testing.assert_frame_equal(pieces, whole, check_exact=True)


def test_by_period_holds_the_programme_rows_and_each_financial_years_own_tests():
    # The sample's yos-2018 programme over two financial years: marts.periods as the build makes it.
    answers = enriched_sample("yos-2018")
    for column in ("fieldwork_start", "fieldwork_end"):  # DATE, as in int_answers_enriched
        answers[column] = pd.to_datetime(answers[column]).dt.date
    ends = answers["fieldwork_end"]
    years = sorted({d.year if d.month >= 4 else d.year - 1 for d in ends})
    assert len(years) >= 2
    con = duckdb.connect()
    con.execute("create schema marts")
    con.register("answers_frame", answers)
    con.execute("create temp view int_answers_enriched as select * from answers_frame")
    con.execute(
        "create table marts.periods as select 'yos-2018' as framework, 'programme' as period_kind,"
        " 'programme' as period_label, min(fieldwork_start)::date as period_start, max(fieldwork_end)::date"
        " as period_end from answers_frame"
    )
    for year in years:
        con.execute(
            "insert into marts.periods values ('yos-2018', 'financial_year', $label, $start, $end)",
            {"label": f"{year}/{(year + 1) % 100:02d}", "start": dt.date(year, 4, 1), "end": dt.date(year + 1, 3, 31)},
        )
    write_significance(con)

    stored = con.execute("select * from marts.significance_by_period").df()
    latest = years[-1]
    label = f"{latest}/{(latest + 1) % 100:02d}"
    # the nightly briefings' periods: the programme and the latest year (earlier years are not kept)
    assert sorted(stored["period_label"].unique()) == sorted(["programme", label])

    def dated(frame: pd.DataFrame) -> pd.DataFrame:  # DuckDB hands DATE back as timestamps
        return frame.assign(**{c: pd.to_datetime(frame[c]).dt.date for c in ("fieldwork_from", "fieldwork_to")})

    stored = dated(stored)
    programme = dated(con.execute("select * from marts.significance").df())
    period_columns = ["period_kind", "period_label", "period_start", "period_end"]
    own = stored[stored["period_kind"] == "programme"].drop(columns=period_columns)
    pd.testing.assert_frame_equal(own.reset_index(drop=True), programme, check_dtype=False)
    in_year = answers[(ends >= dt.date(latest, 4, 1)) & (ends <= dt.date(latest + 1, 3, 31))]
    expected = significance(in_year.reset_index(drop=True))  # the year's cases alone, read whole
    got = stored[stored["period_label"] == label].drop(columns=period_columns).reset_index(drop=True)
    assert len(got) == len(expected) > 0
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)
    assert set(pd.to_datetime(stored.loc[stored["period_label"] == label, "period_start"]).dt.date) == {
        dt.date(latest, 4, 1)
    }
    # its checks hold (programme rows are marts.significance's, p-values in range, ...)
    from yotbench import marts

    assert marts.check_invariants(con, ("marts",), external_only=True) > 7
    con.close()


def test_the_coded_answers_leave_no_tables_behind_even_when_a_test_fails(con, monkeypatch):
    def temp_tables() -> list[str]:
        return [r[0] for r in con.execute("select table_name from duckdb_tables() where temporary").fetchall()]

    before = temp_tables()
    write_significance(con)
    assert temp_tables() == before

    import yotbench.gaps as gaps

    def broken(unit, comparison):
        raise RuntimeError("a comparison failed")

    monkeypatch.setattr(gaps, "_compare", broken)
    with pytest.raises(RuntimeError, match="a comparison failed"):
        write_significance(con)
    assert temp_tables() == before


def test_cases_are_told_apart_by_inspection_and_case_key_together():
    # Both inspections number their cases case-0 ... case-9: twenty cases, not ten. Scores per case:
    # in A five female cases score 1 and five male 0; in B the reverse.
    def inspection(name: str, female_yes: bool) -> pd.DataFrame:
        frame = per_case(
            [("female" if i < 5 else "male", {"2.1.1": "yes" if (i < 5) == female_yes else "no"}) for i in range(10)],
            inspection=name,
        )
        return frame

    result = significance(pd.concat([inspection("A", True), inspection("B", False)], ignore_index=True))
    standard = row(result, "gender", "standard", "2.1")
    assert (standard["n_cases"], standard["higher_n"], standard["lower_n"]) == (20, 10, 10)
    assert standard["gap_pp"] == pytest.approx(0.0)
    question = row(result, "gender")
    assert (question["n_cases"], question["n_strata"]) == (20, 2)


def test_cases_whose_answers_are_all_na_change_no_test():
    # Each test counts the relevant cases (yes or no). Cases whose answers are all na, in an
    # inspection with relevant cases and in one without any (inspected earlier), must leave every
    # row as it was, the fieldwork span of the inspections tested included.
    counts = {("A", "male"): (12, 8), ("A", "female"): (5, 15), ("B", "male"): (9, 6), ("B", "female"): (4, 11)}
    relevant = one_question(counts)
    only_na = one_question({("A", "female"): (0, 0), ("C", "male"): (0, 0), ("C", "female"): (0, 0)}, na=6)
    only_na["case_key"] += "/na"
    earlier = only_na["inspection_id"] == "C"
    only_na.loc[earlier, ["fieldwork_start", "fieldwork_end"]] = ["2012-05-14", "2012-05-18"]
    with_na = pd.concat([relevant, only_na], ignore_index=True)

    assert with_na["answer"].value_counts().to_dict() == {"no": 40, "yes": 30, "na": 18}
    expected = significance(relevant)
    got = significance(with_na)
    pd.testing.assert_frame_equal(got, expected, check_exact=True)
    gender = row(got, "gender")
    assert (gender["n_cases"], gender["n_strata"], gender["test"]) == (70, 2, "chi2")
    assert str(gender["fieldwork_from"]) == "2013-01-07"
