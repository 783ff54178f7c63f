"""Third trial of sheets kept the way programme managers keep them (tests/data/trials3, built by
make_trials3.py; EXPECTED.md there says what a careful reader of each expects): what they expect is
what aidtrack stores, and what it cannot store is said, naming the sheet, row and column."""

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from loaders import pipeline
from portfolio import imports

from . import trials
from .snapshot import snapshot, without_data_version
from .test_import import REALWORLD, rows
from .trials import funders, portfolio_tables

TRIALS = Path(__file__).parent / "data" / "trials3"
WORLD_BANK = REALWORLD / "projects_worldbank_2018_1-500.xlsx"


def imported(db, name: str, currency: str | None = None):
    return trials.imported(db, TRIALS / name, currency)


def said(loaded, row: int | None = None) -> list[tuple]:
    """(row, column, message) of each warning and error, for one row or all."""
    return [
        (p.row, p.column, p.message)
        for p in loaded.problems
        if p.severity != "note" and (row is None or p.row == row)
    ]


def test_a_project_column_beside_a_project_code_column_holds_the_titles(empty_db):
    plan, _ = imported(empty_db, "t3_01_cofinancing_funder_columns.xlsx")
    assert plan.counts["added"] == 5 and plan.counts["rejected"] == 0
    assert rows(empty_db, "SELECT title FROM projects WHERE project_id = 'JP-01'") == [
        ("Integrated border management",)
    ]


def test_one_column_per_funders_contribution_records_the_funders_and_their_money(empty_db):
    _, loaded = imported(empty_db, "t3_01_cofinancing_funder_columns.xlsx")
    eur = "EUR"
    assert funders(empty_db, "JP-01") == [
        ("DE", Decimal("300000.00"), eur),
        ("EU", Decimal("700000.00"), eur),
    ]
    # 'SIDA share' typed as 20%: a fifth of the budget.
    assert funders(empty_db, "JP-02") == [
        ("EU", Decimal("400000.00"), eur),
        ("SIDA", Decimal("100000.00"), eur),
    ]
    # '-' is not known: EU stays a funder without an amount, and it is said.
    assert funders(empty_db, "JP-03") == [("DE", Decimal("800000.00"), eur), ("EU", None, None)]
    # Germany's 0 is no contribution; Sida's 'TBD' is a contribution not known yet.
    assert funders(empty_db, "JP-04") == [("EU", Decimal("600000.00"), eur), ("SIDA", None, None)]
    assert funders(empty_db, "JP-05") == [
        ("DE", Decimal("450000.00"), eur),
        ("EU", Decimal("450000.00"), eur),
    ]
    assert said(loaded) == [
        (
            6,
            "EU contribution (EUR)",
            "'-' is not an amount; write a number such as 250000 or 'EUR 250,000'. EU is kept as a funder "
            "with its contribution not known.",
        ),
        (
            7,
            "SIDA share",
            "'TBD' is not an amount; write a number such as 250000 or 'EUR 250,000'. SIDA is kept as a "
            "funder with its contribution not known.",
        ),
    ]
    mapped = {c["column"]: c["imported as"] for c in loaded.columns}
    assert mapped["EU contribution (EUR)"] == "Funders: EU's contribution (amounts in EUR)"
    assert mapped["Germany (EUR)"] == "Funders: Germany's contribution (amounts in EUR)"
    assert mapped["Serbia (EUR)"] == "not imported"  # a country's part of the budget, not a funder


@pytest.mark.skipif(not WORLD_BANK.exists(), reason="the real World Bank export is not here")
def test_the_world_banks_ibrd_and_ida_commitment_is_its_contribution(empty_db):
    plan, loaded = pipeline.preview_file(empty_db, WORLD_BANK.read_bytes(), WORLD_BANK.name, currency="USD")
    mapped = {c["column"]: c["imported as"] for c in loaded.columns}
    assert mapped["Total IDA and IBRD Commitment"] == "Funders: IDA and IBRD's contribution"
    assert mapped["Grant Amount"] == "not imported"
    imports.apply(empty_db, plan)
    assert funders(empty_db, "P164145") == [("WB", Decimal("280000000.00"), "USD")]
    assert rows(
        empty_db, "SELECT count(*), sum(amount) FROM project_orgs WHERE org_id = 'WB' AND role = 'funding'"
    ) == [(439, Decimal("150216017187.00"))]
    # The 60 others have a commitment of 0 (grants from trust funds): the file names no funder for them.
    assert rows(
        empty_db,
        "SELECT count(*) FROM projects p WHERE NOT EXISTS (SELECT 1 FROM project_orgs o "
        "WHERE o.project_id = p.project_id AND o.role = 'funding')",
    ) == [(60,)]


