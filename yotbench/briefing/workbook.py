"""tables.xlsx (gptables), tables.ods with the same cells, and every table as CSV.

The workbook follows the Analysis Function's guidance on releasing statistics in
spreadsheets as gptables implements it: a cover sheet, a contents sheet, a notes
sheet, one table per sheet marked up as an Excel table starting in column A, no
merged cells, notes referenced as [note n], and shorthand ([c], [x], [z]) explained
on the cover and beside every table.

Text never acts as a formula or a link: the workbook is written with XlsxWriter's
`strings_to_formulas`, `strings_to_urls` and `strings_to_numbers` off, and text that
came from submissions is passed to gptables as a plain run of text so its
markdown-link and note-reference parsing leaves it alone. ODS cells are typed
(strings are string cells; the file is written as OpenDocument XML with no formulas). CSV has no cell types, so in CSV a text cell starting
with = + - @ or a tab / carriage return is prefixed with an apostrophe (OWASP's advice
for CSV injection).
"""

from __future__ import annotations

import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

import gptables as gpt
import pandas as pd
from gptables.core.gptable import FormatList
from python_calamine import CalamineWorkbook

from yotbench.briefing.suppression import SHORTHAND
from yotbench.briefing.tables import NOTES, Table

WORKBOOK_OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class CoverText:
    title: str
    intro: list[str]
    about: list[str]
    contact: list[str]


def sheet_label(index: int) -> str:
    return f"Table {index}"


def table_name(index: int, table: Table) -> str:
    return f"table_{index}_{table.name}"


def legend(threshold: int) -> list[str]:
    return [f"{symbol} = {text.format(threshold=threshold)}" for symbol, text in SHORTHAND.items()]


def notes_frame(threshold: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Note reference": list(NOTES),
            "Note text": [text.format(threshold=threshold) for text in NOTES.values()],
        }
    )


def _inert(value: object) -> object:
    """Text from a submission, as a plain run: no markdown link, note reference or formula."""
    return FormatList([{}, value]) if isinstance(value, str) else value


def _gptable(index: int, table: Table, threshold: int) -> gpt.GPTable:
    frame = table.frame.copy()
    for column in table.text_columns:
        frame[column] = frame[column].map(_inert)
    references = "".join(f"$${n}$$" for n in table.notes)
    description = [*table.description]
    description[-1] = description[-1] + references
    return gpt.GPTable(
        table=frame,
        table_name=table_name(index, table),
        title=table.title,
        subtitles=description,
        legend=legend(threshold),
        index_columns={},
        instructions="This worksheet contains one table. Some cells refer to notes, which are on the Notes "
        "worksheet. Shorthand such as [c] is explained below the title.",
    )


def write_xlsx(path: Path, tables: list[Table], cover: CoverText, threshold: int) -> None:
    sheets = {sheet_label(i): _gptable(i, t, threshold) for i, t in enumerate(tables, start=1)}
    notes = notes_frame(threshold)
    used = {n for t in tables for n in t.notes}
    notes = notes[notes["Note reference"].isin(used)].reset_index(drop=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # gptables warns about notes order and table names it accepts
        gpt.write_workbook(
            filename=path,
            sheets=sheets,
            notes_table=notes,
            cover=gpt.Cover(title=cover.title, intro=cover.intro, about=cover.about, contact=cover.contact),
            contentsheet_label="Contents",
            contentsheet_options={"additional_elements": ["subtitles"]},
            auto_width=True,
            gridlines="hide_all",
            workbook_options=WORKBOOK_OPTIONS,
        )


def _cell(value: object) -> object:
    # calamine reads every number as a float and an empty cell as ""; openpyxl, and the cells as
    # written, have ints for whole numbers and None for empty (tests/briefing/test_workbook.py)
    if value == "":
        return None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def xlsx_grid(path: Path) -> dict[str, list[list[object]]]:
    """Every sheet's cell values, row by row from A1, as written. Read with calamine: openpyxl took
    0.5 s over the 5,000-row tables of a scale-100 programme briefing, calamine 0.05 s."""
    book = CalamineWorkbook.from_path(str(path))
    return {
        name: [[_cell(v) for v in row] for row in book.get_sheet_by_name(name).to_python(skip_empty_area=False)]
        for name in book.sheet_names
    }


def _ods_cell(value: object) -> str:
    if value is None:
        return "<table:table-cell/>"
    if isinstance(value, bool):
        value = "Yes" if value else "No"
    if isinstance(value, int | float):
        return f'<table:table-cell office:value-type="float" office:value="{value!r}"><text:p>{value}</text:p></table:table-cell>'
    text = escape(str(value))
    paragraphs = "".join(f"<text:p>{line}</text:p>" for line in text.split("\n"))
    return f'<table:table-cell office:value-type="string">{paragraphs}</table:table-cell>'


ODS_MANIFEST = """<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">
 <manifest:file-entry manifest:full-path="/" manifest:version="1.2" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>
 <manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>
</manifest:manifest>
"""
ODS_NAMESPACES = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"'
)


def write_ods(path: Path, xlsx: Path) -> None:
    """The same sheets and cells as the xlsx, as OpenDocument: strings are string cells, numbers float cells.

    Written directly as OpenDocument XML (mimetype, manifest, content.xml): no formula is ever written.
    """
    sheets = []
    for sheet, rows in xlsx_grid(xlsx).items():
        body = "".join("<table:table-row>" + "".join(_ods_cell(v) for v in row) + "</table:table-row>" for row in rows)
        sheets.append(f'<table:table table:name="{escape(sheet, {chr(34): "&quot;"})}">{body}</table:table>')
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<office:document-content {ODS_NAMESPACES}>'
        f"<office:body><office:spreadsheet>{''.join(sheets)}</office:spreadsheet></office:body>"
        "</office:document-content>"
    )
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(
            zipfile.ZipInfo("mimetype"),
            "application/vnd.oasis.opendocument.spreadsheet",
            compress_type=zipfile.ZIP_STORED,
        )
        z.writestr("META-INF/manifest.xml", ODS_MANIFEST, compress_type=zipfile.ZIP_DEFLATED)
        z.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)


def csv_safe(value: object) -> object:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def write_csvs(directory: Path, tables: list[Table]) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for i, t in enumerate(tables, start=1):
        path = directory / f"{table_name(i, t)}.csv"
        t.frame.map(csv_safe).to_csv(path, index=False, encoding="utf-8")
        written.append(path)
    return written
