"""Hostile input trial: files a user, or someone sending a file to a programme manager, could
offer aidtrack, and what aidtrack writes back out. Each test failed before its fix.
"""

import csv
import io

import openpyxl
import pandas as pd
import pytest

from loaders import pipeline, template, workbook
from loaders.problems import UnreadableFile
from portfolio import imports, store
from ui.format import literal

from .test_import import rows
from .test_import_page import upload
from .test_pages import app

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


QUOTE_NEVER_CLOSED = (
    "cannot be read from line 3: a value starting there runs on for more than 131,072 characters, far "
    'more than a spreadsheet cell holds. Most likely a quote (") on that line is opened and never closed, '
    "so the rest of the file reads as one value. Close or remove the quote and import the file again."
)


def _unclosed_quote_csv() -> bytes:
    line = "C-{0},Customs {0},x,EU,Serbia,,1000,2020-01-01,2021-12-31\n"
    head = _csv([]).decode() + line.format(1)
    return (head + 'C-2,"Border' + " management" * 20_000 + "\n" + line.format(3)).encode()


def test_a_quote_never_closed_in_a_csv_is_one_message_not_a_traceback(db):
    # Python's csv reader raised "_csv.Error: field larger than field limit (131072)": the CLI
    # printed a traceback and the Import page showed an exception.
    with pytest.raises(UnreadableFile) as e:
        pipeline.preview_file(db, _unclosed_quote_csv(), "quote.csv")
    assert (e.value.file, e.value.message) == ("quote.csv", QUOTE_NEVER_CLOSED)


def test_the_import_page_says_what_is_wrong_with_a_quote_never_closed(sample_db):
    at = upload(app("pages/imports.py"), "quote.csv", _unclosed_quote_csv())
    assert at.error[0].value == "**Nothing was imported.** " + literal(f"quote.csv: {QUOTE_NEVER_CLOSED}")


def test_a_file_a_byte_over_the_upload_limit_says_it_is_over_it():
    # It said "is 25.0 MB; aidtrack imports files of up to 25 MB".
    with pytest.raises(UnreadableFile) as e:
        workbook.check_size(workbook.MAX_UPLOAD_MB * workbook.MB + 1, "big.csv")
    assert e.value.message.startswith(
        f"is just over {workbook.MAX_UPLOAD_MB} MB; aidtrack imports files of up to"
    )
