"""Fifth trial of sheets kept the way programme managers keep them (tests/data/trials5, built by
make_trials5.py; EXPECTED.md there says what a careful reader of each expects): dates as quarters and
halves, one project over several rows (merged, and with the merge lost), an ods from LibreOffice with
merged, hidden and filtered cells, one tab per country, amounts in words, statuses in the user's words."""

import io
from datetime import date
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from loaders import pipeline
from loaders.values import parse_amount, parse_date
from portfolio import imports

from . import trials
from .snapshot import snapshot, without_data_version
from .test_import import rows
from .trials import funders, portfolio_tables

TRIALS = Path(__file__).parent / "data" / "trials5"


def imported(db, name: str, currency: str | None = None):
    return trials.imported(db, TRIALS / name, currency)


def said(loaded, severity: str | None = None) -> list[tuple]:
    """(sheet, row, column, message) of each warning and error (or each of one severity)."""
    return [
        (p.sheet, p.row, p.column, p.message)
        for p in loaded.problems
        if (p.severity == severity if severity else p.severity != "note")
    ]


def test_quarters_and_halves_as_managers_write_them_start_on_their_first_day_and_end_on_their_last(
    empty_db,
):
    # 'Q3-19' .. 'Q4-21' (a two-digit year, as 'Jan-19') and '1H 2023' (the number first) were 'not a
    # date': D-02 and D-11's dates were dropped with a warning while 'Q3 2019' and 'H1 2023' were read.
    plan, loaded = imported(empty_db, "t5_01_dates_as_pms_write_them.xlsx")
    assert plan.counts["added"] == 11 and plan.counts["rejected"] == 0
    assert rows(empty_db, "SELECT project_id, start_date, end_date FROM projects ORDER BY 1") == [
        ("D-01", date(2019, 7, 1), date(2021, 6, 30)),
        ("D-02", date(2019, 7, 1), date(2021, 12, 31)),
        ("D-03", None, None),
        ("D-04", date(2019, 9, 1), date(2021, 8, 31)),
        ("D-05", None, None),
        ("D-06", date(2019, 3, 15), date(2021, 2, 28)),
        ("D-07", date(2019, 5, 4), date(2020, 6, 30)),
        ("D-08", date(2020, 1, 13), date(2022, 12, 31)),
        ("D-09", date(2019, 1, 1), date(2022, 12, 31)),
        ("D-10", date(2019, 1, 1), date(2021, 12, 31)),
        ("D-11", date(2020, 7, 1), date(2023, 6, 30)),
    ]
    problems = {(row, column): message for _, row, column, message in said(loaded)}
    assert sorted(problems) == [(6, "End"), (6, "Start"), (8, "End"), (8, "Start"), (10, "Start")]
    assert "is a financial year" in problems[(6, "Start")] and "is a financial year" in problems[(6, "End")]
    assert problems[(8, "Start")].startswith("'mid-2020' does not say which day")
    # 'end-2021' was 'not a date', as if mistyped, where 'end of 2021' said it names no day.
    assert problems[(8, "End")].startswith("'end-2021' does not say which day")
    assert problems[(10, "Start")].startswith("'04/05/2019' could be 4 May 2019 or 5 April 2019")


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("Q3-19", date(2019, 7, 1), date(2019, 9, 30)),
        ("Q3 '19", date(2019, 7, 1), date(2019, 9, 30)),
        ("3Q 2019", date(2019, 7, 1), date(2019, 9, 30)),
        ("2019-Q4", date(2019, 10, 1), date(2019, 12, 31)),
        ("1H 2023", date(2023, 1, 1), date(2023, 6, 30)),
        ("2H-20", date(2020, 7, 1), date(2020, 12, 31)),
    ],
)
def test_a_quarter_or_half_in_other_orders_is_read(text, start, end):
    assert (parse_date(text).value, parse_date(text, end=True).value) == (start, end)


