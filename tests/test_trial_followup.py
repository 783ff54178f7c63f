"""Faults found by trial users and fixed after them: the IATI round trip, what an export publishes,
what undo and the command lines say."""

import io
import json
import subprocess
import sys
from decimal import Decimal

from lxml import etree

import ui
from loaders import pipeline
from portfolio import imports, store
from portfolio.filters import Filters

from .conftest import ROOT
from .test_import import rows, run_cli
from .test_pages import app


def own_iati_export(db: store.Store) -> bytes:
    out = io.BytesIO()
    pipeline.write_iati_export(out, db.connection, include_illustrative=True)
    return out.getvalue()


def test_reimporting_the_own_iati_export_changes_nothing(sample_db):
    # IATI has no contribution per funder: re-importing the export into the database it came from
    # showed all 32 exported projects as updated, every funder's contribution removed.
    db = store.open_store(sample_db)
    contributions = rows(db, "SELECT count(amount) FROM project_orgs WHERE role = 'funding'")
    plan, loaded = pipeline.preview_file(db, own_iati_export(db), "aidtrack-iati-activities.xml")
    report = pipeline.report(plan, loaded)
    assert (report["added"], report["updated"], report["unchanged"]) == (0, 0, 32)
    assert any("stored contributions" in n["message"] for n in report["notes"])
    # Written anyway (nothing to write: the import is empty), the contributions stay.
    assert not plan.writes_anything
    assert rows(db, "SELECT count(amount) FROM project_orgs WHERE role = 'funding'") == contributions


def test_an_iati_file_dropping_a_funder_drops_its_contribution_and_keeps_the_others(sample_db):
    db = store.open_store(sample_db)
    root = etree.fromstring(own_iati_export(db))
    # ILL-0013 is funded by INL, SDC and the EU, each with a contribution; the file drops SDC.
    activity = next(a for a in root.iter("iati-activity") if a.findtext("iati-identifier") == "ILL-0013")
    sdc = next(o for o in activity.findall("participating-org") if o.get("ref") == "CH-SDC")
    activity.remove(sdc)
    plan, loaded = pipeline.preview_file(db, etree.tostring(root), "without-sdc.xml")
    report = pipeline.report(plan, loaded)
    assert report["updated"] == 1
    (change,) = report["changes"]
    assert (change["project_id"], change["field"], change["added"]) == ("ILL-0013", "Funders", "")
    assert change["removed"].startswith("Swiss Agency for Development and Cooperation 466178.00 USD")
    imports.apply(db, plan)
    assert rows(
        db,
        "SELECT org_id, amount, currency FROM project_orgs "
        "WHERE project_id = 'ILL-0013' AND role = 'funding' "
        "ORDER BY org_id",
    ) == [("EU", Decimal("10431860.60"), "USD"), ("US-INL", Decimal("4139961.40"), "USD")]


def test_budgets_and_transactions_stored_without_a_value_date_come_back_unchanged(sample_db):
    # The export writes the period start (the transaction date) as the value date IATI requires;
    # a budget stored without one showed as changed when the export came back.
    db = store.open_store(sample_db)
    with db.write() as cur:
        cur.execute("UPDATE budgets SET value_date = NULL WHERE project_id IN ('ILL-0001', 'ILL-0002')")
        # and the other way: a transaction whose value date is written as its date
        cur.execute("UPDATE transactions SET value_date = date WHERE project_id = 'ILL-0003'")
    plan, loaded = pipeline.preview_file(db, own_iati_export(db), "aidtrack-iati-activities.xml")
    report = pipeline.report(plan, loaded)
    assert [c for c in report["changes"] if c["field"] in ("Budgets", "Transactions")] == []
    assert report["updated"] == 0


def test_undo_says_it_removed_the_projects_the_import_added_and_restored_those_it_changed(
    sample_db, tmp_path
):
    # The World Bank file added 499 projects; undo said they 'are back as they were before it'.
    sheet = tmp_path / "q3.csv"
    sheet.write_text(
        "Project ID,Title,End\n"
        "SEED-CSC-WB,Countering Serious Crime in the Western Balkans,2019-12-31\n"
        "NEW-1,Drina valley border crossings,2020-06-30\n"
        "NEW-2,Sava river patrols,2021-06-30\n"
    )
    done = run_cli("import", str(sheet), env_db=sample_db)
    assert "Saved as import 3" in done.stdout, done.stderr
    undone = run_cli("undo", "3", env_db=sample_db)
    assert undone.returncode == 0, undone.stderr
    assert undone.stdout.strip() == (
        "Import 3 undone: removed the 2 projects it added; the 1 project it changed is back as before it."
    )


def test_the_import_page_says_undo_removed_the_projects_the_import_added(sample_db):
    db = store.open_store(sample_db)
    plan, _ = pipeline.preview_file(db, b"Title,End\nDrina valley border crossings,2020-06-30\n", "new.csv")
    imports.apply(db, plan)
    db.close()
    at = app("pages/imports.py")
    at.selectbox(key="import_choice").select_index(0)
    at.run()
    next(b for b in at.button if b.label == "Undo import 3").click()
    at.run()
    assert not at.exception, at.exception
    assert at.success[0].value == "Import 3 undone: removed the 1 project it added."


