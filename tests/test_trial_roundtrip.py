"""The programme manager's round trip, as someone new to aidtrack does it: the template filled in,
an export edited and uploaded again, last quarter's sheet and this quarter's, the fix-me file."""

import datetime as dt
import io

import openpyxl

from loaders import pipeline
from portfolio import imports


def template_with(db, sheets: dict[str, list[list]]) -> bytes:
    """The template as `python -m loaders template` writes it, filled in with openpyxl as Excel would."""
    out = io.BytesIO()
    pipeline.write_template(out, db.connection)
    wb = openpyxl.load_workbook(io.BytesIO(out.getvalue()))
    for name, rows in sheets.items():
        for r, row in enumerate(rows, start=2):
            for c, value in enumerate(row, start=1):
                wb[name].cell(r, c, value)
    filled = io.BytesIO()
    wb.save(filled)
    return filled.getvalue()


def preview(db, data: bytes, name: str = "portfolio.xlsx") -> tuple[imports.Preview, dict]:
    plan, loaded = pipeline.preview_file(db, data, name)
    return plan, pipeline.report(plan, loaded)


def test_importing_the_same_template_again_changes_nothing_when_visibility_is_blank(empty_db):
    # Visibility is optional ("Blank means public"); most managers leave it blank.
    data = template_with(
        empty_db,
        {"Projects": [["WB-03", "Migration dialogue", None, None, "closed", dt.date(2016, 1, 1)]]},
    )
    plan, _ = preview(empty_db, data)
    imports.apply(empty_db, plan)
    again, report = preview(empty_db, data)
    assert (report["added"], report["updated"], report["unchanged"]) == (0, 0, 1)
    assert report["changes"] == []


def test_an_amount_naming_another_currency_than_its_row_is_refused_not_stored_in_the_rows(empty_db):
    # '€ 1.000.000' on a USD project was stored as USD 1,000,000, and 'CHF 1000' on a GBP
    # transaction as GBP 1,000: the currency written in the cell was dropped without a word.
    data = template_with(
        empty_db,
        {
            "Projects": [["C-01", "Currency clash", None, None, None, None, None, "USD", "€ 1.000.000"]],
            "Funding": [
                ["C-01", "EU", "funding", "EUR 800,000", "USD"],
                ["C-01", "Germany", "funding", "USD 5"],
            ],
            "Budgets": [
                ["C-01", dt.date(2018, 1, 1), dt.date(2018, 12, 31), None, "EUR 500,000", "USD"],
                ["C-01", dt.date(2019, 1, 1), dt.date(2019, 12, 31), None, "EUR 400,000", "EUR"],
            ],
            "Transactions": [["CT-1", "C-01", "disbursement", dt.date(2018, 4, 1), None, "CHF 1000", "GBP"]],
        },
    )
    plan, report = preview(empty_db, data)
    found = {(p["sheet"], p["row"], p["severity"]): p["message"] for p in report["problems"]}
    assert found == {
        ("Projects", 2, "warning"): "'€ 1.000.000' is in EUR, but this row's Currency is USD. "
        "Write the amount in USD, or change the Currency to EUR. Stored as not known.",
        ("Funding", 2, "warning"): "'EUR 800,000' is in EUR, but this row's Currency is USD. "
        "Write the amount in USD, or change the Currency to EUR. Stored as not known.",
        ("Budgets", 2, "error"): "'EUR 500,000' is in EUR, but this row's Currency is USD. "
        "Write the amount in USD, or change the Currency to EUR.",
        ("Transactions", 2, "error"): "'CHF 1000' is in CHF, but this row's Currency is GBP. "
        "Write the amount in GBP, or change the Currency to CHF.",
    }
    tables = {t: plan.tables[t].to_pylist() for t in ("projects", "project_orgs", "budgets")}
    assert [(p["budget"], p["currency"]) for p in tables["projects"]] == [(None, "USD")]
    assert [(o["org_id"], o["amount"], o["currency"]) for o in tables["project_orgs"]] == [
        ("EU", None, "USD"),
        ("DE", 5, "USD"),
    ]
    assert [(b["amount"], b["currency"]) for b in tables["budgets"]] == [(400000, "EUR")]
    assert "transactions" not in plan.tables  # its one row was rejected


