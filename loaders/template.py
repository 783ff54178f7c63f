"""Workbooks aidtrack hands out: the template, portfolio exports and fix-me files of rejected rows.

Pure: data in, an .xlsx written to a path or a binary file object (io.BytesIO for a download
button) out. No database, no streamlit. The template and an export share one layout
(loaders.layout), so a manager can download an export, edit it and import it again.

Sheets are written in openpyxl's write-only mode, which streams rows and still keeps frozen
panes, widths, comments, drop-downs and autofilters; a 10,000-project export stays quick.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from itertools import zip_longest
from os import PathLike
from typing import IO, Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from loaders.layout import (
    AMOUNT,
    CODE,
    DATE,
    LISTS_SHEET,
    NUMBER,
    PROBLEMS_COLUMN,
    README_SHEET,
    SHARE,
    SHEETS,
    Column,
    Sheet,
)

DATE_FORMAT = "yyyy-mm-dd"
AMOUNT_FORMAT = "#,##0.00"
MIN_VALIDATED_ROWS = 1000  # drop-downs reach this far even in an empty template
SPARE_ROWS = 500  # and this far below an export's last row, for rows a manager adds

HEADER_FONT = Font(bold=True)
OPTIONAL_FILL = PatternFill("solid", fgColor="DDEBF7")  # light blue
REQUIRED_FILL = PatternFill("solid", fgColor="FCE4D6")  # light orange: must be filled in
TITLE_FONT = Font(bold=True, size=14)
HEADING_FONT = Font(bold=True, size=12)
WRAP = Alignment(wrap_text=True, vertical="top")
TOP = Alignment(vertical="top")

# A text a spreadsheet program would run as a formula when the cell is edited (OWASP's list).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

# Bounds of number columns, by field; other numbers take any decimal.
NUMBER_BOUNDS = {"latitude": (-90, 90), "longitude": (-180, 180)}
# Amounts that may be negative (corrections and refunds); every other amount is 0 or more.
NEGATIVE_AMOUNTS = {("transactions", "amount")}
# Lists whose values are the only ones aidtrack accepts; the others also take codes (SRB, 15210).
CLOSED_LISTS = {"statuses", "roles", "activity_kinds", "transaction_types", "budget_types", "visibilities"}

Target = str | PathLike | IO[bytes]


# --- Cells ----------------------------------------------------------------------------------


def _styled(ws, value: Any = None, **style) -> WriteOnlyCell:
    """A cell with its own style; text in it is escaped like any other text."""
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    cell = WriteOnlyCell(ws, value=value)
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        # Kept exactly, but stored as text with Excel's quote prefix: what Excel itself
        # records when a person types a leading apostrophe. It shows and re-imports as the
        # text, and stays text when the cell is edited.
        cell.data_type = "s"
        cell.quotePrefix = True
    for name, setting in style.items():
        setattr(cell, name, setting)
    return cell


def _text(ws, value: str) -> str | WriteOnlyCell:
    """A string as text: illegal control characters dropped, never run as a formula."""
    # Dropped before the check: '\x01=HYPERLINK(...)' would otherwise pass it and be written
    # as '=HYPERLINK(...)', which openpyxl writes as a formula.
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    if value.startswith(FORMULA_STARTS):
        return _styled(ws, value)
    return value


def _value(ws, value: Any, styled: WriteOnlyCell | None = None) -> Any:
    """What to hand openpyxl for one value; `styled` is the column's reusable formatted cell."""
    if value is None or value is pd.NA or value != value:  # None, NaN, NaT: not known, so blank
        return None
    if isinstance(value, str):
        return _text(ws, value)
    if styled is None:
        return value
    if isinstance(value, datetime) and styled.number_format == DATE_FORMAT:
        value = value.date()  # pandas Timestamps too; the template's date columns hold dates
    # Write-only rows are written as they are appended, so one styled cell per column can be
    # reused for every row; openpyxl starts a fresh cell after a styled one is written.
    styled.value = value
    return styled


