"""Budgets written in year columns become budget periods; the fix-me workbook says where a row came
from; transaction types read as words in the template and the export."""

import io
from datetime import date
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from loaders import pipeline
from portfolio import imports, spend, store
from portfolio.filters import Filters

from .test_pages import app
from .test_trial_sheets3 import TRIALS, imported, said

BUDGETS = (
    "SELECT p.title, b.period_start, b.period_end, b.type, b.amount, b.currency, b.value_date "
    "FROM budgets b JOIN projects p USING (project_id) ORDER BY 1, 2"
)
PROJECTS = "SELECT * EXCLUDE (updated_at, import_id) FROM projects ORDER BY project_id"


def rows(db, sql: str) -> list[tuple]:
    with db.cursor() as cur:
        return cur.execute(sql).fetchall()


def year(y: int, amount: str, currency: str) -> tuple:
    return date(y, 1, 1), date(y, 12, 31), "original", Decimal(amount), currency, None


def test_each_filled_year_column_is_that_years_budget(empty_db):
    _, loaded = imported(empty_db, "t3_04_budget_by_year.xlsx")
    assert rows(empty_db, BUDGETS) == [
        ("Disaster risk reduction", *year(2020, "3000000.00", "SEK")),
        ("Disaster risk reduction", *year(2021, "2000000.00", "SEK")),
        ("Girls' education", *year(2019, "500000.00", "GBP")),
        ("Girls' education", *year(2020, "500000.00", "GBP")),
        ("Girls' education", *year(2021, "0.00", "GBP")),  # written 0: a budget of 0
        # 2020 is 'n/a': no 2020 budget (not 0), and it is said
        ("Livelihoods for returnees", *year(2019, "100000.00", "CHF")),
        ("Livelihoods for returnees", *year(2021, "150000.00", "CHF")),
        ("Rural electrification", *year(2019, "250000.00", "EUR")),
        ("Rural electrification", *year(2020, "400000.00", "EUR")),
        ("Rural electrification", *year(2021, "350000.00", "EUR")),
    ]
    assert [(row, column) for row, column, _ in said(loaded)] == [(4, "2020")]
    # As the warning says: with 2020 not known, the budget counted is the other years'.
    review = spend.project_review(empty_db.connection, Filters(), "CHF").set_index("title")
    assert review.loc["Livelihoods for returnees", "budget"] == Decimal("250000.00")
    assert {c["column"]: c["imported as"] for c in loaded.columns}["Budget 2021"] == (
        "Budgets: the 2021 budget (1 Jan - 31 Dec); Total budget: added up with the other years' columns"
    )


def test_a_total_column_is_the_budget_and_the_years_its_periods(empty_db):
    _, loaded = imported(empty_db, "t3_14_budget_total_and_years.xlsx")
    assert rows(empty_db, "SELECT title, budget, currency FROM projects ORDER BY 1") == [
        ("Border crossings", Decimal("500000.00"), "EUR"),
        ("Court records", Decimal("1000000.00"), "EUR"),  # as written, though its years say 900,000
        ("Water for Gjilan", Decimal("900000.00"), "EUR"),
        ("Youth exchange", Decimal("250000.00"), "EUR"),  # no total written: the years' sum
    ]
    assert rows(empty_db, BUDGETS) == [
        ("Border crossings", *year(2022, "250000.00", "EUR")),
        ("Court records", *year(2022, "400000.00", "EUR")),
        ("Court records", *year(2023, "400000.00", "EUR")),
        ("Court records", *year(2024, "100000.00", "EUR")),
        ("Water for Gjilan", *year(2022, "300000.00", "EUR")),
        ("Water for Gjilan", *year(2023, "300000.00", "EUR")),
        ("Water for Gjilan", *year(2024, "300000.00", "EUR")),
        ("Youth exchange", *year(2022, "100000.00", "EUR")),
        ("Youth exchange", *year(2023, "150000.00", "EUR")),
    ]
    assert said(loaded) == [
        (
            3,
            "Total budget (EUR)",
            "The total budget in 'Total budget (EUR)' is 1,000,000.00 EUR, but the years ('2022', '2023', "
            "'2024') add up to 900,000.00 EUR. The total budget is stored as 1,000,000.00 and each year as "
            "its budget period; correct the one that is wrong.",
        ),
        (
            4,
            "2023",
            "'tbc' is not an amount; write a number such as 250000 or 'EUR 250,000'. No 2023 budget is "
            "stored, and the total budget is the one in 'Total budget (EUR)'.",
        ),
    ]
    assert {c["column"]: c["imported as"] for c in loaded.columns}["2023"] == (
        "Budgets: the 2023 budget (1 Jan - 31 Dec)"
    )


def _changed(name: str, cell: str, value, file_name: str) -> tuple[bytes, str]:
    """The trial sheet with one cell changed, as a later copy of it."""
    book = openpyxl.load_workbook(TRIALS / name)
    book.active[cell] = value
    out = io.BytesIO()
    book.save(out)
    return out.getvalue(), file_name