def fixed(data: bytes, edits: dict[str, dict[str, object]]) -> bytes:
    wb = openpyxl.load_workbook(io.BytesIO(data))
    for sheet, cells in edits.items():
        for coordinate, value in cells.items():
            wb[sheet][coordinate] = value
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_the_fix_me_workbook_of_a_template_imports_and_keeps_the_projects_other_rows(empty_db):
    data = template_with(
        empty_db,
        {
            "Projects": [
                ["P-1", "Three budget years", None, None, "implementation", None, None, "EUR", 300],
                ["P-2", None, "Title forgotten", None, "pipeline", None, None, "EUR"],
            ],
            "Countries": [["P-2", "Serbia"]],
            "Budgets": [
                ["P-1", dt.date(2018, 1, 1), dt.date(2018, 12, 31), None, 100],
                ["P-1", dt.date(2019, 1, 1), dt.date(2019, 12, 31), None, -100],
                ["P-1", dt.date(2020, 1, 1), dt.date(2020, 12, 31), None, 100],
            ],
        },
    )
    plan, loaded = pipeline.preview_file(empty_db, data, "q3.xlsx")
    imports.apply(empty_db, plan)
    out = io.BytesIO()
    pipeline.write_fixme_workbook(out, loaded)
    wb = openpyxl.load_workbook(io.BytesIO(out.getvalue()))
    # The template's sheet names, so it reads as the template; each project with a rejected
    # row comes with all its rows, the fine ones with an empty Problems cell.
    assert wb.sheetnames == ["Read me", "Projects", "Countries", "Budgets"]
    assert [[c.value for c in r] for r in wb["Budgets"].iter_rows(min_col=5)] == [
        ["Amount", "Currency", "Value date", "Problems"],
        [100, None, None, None],
        [
            -100,
            None,
            None,
            "Amount: -100.00 is negative; write 0 or more.\nFrom row 3 of sheet 'Budgets' in q3.xlsx.",
        ],
        [100, None, None, None],
    ]
    assert [r[-1].value for r in wb["Projects"].iter_rows(min_row=2)] == [
        None,
        "Title is required.\nFrom row 3 of sheet 'Projects' in q3.xlsx.",
    ]
    # Before, the sheets were 'Budgets - to fix' and so on: read as a sheet of one's own, the
    # budget rows were skipped as a list and P-2's country was lost.
    plan, report = preview(
        empty_db, fixed(out.getvalue(), {"Budgets": {"E3": 100}, "Projects": {"B3": "Title remembered"}})
    )
    assert report["format"] == "template"
    assert (report["added"], report["updated"], report["rejected"]) == (1, 1, 0)
    imports.apply(empty_db, plan)
    with empty_db.cursor() as cur:
        budgets = cur.execute("SELECT count(*), sum(amount) FROM budgets WHERE project_id = 'P-1'").fetchall()
        countries = cur.execute("SELECT project_id, country FROM project_countries").fetchall()
    assert budgets == [(3, 300)]
    assert countries == [("P-2", "SRB")]


def test_an_export_with_only_its_transactions_sheet_left_updates_the_transactions(sample_db):
    from portfolio import store

    db = store.open_store(sample_db)
    out = io.BytesIO()
    pipeline.write_export(out, db.connection)
    wb = openpyxl.load_workbook(io.BytesIO(out.getvalue()))
    for name in ("Projects", "Funding", "Countries", "Sectors", "Aims", "Activities", "Budgets"):
        del wb[name]
    wb["Transactions"].append(
        ["ILL-0001-TX9", "ILL-0001", "disbursement", dt.date(2019, 1, 1), None, 1000, "CHF"]
    )
    sent = io.BytesIO()
    wb.save(sent)
    # Before: read as a sheet of one's own, each of the 415 rows rejected as a project without a title.
    _, report = preview(db, sent.getvalue())
    assert (report["format"], report["updated"], report["rejected"], report["errors"]) == (
        "template",
        1,
        0,
        0,
    )
    assert [(c["project_id"], c["field"]) for c in report["changes"]] == [("ILL-0001", "Transactions")]


def test_the_preview_of_an_edited_export_says_which_lines_of_a_list_change(sample_db):
    from portfolio import store

    db = store.open_store(sample_db)
    out = io.BytesIO()
    pipeline.write_export(out, db.connection)
    wb = openpyxl.load_workbook(io.BytesIO(out.getvalue()))
    countries = wb["Countries"]
    croatia = next(
        r for r in countries.iter_rows(min_row=2) if [c.value for c in r[:2]] == ["ILL-0006", "Croatia"]
    )
    countries.delete_rows(croatia[0].row)
    wb["Transactions"].append(
        ["ILL-0003-TX", "ILL-0003", "disbursement", dt.date(2024, 6, 1), None, 25000, "EUR", "EU", "IOM"]
    )
    sent = io.BytesIO()
    wb.save(sent)
    plan, loaded = pipeline.preview_file(db, sent.getvalue(), "edited.xlsx")
    report = pipeline.report(plan, loaded)
    assert [(c["project_id"], c["field"], c["removed"], c["added"]) for c in report["changes"]] == [
        ("ILL-0003", "Transactions", "", "ILL-0003-TX disbursement 2024-06-01 25000.00 EUR EU IOM"),
        ("ILL-0006", "Countries", "HRV 0.19", ""),
    ]
    # The whole lists are still there (and logged): eight transactions before, nine after.
    assert report["changes"][0]["old"].count("; ") == 7 and report["changes"][0]["new"].count("; ") == 8
    # Before, the text listed the eight unchanged transactions twice, around the one added.
    text = pipeline.report_text(report)
    assert "  ILL-0003 Transactions: adds ILL-0003-TX disbursement 2024-06-01 25000.00 EUR EU IOM\n" in text
    assert text.endswith("  ILL-0006 Countries: removes HRV 0.19")


