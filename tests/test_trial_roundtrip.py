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