def test_an_amount_in_another_currency_than_its_rows_currency_column_is_reported_not_stored(empty_db):
    _, loaded = imported(empty_db, "t3_03_google_sheets_amount_and_currency.csv")
    assert rows(empty_db, "SELECT budget, currency FROM projects WHERE title = 'Cash transfers'") == [
        (None, "USD")
    ]
    assert said(loaded, 6) == [
        (
            6,
            "Amount",
            "'€ 50,000' is in EUR, but this row's 'Cur.' is USD. Write the amount in USD, or change 'Cur.' "
            "to EUR. Stored as not known.",
        )
    ]
    assert rows(empty_db, "SELECT budget, currency FROM projects WHERE title = 'Legal aid centres'") == [
        (Decimal("200000.00"), "GBP")
    ]


def test_numbers_pasted_as_text_are_their_amounts(empty_db):
    plan, loaded = imported(empty_db, "t3_07_numbers_as_text.xlsx")
    assert said(loaded) == []
    assert rows(empty_db, "SELECT project_id, budget, currency FROM projects ORDER BY 1") == [
        ("G-01", Decimal("1250000.00"), "EUR"),
        ("G-02", Decimal("750000.00"), "EUR"),
        ("G-03", Decimal("2000000.50"), "EUR"),
        ("G-04", Decimal("1250000.00"), "EUR"),  # "'1250000"
        ("G-05", Decimal("300000.00"), "EUR"),
        ("G-06", Decimal("2500000.00"), "EUR"),
    ]


def test_financial_years_and_vague_dates_say_why_they_are_not_stored(empty_db):
    _, loaded = imported(empty_db, "t3_05_dates_as_written.xlsx")
    assert rows(empty_db, "SELECT project_id, start_date, end_date FROM projects ORDER BY 1") == [
        ("D1", date(2019, 7, 1), date(2022, 6, 30)),  # Q3 2019 to Q2 2022
        ("D2", None, None),  # FY2020 to FY2022
        ("D3", None, None),  # 2019/20 to 2021/22
        ("D4", date(2019, 1, 1), date(2021, 12, 31)),  # Jan-19 to Dec-21
        ("D5", None, None),  # mid-2020 to end of 2022
        ("D6", date(2019, 1, 1), date(2023, 6, 30)),  # a date to H1 2023
    ]
    messages = dict(((r, c), m) for r, c, m in said(loaded))
    assert messages[(4, "Start")] == (
        "'2019/20' is a financial year, which starts in January, April, July or October depending on who "
        "keeps the accounts; write the day it starts (such as 2019-07-01). Stored as not known."
    )
    assert messages[(3, "End")].startswith("'FY2022' is a financial year")
    assert messages[(6, "Start")] == (
        "'mid-2020' does not say which day; write the date (such as 2020-07-01). Stored as not known."
    )
    assert len(messages) == 6


def test_a_project_on_two_years_sheets_says_how_to_import_the_newer_row(empty_db):
    _, loaded = imported(empty_db, "t3_10_one_sheet_per_year.xlsx")
    assert [(p.sheet, p.row, p.message) for p in loaded.problems if p.severity == "error"] == [
        (
            "2021",
            2,
            "Project ID Y-1 is also on row 2 of sheet '2020'; only the first row with an ID is imported. If "
            "this row is the up-to-date one, delete the other row and import again.",
        )
    ]


@pytest.mark.parametrize("name", sorted(p.name for p in TRIALS.iterdir() if p.name.startswith("t3_")))
def test_each_trial_imported_twice_changes_nothing_and_undo_restores_the_database(empty_db, name):
    before = without_data_version(snapshot(empty_db.connection))
    plan, _ = imported(empty_db, name)
    import_id = rows(empty_db, "SELECT max(import_id) FROM imports")[0][0]
    assert plan.counts["added"] > 0
    again, _ = pipeline.preview_file(empty_db, (TRIALS / name).read_bytes(), name)
    assert (again.counts["added"], again.counts["updated"]) == (0, 0)
    imports.undo(empty_db, import_id)
    after = without_data_version(snapshot(empty_db.connection))
    assert portfolio_tables(after) == portfolio_tables(before)