# --- The template and exports ---------------------------------------------------------------


def write_workbook(
    target: Target,
    lists: dict[str, list[str]],
    tables: dict[str, pd.DataFrame] | None = None,
    title: str = "aidtrack portfolio",
) -> None:
    """Write the template (tables=None) or an export in the same layout.

    `lists` are the drop-downs by list name (portfolio.export.reference_lists); `tables` are
    keyed by store table (loaders.layout Sheet.table), columns the sheet's fields in order,
    as portfolio.export.export_tables returns them.
    """
    missing = {c.codes for s in SHEETS for c in s.columns if c.codes} - set(lists)
    if missing:
        raise ValueError(f"drop-down lists missing: {sorted(missing)}")
    wb = Workbook(write_only=True)
    _write_readme(wb.create_sheet(README_SHEET), title, tables)
    list_ranges = _list_ranges(lists)
    for sheet in SHEETS:
        frame = None if tables is None else tables.get(sheet.table)
        _write_sheet(wb.create_sheet(sheet.name), sheet, frame, list_ranges)
    _write_lists(wb.create_sheet(LISTS_SHEET), lists)
    wb.save(target)


def write_csv(target: Target, sheet: Sheet, frame: pd.DataFrame) -> None:
    """One sheet of the template as csv: its header row, then a row per row of `frame`.

    UTF-8 with a byte-order mark, which Excel needs to read accented names right. Text that a
    spreadsheet program would run as a formula gets a leading apostrophe, which Excel hides and
    aidtrack's import drops.
    """
    text = io.StringIO(newline="")
    writer = csv.writer(text)
    writer.writerow([c.header for c in sheet.columns])
    for row in frame[[c.field for c in sheet.columns]].itertuples(index=False):
        writer.writerow([_csv_value(value) for value in row])
    data = ("\ufeff" + text.getvalue()).encode("utf-8")
    if isinstance(target, (str, PathLike)):
        with open(target, "wb") as f:
            f.write(data)
    else:
        target.write(data)


def _csv_value(value: Any) -> str:
    if value is None or value is pd.NA or value != value:  # None, NaN, NaT: not known, so blank
        return ""
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value.isoformat()
    value = ILLEGAL_CHARACTERS_RE.sub("", str(value))
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _header_cell(ws, column: Column) -> WriteOnlyCell:
    note = ("Required. " if column.required else "") + column.help
    cell = _styled(
        ws,
        column.header,
        font=HEADER_FONT,
        fill=REQUIRED_FILL if column.required else OPTIONAL_FILL,
        alignment=TOP,
    )
    cell.comment = Comment(note, "aidtrack", width=260, height=90)
    return cell


def _write_sheet(ws, sheet: Sheet, frame: pd.DataFrame | None, list_ranges: dict[str, str]) -> None:
    if frame is not None:
        fields = [c.field for c in sheet.columns]
        if list(frame.columns) != fields:
            raise ValueError(f"{sheet.name}: columns {list(frame.columns)} are not {fields}")
    rows = 0 if frame is None else len(frame)
    last_col = get_column_letter(len(sheet.columns))

    # Write-only sheets take widths, formats and panes before their first row.
    for i, column in enumerate(sheet.columns, 1):
        dimension = ws.column_dimensions[get_column_letter(i)]
        dimension.width = column.width
        if column.kind == DATE:
            dimension.number_format = DATE_FORMAT  # for the rows a manager adds
        elif column.kind == AMOUNT:
            dimension.number_format = AMOUNT_FORMAT
    ws.freeze_panes = "A2"
    ws.append([_header_cell(ws, c) for c in sheet.columns])

    if frame is not None and rows:
        formatted = [_column_cell(ws, c) for c in sheet.columns]
        for record in frame.itertuples(index=False, name=None):
            ws.append([_value(ws, v, s) for v, s in zip(record, formatted, strict=True)])

    ws.auto_filter.ref = f"A1:{last_col}{rows + 1}"
    last_row = max(MIN_VALIDATED_ROWS, rows + SPARE_ROWS)
    for i, column in enumerate(sheet.columns, 1):
        validation = _validation(sheet, column, list_ranges)
        if validation is not None:
            letter = get_column_letter(i)
            validation.add(f"{letter}2:{letter}{last_row}")
            ws.data_validations.append(validation)