def test_the_import_page_says_what_a_list_gains_beside_the_whole_lists(sample_db):
    from .test_pages import app

    at = app("pages/imports.py")
    at.file_uploader[0].set_value(
        (
            "donors.csv",
            b"Project ID,Title,Donor(s)\nSEED-CSC-WB,Countering Serious Crime in the Western Balkans,"
            b'"EU, Germany, Sweden"\n',
            "text/csv",
        )
    )
    at.run()
    assert not at.exception, at.exception
    changes = next(d.value for d in at.dataframe if "field" in d.value.columns)
    assert changes[["field", "change"]].values.tolist() == [["Funders", "adds Sweden"]]


def quarter(rows: list[list]) -> bytes:
    """A manager's one-row-per-project sheet without a Project ID column, under a title block."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"] = "Portfolio report"
    ws.merge_cells("A1:D1")
    ws.append([])
    ws.append(["Project title", "Donor(s)", "Total budget (EUR)", "Start"])
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_a_project_renamed_between_two_quarters_sheets_is_said_before_it_is_counted_twice(empty_db):
    last = [
        ["Firearms control in North Macedonia", "Germany (50%), Sweden (50%)", 750000, "2019-06-01"],
        ["Migration dialogue Serbia", "Switzerland", "1.500.000,00", "March 2018"],
        ["Integrated border management Montenegro", "EU", 400000, "2016"],
    ]
    plan, _ = preview(empty_db, quarter(last), "q1.xlsx")
    imports.apply(empty_db, plan)
    this = [
        ["Firearms control in N. Macedonia", "Germany (50%), Sweden (50%)", 750000, "2019-06-01"],
        ["Migration dialogue Serbia", "Switzerland", "1.600.000,00", "March 2018"],
        ["Police training Albania", "Italy", 300000, "2021-06-01"],
    ]
    _, report = preview(empty_db, quarter(this), "q2.xlsx")
    assert (report["added"], report["updated"]) == (2, 1)
    # Before, the preview said only "2 new": the renamed project would be a second one, its
    # EUR 750,000 counted twice, without a word.
    stored = next(
        p
        for (p,) in empty_db.cursor()
        .execute("SELECT project_id FROM projects WHERE title LIKE 'Fire%'")
        .fetchall()
    )
    assert [(p["row"], p["severity"], p["message"]) for p in report["problems"]] == [
        (
            4,
            "warning",
            f"No project in aidtrack has this title, but 'Firearms control in North Macedonia' ({stored}) "
            "is close to it and is not in this file. If this is that project renamed, importing this row "
            "adds it a second time and counts its money twice: write its title as stored, or add a "
            f"Project ID column with {stored}. If it is a new project, import it as it is.",
        )
    ]


def test_a_row_rejected_when_compared_with_the_portfolio_is_in_the_fix_me_workbook_too(empty_db):
    # The preview counted it as rejected, and --fixme said "nothing written: no row was rejected".
    data = template_with(
        empty_db,
        {
            "Projects": [["K-1", "Known", None, None, None, None, None, "EUR", 10]],
            "Budgets": [["K-l", dt.date(2020, 1, 1), dt.date(2020, 12, 31), None, 5]],
        },
    )
    plan, loaded = pipeline.preview_file(empty_db, data, "k.xlsx")
    assert pipeline.report(plan, loaded)["rejected"] == 1
    out = io.BytesIO()
    pipeline.write_fixme_workbook(out, loaded, plan)
    budgets = openpyxl.load_workbook(io.BytesIO(out.getvalue()))["Budgets"]
    assert [c.value for c in budgets[2]][0] == "K-l"
    assert budgets["H2"].value == (
        "Project ID: K-l is neither a project this file imports from its Projects sheet nor one in "
        "aidtrack, so its rows were not imported. Add the project to the Projects sheet, or fix its row "
        "there if that row was rejected.\nFrom row 2 of sheet 'Budgets' in k.xlsx."
    )


def test_a_share_typed_as_a_funders_contribution_says_what_the_column_asks_for(empty_db):
    # 'EU (80%)' works on a manager's own sheet; on the template's Funding sheet '80%' only said
    # it was not an amount.
    data = template_with(
        empty_db,
        {
            "Projects": [["S-01", "Shared funding", None, None, None, None, None, "EUR", 1_000_000]],
            "Funding": [["S-01", "EU", "funding", "80%"], ["S-01", "Germany", "funding", 200_000]],
        },
    )
    plan, report = preview(empty_db, data)
    assert [(p["sheet"], p["row"], p["column"], p["severity"], p["message"]) for p in report["problems"]] == [
        (
            "Funding",
            2,
            "Contribution",
            "warning",
            "'80%' is a share; Contribution is the funder's amount of money: write 80% of the project's "
            "budget as an amount (800000 for 80% of 1,000,000). Stored as not known.",
        )
    ]
    orgs = [(o["org_id"], o["amount"]) for o in plan.tables["project_orgs"].to_pylist()]
    assert orgs == [("EU", None), ("DE", 200_000)]
