"""Sheets kept the way programme managers keep them (tests/data/trials, built by make_trials.py):
what a careful reader of each sheet expects is what aidtrack stores."""

import io
from decimal import Decimal
from pathlib import Path

import openpyxl

from loaders import pipeline
from portfolio import imports, store

from .test_import import rows

TRIALS = Path(__file__).parent / "data" / "trials"


def imported(db, name: str, currency: str | None = None):
    path = TRIALS / name
    plan, loaded = pipeline.preview_file(db, path.read_bytes(), path.name, currency)
    imports.apply(db, plan)
    return plan, loaded


def funders(db, title: str) -> list[tuple]:
    return rows(
        db,
        "SELECT o.name, po.amount FROM project_orgs po JOIN organisations o USING (org_id) "
        "JOIN projects p USING (project_id) WHERE p.title = ? AND po.role = 'funding' "
        "ORDER BY po.amount DESC",
        [title],
    )


def test_a_project_over_merged_rows_with_one_donor_per_row_is_one_project(empty_db):
    plan, loaded = imported(empty_db, "t07_merged_multirow_sections.xlsx")
    assert plan.counts["added"] == 3 and plan.counts["rejected"] == 0
    assert rows(empty_db, "SELECT title, budget FROM projects ORDER BY title") == [
        ("Climate resilient agriculture", Decimal("500000.00")),
        ("Lake Victoria basin water quality", Decimal("1000000.00")),
        ("Soil health for smallholders", Decimal("350000.00")),
    ]
    assert [a for _, a in funders(empty_db, "Climate resilient agriculture")] == [
        Decimal("400000.00"),
        Decimal("100000.00"),
    ]
    notes = [p.message for p in loaded.problems if p.severity == "note"]
    assert sum("section heading" in n for n in notes) == 2
    assert sum("total row" in n for n in notes) == 2
    assert any("note below the table" in n for n in notes)


def test_hidden_rows_and_columns_are_not_imported(empty_db):
    imported(empty_db, "t09_hidden_rows_old_versions.xlsx")
    assert rows(empty_db, "SELECT budget, end_date FROM projects WHERE project_id = 'AL-01'") == [
        (Decimal("2400000.00"), __import__("datetime").date(2021, 6, 30))
    ]
    plan, loaded = pipeline.preview_file(
        empty_db, (TRIALS / "t02b_usaid_activity_title.xlsx").read_bytes(), "t02b.xlsx"
    )
    mapping = {c["column"]: c["imported as"] for c in loaded.columns}
    assert mapping["Budget (USD)"] == "hidden column: not imported"
    assert mapping["Total Estimated Cost (USD)"].startswith("Total budget")


def test_spreadsheet_error_cells_reject_the_row_instead_of_clearing_values(empty_db):
    plan, loaded = imported(empty_db, "t13_errors_and_odd_cells.xlsx")
    errors = {(p.row, p.column) for p in loaded.problems if "spreadsheet error" in p.message}
    assert errors == {(2, "Donor"), (3, "Country"), (3, "Budget (USD)")}
    assert rows(empty_db, "SELECT count(*) FROM projects WHERE project_id IN ('P1', 'P2')") == [(0,)]


def test_a_rejected_duplicate_does_not_take_the_first_rows_funders_with_it(empty_db):
    plan, loaded = imported(empty_db, "t14_no_currency_anywhere.xlsx", currency="EUR")
    duplicate = next(p for p in loaded.problems if "Same title as row 2" in p.message)
    assert duplicate.row == 3
    first = loaded.incoming.projects.set_index("row").loc[2]
    assert funders(empty_db, first["title"])
    assert rows(empty_db, "SELECT country FROM project_countries WHERE project_id = ?", [first["project_id"]])


def test_a_csv_row_shifted_by_a_separator_is_rejected_with_the_reason(empty_db):
    _, loaded = imported(empty_db, "t15_ragged_row_semicolon.csv")
    error = next(p for p in loaded.problems if p.severity == "error")
    assert error.row == 3
    assert "has 10 values but the header has 9" in error.message