def _column_cell(ws, column: Column) -> WriteOnlyCell | None:
    if column.kind == DATE:
        return _styled(ws, number_format=DATE_FORMAT)
    if column.kind == AMOUNT:
        return _styled(ws, number_format=AMOUNT_FORMAT)
    return None


def _validation(sheet: Sheet, column: Column, list_ranges: dict[str, str]) -> DataValidation | None:
    """The drop-down or range check a column's cells get, with a message in plain words."""
    header = column.header
    if column.kind == CODE:
        closed = column.codes in CLOSED_LISTS
        return DataValidation(
            type="list",
            formula1=list_ranges[column.codes],
            allow_blank=True,
            showErrorMessage=True,
            # A country or sector may also be written as its code: warn, but let it stand.
            errorStyle="stop" if closed else "warning",
            errorTitle=f"{header}: not in the list",
            error=f"Choose a {header.lower()} from the drop-down list."
            + ("" if closed else " A code is accepted too: choose Yes to keep what you typed."),
        )
    if column.kind == DATE:
        return DataValidation(
            type="date",
            operator="between",
            formula1="DATE(1950,1,1)",
            formula2="DATE(2100,12,31)",
            allow_blank=True,
            showErrorMessage=True,
            errorTitle=f"{header}: not a date",
            error="Type a date between 1950-01-01 and 2100-12-31, for example 2018-07-18.",
        )
    if column.kind == SHARE:
        return _decimal(header, 0, 100, "Type a percentage from 0 to 100, without the % sign.")
    if column.kind == AMOUNT:
        if (sheet.table, column.field) in NEGATIVE_AMOUNTS:
            return _decimal(header, -(10**15), 10**15, "Type a plain number, e.g. 250000 or -1200.50.")
        return _decimal(header, 0, 10**15, "Type a plain number of 0 or more, e.g. 250000 or 1200.50.")
    if column.kind == NUMBER:
        if column.field == "seq":
            return DataValidation(
                type="whole",
                operator="greaterThanOrEqual",
                formula1="1",
                allow_blank=True,
                showErrorMessage=True,
                errorTitle=f"{header}: not a whole number",
                error="Type 1 for the first, 2 for the next, and so on.",
            )
        low, high = NUMBER_BOUNDS.get(column.field, (-(10**15), 10**15))
        return _decimal(header, low, high, f"Type a number from {low} to {high}.")
    return None


def _decimal(header: str, low: float, high: float, message: str) -> DataValidation:
    return DataValidation(
        type="decimal",
        operator="between",
        formula1=str(low),
        formula2=str(high),
        allow_blank=True,
        showErrorMessage=True,
        errorTitle=f"{header}: not a number",
        error=message,
    )


def _list_ranges(lists: dict[str, list[str]]) -> dict[str, str]:
    """Each list's range on the hidden Lists sheet: one column per list, values from row 2."""
    sheet = quote_sheetname(LISTS_SHEET)
    ranges = {}
    for i, (name, values) in enumerate(lists.items(), 1):
        letter = get_column_letter(i)
        ranges[name] = f"{sheet}!${letter}$2:${letter}${max(2, len(values) + 1)}"
    return ranges


