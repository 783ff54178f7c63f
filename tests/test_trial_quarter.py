"""A programme manager bringing in last quarter's sheet on their own: what the Import page says to
them at each step, beyond the browser journey (tests/test_browser_quarter.py)."""

import datetime as dt
import io
import zipfile

import openpyxl

import ui
from loaders import pipeline
from portfolio import imports

from .test_import import messy_workbook
from .test_import_page import XLSX, upload
from .test_pages import app, metric
from .test_trial_roundtrip import template_with

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def word_document() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<document/>")
    return out.getvalue()


def confirm(at, label: str):
    next(b for b in at.button if b.label == label).click()
    at.run()
    assert not at.exception, at.exception
    return at


def test_a_word_document_is_refused_in_words_not_by_the_uploader_alone(sample_db):
    # The uploader took only spreadsheet endings: a .docx got a red mark in the upload box and
    # nothing else, so the manager did not learn what was wrong or what to upload instead.
    at = app("pages/imports.py")
    assert list(at.file_uploader[0].proto.type) == []
    at.file_uploader[0].set_value(("minutes.docx", word_document(), DOCX))
    at.run()
    assert not at.exception, at.exception
    assert "minutes.docx: is a Word document, not a spreadsheet. Use an Excel workbook" in at.error[
        0
    ].value.replace("\\", "")
    assert not [b for b in at.button if b.label.startswith("Import ")]


def test_after_the_import_the_rejected_rows_are_offered_and_the_file_is_not_read_again(
    sample_db, monkeypatch
):
    # After confirming, the page read the whole file again to preview it against the portfolio it
    # had just changed (7 s for 100,000 rows) and showed "what importing it will do: 0 new ...
    # Nothing to import" under the success message.
    reads = []
    preview_file = pipeline.preview_file
    monkeypatch.setattr(pipeline, "preview_file", lambda *a, **k: reads.append(a[2]) or preview_file(*a, **k))
    at = upload(app("pages/imports.py"), "portfolio-q3.xlsx", messy_workbook())
    confirm(at, "Import 3 new and 0 changed projects")
    assert reads == ["portfolio-q3.xlsx"]
    assert at.success[0].value.startswith("Saved as import 3: 3 new and 0 changed projects.")
    assert at.file_uploader[0].value is None
    assert not at.metric
    assert [w.value for w in at.warning] == [
        "2 rows of portfolio-q3.xlsx were not imported. Download them with their problems, fix them and "
        "upload that file."
    ]
    assert "Download the rejected rows to fix" in [b.label for b in at.get("download_button")]
    assert not [i.value for i in at.info if i.value.startswith("Nothing to import")]


def test_the_same_file_twice_says_when_it_was_imported_and_what_it_left_out(sample_db):
    data = messy_workbook()  # once: openpyxl writes the time into the file
    at = upload(app("pages/imports.py"), "portfolio-q3.xlsx", data)
    confirm(at, "Import 3 new and 0 changed projects")
    at = upload(at, "portfolio-q3.xlsx", data)
    assert (metric(at, "New projects"), metric(at, "Unchanged"), metric(at, "Rows rejected")) == (
        "0",
        "3",
        "2",
    )
    [info] = [i.value for i in at.info]
    when = imports.import_log(ui.store().connection).iloc[0]["imported_at"]
    assert info == (
        f"Nothing to import: this file was imported before (import 3, {when:%d %b %Y %H:%M}) and the "
        "portfolio holds everything in it except its 2 rejected rows: fix them (see Problems) and upload "
        "the file again."
    )


def test_problems_are_shown_whole_not_cut_after_one_line(sample_db):
    # One line a row cut most messages off before what to write instead ("'tbc' is not an amount;
    # write a number such as 250000 or 'EUR 250,0"); Streamlit wraps text in rows over 64 pixels.
    at = upload(app("pages/imports.py"), "portfolio-q3.xlsx", messy_workbook())
    problems = at.dataframe[0]
    assert "message" in problems.value.columns
    assert problems.proto.row_height > 64


def test_a_count_in_the_thousands_reads_as_one_on_the_button(sample_db):
    rows = "".join(f"BIG-{i},Border project {i}\n" for i in range(1200))
    at = app("pages/imports.py")
    at.file_uploader[0].set_value(("many.csv", f"Project ID,Title\n{rows}".encode(), "text/csv"))
    at.run()
    assert not at.exception, at.exception
    assert "Import 1,200 new and 0 changed projects" in [b.label for b in at.button]
    confirm(at, "Import 1,200 new and 0 changed projects")
    assert at.success[0].value.startswith("Saved as import 3: 1,200 new and 0 changed projects.")
    assert "Download all 1,243 projects to edit" in [b.label for b in at.get("download_button")]


