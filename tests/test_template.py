"""The template, exports and fix-me workbooks, opened with openpyxl as a user's Excel would show them."""

import io
from datetime import date, datetime
from decimal import Decimal

import pandas as pd
import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from loaders.layout import AMOUNT, CODE, DATE, LISTS_SHEET, README_SHEET, SHEETS, SHEETS_BY_NAME
from loaders.template import write_fixme, write_workbook
from portfolio import store
from portfolio.export import export_tables, reference_lists
from portfolio.filters import Filters

SHEET_ORDER = [README_SHEET] + [s.name for s in SHEETS] + [LISTS_SHEET]
SEED_TITLES = {
    "SEED-CSC-WB": "Countering Serious Crime in the Western Balkans",
    "SEED-BSM-SERIES": "Border Security and Management event series",
    "SEED-EU-SRB-BM": (
        "EU Supports Serbia to Improve Border Management in the Context of the Migration Crisis"
    ),
}


@pytest.fixture
def sample(sample_db):
    db = store.open_store(sample_db)
    yield db
    db.close()


def workbook(**kwargs):
    buffer = io.BytesIO()
    write_workbook(buffer, **kwargs)
    buffer.seek(0)
    return load_workbook(buffer)


def rows(ws) -> list[dict]:
    """A data sheet's rows as {header: value}, as a user reads them under the header row."""
    values = list(ws.iter_rows(values_only=True))
    return [dict(zip(values[0], row, strict=True)) for row in values[1:]]


def cell_under(ws, header: str, row: int):
    headers = [c.value for c in ws[1]]
    return ws.cell(row=row, column=headers.index(header) + 1)


def validation_at(ws, coordinate: str):
    found = [dv for dv in ws.data_validations.dataValidation if coordinate in dv.sqref]
    assert len(found) == 1, f"{ws.title}!{coordinate} has {len(found)} validations"
    return found[0]


def drop_down_values(wb, ws, coordinate: str) -> list:
    """The values the drop-down at `coordinate` offers, read from the hidden Lists sheet."""
    dv = validation_at(ws, coordinate)
    assert dv.type == "list"
    sheet, cells = dv.formula1.lstrip("=").split("!")
    assert sheet.strip("'") == LISTS_SHEET
    return [c.value for row in wb[LISTS_SHEET][cells.replace("$", "")] for c in row]


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """The empty template as the app hands it out, built from the shipped reference lists."""
    db = store.open_store(tmp_path_factory.mktemp("template") / "reference.duckdb")
    lists = reference_lists(db.connection)
    db.close()
    path = tmp_path_factory.mktemp("template") / "aidtrack-template.xlsx"
    write_workbook(path, lists)
    return load_workbook(path)


def test_the_template_has_a_read_me_a_sheet_per_table_and_hidden_lists(template):
    assert template.sheetnames == SHEET_ORDER
    assert template[LISTS_SHEET].sheet_state == "hidden"
    assert template.active.title == README_SHEET
    assert all(template[name].sheet_state == "visible" for name in SHEET_ORDER[:-1])


@pytest.mark.parametrize("sheet", SHEETS, ids=lambda s: s.name)
def test_each_sheet_has_the_layout_headers_frozen_filtered_and_explained(template, sheet):
    ws = template[sheet.name]
    assert [c.value for c in ws[1]] == [c.header for c in sheet.columns]
    assert ws.max_row == 1
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref.startswith("A1:")
    for i, column in enumerate(sheet.columns, 1):
        header = ws.cell(row=1, column=i)
        assert header.font.b
        assert column.help in header.comment.text
        assert ws.column_dimensions[get_column_letter(i)].width == column.width
    required = {
        ws.cell(row=1, column=i).fill.fgColor.rgb for i, c in enumerate(sheet.columns, 1) if c.required
    }
    optional = {
        ws.cell(row=1, column=i).fill.fgColor.rgb for i, c in enumerate(sheet.columns, 1) if not c.required
    }
    assert len(required) == 1 and not required & optional


@pytest.mark.parametrize(
    "sheet, header, offered",
    [
        ("Projects", "Status", "implementation"),
        ("Projects", "Currency", "EUR"),
        ("Projects", "Visibility", "internal"),
        ("Funding", "Role", "funding"),
        ("Countries", "Country", "Serbia"),
        ("Countries", "Country", "Europe, regional"),
        ("Sectors", "Sector", "15210 Security system management and reform"),
        ("Activities", "Kind", "workshop"),
        ("Activities", "Country", "Albania"),
        ("Budgets", "Type", "revised"),
        ("Transactions", "Type", "disbursement"),
    ],
)
def test_code_columns_offer_a_drop_down_from_the_lists_sheet(template, sheet, header, offered):
    ws = template[sheet]
    letter = cell_under(ws, header, 1).column_letter
    values = drop_down_values(template, ws, f"{letter}2")
    assert offered in values
    assert None not in values
    assert f"{letter}1000" in validation_at(ws, f"{letter}2").sqref
    assert validation_at(ws, f"{letter}2").allow_blank


