"""tables.xlsx, tables.ods and the CSV files: structure, same content, and text that cannot act."""

from __future__ import annotations

import csv
import zipfile

import openpyxl
import pandas as pd

from tests.briefing.conftest import FORMULA_PROVIDER
from yotbench.briefing.workbook import xlsx_grid

TABLE_SHEETS = [f"Table {i}" for i in range(1, 10)]


def test_folder_holds_every_output(written):
    assert written.name == "yos-2018_2019-04-01_2020-03-31"
    assert sorted(p.name for p in written.iterdir()) == [
        "briefing.html",
        "briefing.md",
        "csv",
        "lineage.json",
        "tables.ods",
        "tables.xlsx",
    ]
    assert sorted(p.name for p in (written / "csv").iterdir()) == [
        "table_1_headline.csv",
        "table_2_key_questions.csv",
        "table_3_case_characteristics.csv",
        "table_4_key_questions_by_group.csv",
        "table_5_differences.csv",
        "table_6_benchmarks.csv",
        "table_7_ratings.csv",
        "table_8_inspections.csv",
        "table_9_sources.csv",
    ]
    assert not list(written.parent.glob(".*"))  # the temporary folder was swapped in, nothing left over


def test_workbook_sheets_follow_the_guidance(written):
    book = openpyxl.load_workbook(written / "tables.xlsx")
    assert book.sheetnames == ["Cover", "Contents", "Notes", *TABLE_SHEETS]
    for ws in book.worksheets:
        assert not ws.merged_cells.ranges, ws.title
        assert len(ws.title) <= 31
    for name in ["Contents", "Notes", *TABLE_SHEETS]:
        ws = book[name]
        assert len(ws.tables) == 1, name  # one table per sheet, marked up as an Excel table
        (table,) = ws.tables.values()
        assert table.ref.startswith("A"), (name, table.ref)  # against the left edge
        last_row = int(table.ref.split(":")[1].lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
        assert ws.max_row == last_row, name  # nothing below the table
        assert ws["A1"].value, name  # title in A1
    names = [t for ws in book.worksheets for t in ws.tables]
    assert "table_3_case_characteristics" in names and len(names) == len(set(names))


def test_shorthand_and_notes_are_explained(written):
    grid = xlsx_grid(written / "tables.xlsx")
    cover = " ".join(str(v) for row in grid["Cover"] for v in row if v)
    assert "[c] = Confidential: suppressed because it was built from fewer than 5 cases" in cover or (
        "[c] Confidential: suppressed because it was built from fewer than 5 cases" in cover
    )
    assert "[x]" in cover and "[z]" in cover
    assert "20200401T000000Z-abc123" in cover
    notes = pd.DataFrame(grid["Notes"][3:], columns=grid["Notes"][2])
    texts = notes["Note text"].tolist()
    assert any(t.startswith("Figures built from fewer than 5 cases are shown as [c]") for t in texts)
    sheet = grid["Table 3"]
    assert sheet[0][0] == "Case characteristics"
    text = " ".join(str(v) for row in sheet[:8] for v in row if v)
    assert "[c] = Confidential" in text  # the legend beside the table
    assert "[note " in text  # notes referenced as [note n]


def table_rows(grid: dict, sheet: str) -> tuple[list, list[list]]:
    """Header and rows of the one table on a table sheet (the rows after the description)."""
    rows = grid[sheet]
    start = next(
        i
        for i, r in enumerate(rows)
        if r[0] in ("Measure", "Question", "Characteristic", "Standard", "Inspection", "Submission")
    )
    return rows[start], rows[start + 1 :]


def norm(value):
    try:
        return float(value)
    except (TypeError, ValueError):
        return value


def test_xlsx_tables_match_the_csv_files(written):
    grid = xlsx_grid(written / "tables.xlsx")
    header, body = table_rows(grid, "Table 3")
    with (written / "csv" / "table_3_case_characteristics.csv").open(encoding="utf-8") as f:
        csv_rows = list(csv.reader(f))
    assert header == csv_rows[0]
    assert [[norm(v) for v in r] for r in body] == [[norm(v) for v in r] for r in csv_rows[1:]]
    assert body[1] == ["Gender", "Female", "[c]", "[c]"]
    assert body[0] == ["Gender", "Male", 18, 72]
    _, headline = table_rows(grid, "Table 1")
    assert headline[2:] == [["Inspections", 3], ["Cases", 25]]  # counts stored as numbers, not text


def openpyxl_grid(path) -> dict[str, list[list[object]]]:
    """The cells as openpyxl reads them: the reference xlsx_grid (calamine) is checked against."""
    book = openpyxl.load_workbook(path, read_only=True)
    try:
        return {ws.title: [list(row) for row in ws.iter_rows(values_only=True)] for ws in book.worksheets}
    finally:
        book.close()


def test_xlsx_grid_reads_the_cells_as_openpyxl_does(written):
    grid, reference = xlsx_grid(written / "tables.xlsx"), openpyxl_grid(written / "tables.xlsx")
    assert grid == reference
    assert [type(v) for rows in grid.values() for row in rows for v in row] == [
        type(v) for rows in reference.values() for row in rows for v in row
    ]  # 18, not 18.0; None, not ""
    assert {type(v) for rows in grid.values() for row in rows for v in row} >= {int, float, str, type(None)}


def test_ods_has_the_same_sheets_and_cells(written):
    grid = openpyxl_grid(written / "tables.xlsx")
    ods = pd.read_excel(written / "tables.ods", sheet_name=None, header=None, engine="odf")
    assert list(ods) == list(grid)
    for sheet, rows in grid.items():
        expected = pd.DataFrame(rows).dropna(how="all").dropna(axis=1, how="all")
        got = ods[sheet].dropna(how="all").dropna(axis=1, how="all")
        assert got.shape == expected.shape, sheet
        for a, b in zip(expected.to_numpy().ravel(), got.to_numpy().ravel(), strict=True):
            assert (pd.isna(a) and pd.isna(b)) or a == b or float(a) == float(b), (sheet, a, b)


def test_submission_text_cannot_act_as_formula_or_link(written):
    book = openpyxl.load_workbook(written / "tables.xlsx")
    ws = book["Table 8"]
    cells = [c for row in ws.iter_rows() for c in row if c.value == FORMULA_PROVIDER]
    assert len(cells) == 1 and cells[0].data_type == "s" and cells[0].hyperlink is None
    with zipfile.ZipFile(written / "tables.xlsx") as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/sheet"):
                assert "<f>" not in z.read(name).decode(), name  # no formula anywhere
    with zipfile.ZipFile(written / "tables.ods") as z:
        content = z.read("content.xml").decode()
    assert "table:formula" not in content
    assert '<text:p>=HYPERLINK("http://x","y")</text:p>' in content  # kept as a string cell
    with (written / "csv" / "table_8_inspections.csv").open(encoding="utf-8") as f:
        providers = [r["Provider"] for r in csv.DictReader(f)]
    assert providers[1] == "'" + FORMULA_PROVIDER  # CSV has no cell types: prefixed as OWASP advises


def test_markdown_link_in_submission_text_stays_text(tmp_path):
    from datetime import UTC, datetime

    from tests.briefing.conftest import crafted_frames
    from yotbench.briefing import write_briefing_from_frames
    from yotbench.config import RunConfig

    frames = crafted_frames()
    frames.inspections.loc[0, "provider"] = "[click me](http://evil.example) $$suppression$$"
    out = write_briefing_from_frames(
        frames, RunConfig(data_dir=tmp_path / "data"), run_id="r", written_at=datetime(2020, 4, 1, tzinfo=UTC)
    )
    ws = openpyxl.load_workbook(out / "tables.xlsx")["Table 8"]
    cells = [c for row in ws.iter_rows() for c in row if isinstance(c.value, str) and "click me" in c.value]
    assert [c.value for c in cells] == ["[click me](http://evil.example) $$suppression$$"]
    assert cells[0].hyperlink is None


def test_the_cover_names_the_contact_configured(tmp_path):
    from datetime import UTC, datetime

    from tests.briefing.conftest import crafted_frames
    from yotbench.briefing import write_briefing_from_frames
    from yotbench.config import RunConfig

    contact = "Inspection analysis team, analysis@example.gov.uk"
    config = RunConfig(data_dir=tmp_path / "data", contact=contact)
    out = write_briefing_from_frames(
        crafted_frames(), config, run_id="20200401T000000Z-abc123", written_at=datetime(2020, 4, 1, 2, 0, tzinfo=UTC)
    )
    cells = [c for row in openpyxl.load_workbook(out / "tables.xlsx")["Cover"].iter_rows(values_only=True) for c in row]
    assert contact in cells
    assert cells.index(contact) == cells.index("Contact") + 1  # the first line under the heading