def test_a_two_row_header_reads_each_column_under_its_group(empty_db):
    plan, loaded = imported(empty_db, "t3_02_two_row_header.xlsx")
    assert plan.counts["added"] == 4 and plan.counts["rejected"] == 0  # row 2 was a project with no title
    assert rows(
        empty_db, "SELECT project_id, budget, currency, start_date, end_date FROM projects ORDER BY 1"
    ) == [
        ("TR-1", Decimal("1200000.00"), "EUR", date(2019, 9, 1), date(2022, 8, 31)),
        ("TR-2", Decimal("2500000.00"), "USD", date(2020, 1, 15), date(2023, 1, 14)),
        ("TR-3", Decimal("800000.00"), "EUR", date(2021, 4, 1), date(2024, 3, 31)),
        ("TR-4", Decimal("1000000.00"), "EUR", date(2021, 7, 1), date(2023, 6, 30)),
    ]
    assert said(loaded) == [
        (
            6,
            "Budget USD",
            "Both 'Budget EUR' and 'Budget USD' are filled; the budget is the one in 'Budget EUR'. Leave one "
            "of them blank.",
        )
    ]


def test_one_sheet_per_country_gives_its_projects_that_country_and_says_so(empty_db):
    _, loaded = imported(empty_db, "t3_09_one_sheet_per_country.xlsx")
    assert rows(empty_db, "SELECT project_id, country FROM project_countries ORDER BY 1") == [
        ("AL-1", "ALB"),
        ("MK-1", "MKD"),
        ("MK-2", "MKD"),
        ("RS-1", "SRB"),
        ("RS-2", "SRB"),
    ]
    notes = [(p.sheet, p.message) for p in loaded.problems if "no country column" in p.message]
    assert notes[0] == (
        "Serbia",
        "This sheet has no country column; its name is taken as the country of its projects: Serbia (SRB). "
        "If they are elsewhere, add a Country column.",
    )
    assert len(notes) == 3


def test_budgets_in_year_columns_add_up_to_the_total_budget(empty_db):
    _, loaded = imported(empty_db, "t3_04_budget_by_year.xlsx")
    assert rows(empty_db, "SELECT title, budget, currency FROM projects ORDER BY 1") == [
        ("Disaster risk reduction", Decimal("5000000.00"), "SEK"),
        ("Girls' education", Decimal("1000000.00"), "GBP"),
        ("Livelihoods for returnees", None, "CHF"),  # 2020 is 'n/a': the sum is not known
        ("Rural electrification", Decimal("1000000.00"), "EUR"),
    ]
    assert said(loaded) == [
        (
            4,
            "2020",
            "'n/a' is not an amount; write a number such as 250000 or 'EUR 250,000'. No 2020 budget is "
            "stored, and the total budget is left blank: until 2020 is filled in, the project's budget "
            "counts only the other years.",
        )
    ]


def test_libreoffice_currency_cells_keep_their_currency(empty_db):
    _, loaded = imported(empty_db, "t3_13_libreoffice.ods")
    assert rows(empty_db, "SELECT title, budget, currency FROM projects ORDER BY title") == [
        ("Forest fire brigades", Decimal("600000.00"), "EUR"),
        ("Seed certification", Decimal("350000.00"), "CHF"),
        ("Youth councils", None, "EUR"),  # the store's currency for a project; its budget is not known
    ]
    assert [(row, column) for row, column, _ in said(loaded)] == [(4, "Budget")]


MANIFEST = (
    '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
    'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
    '<manifest:file-entry manifest:full-path="/" '
    'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
    '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
    "</manifest:manifest>"
)


def _ods(rows_xml: str) -> bytes:
    """An OpenDocument workbook with one table 'Projects' of the rows given as content.xml."""
    import io
    import zipfile

    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        '<office:body><office:spreadsheet><table:table table:name="Projects">'
        f"{rows_xml}</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
        z.writestr("META-INF/manifest.xml", MANIFEST)
    return out.getvalue()