def test_the_cli_text_names_fields_as_the_template_and_json_keeps_the_stored_names(sample_db, tmp_path):
    sheet = tmp_path / "dates.csv"
    sheet.write_text("Project ID,Title,Total budget (EUR)\nSEED-CSC-WB,Countering Serious Crime,250000\n")
    text = run_cli("import", str(sheet), "--dry-run", env_db=sample_db).stdout
    assert (
        "SEED-CSC-WB Title: Countering Serious Crime in the Western Balkans -> Countering Serious Crime"
        in text
    )
    assert "SEED-CSC-WB Total budget: (blank) -> 250000.00" in text
    assert "SEED-CSC-WB budget:" not in text and "SEED-CSC-WB title:" not in text
    report = json.loads(run_cli("import", str(sheet), "--dry-run", "--json", env_db=sample_db).stdout)
    assert sorted(c["field"] for c in report["changes"]) == ["budget", "title"]


def test_the_summary_says_estimated_only_where_a_split_was_estimated(sample_db):
    def summary(by: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "portfolio", "summary", "--by", by, "--db", str(sample_db)],
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    # Each project has one status: nothing is split, and the summary said 'Estimated' all the same.
    assert "estimated" not in summary("status").lower()
    # Five projects name several funders without contributions for all of them.
    by_funder = summary("funder")
    assert " estimated\n" in by_funder
    assert by_funder.rstrip().endswith(
        "Estimated: 5 projects' money is split equally by funder because shares or contributions are not "
        "recorded."
    )


def test_an_iati_export_leaves_out_illustrative_projects_unless_asked_and_says_how_many(sample_db, tmp_path):
    # 'python -m loaders export out.xml' published the 40 made-up sample projects as IATI activities.
    out = tmp_path / "publish.xml"
    # Nothing to publish (the seed page's projects lack a status or dates): said, and not a success.
    done = run_cli("export", str(out), env_db=sample_db)
    assert done.returncode == 4 and not out.exists()
    assert f"No project can be written as an IATI activity; {out} was not written." in done.stdout
    db = store.open_store(sample_db)
    with db.write() as cur:  # a real project beside the made-up ones
        cur.execute(
            "UPDATE projects SET status = 'implementation', start_date = DATE '2019-01-01' "
            "WHERE project_id = 'SEED-EU-SRB-BM'"
        )
    db.close()
    done = run_cli("export", str(out), env_db=sample_db)
    assert done.returncode == 0, done.stderr
    assert "Wrote 1 project as IATI 2.03 activities" in done.stdout
    assert (
        "Left out: 40 illustrative projects (made up, not real projects); "
        "--include-illustrative publishes them." in done.stdout
    )
    ids = [a.findtext("iati-identifier") for a in etree.parse(str(out)).getroot().iter("iati-activity")]
    assert ids == ["SEED-EU-SRB-BM"]
    done = run_cli("export", str(out), "--include-illustrative", env_db=sample_db)
    assert "Wrote 33 projects" in done.stdout and "illustrative" not in done.stdout
    # The Import page's download agrees: left out unless the box is ticked.
    at = app("pages/imports.py")
    (box,) = at.checkbox
    assert box.label == "Include the 40 illustrative projects in the IATI file" and not box.value
    assert b"ILL-0001" not in ui.portfolio_iati(Filters())[1]
    assert b"ILL-0001" in ui.portfolio_iati(Filters(), include_illustrative=True)[1]


def test_projects_an_earlier_version_of_the_sheet_brought_in_and_this_one_leaves_out_are_noted(empty_db):
    # A manager deleted an ended project from their sheet; the preview kept it without a word.
    def preview(text: str):
        plan, loaded = pipeline.preview_file(empty_db, text.encode(), "portfolio.csv")
        return plan, pipeline.report(plan, loaded)

    first = "Project title,Donor(s),Start\nAlpha border post,EU,2018-01-01\nBeta customs,EU,2018-02-01\n"
    plan, report = preview(first)
    assert report["notes"] == []
    imports.apply(empty_db, plan)
    plan, report = preview("Project title,Donor(s),Start\nAlpha border post,EU,2018-01-01\n")
    (beta,) = rows(empty_db, "SELECT project_id FROM projects WHERE title = 'Beta customs'")
    assert [n["message"] for n in report["notes"]] == [
        f"1 project imported from an earlier version of this file is not in it: 'Beta customs' ({beta[0]}). "
        "It is kept as stored (an import never deletes a project). If it has ended, set its status (closed, "
        "cancelled) in the file or in the project view."
    ]
    assert report["unchanged"] == 1 and not plan.writes_anything
    # Another file's projects are not this file's business.
    other = pipeline.preview_file(empty_db, b"Project title,Donor(s)\nAlpha border post,EU\n", "other.csv")
    assert [p for p in other[0].problems if p["severity"] == "note"] == []