def test_the_same_sheet_again_changes_nothing_a_changed_year_shows_and_undo_restores(empty_db):
    imported(empty_db, "t3_04_budget_by_year.xlsx")
    sheet = TRIALS / "t3_04_budget_by_year.xlsx"
    again, loaded = pipeline.preview_file(empty_db, sheet.read_bytes(), sheet.name)
    assert again.counts["added"] == again.counts["updated"] == 0
    assert again.counts["unchanged"] == 4

    before = rows(empty_db, BUDGETS), rows(empty_db, PROJECTS)
    # Rural electrification's 2020 (row 2, column F): 400,000 -> 450,000.
    plan, loaded = pipeline.preview_file(empty_db, *_changed(sheet.name, "F2", 450000, "budgets-march.xlsx"))
    assert plan.counts["updated"] == 1 and plan.counts["unchanged"] == 3
    changes = pipeline.report(plan, loaded)["changes"]
    assert [(c["field"], pipeline.change_text(c)) for c in changes] == [
        ("budget", "1000000.00 -> 1050000.00"),
        (
            "Budgets",
            "removes 2020-01-01 2020-12-31 original 400000.00 EUR; "
            "adds 2020-01-01 2020-12-31 original 450000.00 EUR",
        ),
    ]
    import_id = imports.apply(empty_db, plan)
    assert ("Rural electrification", *year(2020, "450000.00", "EUR")) in rows(empty_db, BUDGETS)
    imports.undo(empty_db, import_id)
    after = rows(empty_db, BUDGETS), rows(empty_db, PROJECTS)
    assert after == before


def test_a_year_written_tbc_later_is_shown_as_the_year_removed(empty_db):
    imported(empty_db, "t3_04_budget_by_year.xlsx")
    # Rural electrification's 2021 (G2): 350,000 -> 'tbc'.
    plan, loaded = pipeline.preview_file(
        empty_db, *_changed("t3_04_budget_by_year.xlsx", "G2", "tbc", "budgets-april.xlsx")
    )
    changes = pipeline.report(plan, loaded)["changes"]
    assert [(c["field"], pipeline.change_text(c)) for c in changes] == [
        ("budget", "1000000.00 -> (blank)"),
        ("Budgets", "removes 2021-01-01 2021-12-31 original 350000.00 EUR"),
    ]
    assert (2, "Budget 2021") in [(row, column) for row, column, _ in said(loaded)]


@pytest.fixture
def years_db(_empty_template, tmp_path, monkeypatch) -> Path:
    """A portfolio imported from a sheet of budgets by year, all in euros; AIDTRACK_DB points at it."""
    import shutil

    path = tmp_path / "years.duckdb"
    shutil.copy(_empty_template, path)
    book = openpyxl.Workbook()
    for line in [
        ["Project", "Donor", "Country", "Currency", "2021", "2022", "2023"],
        ["Rural roads", "EU", "Serbia", "EUR", 120000, 80000, None],
        ["Clean water", "Germany", "Albania", "EUR", None, 250000, 250000],
        ["Teacher training", "Sweden", "Kosovo", "EUR", 40000.5, 60000, 100000],
    ]:
        book.active.append(line)
    data = io.BytesIO()
    book.save(data)
    db = store.open_store(path)
    plan, _ = pipeline.preview_file(db, data.getvalue(), "years.xlsx")
    imports.apply(db, plan)
    db.close()
    monkeypatch.setenv("AIDTRACK_DB", str(path))
    return path


def test_the_spend_reviews_years_hold_the_sheets_year_columns(years_db):
    at = app("pages/spend.py")
    at.segmented_control(key="spend_view").set_value("Year")
    at.run()
    assert not at.exception
    table = at.dataframe[0].value
    budget = {name: Decimal(str(b)) for name, b in zip(table["name"], table["budget"], strict=True)}
    assert budget == {
        "2021": Decimal("160000.50"),
        "2022": Decimal("390000.00"),
        "2023": Decimal("350000.00"),
    }


def test_the_fix_me_workbook_names_the_file_and_row_a_rejected_row_came_from(empty_db):
    lines = ["Title,Donor,Country,Budget,Start,End"]
    lines += [f"Project {i},EU,Serbia,EUR {i}000,2020-01-01,2021-12-31" for i in range(1, 13)]
    lines.append(",EU,Serbia,EUR 5000,2020-01-01,2021-12-31")  # row 14: no title
    plan, loaded = pipeline.preview_file(empty_db, "\n".join(lines).encode(), "q3.csv")
    out = io.BytesIO()
    pipeline.write_fixme_workbook(out, loaded, plan)
    sheet = openpyxl.load_workbook(io.BytesIO(out.getvalue())).worksheets[0]
    # The row is row 2 of the fix-me workbook: a bare "Row 14" was taken for a row of it.
    assert [c.value for c in sheet[2]] == [
        None,
        "EU",
        "Serbia",
        "EUR 5000",
        "2020-01-01",
        "2021-12-31",
        "Title: This row has no title. Every project needs a title.\nFrom row 14 of q3.csv.",
    ]
    assert sheet.max_row == 2