@pytest.mark.parametrize(("text", "day"), [("43466.0", date(2019, 1, 1)), ("43466.75", date(2019, 1, 1))])
def test_an_excel_date_as_text_with_a_fraction_is_read(text, day):
    # A serial with a time ('43466.0', as pandas writes a column of serials to csv) was 'not a date';
    # '43466' alone was read.
    assert parse_date(text).value == day


def test_a_project_over_merged_rows_and_one_whose_merge_was_lost(empty_db):
    plan, loaded = imported(empty_db, "t5_02_one_project_over_rows.xlsx")
    assert (plan.counts["added"], plan.counts["rejected"]) == (3, 2)
    assert rows(empty_db, "SELECT project_id, budget, currency FROM projects ORDER BY 1") == [
        ("M-1", Decimal("1000000.00"), "EUR"),
        ("M-2", Decimal("400000.00"), "EUR"),
        ("M-3", Decimal("250000.00"), "EUR"),
    ]
    assert funders(empty_db, "M-1") == [
        ("DE", Decimal("300000.00"), "EUR"),
        ("EU", Decimal("500000.00"), "EUR"),
        ("SDC", Decimal("200000.00"), "EUR"),
    ]
    # The merge lost: the rows are rejected (folding them in would be a guess), but the message says
    # which project they seem to belong to and how to make them part of it; it said only 'no title'.
    errors = said(loaded, "error")
    assert [(sheet, row, column) for sheet, row, column, _ in errors] == [
        ("Co-financing", 6, "Project title"),
        ("Co-financing", 7, "Project title"),
    ]
    assert {message for *_, message in errors} == {
        "This row has no title. Every project needs a title. If it is part of 'Juvenile justice reform' on "
        "row 5, merge that title cell down over this row."
    }


def test_an_ods_projects_merged_rows_are_one_project_and_its_hidden_row_and_column_are_left_out(empty_db):
    # calamine gives an ods no merged cells: L-1's rows 5 and 6 were rejected for having no title, and
    # L-1 kept EUR 800,000 and the EU alone, where the same sheet saved as xlsx gave EUR 1,000,000.
    plan, loaded = imported(empty_db, "t5_03_libreoffice_merged_hidden.ods")
    assert (plan.counts["added"], plan.counts["rejected"]) == (3, 0)
    assert said(loaded) == []
    assert rows(
        empty_db, "SELECT project_id, title, budget, currency, start_date, end_date FROM projects ORDER BY 1"
    ) == [
        (
            "L-1",
            "Regional water cooperation",
            Decimal("1000000.00"),
            "EUR",
            date(2023, 1, 1),
            date(2025, 12, 31),
        ),
        ("L-2", "School meals", Decimal("350000.00"), "EUR", date(2022, 1, 1), date(2024, 6, 30)),
        ("L-3", "Tourism trails", Decimal("120000.00"), "EUR", date(2024, 4, 1), date(2026, 3, 31)),
    ]
    assert funders(empty_db, "L-1") == [
        ("AT", Decimal("150000.00"), "EUR"),
        ("CZ", Decimal("50000.00"), "EUR"),
        ("EU", Decimal("800000.00"), "EUR"),
    ]
    assert rows(empty_db, "SELECT project_id, country FROM project_countries ORDER BY 1") == [
        ("L-1", "SRB"),
        ("L-2", "ALB"),
        ("L-3", "MNE"),
    ]
    notes = [(p.row, p.message) for p in loaded.problems if p.severity == "note"]
    assert (
        7,
        # It said 'Hidden rows are not imported (rows 7); unhide them ...' of one row.
        "A hidden row is not imported (row 7); unhide it in the spreadsheet to import it.",
    ) in notes
    assert [row for row, message in notes if message.startswith("Continues the project on row 4")] == [5, 6]
    mapping = {c["column"]: c["imported as"] for c in loaded.columns}
    assert mapping["Old budget"] == "hidden column: not imported"