def _cells(*values) -> str:
    cells = []
    for v in values:
        if isinstance(v, str):
            cells.append(
                f'<table:table-cell office:value-type="string"><text:p>{v}</text:p></table:table-cell>'
            )
        else:  # (number, "percentage") or (number, currency code)
            number, kind = v
            typed = (
                'office:value-type="percentage"'
                if kind == "percentage"
                else f'office:value-type="currency" office:currency="{kind}"'
            )
            cells.append(f'<table:table-cell {typed} office:value="{number}"><text:p>{number}</text:p>')
            cells.append("</table:table-cell>")
    return "".join(cells)


def test_libreoffice_hidden_rows_and_percent_shares_read_as_shown(empty_db):
    data = _ods(
        f"<table:table-row>{_cells('Title', 'Budget', 'EU share', 'Germany share')}</table:table-row>"
        "<table:table-row>"
        f"{_cells('Border posts', (1000000, 'EUR'), (0.8, 'percentage'), (0.2, 'percentage'))}"
        "</table:table-row>"
        f'<table:table-row table:visibility="collapse">{_cells("Old draft", (5, "EUR"))}</table:table-row>'
    )
    plan, loaded = pipeline.preview_file(empty_db, data, "kept.ods")
    imports.apply(empty_db, plan)
    assert rows(empty_db, "SELECT title, budget, currency FROM projects") == [
        ("Border posts", Decimal("1000000.00"), "EUR")
    ]
    assert [
        (o, a) for o, a, _ in funders(empty_db, rows(empty_db, "SELECT project_id FROM projects")[0][0])
    ] == [
        ("DE", Decimal("200000.00")),
        ("EU", Decimal("800000.00")),
    ]
    assert [(p.row, p.message) for p in loaded.problems] == [
        (3, "A hidden row is not imported (row 3); unhide it in the spreadsheet to import it.")
    ]


def test_to_be_determined_names_no_implementer_and_no_country(empty_db):
    data = (
        b"Title,Implementing agency,Country,Budget (EUR)\n"
        b"Road safety toolkit,To Be Determined,Not applicable,250000\n"
        b"Peatland restoration,UNDP; to be confirmed,Indonesia,400000\n"
    )
    plan, _ = pipeline.preview_file(empty_db, data, "pipeline.csv")
    imports.apply(empty_db, plan)
    assert rows(
        empty_db,
        "SELECT p.title, string_agg(o.name, '; '), "
        "(SELECT string_agg(country, '; ') FROM project_countries c WHERE c.project_id = p.project_id) "
        "FROM projects p LEFT JOIN project_orgs po USING (project_id) "
        "LEFT JOIN organisations o USING (org_id) GROUP BY p.project_id, p.title ORDER BY p.title",
    ) == [
        ("Peatland restoration", "United Nations Development Programme", "IDN"),
        ("Road safety toolkit", None, None),
    ]


def test_letters_garbled_by_a_wrong_encoding_are_repaired_and_said(empty_db):
    # The World Bank's own export has "sectorâ\x80\x99s" (UTF-8 read as Latin-1) in 11 objectives.
    plan, loaded = pipeline.preview_file(empty_db, WORLD_BANK.read_bytes(), WORLD_BANK.name, "USD")
    imports.apply(empty_db, plan)
    assert rows(empty_db, "SELECT aim FROM project_aims WHERE project_id = 'P164145'") == [
        (
            "The proposed development objective is to improve the electricity sector’s fina ncial "
            "performance by refinancing the short-term liabilities of CI-ENERGIES.",
        )
    ]
    assert (
        3,
        "Project Development Objective",
        "Repaired letters garbled by a wrong encoding: "
        "'electricity sectorâs fina ncial' is now 'electricity sector’s fina ncial'.",
    ) in said(loaded, 3)
    # and as Windows-1252 garbles it, in a title, where no control character gives it away
    data = "Title,Country,Budget (EUR)\nCafÃ© culture in SÃ£o TomÃ©,Serbia,1000\n".encode()
    plan, loaded = pipeline.preview_file(empty_db, data, "garbled.csv")
    imports.apply(empty_db, plan)
    assert rows(empty_db, "SELECT title FROM projects WHERE title LIKE 'Caf%'") == [
        ("Café culture in São Tomé",)
    ]
    assert said(loaded) == [
        (
            2,
            "Title",
            "Repaired letters garbled by a wrong encoding: 'CafÃ© culture in' is now 'Café culture in'.",
        )
    ]


