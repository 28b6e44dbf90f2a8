"""End to end on a fixed slice of the embedded sample: land it, build the marts (with the
significance table), write the briefings, and check their figures against `select ... from marts.*`.

Slow (about half a minute: landing runs the validation gate on every submission).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import re
import shutil
import zipfile
from datetime import date
from pathlib import Path

import duckdb
import openpyxl
import pandas as pd
import pytest

from yotbench import __version__, gaps, marts
from yotbench.briefing import write_briefing
from yotbench.briefing.source import nightly_periods, period_significance, programme_significance
from yotbench.cli import main
from yotbench.config import RunConfig
from yotbench.pipeline import land_pending
from yotbench.sample import write_sample
from yotbench.store import current_submissions

pytestmark = pytest.mark.slow

KEEP = {"yos": 10, "sqs": 5, "cci": 5}  # first inspections of each framework in the sample


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    config = RunConfig(data_dir=tmp_path_factory.mktemp("e2e") / "data")
    write_sample(config.raw_dir, frameworks=["yos-2018", "sqs-2012", "cci-2009"])
    for prefix, keep in KEEP.items():
        for path in sorted(config.raw_dir.glob(f"{prefix}-*"))[keep:]:
            shutil.rmtree(path) if path.is_dir() else path.unlink()
    land_pending(config, "20240101T000000Z-land01")
    tmp = marts.build_marts(config, "20240101T000000Z-land01")
    con = marts.connect_build(tmp)
    try:
        marts.open_case_level(con, config)
        gaps.write_significance(con, alpha=config.alpha, min_gap_pp=config.min_gap_pp)
        con.execute("checkpoint")
    finally:
        con.close()
    marts.publish_marts(tmp, config)
    periods = nightly_periods(config)
    paths = {
        (f, start, end): write_briefing(
            config, framework=f, date_from=start, date_to=end, run_id="20240101T000000Z-brief1"
        )
        for f, start, end in periods
    }
    return config, periods, paths


def query(config: RunConfig, sql: str, params: dict | None = None) -> pd.DataFrame:
    con = duckdb.connect(str(config.marts_db), read_only=True)
    try:
        return con.execute(sql, params or {}).df()
    finally:
        con.close()


def programme(built, framework: str) -> tuple[date, date, Path]:
    config, periods, paths = built
    start, end = query(
        config,
        "select period_start, period_end from marts.periods where framework = $f and period_kind = 'programme'",
        {"f": framework},
    ).iloc[0]
    start, end = start.date(), end.date()
    return start, end, paths[(framework, start, end)]


def csv_table(path: Path, stem: str) -> pd.DataFrame:
    (file,) = (path / "csv").glob(f"table_*_{stem}.csv")
    return pd.read_csv(file, dtype=str, keep_default_na=False)


def test_nightly_writes_the_latest_year_and_the_programme_of_each_framework(built):
    config, periods, paths = built
    expected = query(
        config,
        """
        select framework, period_kind, max(period_start) as period_start
        from marts.periods group by framework, period_kind order by framework, period_kind desc""",
    )
    assert [(f, s) for f, s, _ in periods] == [(r.framework, r.period_start.date()) for r in expected.itertuples()]
    assert sorted(p.name for p in config.briefings_dir.iterdir()) == sorted(
        f"{f}_{s.isoformat()}_{e.isoformat()}" for f, s, e in periods
    )


def test_headline_matches_marts_periods(built):
    config, _, _ = built
    for framework in ("yos-2018", "sqs-2012", "cci-2009"):
        _, _, path = programme(built, framework)
        period = query(
            config,
            "select inspections, cases from marts.periods where framework = $f and period_kind = 'programme'",
            {"f": framework},
        ).iloc[0]
        headline = dict(csv_table(path, "headline").to_numpy().tolist())
        assert headline["Inspections"] == str(period["inspections"]) == str(KEEP[framework[:3]])
        assert headline["Cases"] == str(period["cases"])


def test_key_questions_match_question_results_between(built):
    config, _, _ = built
    start, end, path = programme(built, "yos-2018")
    mart = query(
        config,
        """
        select question_id, relevant_cases, pct_yes, ci_low, ci_high
        from marts.question_results_between($start, $end)
        where framework = 'yos-2018' and level = 'key_question' order by question_order""",
        {"start": start, "end": end},
    ).set_index("question_id")
    table = csv_table(path, "key_questions").set_index("Question")
    assert table.index.tolist() == mart.index.tolist()
    checked = 0
    for qid, row in mart.iterrows():
        got = table.loc[qid]
        if row["relevant_cases"] < config.suppress_below:
            assert got["% yes"] == "[c]"
            continue
        assert int(got["Relevant cases"]) == row["relevant_cases"]
        assert float(got["% yes"]) == round(float(row["pct_yes"]), 1)
        assert float(got["95% CI lower"]) == round(float(row["ci_low"]), 1)
        assert float(got["95% CI upper"]) == round(float(row["ci_high"]), 1)
        checked += 1
    assert checked >= 20


def test_case_characteristics_match_the_mart_where_shown(built):
    config, _, _ = built
    start, end, path = programme(built, "sqs-2012")
    mart = query(
        config,
        """
        select characteristic, group_value, cases from marts.case_characteristics_between($start, $end)
        where framework = 'sqs-2012'""",
        {"start": start, "end": end},
    )
    table = csv_table(path, "case_characteristics")
    shown = table[table["Cases"] != "[c]"]
    assert len(shown) >= 10
    labels = {
        "Gender": "gender",
        "Ethnicity": "ethnicity",
        "Ethnic group": "ethnic_group",
        "Looked-after status": "looked_after",
        "Age": "age_band",
        "Case type": "case_type",
        "Disposal": "disposal",
    }
    counts = {(r.characteristic, r.group_value): r.cases for r in mart.itertuples()}
    total = query(
        config, "select cases from marts.periods where framework = 'sqs-2012' and period_kind = 'programme'"
    ).iloc[0, 0]
    for r in table.itertuples():
        characteristic = labels[r.Characteristic]
        matches = [
            n
            for (c, g), n in counts.items()
            if c == characteristic
            and g.replace("_", " ").lower()
            == r.Group.lower()
            .replace("not looked after", "no")
            .replace("looked after", "yes")
            .replace("minority ethnic", "minority ethnic")
        ]
        if r.Cases == "[c]":
            continue
        assert matches == [int(r.Cases)], (r.Characteristic, r.Group)
        assert float(r._4) == round(int(r.Cases) / total * 100, 1)
    # every group below the threshold is hidden
    small = {(c, g) for (c, g), n in counts.items() if n < config.suppress_below and c in labels.values()}
    hidden = len(table[table["Cases"] == "[c]"])
    assert hidden >= len(small)


def test_benchmarks_match_benchmarks_between(built):
    config, _, _ = built
    start, end, path = programme(built, "yos-2018")
    table = csv_table(path, "benchmarks").set_index("Measure")
    overall = query(
        config,
        """
        select distinct programme_min, programme_max, programme_mean, programme_median, n_inspections
        from marts.benchmarks_between($start, $end)
        where framework = 'yos-2018' and item_kind = 'overall_score'""",
        {"start": start, "end": end},
    ).iloc[0]
    got = table.loc["Overall score"]
    assert [float(got[c]) for c in ("Lowest", "Highest", "Average", "Median")] == [
        round(float(overall[c]), 1) for c in ("programme_min", "programme_max", "programme_mean", "programme_median")
    ]
    assert int(got["Inspections"]) == overall["n_inspections"]
    # key questions: only inspections with at least suppress_below relevant cases
    kq = query(
        config,
        """
        select item_id, min(value) as lo, max(value) as hi, avg(value) as mean, median(value) as med,
               count(*) as n
        from marts.benchmarks_between($start, $end)
        where framework = 'yos-2018' and item_kind = 'key_question' and value is not null and base >= $min
        group by item_id""",
        {"start": start, "end": end, "min": config.suppress_below},
    ).set_index("item_id")
    for qid, row in kq.iterrows():
        got = table.loc[f"Key question {qid}"]
        assert [float(got[c]) for c in ("Lowest", "Highest", "Average", "Median")] == [
            round(float(row[c]), 1) for c in ("lo", "hi", "mean", "med")
        ], qid
        assert int(got["Inspections"]) == row["n"]


def test_cci_headline_benchmarks_and_per_inspection_scores(built):
    config, _, _ = built
    start, end, path = programme(built, "cci-2009")
    scores = query(
        config,
        """
        select inspection_id, headline_name, pct from marts.headline_scores
        where framework = 'cci-2009' and fieldwork_end between $start and $end""",
        {"start": start, "end": end},
    )
    table = csv_table(path, "benchmarks").set_index("Measure")
    for name, group in scores.groupby("headline_name"):
        got = table.loc[f"{name} score"]
        assert float(got["Lowest"]) == round(group["pct"].astype(float).min(), 1)
        assert float(got["Highest"]) == round(group["pct"].astype(float).max(), 1)
        assert float(got["Average"]) == round(group["pct"].astype(float).mean(), 1)
    per = csv_table(path, "inspections").set_index("Inspection")
    first = scores[scores["headline_name"] == "Safeguarding"].set_index("inspection_id")["pct"]
    for inspection_id, pct in first.items():
        assert float(per.loc[inspection_id, "Safeguarding %"]) == round(float(pct), 1)


def test_rating_distribution_matches_standard_ratings(built):
    config, _, _ = built
    start, end, path = programme(built, "yos-2018")
    mart = query(
        config,
        """
        select standard_id, final_rating, count(*) as n from marts.standard_ratings
        where framework = 'yos-2018' and fieldwork_end between $start and $end and final_rating is not null
        group by standard_id, final_rating""",
        {"start": start, "end": end},
    )
    table = csv_table(path, "ratings")
    table["id"] = table["Standard"].str.split(" ").str[0]
    table = table.set_index("id")
    labels = {
        "outstanding": "Outstanding",
        "good": "Good",
        "requires_improvement": "Requires improvement",
        "inadequate": "Inadequate",
    }
    for r in mart.itertuples():
        assert int(table.loc[r.standard_id, labels[r.final_rating]]) == r.n
    overall = query(
        config,
        """
        select final_rating, count(*) as n from marts.inspection_ratings
        where framework = 'yos-2018' and fieldwork_end between $start and $end and final_rating is not null
        group by final_rating""",
        {"start": start, "end": end},
    )
    for r in overall.itertuples():
        assert int(table.loc["Overall", labels[r.final_rating]]) == r.n


def test_findings_match_marts_significance_for_the_programme(built):
    config, _, _ = built
    _, _, path = programme(built, "yos-2018")
    mart = query(
        config,
        "select characteristic, scope, item_id, test, significant from marts.significance where framework = 'yos-2018'",
    )
    table = csv_table(path, "differences")
    assert len(table) == len(mart)
    assert sorted(table.loc[table["Significant"] == "Yes", "Item"]) == sorted(mart.loc[mart["significant"], "item_id"])
    html = (path / "briefing.html").read_text(encoding="utf-8")
    tested = set(mart["characteristic"])
    flagged = set(mart.loc[mart["significant"], "characteristic"])
    words = {
        "gender": "gender",
        "ethnic_group": "ethnic group",
        "ethnicity": "ethnicity (five groups)",
        "looked_after": "looked-after status",
        "age_band": "age",
        "case_type": "case type",
    }
    for c in tested - flagged:
        rows = mart[mart["characteristic"] == c]
        ran = int((rows["test"] != "none").sum())
        if ran == len(rows):
            assert f"There were no statistically significant differences by {words[c]}." in html
        elif ran:
            assert (
                f"There were no statistically significant differences by {words[c]} "
                f"({ran} of the {len(rows)} comparisons could be tested)."
            ) in html
        else:
            assert f"No difference by {words[c]} could be tested" in html
    assert html.count("scored significantly higher than") == int(mart["significant"].sum())


def test_the_programme_and_its_years_reuse_the_marts_tests_and_any_other_period_is_tested_afresh(built):
    config, periods, _ = built
    start, end, _ = programme(built, "yos-2018")
    (year_start, year_end) = next((s, e) for f, s, e in periods if f == "yos-2018" and (s, e) != (start, end))
    con = duckdb.connect(str(config.marts_db), read_only=True)
    try:
        reused = programme_significance(con, "yos-2018", start, end)
        year = programme_significance(con, "yos-2018", year_start, year_end)
        assert programme_significance(con, "yos-2018", year_start, year_end - dt.timedelta(days=1)) is None
    finally:
        con.close()
    assert len(reused) > 0 and len(year) > 0
    # the marts' rows are the tests run afresh on the same cases, row for row
    pd.testing.assert_frame_equal(reused, period_significance(config, "yos-2018", start, end))
    pd.testing.assert_frame_equal(year, period_significance(config, "yos-2018", year_start, year_end))


def test_lineage_lists_the_submissions_with_hashes(built):
    config, _, _ = built
    _, _, path = programme(built, "cci-2009")
    lineage = json.loads((path / "lineage.json").read_text(encoding="utf-8"))
    assert lineage["run_id"] == "20240101T000000Z-brief1"
    assert lineage["yotbench_version"] == __version__
    assert lineage["marts_db"] == "marts/yotbench.duckdb"  # within the data folder: no local path published
    assert str(config.data_dir) not in (path / "lineage.json").read_text(encoding="utf-8")
    expected = sorted(
        (s["submission"], s["content_hash"]) for s in current_submissions(config) if s["framework"] == "cci-2009"
    )
    assert sorted((s["submission"], s["content_hash"]) for s in lineage["submissions"]) == expected
    assert len(expected) == KEEP["cci"]
    sources = csv_table(path, "sources")
    assert sorted(sources["Content hash (SHA-256)"]) == sorted(h for _, h in expected)


def case_refs(raw: Path) -> set[str]:
    refs: set[str] = set()
    for path in raw.rglob("cases.csv"):
        with path.open(encoding="utf-8") as f:
            refs |= {row["case_ref"] for row in csv.DictReader(f)}
    for path in raw.glob("*.xlsx"):
        ws = openpyxl.load_workbook(path, read_only=True)["cases"]
        rows = ws.iter_rows(values_only=True)
        column = next(rows).index("case_ref")
        refs |= {str(r[column]) for r in rows}
    return refs


def texts(folder: Path):
    for path in folder.rglob("*"):
        if path.suffix in (".xlsx", ".ods"):
            with zipfile.ZipFile(path) as z:
                for name in z.namelist():
                    yield f"{path.name}:{name}", z.read(name).decode("utf-8", "replace")
        elif path.is_file():
            yield path.name, path.read_text(encoding="utf-8")


def test_no_case_reference_appears_in_any_briefing(built):
    config, _, paths = built
    refs = case_refs(config.raw_dir)
    assert len(refs) > 300
    pattern = re.compile("|".join(sorted(map(re.escape, refs))))
    for path in paths.values():
        for name, text in texts(path):
            assert not pattern.search(text), (path.name, name)


def test_cli_brief_writes_and_prints_the_folder(built, capsys):
    config, _, _ = built
    assert (
        main(
            [
                "brief",
                "--from",
                "2019-04-01",
                "--to",
                "2020-03-31",
                "--framework",
                "yos-2018",
                "--data-dir",
                str(config.data_dir),
            ]
        )
        == 0
    )
    printed = capsys.readouterr().out.strip()
    assert printed == str(config.briefings_dir / "yos-2018_2019-04-01_2020-03-31")
    assert (Path(printed) / "briefing.html").exists()
    assert main(["brief", "--from", "1990-01-01", "--to", "1990-12-31", "--data-dir", str(config.data_dir)]) == 1
    assert "no inspection's fieldwork ended between 1990-01-01 and 1990-12-31" in capsys.readouterr().err
    unknown = ["brief", "--from", "2019-04-01", "--to", "2020-03-31", "--framework", "yos-2019"]
    assert main([*unknown, "--data-dir", str(config.data_dir)]) == 1
    assert capsys.readouterr().err == (
        "yotbench brief: unknown framework 'yos-2019'; the frameworks are cci-2009, sqs-2012, yos-2018\n"
    )


def test_lineage_dates_the_marts_build_the_briefing_was_read_from(built, tmp_path):
    # The nightly run writes its briefings from its unpublished build (`db`), then publishes it:
    # the lineage must date that build, not the file it is about to replace.
    config, _, _ = built
    start, end, _ = programme(built, "cci-2009")
    build = tmp_path / "build.duckdb"
    shutil.copyfile(config.marts_db, build)
    built_at = dt.datetime(2030, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    os.utime(build, (built_at.timestamp(), built_at.timestamp()))
    path = write_briefing(
        config, framework="cci-2009", date_from=start, date_to=end, run_id="r", db=build, root=tmp_path / "staged"
    )
    lineage = json.loads((path / "lineage.json").read_text(encoding="utf-8"))
    assert lineage["marts_db_modified"] == "2030-01-02T03:04:05+00:00"
    assert lineage["marts_db"] == "marts/yotbench.duckdb"  # where it is published
