"""The Import page: upload, preview, confirm, see it on every page, undo."""

from pathlib import Path

import ui
from portfolio import rollups

from .test_import import messy_workbook
from .test_pages import app, metric

TRIALS4 = Path(__file__).parent / "data" / "trials4"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def upload(at, name: str, data: bytes):
    at.file_uploader[0].set_value((name, data, XLSX))
    at.run()
    assert not at.exception, at.exception
    return at


def test_import_page_offers_the_template_and_the_portfolio(sample_db):
    at = app("pages/imports.py")
    labels = [b.label for b in at.get("download_button")]
    assert labels == [
        "Download the template",
        "Download all 43 projects to edit",
        "The same projects as csv, one row each",
    ]
    assert [b.label for b in at.button] == ["Prepare all public projects as IATI XML"]


def test_the_iati_file_says_what_it_leaves_out_before_it_is_downloaded(sample_db):
    # The sample's three real projects have no status, which IATI requires: with the illustrative
    # ones left out, the download was an empty file.
    at = app("pages/imports.py")
    next(b for b in at.button if b.label.startswith("Prepare")).click().run()
    assert (
        at.warning[0].value
        == "No project can be written as an IATI activity, so there is no file to download."
    )
    assert (
        "Left out of the file:\n- 40 illustrative projects (made up, not real projects)\n"
        "- 3 projects: no status (IATI requires an activity-status)"
    ) in [c.value for c in at.caption]
    at.checkbox[0].check().run()
    next(b for b in at.button if b.label.startswith("Prepare")).click().run()
    labels = [b.label for b in at.get("download_button")]
    assert "Download the IATI file (32 projects)" in labels, labels
    assert not at.warning and not at.error


def test_preview_then_confirm_then_every_page_shows_it_then_undo(sample_db):
    at = upload(app("pages/imports.py"), "portfolio-q3.xlsx", messy_workbook())
    assert metric(at, "New projects") == "3"
    assert metric(at, "Rows rejected") == "2"
    problems = at.dataframe[0].value
    no_title = "This row has no title. Every project needs a title."
    assert any(m.startswith(no_title) for m in problems["message"])
    assert 9 in problems["row"].tolist()
    confirm = next(b for b in at.button if b.label.startswith("Import 3 new"))
    confirm.click()
    at.run()
    assert not at.exception, at.exception
    assert "Saved as import 3" in at.success[0].value
    # The page worked out the new projects' figures after saving them.
    assert rollups.fresh(ui.store().connection)

    overview = app()
    assert metric(overview, "Projects") == "46"

    at = app("pages/imports.py")
    log = at.dataframe[0].value
    assert log["file_name"].tolist()[0] == "portfolio-q3.xlsx"
    at.selectbox(key="import_choice").select_index(0)
    at.run()
    # What undo would take away: the projects the import added.
    done = next(d.value for d in at.dataframe if "field" in d.value.columns)
    assert done["field"].tolist() == ["project added"] * 3
    next(b for b in at.button if b.label == "Undo import 3").click()
    at.run()
    assert "Import 3 undone" in at.success[0].value
    assert metric(app(), "Projects") == "43"


def test_a_broken_file_is_one_clear_message(sample_db):
    at = upload(app("pages/imports.py"), "budget.xlsx", b"%PDF-1.5 this is a scan")
    assert "budget.xlsx: is a PDF document, not a spreadsheet" in at.error[0].value.replace("\\", "")
    assert not [b for b in at.button if b.label.startswith("Import ")]


def test_an_iati_project_shows_like_any_other_with_its_source(sample_db):
    from .test_iati import EXAMPLE

    at = upload(app("pages/imports.py"), EXAMPLE.name, EXAMPLE.read_bytes())
    assert metric(at, "New projects") == "1"
    next(b for b in at.button if b.label.startswith("Import 1 new")).click()
    at.run()
    assert not at.exception, at.exception
    project = app("pages/projects.py", project="AA-AAA-123456789-ABC123")
    assert [h.value for h in project.header] == ["Activity title"]
    captions = "\n".join(c.value for c in project.caption).replace("\\", "")  # the name, escaped
    assert "Source: iati_standard_activity_example_v2.03.xml (IATI activity file)" in captions
    subheaders = [s.value for s in project.subheader]
    assert {"Other sector classifications", "Related activities", "Documents", "Transactions"} <= set(
        subheaders
    )