def _workbook(sheets: dict[str, list[list]]) -> bytes:
    import io

    import openpyxl

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, sheet_rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in sheet_rows:
            ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_a_sheet_without_a_column_the_others_have_leaves_that_field_of_its_projects_as_stored(empty_db):
    header = ["Project ID", "Title", "Country", "Donor", "2020", "2021"]
    first = _workbook(
        {
            "All": [
                header,
                ["P1", "One", "Serbia", "EU", 100, 200],
                ["P2", "Two", "Albania", "Germany", 300, 400],
            ]
        }
    )
    plan, _ = pipeline.preview_file(empty_db, first, "q2.xlsx", "EUR")
    imports.apply(empty_db, plan)
    before = snapshot(empty_db)
    # Next quarter: one team's sheet as before with 2021 revised, the other's without those columns.
    second = _workbook(
        {
            "Team A": [header, ["P1", "One", "Serbia", "EU", 100, 250]],
            "Team B": [["Project ID", "Title"], ["P2", "Two"]],
        }
    )
    plan, loaded = pipeline.preview_file(empty_db, second, "q3.xlsx", "EUR")
    assert sorted(plan.updated["project_id"] + " " + plan.updated["field"]) == ["P1 Budgets", "P1 budget"]
    assert list(plan.unchanged["project_id"]) == ["P2"]
    assert [(p.sheet, p.message) for p in loaded.problems if p.severity == "note"] == [
        (
            "Team B",
            "This sheet has no column for Currency, Total budget, Funders, Countries, Budgets, which other "
            "sheets of the file have: its projects already in aidtrack keep what is stored for them there.",
        )
    ]
    imports.apply(empty_db, plan)
    assert rows(empty_db, "SELECT project_id, country FROM project_countries ORDER BY 1") == [
        ("P1", "SRB"),
        ("P2", "ALB"),
    ]
    assert rows(empty_db, "SELECT project_id, budget FROM projects ORDER BY 1") == [
        ("P1", Decimal("350.00")),
        ("P2", Decimal("700.00")),
    ]
    assert without_data_version(snapshot(empty_db))["budgets"] != without_data_version(before)["budgets"]


def test_a_ministry_of_this_and_that_is_one_organisation_without_a_warning(empty_db):
    data = (
        b"Title,Implementing agency,Budget (EUR)\n"
        b"Clinics,Ministry of Health and Family Welfare,1000\n"
        b'Treasury,"Bank of Guyana, Ministry of Finance",1000\n'
        b'Advisers,"Abt Associates, DAI",1000\n'
    )
    _, loaded = pipeline.preview_file(empty_db, data, "implementers.csv")
    assert [(row, message.split("'")[1]) for row, _, message in said(loaded)] == [
        (3, "Bank of Guyana, Ministry of Finance"),
        (4, "Abt Associates, DAI"),
    ]


def test_a_list_cell_naming_nothing_known_keeps_the_stored_list(empty_db):
    first = b"Project ID,Title,Country,Sector\nP1,Roads,Serbia,21020\nP2,Clinics,Albania,12220\n"
    plan, _ = pipeline.preview_file(empty_db, first, "q2.csv")
    imports.apply(empty_db, plan)
    # AidData's sector names are not DAC names; a typo names no country: neither clears what is stored.
    second = (
        b"Project ID,Title,Country,Sector\nP1,Roads,Srebia,Transport and storage\nP2,Clinics,Albania,12230\n"
    )
    plan, loaded = pipeline.preview_file(empty_db, second, "q3.csv")
    assert plan.updated[["project_id", "field"]].values.tolist() == [["P2", "Sectors"]]
    assert [(p.row, p.column, p.message) for p in loaded.problems if p.severity == "note"] == [
        (
            2,
            "Country",
            "1 row names no country or region aidtrack knows in this column: a project already in aidtrack "
            "keeps the countries stored for it, a new one has none.",
        ),
        (
            2,
            "Sector",
            "1 row names no sector aidtrack knows in this column: a project already in aidtrack keeps the "
            "sectors stored for it, a new one has none.",
        ),
    ]
    imports.apply(empty_db, plan)
    assert rows(empty_db, "SELECT project_id, country FROM project_countries ORDER BY 1") == [
        ("P1", "SRB"),
        ("P2", "ALB"),
    ]
    assert rows(empty_db, "SELECT project_id, sector FROM project_sectors ORDER BY 1") == [
        ("P1", "21020"),
        ("P2", "12230"),
    ]