def test_one_tab_per_country_and_a_summary_tab(empty_db):
    plan, loaded = imported(empty_db, "t5_04_country_tabs_and_summary.xlsx")
    assert (plan.counts["added"], plan.counts["rejected"]) == (5, 0)
    assert rows(
        empty_db,
        "SELECT p.title, c.country, p.budget, p.status FROM projects p "
        "JOIN project_countries c USING (project_id) ORDER BY 1",
    ) == [
        ("Demining Una-Sana", "BIH", Decimal("800000.00"), "implementation"),
        ("Judicial academy", "SRB", Decimal("750000.00"), "implementation"),
        ("Land registry", "ALB", Decimal("450000.00"), "closed"),
        ("Roma inclusion", "SRB", Decimal("300000.00"), "implementation"),
        # 'in pipeline' was not a status aidtrack knew: stored as not recorded, with a warning.
        ("Water utilities", "XKX", Decimal("600000.00"), "pipeline"),
    ]
    assert said(loaded) == []
    notes = {p.sheet: p.message for p in loaded.problems if p.severity == "note"}
    assert notes["Summary"].startswith("This sheet has no row of column headers aidtrack recognises")
    assert "its name is taken as the country of its projects: Kosovo (XKX)" in notes["Kosovo (UNSCR 1244)"]


def test_amounts_with_currency_symbols_units_and_words(empty_db):
    plan, loaded = imported(empty_db, "t5_05_amounts_in_words.xlsx")
    assert (plan.counts["added"], plan.counts["rejected"]) == (12, 0)
    assert rows(
        empty_db, "SELECT title, budget, currency FROM projects WHERE budget IS NOT NULL ORDER BY 1"
    ) == [
        ("Election observation", Decimal("500000.00"), "USD"),
        # 'approx. EUR 300,000' was 'not an amount' and the budget not known.
        ("Health insurance", Decimal("300000.00"), "EUR"),
        ("Media freedom", Decimal("500000.00"), "USD"),
        ("Police reform", Decimal("1200000.00"), "EUR"),
        ("Ports modernisation", Decimal("1500000000.00"), "GBP"),
        # '€ 1,2 Mrd' (German for billions) was 'not an amount'.
        ("Railway corridor X", Decimal("1200000000.00"), "EUR"),
        ("Tax administration", Decimal("1200000.00"), "EUR"),
    ]
    problems = {row: message for _, row, column, message in said(loaded) if column == "Total budget"}
    assert sorted(problems) == [7, 8, 9, 10, 11, 12]
    assert problems[7] == "The budget -50,000.00 is negative; a budget is 0 or more. Stored as not known."
    for row, text in ((8, "'n/a'"), (9, "'-'"), (10, "'TBD'")):
        assert problems[row].startswith(f"{text} is not an amount") and problems[row].endswith(
            "Stored as not known."
        )
    assert problems[11].startswith("The budget 0.00 names no currency")
    assert problems[12] == (
        "'approx. EUR 300,000' is an estimate, read as 300,000.00 EUR. "
        "Write the amount alone once it is known."
    )


@pytest.mark.parametrize(
    ("text", "value", "currency"),
    [
        ("~500,000", Decimal("500000.00"), "EUR"),
        ("250,000 (est.)", Decimal("250000.00"), "EUR"),
        ("ca. 1,2 Mio. €", Decimal("1200000.00"), "EUR"),
        ("EUR 2 Mrd.", Decimal("2000000000.00"), "EUR"),
    ],
)
def test_an_estimate_or_a_german_billion_is_read(text, value, currency):
    amount = parse_amount(text, "EUR")
    assert (amount.value, amount.currency) == (value, currency)


def test_an_estimate_that_is_no_amount_is_said_of_the_cell_as_written():
    assert parse_amount("approx. tbc").problem.startswith("'approx. tbc' is not an amount")


