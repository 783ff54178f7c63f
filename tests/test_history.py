"""A project's history and the portfolio's changes between two dates, from the import log."""

import io
from datetime import date, timedelta

import openpyxl

from loaders import pipeline
from portfolio import history, imports, store

from .test_pages import app


def edited_export(db, changes: dict) -> bytes:
    buffer = io.BytesIO()
    pipeline.write_export(buffer, db.connection)
    wb = openpyxl.load_workbook(io.BytesIO(buffer.getvalue()))
    sheet = wb["Projects"]
    header = [c.value for c in sheet[1]]
    row = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == "ILL-0001")
    for column, value in changes.items():
        row[header.index(column)].value = value
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_an_edit_shows_in_the_projects_history_and_in_what_changed(sample_db):
    db = store.open_store(sample_db)
    data = edited_export(db, {"Status": "suspended", "End date": date(2030, 1, 31), "Total budget": 1234.5})
    plan, _ = pipeline.preview_file(db, data, "q4.xlsx")
    imports.apply(db, plan, by="manager")
    plan, _ = pipeline.preview_file(db, edited_export(db, {"Status": "closed"}), "q4-final.xlsx")
    imports.apply(db, plan, by="manager")
    past = history.project_history(db.connection, "ILL-0001")
    latest = past[past["source"] == "q4.xlsx"].set_index("field")
    assert (latest.loc["status", "old"], latest.loc["status", "new"]) == ("closed", "suspended")
    assert latest.loc["end_date", "new"] == "2030-01-31"
    assert latest.loc["budget", "new"] == "1234.50"
    assert set(latest["by"]) == {"manager"}
    assert "project added" in set(past["field"])
    # From yesterday: a run that crosses midnight installed the sample "yesterday".
    report = history.changes_between(db.connection, date.today() - timedelta(days=1), date.today())
    assert report["Status changes"]["new"].tolist() == ["closed", "suspended"]  # newest first
    assert report["Closed"]["project_id"].tolist() == ["ILL-0001"]
    assert report["Moved end dates"]["new"].tolist() == ["2030-01-31"]
    assert report["Budget revisions"]["project_id"].tolist() == ["ILL-0001"]
    assert len(report["New projects"]) == 43  # the sample, installed today
    db.close()
    at = app("pages/projects.py", project="ILL-0001")
    assert any(e.label.startswith("History (") for e in at.expander)
    shown = next(d.value for d in at.dataframe if "field" in d.value.columns).set_index("field")
    assert shown.loc["End date", "new"] == "2030-01-31"
    page = app("pages/changes.py")
    assert [m.value for m in page.metric][:3] == ["43", "2", "1"]
    moved = next(d.value for d in page.dataframe if "End date" in set(d.value.get("field", ())))
    assert moved[["field", "new"]].values.tolist() == [["End date", "2030-01-31"]]


def test_an_undone_import_leaves_the_report_but_stays_in_the_history(sample_db):
    db = store.open_store(sample_db)
    plan, _ = pipeline.preview_file(db, edited_export(db, {"Status": "suspended"}), "oops.xlsx")
    import_id = imports.apply(db, plan)
    imports.undo(db, import_id)
    assert history.changes_between(db.connection, date.today(), date.today())["Status changes"].empty
    past = history.project_history(db.connection, "ILL-0001")
    assert past.loc[past["source"] == "oops.xlsx", "undone"].all()
    assert "import undone" in set(past["field"])


def test_what_changed_lists_the_newest_first(sample_db):
    # Listed oldest first, the projects an import just brought into a portfolio of more than the
    # page's 5,000 rows were past the end of the list.
    db = store.open_store(sample_db)
    sheet = b"Project title,Donor,Total budget (EUR)\nBorder posts in Moldova,EU,100000\n"
    plan, _ = pipeline.preview_file(db, sheet, "latest.csv")
    imports.apply(db, plan)
    db.close()
    new = next(d.value for d in app("pages/changes.py").dataframe if "source" in d.value.columns)
    assert new[["title", "source"]].values.tolist()[0] == ["Border posts in Moldova", "latest.csv"]