def _write_lists(ws, lists: dict[str, list[str]]) -> None:
    ws.sheet_state = "hidden"
    for i, values in enumerate(lists.values(), 1):
        longest = max((len(str(v)) for v in values), default=10)
        ws.column_dimensions[get_column_letter(i)].width = min(60, max(12, longest + 2))
    ws.append([_styled(ws, name, font=HEADER_FONT) for name in lists])
    for row in zip_longest(*lists.values()):
        ws.append([_value(ws, v) for v in row])


# --- Read me --------------------------------------------------------------------------------

HOW_TO = (
    "How to fill it in",
    [
        "Fill in one sheet per table: Projects first, then any of the others you have facts for.",
        "Project ID links the sheets: write a project's ID on every row that belongs to it.",
        "One row per item: a project, a funder or partner, a country, a sector, an aim, "
        "an event, a budget period or a transaction.",
        "Leave a cell blank when the fact is not known. Blank means unknown, never zero.",
        "Dates: type them as dates, or as text written YYYY-MM-DD (2018-07-18).",
        "Amounts: plain numbers without a currency sign (1000000 or 1000000.00); "
        "the currency goes in its own column.",
        "Code columns offer a drop-down list; countries and sectors also accept their codes (SRB, 15210).",
        "Budgets: a revised budget replaces the original one for the same period.",
        "Orange headers must be filled in on every row; blue ones when known. "
        "Hover over a header for what to write.",
        "Keep the header row as it is: aidtrack finds the columns by their headers.",
    ],
)


def _readme_rows(ws, title: str, tables: dict[str, pd.DataFrame] | None) -> Iterator[list]:
    yield [_styled(ws, title, font=TITLE_FONT)]
    if tables is None:
        yield ["The aidtrack template: fill it in and import it to add or update projects."]
    else:
        projects = len(tables.get("projects", ()))
        yield [
            f"An aidtrack export of {projects} project{'s' if projects != 1 else ''}, "
            f"made on {date.today().isoformat()}."
        ]
        yield [
            "Edit it and import it again: aidtrack shows what would change, and saves nothing "
            "until you confirm."
        ]
    yield []
    heading, lines = HOW_TO
    yield [_styled(ws, heading, font=HEADING_FONT)]
    for line in lines:
        yield ["•  " + line]
    for sheet in SHEETS:
        yield []
        yield [_styled(ws, sheet.name, font=HEADING_FONT), None, sheet.help]
        yield [_styled(ws, h, font=HEADER_FONT) for h in ("Column", "Required", "What to write")]
        for column in sheet.columns:
            yield [
                _styled(ws, column.header, alignment=TOP),
                _styled(ws, "yes" if column.required else "", alignment=TOP),
                _styled(ws, column.help, alignment=WRAP),
            ]


def _write_readme(ws, title: str, tables: dict[str, pd.DataFrame] | None) -> None:
    # The opening lines are unwrapped so they read across the empty cells beside them.
    for letter, width in (("A", 24), ("B", 10), ("C", 90)):
        ws.column_dimensions[letter].width = width
    for row in _readme_rows(ws, title, tables):
        ws.append(row)


def _sheet_title(name: str) -> str:
    """A name Excel accepts for a sheet: no []:*?/\\ or control characters, at most 31 long."""
    return re.sub(r"[\\[\]:*?/]", "", ILLEGAL_CHARACTERS_RE.sub("", name)).strip("' ")[:31]


# --- Fix-me workbooks -----------------------------------------------------------------------


@dataclass(frozen=True)
class FixSheet:
    """The rejected rows of one sheet: its header, the rows as written, each row's problems."""

    name: str
    header: list[str]
    rows: list[list]
    problems: list[list[str]]


def write_fixme(
    target: Target,
    header: list[str],
    rows: list[list],
    problems: list[list[str]],
    sheet_name: str = "Rows to fix",
) -> None:
    """The rejected rows as they were in the user's file, each with its problems in a last column."""
    write_fixme_sheets(target, [FixSheet(sheet_name, header, rows, problems)])