def test_every_code_column_has_a_drop_down_and_every_other_kind_a_check(template):
    for sheet in SHEETS:
        ws = template[sheet.name]
        for i, column in enumerate(sheet.columns, 1):
            coordinate = f"{get_column_letter(i)}2"
            found = [dv for dv in ws.data_validations.dataValidation if coordinate in dv.sqref]
            expected = {CODE: "list", DATE: "date", AMOUNT: "decimal"}.get(column.kind)
            if expected:
                assert [dv.type for dv in found] == [expected], f"{sheet.name} {column.header}"


def test_dates_shares_and_coordinates_are_checked_with_a_plain_message(template):
    projects, countries, activities = template["Projects"], template["Countries"], template["Activities"]
    start = validation_at(projects, "F2")
    assert (start.type, start.formula1, start.formula2) == ("date", "DATE(1950,1,1)", "DATE(2100,12,31)")
    assert "2018-07-18" in start.error
    share = validation_at(countries, "C2")
    assert (share.type, share.formula1, share.formula2) == ("decimal", "0", "100")
    latitude = validation_at(activities, cell_under(activities, "Latitude", 1).column_letter + "2")
    assert (latitude.formula1, latitude.formula2) == ("-90", "90")


def test_the_read_me_says_how_to_fill_it_in_and_lists_every_column(template):
    text = "\n".join(str(v) for row in template[README_SHEET].iter_rows(values_only=True) for v in row if v)
    for phrase in ("Project ID links the sheets", "blank", "YYYY-MM-DD", "plain numbers", "revised budget"):
        assert phrase in text
    for sheet in SHEETS:
        for column in sheet.columns:
            assert column.help in text


def test_exporting_the_sample_portfolio_shows_its_projects_and_the_eu_grant(sample):
    wb = workbook(lists=reference_lists(sample.connection), tables=export_tables(sample.connection))
    assert wb.sheetnames == SHEET_ORDER
    projects = rows(wb["Projects"])
    assert len(projects) == 43
    titles = {p["Project ID"]: p["Title"] for p in projects}
    assert {pid: titles[pid] for pid in SEED_TITLES} == SEED_TITLES
    # Unknown facts stay blank, never 0.
    unknown = next(p for p in projects if p["Project ID"] == "SEED-CSC-WB")
    assert (unknown["Total budget"], unknown["Status"], unknown["Start date"]) == (None, None, None)

    funding = wb["Funding"]
    eu = [
        row
        for row in funding.iter_rows(min_row=2)
        if row[0].value == "SEED-EU-SRB-BM" and row[1].value == "European Union"
    ]
    assert len(eu) == 1
    _, _, role, contribution, currency = eu[0]
    assert (role.value, contribution.value, currency.value) == ("funding", 1000000, "EUR")
    assert contribution.number_format == "#,##0.00"
    assert rows(wb["Countries"])[0]["Country"]  # names, not codes
    assert {"Project ID": "SEED-EU-SRB-BM", "Country": "Serbia", "Share %": None} in rows(wb["Countries"])

    tirana = next(a for a in rows(wb["Activities"]) if a["Activity ID"] == "SEED-CSC-WB-A1")
    assert (tirana["Kind"], tirana["Country"], tirana["Start date"]) == (
        "meeting",
        "Albania",
        datetime(2018, 7, 18),
    )
    ws = wb["Activities"]
    assert cell_under(ws, "Start date", 2).number_format == "yyyy-mm-dd"
    # Drop-downs reach past the last row for rows a manager adds.
    assert f"D{ws.max_row + 500}" in validation_at(ws, "D2").sqref


def test_export_tables_hold_exact_values_in_the_layout_columns(sample):
    tables = export_tables(sample.connection)
    assert set(tables) == {s.table for s in SHEETS}
    for sheet in SHEETS:
        assert list(tables[sheet.table].columns) == [c.field for c in sheet.columns]
    projects = tables["projects"].set_index("project_id")
    assert projects.loc["SEED-EU-SRB-BM", "budget"] == Decimal("1000000.00")
    assert isinstance(projects.loc["SEED-EU-SRB-BM", "budget"], Decimal)
    assert projects.loc["SEED-CSC-WB", "budget"] is None
    assert list(tables["projects"]["project_id"]) == sorted(tables["projects"]["project_id"])
    sectors = tables["project_sectors"]["sector"]
    assert "15210 Security system management and reform" in set(sectors)
    activities = tables["activities"].set_index("activity_id")
    assert activities.loc["SEED-CSC-WB-A1", "start_date"] == date(2018, 7, 18)
    assert activities.loc["SEED-BSM-SERIES-A1", "latitude"] is None