def test_statuses_in_the_users_words(empty_db):
    # 'in pipeline', 'Closed (financially)', 'Operationally closed', 'Ongoing (no-cost extension)', 'Under
    # preparation' and 'Hard pipeline' were 'not a status aidtrack knows', stored as not recorded.
    plan, loaded = imported(empty_db, "t5_06_statuses_in_own_words.csv")
    assert (plan.counts["added"], plan.counts["rejected"]) == (12, 0)
    assert dict(rows(empty_db, "SELECT title, status FROM projects")) == {
        "Border crossing Preševo": "implementation",
        "Child protection": "closed",
        "Roads maintenance": "pipeline",
        "Air quality monitoring": "suspended",
        "Municipal finance": "closed",
        "Prison health": "closed",
        "Teacher training": "finalisation",
        "Social housing": "implementation",
        "Court interpreters": "pipeline",
        "Cultural heritage": "pipeline",
        "Agri subsidies": "cancelled",
        "Statistics office": None,
    }
    assert [(row, column) for _, row, column, _ in said(loaded)] == [(13, "Status")]


@pytest.mark.parametrize("name", sorted(p.name for p in TRIALS.iterdir() if p.name.startswith("t5_")))
def test_each_trial_imported_twice_changes_nothing_and_undo_restores_the_database(empty_db, name):
    before = without_data_version(snapshot(empty_db.connection))
    plan, _ = imported(empty_db, name)
    import_id = rows(empty_db, "SELECT max(import_id) FROM imports")[0][0]
    assert plan.counts["added"] > 0
    again, _ = pipeline.preview_file(empty_db, (TRIALS / name).read_bytes(), name)
    assert (again.counts["added"], again.counts["updated"]) == (0, 0)
    imports.undo(empty_db, import_id)
    assert portfolio_tables(without_data_version(snapshot(empty_db.connection))) == portfolio_tables(before)


def test_an_estimate_beside_a_funder_in_a_funder_column_in_a_year_or_on_the_template_is_kept_and_said(
    empty_db,
):
    # 'EU: approx. EUR 500,000' became a new organisation of that name; in a funder column or a year
    # column the estimate was 'read as 700,000.00 EUR' and then said to be not known.
    data = (
        b"Title,Donor,Currency,Budget,SIDA contribution,2020,2021\n"
        b'Roads,"EU: approx. EUR 500,000; UK: GBP 100,000",EUR,"1,000,000","ca. 300,000","approx. 300,000",'
        b'"700,000"\n'
    )
    plan, loaded = pipeline.preview_file(empty_db, data, "estimates.csv")
    imports.apply(empty_db, plan)
    project = rows(empty_db, "SELECT project_id FROM projects")[0][0]
    assert funders(empty_db, project) == [
        ("EU", Decimal("500000.00"), "EUR"),
        ("GB", Decimal("100000.00"), "GBP"),
        ("SIDA", Decimal("300000.00"), "EUR"),
    ]
    assert rows(empty_db, "SELECT period_start, amount FROM budgets ORDER BY 1") == [
        (date(2020, 1, 1), Decimal("300000.00")),
        (date(2021, 1, 1), Decimal("700000.00")),
    ]
    estimate = "is an estimate, read as {} EUR. Write the amount alone once it is known."
    assert sorted(said(loaded)) == [
        ("estimates", 2, "2020", "'approx. 300,000' " + estimate.format("300,000.00")),
        ("estimates", 2, "Donor", "EU's contribution 'approx. EUR 500,000' " + estimate.format("500,000.00")),
        # The column names no currency: the row's (EUR) is the contribution's, as for any amount there.
        (
            "estimates",
            2,
            "SIDA contribution",
            "'ca. 300,000' is an estimate, read as 300,000.00. Write the amount alone once it is known.",
        ),
    ]