def test_utf16_without_a_byte_order_mark_is_read(empty_db):
    plan, _ = imported(empty_db, "t16_utf16_no_bom.csv")
    assert plan.counts["added"] >= 1


def test_guessed_places_and_regions_are_said(empty_db):
    _, loaded = imported(empty_db, "t18_regions_as_written.xlsx")
    messages = " ".join(p.message for p in loaded.problems)
    assert "'Niger Delta' was read as Niger (NER)" in messages
    assert rows(empty_db, "SELECT count(*) FROM project_countries WHERE country = 'ZAF'") == [(0,)]
    assert rows(empty_db, "SELECT count(*) FROM project_countries WHERE country = '1029'")[0][0] >= 1


def test_a_currency_shown_by_the_cell_format_is_the_amounts_currency(empty_db):
    imported(empty_db, "t08_currency_number_formats.xlsx")
    assert rows(empty_db, "SELECT project_id, budget, currency FROM projects ORDER BY 1")[:4] == [
        ("G-2019-001", Decimal("1000000.00"), "EUR"),
        ("G-2019-002", Decimal("2500000.00"), "USD"),
        ("G-2020-003", Decimal("1500000.00"), "GBP"),
        ("G-2020-004", Decimal("750000.00"), "CHF"),
    ]
    # "EU: EUR 800,000; SIDA: EUR 200,000": the amounts written with the funders are their contributions.
    assert rows(
        empty_db,
        "SELECT amount FROM project_orgs WHERE project_id = 'G-2019-001' AND role = 'funding' ORDER BY 1",
    ) == [(Decimal("200000.00"),), (Decimal("800000.00"),)]


def _exported(db) -> openpyxl.Workbook:
    buffer = io.BytesIO()
    pipeline.write_export(buffer, db.connection)
    buffer.seek(0)
    return openpyxl.load_workbook(buffer)


def _saved(wb: openpyxl.Workbook) -> bytes:
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def test_shares_typed_as_percentages_on_the_template_are_percent(sample_db):
    db = store.open_store(sample_db)
    wb = _exported(db)
    shares = {"Croatia": 0.6, "Serbia": 0.4}  # typed 60% and 40%: Excel keeps 0.6 and 0.4
    for row in wb["Countries"].iter_rows(min_row=2):
        if row[0].value == "ILL-0003":
            row[2].value = shares[row[1].value]
            row[2].number_format = "0%"
        elif row[0].value == "ILL-0002":
            row[2].value = 33.333  # a share with three decimals is 33.333, not 33,333
    plan, loaded = pipeline.preview_file(db, _saved(wb), "portfolio.xlsx")
    assert [p.message for p in loaded.problems] == []
    imports.apply(db, plan)
    assert rows(
        db, "SELECT country, share FROM project_countries WHERE project_id = 'ILL-0003' ORDER BY 1"
    ) == [
        ("HRV", Decimal("60.00")),
        ("SRB", Decimal("40.00")),
    ]
    assert rows(db, "SELECT share FROM project_countries WHERE project_id = 'ILL-0002'") == [
        (Decimal("33.33"),)
    ]


def test_a_sum_under_the_budget_column_without_a_label_is_a_total_row(empty_db):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Project ID", "Title", "Donor", "Budget (EUR)", "Start"])
    ws.append(["F-01", "Border crossing equipment", "EU", 1250000, 2019])
    ws.append(["F-02", "Migrant reception centres", "Germany", 800500, 2020])
    ws.append([None, None, None, 2050500, None])  # =SUM(D2:D3), as Excel keeps it: its value
    ws.append([None, None, "Sweden", None, None])  # a row with words and no title is still one
    plan, loaded = pipeline.preview_file(empty_db, _saved(wb), "portfolio.xlsx")
    assert plan.counts["added"] == 2 and plan.counts["rejected"] == 1
    assert [(p.row, p.severity, p.message) for p in loaded.problems] == [
        (4, "note", "Looks like a total row; skipped."),
        (5, "error", "This row has no title. Every project needs a title."),
    ]


