"""Hostile input trial: files a user, or someone sending a file to a programme manager, could
offer aidtrack, and what aidtrack writes back out. Each test failed before its fix.
"""

import csv
import io

import openpyxl
import pandas as pd
import pytest

from loaders import pipeline, template
from portfolio import imports, store

from .test_import import rows

HEADER = [
    "Project ID",
    "Title",
    "Description",
    "Donor",
    "Country",
    "Objectives",
    "Total budget (EUR)",
    "Start",
    "End",
]


def _csv(lines: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows([HEADER, *lines])
    return out.getvalue().encode()


@pytest.fixture
def db(sample_db):
    opened = store.open_store(sample_db)
    yield opened
    opened.close()


def _formulas(book: bytes) -> list[tuple[str, str, object]]:
    """Every cell of every sheet that a spreadsheet program would run as a formula."""
    wb = openpyxl.load_workbook(io.BytesIO(book))
    return [
        (ws.title, c.coordinate, c.value)
        for ws in wb.worksheets
        for row in ws.iter_rows()
        for c in row
        if c.data_type == "f"
    ]


# A control character before the '=' passed the formula check, was then dropped, and the cell
# was written as '=HYPERLINK(...)': a formula.
HIDDEN = '\x01=HYPERLINK("http://evil","click")'


def test_a_control_character_before_a_formula_does_not_make_a_formula_in_any_written_workbook(db):
    plan, loaded = pipeline.preview_file(
        db,
        _csv(
            [
                ["HX-1", "Customs", HIDDEN, "EU", "Serbia", HIDDEN, "1000", "2020-01-01", "2021-12-31"],
                ["HX-2", HIDDEN, "x", "EU", "Serbia", "", "-5", "2022-01-01", "2021-12-31"],  # ends first
            ]
        ),
        "hostile.csv",
    )
    assert plan.counts["rejected"] == 1
    imports.apply(db, plan)
    # The aim is stored without the control character, as titles and descriptions are.
    assert rows(db, "SELECT aim FROM project_aims WHERE project_id = 'HX-1'") == [(HIDDEN[1:],)]

    exported = io.BytesIO()
    pipeline.write_export(exported, db.connection)
    assert _formulas(exported.getvalue()) == []
    sheet = openpyxl.load_workbook(io.BytesIO(exported.getvalue()))["Projects"]
    cell = next(r[2] for r in sheet.iter_rows(min_row=2) if r[0].value == "HX-1")
    assert (cell.value, cell.data_type, cell.quotePrefix) == (HIDDEN[1:], "s", True)

    fixme = io.BytesIO()
    pipeline.write_fixme_workbook(fixme, loaded, plan)
    assert _formulas(fixme.getvalue()) == []
    fix_sheet = openpyxl.load_workbook(io.BytesIO(fixme.getvalue())).worksheets[0]
    assert [c.value for c in next(fix_sheet.iter_rows(min_row=2))][:2] == ["HX-2", HIDDEN[1:]]

    table = io.BytesIO()
    template.write_table(table, pd.DataFrame({"Title": [HIDDEN, "-2+3", "plain"], "Budget": [-5, 1, 2]}))
    assert _formulas(table.getvalue()) == []
    values = [[c.value for c in r] for r in openpyxl.load_workbook(table).active.iter_rows(min_row=2)]
    assert values == [[HIDDEN[1:], -5], ["-2+3", 1], ["plain", 2]]  # numbers stay numbers

    # The exported workbook imports back unchanged.
    plan, _ = pipeline.preview_file(db, exported.getvalue(), "export.xlsx")
    assert (plan.counts["added"], plan.counts["updated"], plan.counts["rejected"]) == (0, 0, 0)