def test_a_filtered_export_holds_only_the_filtered_projects(sample):
    everything = export_tables(sample.connection)
    eu = export_tables(sample.connection, Filters(funders=("EU",)))
    assert 0 < len(eu["projects"]) < len(everything["projects"])
    eu_funded = set(
        eu["project_orgs"].query("organisation == 'European Union' and role == 'funding'").project_id
    )
    for table in eu.values():
        assert set(table["project_id"]) <= eu_funded
    seed = export_tables(sample.connection, include_illustrative=False)
    assert set(seed["projects"]["project_id"]) == set(SEED_TITLES)
    assert len(rows(workbook(lists=reference_lists(sample.connection), tables=eu)["Projects"])) == len(
        eu["projects"]
    )


def test_text_that_looks_like_a_formula_is_written_as_text(empty_db):
    store.add_records(
        empty_db,
        {
            "projects": pd.DataFrame(
                [
                    {
                        "project_id": "X-1",
                        "title": '=HYPERLINK("http://x")',
                        "description": "+1+1",
                        "currency": "EUR",
                    }
                ]
            ),
            "transactions": pd.DataFrame(
                [
                    {
                        "transaction_id": "X-1-T1",
                        "project_id": "X-1",
                        "type": "expenditure",
                        "date": date(2020, 1, 2),
                        "amount": "-1200.50",
                        "description": "@SUM(A1)",
                    }
                ]
            ),
        },
        "test.xlsx",
        "test",
    )
    wb = workbook(lists=reference_lists(empty_db.connection), tables=export_tables(empty_db.connection))
    title = cell_under(wb["Projects"], "Title", 2)
    assert (title.value, title.data_type) == ('=HYPERLINK("http://x")', "s")
    assert title.quotePrefix
    assert cell_under(wb["Projects"], "Description", 2).data_type == "s"
    refund = cell_under(wb["Transactions"], "Amount", 2)
    assert (refund.value, refund.data_type) == (-1200.5, "n")
    assert cell_under(wb["Transactions"], "Description", 2).data_type == "s"


def test_an_empty_portfolio_exports_headers_only(empty_db):
    wb = workbook(lists=reference_lists(empty_db.connection), tables=export_tables(empty_db.connection))
    for sheet in SHEETS:
        assert wb[sheet.name].max_row == 1
        assert [c.value for c in wb[sheet.name][1]] == [c.header for c in SHEETS_BY_NAME[sheet.name].columns]


def test_a_fix_me_workbook_keeps_the_rows_as_written_with_their_problems(tmp_path):
    path = tmp_path / "rows-to-fix.xlsx"
    write_fixme(
        path,
        ["Project", "Donor(s)", "Total budget (EUR)"],
        [["BSP-01", "EU, Germany", "EUR 1 million"], ["=cmd|' /C calc'!A0", None, 12.5]],
        [["Total budget: 'EUR 1 million' is not a number.", "Donor(s): 'Germany' is not known."], []],
    )
    ws = load_workbook(path).active
    assert ws.title == "Rows to fix"
    assert [c.value for c in ws[1]] == ["Project", "Donor(s)", "Total budget (EUR)", "Problems"]
    assert ws.freeze_panes == "A2"
    problems = ws["D2"]
    assert problems.value.splitlines() == [
        "Total budget: 'EUR 1 million' is not a number.",
        "Donor(s): 'Germany' is not known.",
    ]
    assert problems.alignment.wrap_text
    assert (ws["A3"].value, ws["A3"].data_type) == ("=cmd|' /C calc'!A0", "s")
    assert (ws["B3"].value, ws["C3"].value, ws["D3"].value) == (None, 12.5, None)


def test_csv_downloads_never_carry_a_formula():
    import pandas as pd

    from loaders.template import csv_bytes

    text = csv_bytes(
        pd.DataFrame({"sheet": ['=HYPERLINK("http://x")', "@SUM(1)", "Plain"], "row": [1, 2, 3]})
    )
    lines = text.decode("utf-8-sig").splitlines()
    assert lines[1].startswith("\"'=HYPERLINK(")
    assert lines[2].startswith("'@SUM(1)")
    assert lines[3] == "Plain,3"