def test_a_lookup_list_beside_the_projects_is_not_read_as_projects(empty_db):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Projects"
    ws.append(["Project ID", "Title", "Country code", "Country"])
    ws.append(["F-01", "Border crossing equipment", "SRB", "Serbia"])  # =VLOOKUP(C2, Codes!A:B, 2, FALSE)
    codes = wb.create_sheet("Codes")
    codes.append(["Code", "Country"])
    codes.append(["SRB", "Serbia"])
    codes.append(["ALB", "Albania"])
    plan, loaded = pipeline.preview_file(empty_db, _saved(wb), "portfolio.xlsx")
    assert plan.counts["added"] == 1 and plan.counts["rejected"] == 0
    assert [(p.sheet, p.severity, p.message) for p in loaded.problems] == [
        (
            "Codes",
            "warning",
            "This sheet has no title column, unlike sheet 'Projects', so it was skipped as a list, not "
            "projects: its columns (Code, Country) were not imported. To import them, put them on sheet "
            "'Projects' as columns of the projects' rows.",
        )
    ]
    assert {"sheet": "Codes", "column": "Code", "imported as": "not imported: sheet skipped as a list"} in (
        loaded.columns
    )


def test_rows_a_filter_hides_are_said_to_need_the_filter_cleared(empty_db):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Project ID", "Title", "Country"])
    for i, country in enumerate(["Serbia", "Albania", "Serbia"], 1):
        ws.append([f"W-{i}", f"Project {i}", country])
    ws.auto_filter.ref = "A1:C4"
    ws.auto_filter.add_filter_column(2, ["Serbia"])
    ws.row_dimensions[3].hidden = True  # as Excel leaves the row the filter hides
    plan, loaded = pipeline.preview_file(empty_db, _saved(wb), "portfolio.xlsx")
    assert plan.counts["added"] == 2
    assert [(p.row, p.message) for p in loaded.problems] == [
        (
            3,
            "A hidden row is not imported (row 3); the sheet's filter hides it: clear the filter "
            "(Data > Clear) and unhide any rows still hidden to import it.",
        )
    ]


def test_a_csv_saved_by_excel_in_serbian_or_czech_keeps_its_letters(empty_db):
    lines = [
        "Project ID;Project title;Donor;Beneficiary institution;Country;Total budget;Currency",
        "SR-1;Jačanje kapaciteta graničnog menadžmenta;Česká rozvojová agentura;Ministarstvo unutrašnjih "
        "poslova;Serbia;1.000.000,00;EUR",
        "SR-2;Đorđe Petrović stipendija – Niš;Švajcarska agencija za razvoj;Komesarijat;Serbia;500.000;CHF",
    ]
    # Excel on a Central European Windows writes csv in Windows-1250; a French one in Windows-1252.
    data = ("\r\n".join(lines) + "\r\n").encode("cp1250")
    plan, _ = pipeline.preview_file(empty_db, data, "projekti.csv")
    imports.apply(empty_db, plan)
    assert rows(empty_db, "SELECT title FROM projects ORDER BY 1") == [
        ("Jačanje kapaciteta graničnog menadžmenta",),
        ("Đorđe Petrović stipendija – Niš",),
    ]
    assert rows(empty_db, "SELECT name FROM organisations WHERE name LIKE '%agen%' ORDER BY 1") == [
        ("Česká rozvojová agentura",),
        ("Švajcarska agencija za razvoj",),
    ]
    french = "Title;Donor\r\nAppui à la société civile – phase II;Agence Française de Développement"
    plan, _ = pipeline.preview_file(empty_db, french.encode("cp1252"), "projets.csv")
    assert list(plan.added["title"]) == ["Appui à la société civile – phase II"]