def test_a_value_not_set_before_shows_as_blank_in_the_changes(sample_db):
    at = app("pages/imports.py")
    at.file_uploader[0].set_value(
        ("dates.csv", b"Project ID,Title,End\nSEED-CSC-WB,Countering Serious Crime,2019-12-31\n", "text/csv")
    )
    at.run()
    assert not at.exception, at.exception
    changes = next(d.value for d in at.dataframe if "field" in d.value.columns)
    assert sorted(zip(changes["field"], changes["old"], changes["new"], strict=True)) == [
        ("End date", "(blank)", "2019-12-31"),
        ("Title", "Countering Serious Crime in the Western Balkans", "Countering Serious Crime"),
    ]


def test_an_import_a_later_one_changed_names_the_import_to_undo_first(sample_db):
    edited = b"Project ID,Title,End\nSEED-CSC-WB,Countering Serious Crime,2019-12-31\n"
    for name, data in (("first.csv", edited), ("second.csv", edited.replace(b"2019", b"2020"))):
        at = app("pages/imports.py")
        at.file_uploader[0].set_value((name, data, "text/csv"))
        at.run()
        next(b for b in at.button if b.label.startswith("Import 0 new and 1 changed")).click()
        at.run()
        assert not at.exception, at.exception
    at = app("pages/imports.py")
    at.selectbox(key="import_choice").select_index(1)  # first.csv, import 3
    at.run()
    assert not [b for b in at.button if b.label == "Undo import 3"]
    assert "Import 4 changed some of the same projects after import 3. Undo import 4 first." in [
        c.value for c in at.caption
    ]


def test_a_file_name_with_markdown_signs_shows_as_typed(sample_db):
    # '**b**' would show a bold b and '$1 to $2' a formula, in the preview and the log.
    name = "$1 to $2 **b** q3.xlsx"
    at = upload(app("pages/imports.py"), name, messy_workbook())
    assert r"**\$1 to \$2 \*\*b\*\* q3.xlsx**: what importing it will do" in [m.value for m in at.markdown]
    next(b for b in at.button if b.label.startswith("Import 3 new")).click()
    at.run()
    at = app("pages/imports.py")
    at.selectbox(key="import_choice").select_index(0)
    at.run()
    assert r"**Import 3**: \$1 to \$2 \*\*b\*\* q3.xlsx" in [m.value for m in at.markdown]


def test_the_new_projects_show_the_money_dates_funders_and_countries_read_from_the_file(sample_db):
    # The New tab showed the id, title, sheet and row alone: a budget, a funder or a country column
    # read wrongly, or not read at all, was only seen after saving.
    path = TRIALS4 / "t4_03_shares_column_google.csv"
    at = app("pages/imports.py")
    at.file_uploader[0].set_value((path.name, path.read_bytes(), "text/csv"))
    at.run()
    assert not at.exception, at.exception
    new = at.dataframe[1].value.set_index("project_id")
    green = new[new["title"] == "Green agenda for the Western Balkans"].iloc[0]
    assert green[["budget", "start_date", "end_date", "countries"]].tolist() == [
        "EUR 1,500,000.00",
        "2021-03-01",
        "2024-02-29",
        "Serbia",
    ]
    assert green["funders"] == "Austria (EUR 300,000.00); European Union (EUR 1,200,000.00)"
    # The sheet has no implementer column: none is shown, rather than 'not recorded' on every row.
    assert "implementers" not in new.columns


def test_the_command_line_lists_the_new_projects_with_what_was_read_for_them(sample_db):
    # It gave the number of new projects and nothing of them.
    import subprocess
    import sys

    from .conftest import ROOT

    path = TRIALS4 / "t4_03_shares_column_google.csv"
    done = subprocess.run(
        [sys.executable, "-m", "loaders", "import", str(path), "--db", str(sample_db)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    at = lines.index("  AT-A46228CED1 Green agenda for the Western Balkans")
    assert lines[at + 1] == (
        "    budget: EUR 1,500,000.00 | start: 2021-03-01 | end: 2024-02-29 | funders: Austria (EUR "
        "300,000.00); European Union (EUR 1,200,000.00) | countries: Serbia"
    )