def test_an_estimate_on_the_templates_budgets_sheet_is_kept_and_said(empty_db):
    wb = openpyxl.Workbook()
    projects = wb.active
    projects.title = "Projects"
    projects.append(["Project ID", "Title", "Currency", "Total budget"])
    projects.append(["P-1", "Roads", "EUR", "approx. 250,000"])
    budgets = wb.create_sheet("Budgets")
    budgets.append(["Project ID", "Period start", "Period end", "Amount", "Currency"])
    budgets.append(["P-1", "2020-01-01", "2020-12-31", "ca. 100,000", "EUR"])
    out = io.BytesIO()
    wb.save(out)
    plan, loaded = pipeline.preview_file(empty_db, out.getvalue(), "template.xlsx")
    imports.apply(empty_db, plan)
    # The Budgets row was rejected ('not an amount') and the budget stored as not known.
    assert (plan.counts["added"], plan.counts["rejected"]) == (1, 0)
    assert rows(empty_db, "SELECT budget FROM projects") == [(Decimal("250000.00"),)]
    assert rows(empty_db, "SELECT amount FROM budgets") == [(Decimal("100000.00"),)]
    assert [(p.sheet, p.row, p.column) for p in loaded.problems if p.severity == "warning"] == [
        ("Projects", 2, "Total budget"),
        ("Budgets", 2, "Amount"),
    ]


def test_a_csv_row_below_a_project_is_not_told_to_merge_cells(empty_db):
    # A csv cannot merge cells: the message said to merge the title cell down over the row.
    data = b"Project ID,Title,Donor,Amount (EUR)\nM-2,Juvenile justice reform,EU,400000\n,,Sweden,150000\n"
    _, loaded = pipeline.preview_file(empty_db, data, "cofinancing.csv")
    assert said(loaded) == [
        (
            "cofinancing",
            3,
            "Title",
            "This row has no title. Every project needs a title. If it is part of 'Juvenile justice "
            "reform' on row 2, put its donor in that row's 'Donor' cell with the others ('EU: EUR 400,000; "
            "Sweden: EUR 150,000'), with the project's total as its budget, and delete this row.",
        )
    ]


def test_amounts_beside_donors_in_one_cell(empty_db):
    plan, loaded = imported(empty_db, "t5_07_amounts_beside_donors.csv")
    assert (plan.counts["added"], plan.counts["rejected"]) == (5, 0)
    found = {
        title: rows(
            empty_db,
            "SELECT org_id, amount, currency FROM project_orgs WHERE project_id = ? ORDER BY 1",
            [project_id],
        )
        for project_id, title in rows(empty_db, "SELECT project_id, title FROM projects")
    }
    assert found["Border police training"] == [
        ("DE", Decimal("300000.00"), "EUR"),
        ("EU", Decimal("1200000.00"), "EUR"),
    ]
    assert found["Forensic laboratory"] == [
        ("EU", Decimal("800000.00"), "EUR"),
        ("SE", Decimal("200000.00"), "EUR"),
    ]
    # 'EU: approx. EUR 500,000' was a new organisation of that name.
    assert found["Asylum reception"] == [
        ("EU", Decimal("500000.00"), "EUR"),
        ("GB", Decimal("100000.00"), "GBP"),
    ]
    assert found["Cybercrime unit"] == [
        ("EU", Decimal("700000.00"), "EUR"),
        ("NO", Decimal("300000.00"), "EUR"),
    ]
    # Not read (an amount after ' - '), but said, with the fix.
    assert said(loaded)[1] == (
        "t5_07_amounts_beside_donors",
        6,
        "Donors",
        "'EU - 1,2 Mio. EUR / Austria - 0,3 Mio. EUR' is taken as one organisation; if it names several, "
        "separate them with ';'.",
    )
    assert said(loaded)[0][1:3] == (4, "Donors")


@pytest.mark.parametrize("text", ["Q3 FY2019", "H1 FY21", "Q2 2019/20"])
def test_a_quarter_or_half_of_a_financial_year_says_so(text):
    # It was 'not a date; write a date such as 2019-01-15', as if mistyped.
    assert parse_date(text).problem.startswith(f"'{text}' is in a financial year, which starts in January")