def _drop_down(wb, sheet: str, header: str) -> list:
    """The values the drop-down under `header` on `sheet` offers, from the hidden Lists sheet."""
    ws = wb[sheet]
    letter = openpyxl.utils.get_column_letter([c.value for c in ws[1]].index(header) + 1)
    (validation,) = [v for v in ws.data_validations.dataValidation if f"{letter}2" in v.sqref]
    cells = validation.formula1.split("!")[1].replace("$", "")
    return [c.value for row in wb["Lists"][cells] for c in row]


TYPE_WORDS = [
    "incoming funds",
    "commitment",
    "disbursement",
    "expenditure",
    "interest payment",
    "loan repayment",
    "reimbursement",
    "purchase of equity",
    "sale of equity",
    "credit guarantee",
    "incoming commitment",
    "outgoing pledge",
    "incoming pledge",
]


def test_the_templates_transaction_types_are_words_and_an_export_reads_back_unchanged(empty_db):
    old = io.BytesIO()
    pipeline.write_template(old, empty_db.connection)
    assert _drop_down(openpyxl.load_workbook(old), "Transactions", "Type") == TYPE_WORDS

    # A workbook filled in before, with the stored codes, imports as it always did.
    book = openpyxl.load_workbook(io.BytesIO(old.getvalue()))
    book["Projects"].append(["TW-1", "Town water", None, None, None, None, None, "EUR", 1000])
    for line in [
        ["T-1", "TW-1", "incoming_funds", date(2024, 2, 1), None, 1000],
        ["T-2", "TW-1", "loan_repayment", date(2024, 3, 1), None, 200],
        ["T-3", "TW-1", "Interest payment", date(2024, 4, 1), None, 5],
    ]:
        book["Transactions"].append(line)
    filled = io.BytesIO()
    book.save(filled)
    plan, _ = pipeline.preview_file(empty_db, filled.getvalue(), "old-template.xlsx")
    imports.apply(empty_db, plan)
    stored = "SELECT transaction_id, type FROM transactions ORDER BY 1"
    assert rows(empty_db, stored) == [
        ("T-1", "incoming_funds"),
        ("T-2", "loan_repayment"),
        ("T-3", "interest_payment"),
    ]

    exported = io.BytesIO()
    pipeline.write_export(exported, empty_db.connection)
    book = openpyxl.load_workbook(io.BytesIO(exported.getvalue()))
    types = [r[2] for r in book["Transactions"].iter_rows(min_row=2, values_only=True) if r[0]]
    assert types == ["incoming funds", "loan repayment", "interest payment"]
    assert _drop_down(book, "Transactions", "Type") == TYPE_WORDS
    again, _ = pipeline.preview_file(empty_db, exported.getvalue(), "aidtrack-export.xlsx")
    assert (again.counts["added"], again.counts["updated"], again.counts["rejected"]) == (0, 0, 0)


def test_a_transaction_type_not_known_is_answered_in_the_drop_downs_words(empty_db):
    from .test_trial_roundtrip import template_with

    data = template_with(
        empty_db,
        {
            "Projects": [["TW-1", "Town water", None, None, None, None, None, "EUR", 1000]],
            "Transactions": [["T-1", "TW-1", "grant", date(2024, 2, 1), None, 1000]],
        },
    )
    _, loaded = pipeline.preview_file(empty_db, data, "t.xlsx")
    (message,) = [p.message for p in loaded.problems if p.column == "Type"]
    assert "incoming funds" in message and "_" not in message


def _sheet(lines: list[list], merged: str | None = None) -> bytes:
    book = openpyxl.Workbook()
    for line in lines:
        book.active.append(line)
    if merged:
        book.active.merge_cells(merged)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_year_columns_left_blank_store_no_budget(empty_db):
    data = _sheet(
        [["Project", "Donor", "Currency", "2021", "2022"], ["Rural roads", "EU", "EUR", None, None]]
    )
    plan, _ = pipeline.preview_file(empty_db, data, "blank-years.xlsx")
    imports.apply(empty_db, plan)
    assert rows(empty_db, "SELECT title, budget FROM projects") == [("Rural roads", None)]
    assert rows(empty_db, BUDGETS) == []


def test_a_project_over_two_rows_adds_up_each_years_amounts(empty_db):
    # The title merged down over one row per donor: each year's budget is the rows' sum.
    data = _sheet(
        [
            ["Project", "Donor", "Currency", "2021", "2022"],
            ["Border crossings", "EU", "EUR", 100000, 200000],
            [None, "Germany", "EUR", 50000, None],
        ],
        merged="A2:A3",
    )
    plan, _ = pipeline.preview_file(empty_db, data, "two-rows.xlsx")
    imports.apply(empty_db, plan)
    assert rows(empty_db, "SELECT title, budget FROM projects") == [
        ("Border crossings", Decimal("350000.00"))
    ]
    assert rows(empty_db, BUDGETS) == [
        ("Border crossings", *year(2021, "150000.00", "EUR")),
        ("Border crossings", *year(2022, "200000.00", "EUR")),
    ]