def test_a_field_change_has_nothing_beside_it_under_what_changes(sample_db):
    at = app("pages/imports.py")
    row = b"SEED-CSC-WB,Countering Serious Crime in the Western Balkans,2019-12-31\n"
    at.file_uploader[0].set_value(("end.csv", b"Project ID,Title,End\n" + row, "text/csv"))
    at.run()
    changes = next(d for d in at.dataframe if "field" in d.value.columns)
    assert "change" not in changes.value.columns  # no column of blanks beside a field's change
    # Streamlit draws a missing value as a grey 'None' unless told otherwise.
    assert changes.proto.HasField("placeholder") and changes.proto.placeholder == ""


def test_an_undone_import_lists_its_undo_as_an_event_not_as_a_value(sample_db):
    # After an undo, each project showed Field '', Before '(blank)', After 'import undone'.
    at = upload(app("pages/imports.py"), "end.xlsx", _end_date_workbook())
    confirm(at, "Import 0 new and 1 changed projects")
    at = app("pages/imports.py")
    at.selectbox(key="import_choice").select_index(0).run()
    confirm(at, "Undo import 3")
    at.selectbox(key="import_choice").select_index(0).run()
    done = next(d.value for d in at.dataframe if "field" in d.value.columns)
    assert done[["field", "old", "new"]].values.tolist() == [
        ["End date", "(blank)", "2019-12-31"],
        ["import undone", "", ""],
    ]
    assert (
        "Undone: the projects below are back as they were before this import; the table shows what it had "
        "changed."
    ) in [c.value for c in at.caption]


def _end_date_workbook() -> bytes:
    wb = openpyxl.Workbook()
    wb.active.append(["Project ID", "Title", "End"])
    wb.active.append(
        ["SEED-CSC-WB", "Countering Serious Crime in the Western Balkans", dt.date(2019, 12, 31)]
    )
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_rows_of_a_project_whose_own_row_was_rejected_do_not_say_it_is_missing(empty_db):
    # Q-1's Projects row had no title; its Funding row said "Project ID Q-1 is not on the Projects
    # sheet", where the manager could see it was.
    data = template_with(
        empty_db,
        {
            "Projects": [["Q-1", None, None, None, None, None, None, "EUR", 10]],
            "Funding": [["Q-1", "EU", "funding", 10]],
        },
    )
    plan, loaded = pipeline.preview_file(empty_db, data, "q.xlsx")
    problems = [
        (p["sheet"], p["row"], p["column"], p["message"]) for p in pipeline.report(plan, loaded)["problems"]
    ]
    assert problems == [
        ("Projects", 2, "Title", "Title is required."),
        (
            "Funding",
            2,
            "Project ID",
            "Q-1 is neither a project this file imports from its Projects sheet nor one in aidtrack, so its "
            "rows were not imported. Add the project to the Projects sheet, or fix its row there if that row "
            "was rejected.",
        ),
    ]


def test_an_empty_workbook_and_a_header_only_csv_each_get_one_plain_message(sample_db):
    empty = io.BytesIO()
    openpyxl.Workbook().save(empty)
    for name, data, said in (
        (
            "empty.xlsx",
            empty.getvalue(),
            "empty.xlsx: has no filled cells. Choose a file that holds your projects.",
        ),
        (
            "header.csv",
            b"Project ID,Title,Donor(s),Total budget (EUR)\n",
            "header.csv: has column headers on sheet 'header' (row 1) but no projects under them.",
        ),
    ):
        at = app("pages/imports.py")
        at.file_uploader[0].set_value((name, data, XLSX))
        at.run()
        assert not at.exception, at.exception
        assert said in at.error[0].value.replace("\\", ""), at.error[0].value
        assert "Traceback" not in at.error[0].value


def test_a_contribution_with_no_currency_of_its_own_shows_the_projects(sample_db):
    # The template's Funding sheet: a blank Currency means the project's currency.
    from portfolio import store

    db = store.open_store(sample_db)
    with db.write() as cur:
        cur.execute(
            "UPDATE project_orgs SET currency = NULL WHERE project_id = 'ILL-0008' AND role = 'funding'"
        )
    db.close()
    at = app("pages/projects.py", project="ILL-0008")
    organisations = at.dataframe[1].value.set_index("role_name")
    assert organisations.loc["Funding", "contribution"] == "EUR 518,000.00"


def test_an_unknown_country_on_the_template_says_what_to_write_instead(empty_db):
    data = template_with(
        empty_db, {"Projects": [["Q3-01", "Border posts"]], "Countries": [["Q3-01", "Westeros"]]}
    )
    _, loaded = pipeline.preview_file(empty_db, data, "q3.xlsx")
    assert [(p.sheet, p.row, p.column, p.message) for p in loaded.problems if p.severity != "note"] == [
        (
            "Countries",
            2,
            "Country",
            "'Westeros' is not a country or region aidtrack knows. Choose one from the cell's drop-down "
            "list, or write its English name or ISO code (SRB for Serbia).",
        )
    ]


def test_one_problem_is_offered_as_one_problem(sample_db):
    at = upload(app("pages/imports.py"), "q3.csv", b"Title,Budget\nBorder posts,tbc\n")
    assert "Download the 1 problem (csv)" in [b.label for b in at.get("download_button")]