# The read-me of a fix-me workbook made from the template.
TO_FIX_README = (
    "Rows aidtrack could not import, to fix and import again",
    "Each sheet holds the rows of the projects that had a rejected row. A row's Problems cell says "
    "what to fix; rows with an empty Problems cell were fine.",
    "Keep those rows: a sheet replaces each project's rows of its table (its budgets, say), so a "
    "row left out here would be deleted when this workbook is imported.",
    "Then import this workbook on the Import page, or with: python -m loaders import FILE",
)


def write_fixme_sheets(target: Target, sheets: list[FixSheet], readme: Iterable[str] | None = None) -> None:
    """A fix-me workbook with one sheet per sheet of the user's file that had rejected rows,
    after a read-me sheet when `readme` lines are given (its first line is the title)."""
    wb = Workbook(write_only=True)
    if readme:
        ws = wb.create_sheet(README_SHEET)
        ws.column_dimensions["A"].width = 110
        for i, line in enumerate(readme):
            ws.append([_styled(ws, line, font=TITLE_FONT) if i == 0 else _styled(ws, line, alignment=WRAP)])
    for sheet in sheets:
        if len(sheet.rows) != len(sheet.problems):
            raise ValueError(f"{len(sheet.rows)} rows but {len(sheet.problems)} lists of problems")
        _write_fixme_sheet(wb.create_sheet(_sheet_title(sheet.name) or "Rows to fix"), sheet)
    wb.save(target)


def _write_fixme_sheet(ws, sheet: FixSheet) -> None:
    header, rows = sheet.header, sheet.rows
    for i, name in enumerate(header, 1):
        width = min(40, max(10, len(str(name or "")) + 4))
        ws.column_dimensions[get_column_letter(i)].width = width
    problems_letter = get_column_letter(len(header) + 1)
    ws.column_dimensions[problems_letter].width = 70
    ws.freeze_panes = "A2"
    ws.append(
        [_styled(ws, h, font=HEADER_FONT, fill=OPTIONAL_FILL) for h in header]
        + [_styled(ws, PROBLEMS_COLUMN, font=HEADER_FONT, fill=REQUIRED_FILL)]
    )
    for row, row_problems in zip(rows, sheet.problems, strict=True):
        cells = [_value(ws, v) for v in _padded(row, len(header))]
        note = "\n".join(row_problems)
        cells.append(_styled(ws, note, alignment=WRAP) if note else None)
        ws.append(cells)
    ws.auto_filter.ref = f"A1:{problems_letter}{len(rows) + 1}"


def _padded(row: Iterable, width: int) -> list:
    values = list(row)
    return values + [None] * (width - len(values))


# --- Any table, as a download ---------------------------------------------------------------


def write_table(target: Target, frame: pd.DataFrame, sheet_name: str = "Table", note: str = "") -> None:
    """One table as a workbook: bold frozen header, numbers as numbers, text never run as a formula.

    `note` (what the figures are, their currency and date) goes in a row above the header.
    """
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_sheet_title(sheet_name) or "Table")
    for i, name in enumerate(frame.columns, 1):
        ws.column_dimensions[get_column_letter(i)].width = min(50, max(12, len(str(name)) + 4))
    if note:
        ws.append([_styled(ws, note, font=Font(italic=True))])
    ws.freeze_panes = "A3" if note else "A2"
    ws.append([_styled(ws, str(h), font=HEADER_FONT, fill=OPTIONAL_FILL) for h in frame.columns])
    for row in frame.itertuples(index=False):
        ws.append([_value(ws, v.as_py() if hasattr(v, "as_py") else v) for v in row])
    wb.save(target)


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """A table as csv (UTF-8 with BOM, for Excel), text that a spreadsheet would run as a
    formula prefixed with an apostrophe, as OWASP advises for csv."""
    safe = frame.map(lambda v: "'" + v if isinstance(v, str) and v.startswith(FORMULA_STARTS) else v)
    return safe.to_csv(index=False).encode("utf-8-sig")
