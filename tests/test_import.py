"""Importing spreadsheets as programme managers keep them: preview, write, re-import, undo."""

import datetime as dt
import io
import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from loaders import pipeline, template
from loaders.layout import SHEETS_BY_NAME
from loaders.problems import UnreadableFile
from portfolio import imports, store

from .conftest import ROOT, SHARED

REALWORLD = SHARED / "realworld"


def messy_workbook() -> bytes:
    """A sheet the way a programme manager keeps it: title block, merged cells, their own words."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Portfolio Q3"
    ws["A1"] = "Border Security Programme - project overview"
    ws.merge_cells("A1:I1")
    ws["A2"] = "Status as of 30 September 2018; amounts in EUR unless stated"
    ws.append([])
    ws.append(
        [
            "Project title",
            "Donor(s)",
            "Implementing partner(s)",
            "Beneficiary countries",
            "Total budget (EUR)",
            "Start",
            "End",
            "Objectives",
            "Status",
        ]
    )
    ws.append(
        [
            "Regional border policing seminar",
            "EU (80%), Germany (20%)",
            "DCAF",
            "BiH; Kosovo*; Republic of Serbia",
            "1.000.000,00",
            "01.03.2017",
            dt.datetime(2019, 2, 28),
            "Better cooperation\nShared risk analysis",
            "Ongoing",
        ]
    )
    ws.append(
        [
            "Green border surveillance",
            "European Commission",
            "IOM and UNDP",
            "Macedonia, Montenegro",
            "USD 250k",
            43101,  # an Excel serial: 2018-01-01
            "June 2019",
            "",
            "Completed",
        ]
    )
    ws.append([])
    ws.append(
        ["Training for customs officers", "Federal Republic of Germany", "", "Türkiye", "tbc", "2019-01-15"]
    )
    ws.append(["", "Somebody", "", "Albania", "5000"])  # no title: rejected
    ws.append(["Late start", "EU", "", "Albania", "CHF 750'000", "2020-05-01", "2019-05-01"])  # ends first
    ws.append(["Total", "", "", "", 2250000])
    notes = wb.create_sheet("Notes")
    notes["A1"] = "Figures checked by the finance unit."
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def table_dump(db: store.Store) -> dict:
    """Every portfolio table, sorted, for comparing two states of the store."""
    with db.cursor() as cur:
        return {
            t: sorted(map(repr, cur.execute(f"SELECT * EXCLUDE (updated_at) FROM {t}").fetchall()))
            if t == "projects"
            else sorted(map(repr, cur.execute(f"SELECT * FROM {t}").fetchall()))
            for t in store.PROJECT_TABLES + ("organisations",)
        }


def rows(db: store.Store, sql: str, params=None) -> list[tuple]:
    with db.cursor() as cur:
        return cur.execute(sql, params).fetchall()


def test_a_messy_sheet_previews_with_every_problem_placed(empty_db):
    plan, loaded = pipeline.preview_file(empty_db, messy_workbook(), "portfolio-q3.xlsx")
    report = pipeline.report(plan, loaded)
    assert (report["added"], report["updated"], report["unchanged"], report["rejected"]) == (3, 0, 0, 2)
    problems = {(p["row"], p["column"], p["severity"]) for p in report["problems"]}
    assert (9, "Project title", "error") in problems  # no title
    assert (10, "End", "error") in problems  # end before start
    assert (8, "Total budget (EUR)", "warning") in problems  # "tbc"
    assert all(p["sheet"] == "Portfolio Q3" for p in report["problems"])
    assert any("total row" in n["message"] for n in report["notes"])
    assert any(n["sheet"] == "Notes" for n in report["notes"])
    assert table_dump(empty_db)["projects"] == []  # nothing written before confirming


def test_confirming_writes_what_the_sheet_says(empty_db):
    plan, _ = pipeline.preview_file(empty_db, messy_workbook(), "portfolio-q3.xlsx")
    imports.apply(empty_db, plan, by="manager")
    seminar = rows(
        empty_db,
        "SELECT project_id, budget, currency, start_date, end_date, status FROM projects WHERE title = ?",
        ["Regional border policing seminar"],
    )[0]
    pid = seminar[0]
    assert seminar[1:] == (
        Decimal("1000000.00"),
        "EUR",
        dt.date(2017, 3, 1),
        dt.date(2019, 2, 28),
        "implementation",
    )
    funders = rows(
        empty_db,
        "SELECT o.name, po.amount FROM project_orgs po JOIN organisations o USING (org_id) "
        "WHERE project_id = ? AND role = 'funding' ORDER BY po.amount DESC",
        [pid],
    )
    assert [a for _, a in funders] == [Decimal("800000.00"), Decimal("200000.00")]
    assert rows(
        empty_db, "SELECT list(country ORDER BY country) FROM project_countries WHERE project_id = ?", [pid]
    )[0][0] == ["BIH", "SRB", "XKX"]
    assert rows(empty_db, "SELECT list(aim ORDER BY seq) FROM project_aims WHERE project_id = ?", [pid])[0][
        0
    ] == [
        "Better cooperation",
        "Shared risk analysis",
    ]
    green = rows(
        empty_db,
        "SELECT budget, currency, start_date, end_date, status FROM projects "
        "WHERE title = 'Green border surveillance'",
    )[0]
    assert green == (Decimal("250000.00"), "USD", dt.date(2018, 1, 1), dt.date(2019, 6, 30), "closed")
    # "tbc" is not known, never 0
    assert rows(empty_db, "SELECT budget FROM projects WHERE title = 'Training for customs officers'") == [
        (None,)
    ]
    # "EU", "European Commission" and "EU (80%)" are one organisation
    assert rows(empty_db, "SELECT count(DISTINCT org_id) FROM project_orgs WHERE role = 'funding'") == [(2,)]
    log = imports.import_log(empty_db.connection).iloc[0]
    assert (log.added, log.rejected, log.status, log.imported_by) == (3, 2, "done", "manager")


def test_the_same_file_twice_changes_nothing(empty_db):
    data = messy_workbook()
    imports.apply(empty_db, pipeline.preview_file(empty_db, data, "q3.xlsx")[0])
    before = table_dump(empty_db)
    plan, _ = pipeline.preview_file(empty_db, data, "q3.xlsx")
    assert plan.counts == {"added": 0, "updated": 0, "unchanged": 3, "rejected": 2}
    assert not plan.writes_anything
    assert table_dump(empty_db) == before


def test_a_changed_cell_shows_old_and_new_and_undo_restores_the_exact_state(sample_db):
    db = store.open_store(sample_db)
    before = table_dump(db)
    buffer = io.BytesIO()
    pipeline.write_export(buffer, db.connection)
    wb = openpyxl.load_workbook(io.BytesIO(buffer.getvalue()))
    projects = wb["Projects"]
    header = [c.value for c in projects[1]]
    row = next(r for r in projects.iter_rows(min_row=2) if r[0].value == "ILL-0001")
    row[header.index("Total budget")].value = 123456.78
    row[header.index("Title")].value = "Renamed project"
    changed = io.BytesIO()
    wb.save(changed)

    plan, _ = pipeline.preview_file(db, changed.getvalue(), "edited.xlsx")
    assert plan.counts["added"] == 0 and plan.counts["updated"] == 1
    fields = dict(
        zip(plan.updated["field"], zip(plan.updated["old"], plan.updated["new"], strict=True), strict=True)
    )
    assert fields["budget"][1] == "123456.78"
    assert fields["title"][1] == "Renamed project"
    import_id = imports.apply(db, plan, by="editor")
    assert rows(db, "SELECT title, budget FROM projects WHERE project_id = 'ILL-0001'") == [
        ("Renamed project", Decimal("123456.78"))
    ]
    assert imports.undo(db, import_id) == 1
    assert table_dump(db) == before
    assert imports.import_log(db.connection).iloc[0].status == "undone"


def test_the_exported_portfolio_imports_back_unchanged(sample_db):
    db = store.open_store(sample_db)
    buffer = io.BytesIO()
    pipeline.write_export(buffer, db.connection)
    plan, loaded = pipeline.preview_file(db, buffer.getvalue(), "aidtrack-portfolio.xlsx")
    assert [p for p in loaded.problems if p.severity == "error"] == []
    assert plan.counts == {"added": 0, "updated": 0, "unchanged": 43, "rejected": 0}


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "is empty"),
        (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj", "is a PDF document, not a spreadsheet"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "is a PNG image, not a spreadsheet"),
        (b"PK\x03\x04garbage that is not a zip", "cannot be read"),
        (b"just one line of words\nand another\n", "does not look like a table"),
        (b"a,b,c\n1,2,3\n", "has no row of column headers aidtrack recognises"),
    ],
)
def test_a_file_that_cannot_be_imported_says_why_and_changes_nothing(sample_db, data, message):
    db = store.open_store(sample_db)
    before = table_dump(db)
    with pytest.raises(UnreadableFile) as e:
        pipeline.preview_file(db, data, "upload.xlsx")
    assert message in str(e.value)
    assert str(e.value).startswith("upload.xlsx: ")
    assert table_dump(db) == before


@pytest.mark.parametrize(
    "encoding, separator, budget",
    [
        ("utf-8-sig", ",", '"2,400,000.00"'),
        ("utf-8", ",", "2400000"),
        ("cp1252", ";", "2.400.000,00"),
        ("utf-16", ";", "2400000,00"),
    ],
)
def test_csv_files_in_every_usual_form(empty_db, encoding, separator, budget):
    s = separator
    text = (
        f"Project title{s}Funder{s}Countries{s}Budget{s}Currency{s}Start\r\n"
        f"Côte d'Ivoire border posts{s}EU{s}Côte d'Ivoire{s}{budget}{s}EUR{s}28/02/2019\r\n"
    )
    plan, _ = pipeline.preview_file(empty_db, text.encode(encoding), "projects.csv")
    imports.apply(empty_db, plan)
    assert rows(empty_db, "SELECT title, budget, currency, start_date FROM projects") == [
        ("Côte d'Ivoire border posts", Decimal("2400000.00"), "EUR", dt.date(2019, 2, 28))
    ]
    assert rows(empty_db, "SELECT country FROM project_countries") == [("CIV",)]


def test_amounts_without_a_currency_are_reported_not_guessed(empty_db):
    text = "Title,Budget\nA project,1000000\n"
    plan, loaded = pipeline.preview_file(empty_db, text.encode(), "no-currency.csv")
    assert "names no currency" in loaded.problems[0].message
    assert plan.incoming.projects["budget"].tolist() == [None]
    plan, _ = pipeline.preview_file(empty_db, text.encode(), "no-currency.csv", currency="USD")
    assert plan.incoming.projects[["budget", "currency"]].values.tolist() == [[Decimal("1000000.00"), "USD"]]


def test_undo_refuses_while_a_later_import_changed_the_same_projects(empty_db):
    first = imports.apply(empty_db, pipeline.preview_file(empty_db, b"Title,Status\nP,active\n", "a.csv")[0])
    second = imports.apply(empty_db, pipeline.preview_file(empty_db, b"Title,Status\nP,closed\n", "b.csv")[0])
    with pytest.raises(store.StoreError, match=f"Undo import {second} first"):
        imports.undo(empty_db, first)
    imports.undo(empty_db, second)
    assert rows(empty_db, "SELECT status FROM projects") == [("implementation",)]
    imports.undo(empty_db, first)
    assert rows(empty_db, "SELECT count(*) FROM projects") == [(0,)]


def test_world_bank_export_imports_with_its_columns_mapped(empty_db):
    data = (REALWORLD / "projects_worldbank_2018_1-500.xlsx").read_bytes()
    plan, loaded = pipeline.preview_file(empty_db, data, "worldbank.xlsx", currency="USD")
    report = pipeline.report(plan, loaded)
    assert report["added"] == 499 and report["rejected"] == 0
    mapped = {c["column"]: c["imported as"] for c in report["columns"]}
    assert mapped["Project Name"] == "Title"
    assert mapped["Current Project Cost"] == "Total budget"
    assert mapped["Borrower"] == "not imported"
    imports.apply(empty_db, plan)
    assert rows(empty_db, "SELECT budget, currency FROM projects WHERE project_id = 'P164145'") == [
        (Decimal("280000000.00"), "USD")
    ]
    assert rows(empty_db, "SELECT country FROM project_countries WHERE project_id = 'P164145'") == [("CIV",)]


def test_nigeria_aims_files_import_and_join_on_project_id(empty_db):
    projects = (REALWORLD / "projects_nigeria_aims_aiddata_projects.csv").read_bytes()
    plan, loaded = pipeline.preview_file(empty_db, projects, "nigeria.csv", currency="USD")
    # One row of Nigeria's file ends before it starts: rejected, with its row and column named.
    assert plan.counts["added"] == 375 and plan.counts["rejected"] == 1
    error = next(p for p in loaded.problems if p.severity == "error")
    assert (error.row, error.column) == (121, "end_actual_isodate")
    assert "07 Mar 2009 is before the start date 29 Jun 2009" in error.message
    imports.apply(empty_db, plan)
    ancillary = (REALWORLD / "projects_nigeria_aims_aiddata_project_ancillary.csv").read_bytes()
    plan, _ = pipeline.preview_file(empty_db, ancillary, "nigeria-ancillary.csv", currency="USD")
    assert plan.counts["added"] == 0
    assert plan.counts["updated"] > 0
    funders = rows(
        empty_db,
        "SELECT list(o.name ORDER BY o.name) FROM project_orgs po JOIN organisations o USING (org_id) "
        "WHERE project_id = 'NGA/000111' AND role = 'funding'",
    )[0][0]
    assert len(funders) == 2 and "Norway" in funders


def run_cli(*args: str, env_db: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "loaders", *args, "--db", str(env_db)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_cli_dry_run_json_then_import_then_undo(sample_db, tmp_path):
    sheet = tmp_path / "q3.xlsx"
    sheet.write_bytes(messy_workbook())
    dry = run_cli("import", str(sheet), "--dry-run", "--json", env_db=sample_db)
    assert dry.returncode == 0, dry.stderr
    report = json.loads(dry.stdout)
    assert (report["added"], report["updated"], report["unchanged"], report["rejected"]) == (3, 0, 0, 2)
    assert {"sheet", "row", "column", "message", "severity"} <= set(report["problems"][0])
    done = run_cli("import", str(sheet), env_db=sample_db)
    assert done.returncode == 0, done.stderr
    assert "Saved as import 3" in done.stdout
    assert run_cli("undo", "3", env_db=sample_db).returncode == 0
    db = store.open_store(sample_db)
    assert rows(db, "SELECT count(*) FROM projects") == [(43,)]


def test_cli_exit_codes_for_unreadable_files(sample_db, tmp_path):
    bad = tmp_path / "scan.xlsx"
    bad.write_bytes(b"%PDF-1.7 not a sheet")
    result = run_cli("import", str(bad), env_db=sample_db)
    assert result.returncode == 2
    assert "scan.xlsx: is a PDF document, not a spreadsheet" in result.stderr


def test_cli_template_and_export_write_workbooks(sample_db, tmp_path):
    assert run_cli("template", str(tmp_path / "t.xlsx"), env_db=sample_db).returncode == 0
    assert openpyxl.load_workbook(tmp_path / "t.xlsx").sheetnames[:3] == ["Read me", "Projects", "Funding"]
    result = run_cli("export", str(tmp_path / "e.xlsx"), "--funder", "EU", env_db=sample_db)
    assert result.returncode == 0, result.stderr
    exported = openpyxl.load_workbook(tmp_path / "e.xlsx")["Projects"]
    assert 1 < exported.max_row - 1 < 43


def test_cli_export_to_csv_writes_csv_that_imports_back_unchanged(sample_db, tmp_path):
    # It wrote an xlsx under the .csv name: a file no csv reader could open.
    out = tmp_path / "projects.csv"
    result = run_cli("export", str(out), env_db=sample_db)
    assert result.returncode == 0, result.stderr
    assert "Wrote 43 projects" in result.stdout and "the Projects sheet alone" in result.stdout
    lines = out.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == (
        "Project ID,Title,Description,Programme,Status,Start date,End date,Currency,Total budget,Web page,"
        "Visibility"
    )
    assert len(lines) == 44
    back = run_cli("import", str(out), "--dry-run", "--json", env_db=sample_db)
    report = json.loads(back.stdout)
    assert (report["added"], report["updated"], report["unchanged"], report["rejected"]) == (0, 0, 43, 0)


def test_a_title_like_a_formula_is_written_to_csv_as_text():
    frame = pd.DataFrame(
        [{"project_id": "P1", "title": '=HYPERLINK("http://x")', "budget": Decimal("10.50")}]
    ).reindex(columns=[c.field for c in SHEETS_BY_NAME["Projects"].columns])
    out = io.BytesIO()
    template.write_csv(out, SHEETS_BY_NAME["Projects"], frame)
    assert (
        out.getvalue().decode("utf-8-sig").splitlines()[1] == 'P1,"\'=HYPERLINK(""http://x"")",,,,,,,10.50,,'
    )


def test_cli_import_while_the_dashboard_holds_the_database(sample_db, tmp_path):
    sheet = tmp_path / "q3.xlsx"
    sheet.write_bytes(messy_workbook())
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb, time; c = duckdb.connect({str(sample_db)!r}); print(1, flush=True); "
            "time.sleep(30)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        holder.stdout.readline()
        result = run_cli("import", str(sheet), "--wait", "1", env_db=sample_db)
    finally:
        holder.kill()
        holder.wait()
    assert result.returncode == 1
    assert "most likely the aidtrack dashboard" in result.stderr
    assert "Nothing was imported" in result.stderr
    db = store.open_store(sample_db)
    assert rows(db, "SELECT count(*) FROM projects") == [(43,)]


def exported_workbook(db: store.Store) -> openpyxl.Workbook:
    buffer = io.BytesIO()
    pipeline.write_export(buffer, db.connection)
    return openpyxl.load_workbook(io.BytesIO(buffer.getvalue()))


def saved(wb: openpyxl.Workbook) -> bytes:
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_editing_the_funding_and_countries_sheets_of_an_export(sample_db):
    db = store.open_store(sample_db)
    wb = exported_workbook(db)
    wb["Funding"].append(["ILL-0001", "European Commission", "funding", 5000, "EUR"])
    countries = wb["Countries"]
    first = next(r for r in countries.iter_rows(min_row=2) if r[0].value == "ILL-0002")
    countries.delete_rows(first[0].row)
    plan, loaded = pipeline.preview_file(db, saved(wb), "edited.xlsx")
    assert [p for p in loaded.problems if p.severity == "error"] == []
    assert set(plan.updated["project_id"]) == {"ILL-0001", "ILL-0002"}
    assert plan.updated.set_index("project_id").loc["ILL-0001", "field"] == "Organisations"
    assert "European Union funding 5000.00 EUR" in plan.updated.set_index("project_id").loc["ILL-0001", "new"]
    imports.apply(db, plan)
    assert rows(db, "SELECT amount FROM project_orgs WHERE project_id = 'ILL-0001' AND org_id = 'EU'") == [
        (Decimal("5000.00"),)
    ]


def test_a_transactions_sheet_alone_updates_stored_projects(sample_db):
    db = store.open_store(sample_db)
    wb = exported_workbook(db)
    for name in ("Projects", "Funding", "Countries", "Sectors", "Aims", "Activities", "Budgets"):
        ws = wb[name]
        ws.delete_rows(2, ws.max_row)
    transactions = wb["Transactions"]
    transactions.delete_rows(2, transactions.max_row)
    transactions.append(["Q3-1", "ILL-0003", "disbursement", dt.date(2026, 9, 30), None, 25000, "EUR"])
    transactions.append(["Q3-2", "NOT-STORED", "disbursement", dt.date(2026, 9, 30), None, 100, "EUR"])
    plan, loaded = pipeline.preview_file(db, saved(wb), "q3-transactions.xlsx")
    problems = pipeline.report(plan, loaded)["problems"]
    assert any(
        "NOT-STORED is neither a project this file imports from its Projects sheet nor one in aidtrack"
        in p["message"]
        for p in problems
    )
    assert plan.counts["updated"] == 1 and plan.counts["added"] == 0
    title_before = rows(db, "SELECT title FROM projects WHERE project_id = 'ILL-0003'")
    imports.apply(db, plan)
    assert rows(db, "SELECT transaction_id, amount FROM transactions WHERE project_id = 'ILL-0003'") == [
        ("Q3-1", Decimal("25000.00"))
    ]
    assert rows(db, "SELECT title FROM projects WHERE project_id = 'ILL-0003'") == title_before


def test_fixme_workbook_holds_the_rejected_rows_and_their_problems(empty_db):
    _, loaded = pipeline.preview_file(empty_db, messy_workbook(), "portfolio-q3.xlsx")
    out = io.BytesIO()
    pipeline.write_fixme_workbook(out, loaded)
    sheet = openpyxl.load_workbook(io.BytesIO(out.getvalue())).worksheets[0]
    header = [c.value for c in sheet[1]]
    assert header[0] == "Project title" and header[-1] == "Problems"
    problems = [r[-1].value for r in sheet.iter_rows(min_row=2)]
    assert problems == [
        # A country of its own (Albania, below Türkiye's project): no hint that it is part of the row above.
        "Project title: This row has no title. Every project needs a title.\n"
        "From row 9 of sheet 'Portfolio Q3' in portfolio-q3.xlsx.",
        "End: The end date 01 May 2019 is before the start date 01 May 2020. Correct one of them.\n"
        "From row 10 of sheet 'Portfolio Q3' in portfolio-q3.xlsx.",
    ]


def test_a_sheet_in_hostile_text_is_stored_as_text(empty_db):
    text = (
        "Title,Funder,Countries\n"
        '"=HYPERLINK(""http://evil.example"",""x"")","x\'); DROP TABLE projects; --",Serbia\n'
        '"‮right-to-left title",@SUM(1),Serbia\n'
    )
    plan, _ = pipeline.preview_file(empty_db, text.encode(), "hostile.csv")
    imports.apply(empty_db, plan)
    titles = sorted(t for (t,) in rows(empty_db, "SELECT title FROM projects"))
    assert titles[0].startswith("=HYPERLINK(")
    # ';' always separates names: the text becomes two organisations, stored as written.
    assert rows(empty_db, "SELECT list(name ORDER BY name) FROM organisations") == [
        (["@SUM(1)", "DROP TABLE projects", "x')"],)
    ]
    assert rows(empty_db, "SELECT count(*) FROM projects") == [(2,)]
    out = io.BytesIO()
    pipeline.write_export(out, empty_db.connection)
    cell = next(
        r[1]
        for r in openpyxl.load_workbook(io.BytesIO(out.getvalue()))["Projects"].iter_rows(min_row=2)
        if str(r[1].value).startswith("=HYPERLINK")
    )
    assert cell.data_type == "s"  # written as text, not as a formula


def test_a_write_that_fails_half_way_leaves_nothing_and_is_logged_as_failed(sample_db, monkeypatch):
    db = store.open_store(sample_db)
    before = table_dump(db)
    plan, _ = pipeline.preview_file(db, messy_workbook(), "portfolio-q3.xlsx")
    original = imports._write

    def write_then_fail(cur, import_id, plan, by):
        original(cur, import_id, plan, by)  # every row is in by now
        raise RuntimeError("disk full")

    monkeypatch.setattr(imports, "_write", write_then_fail)
    with pytest.raises(RuntimeError):
        imports.apply(db, plan)
    assert table_dump(db) == before
    log = imports.import_log(db.connection).iloc[0]
    assert (log.status, log.message) == ("failed", "disk full")


def test_a_sheet_of_ones_own_named_like_the_template_keeps_all_its_columns(empty_db):
    """'Projects' with 'Project ID, Title' first is the template only if every header is the template's."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Projects"
    ws.append(["Project ID", "Title", "Donor", "Total budget (EUR)"])
    ws.append(["P-1", "Own sheet", "EU", 1000])
    data = io.BytesIO()
    wb.save(data)
    plan, loaded = pipeline.preview_file(empty_db, data.getvalue(), "own.xlsx")
    imports.apply(empty_db, plan)
    with empty_db.cursor() as cur:
        assert cur.execute("SELECT budget, currency FROM projects WHERE project_id = 'P-1'").fetchall() == [
            (1000, "EUR")
        ]
        assert cur.execute("SELECT role FROM project_orgs WHERE project_id = 'P-1'").fetchall() == [
            ("funding",)
        ]


def test_a_row_merged_down_from_a_skipped_total_row_is_reported_not_a_crash(empty_db):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Portfolio"
    ws.append(["Title", "Donor", "Budget (EUR)"])
    ws.append(["Project A", "EU", 1000])
    ws.append(["Total", None, 1000])
    ws.append([None, "Germany", None])
    ws.merge_cells("A3:A4")
    data = io.BytesIO()
    wb.save(data)
    plan, loaded = pipeline.preview_file(empty_db, data.getvalue(), "merged.xlsx")
    assert plan.counts == {"added": 1, "updated": 0, "unchanged": 0, "rejected": 1}
    assert [(p.row, p.column, p.message) for p in loaded.problems] == [
        (3, "", "Looks like a total row; skipped."),
        (4, "Title", "This row has no title. Every project needs a title."),
    ]


def test_plural_headers_written_with_a_slash_and_fiche_wording_are_imported(empty_db):
    text = (
        "Title of the project,Donor/s,Country(ies),Beneficiary country/ies,Overall objective,"
        "Expected end date,Curr.,Budget\n"
        "Border police training,EU,Serbia,,Better training,2020-12-31,EUR,1000\n"
    )
    plan, loaded = pipeline.preview_file(empty_db, text.encode(), "fiche.csv")
    imports.apply(empty_db, plan)
    assert rows(empty_db, "SELECT title, budget, currency, end_date FROM projects") == [
        ("Border police training", Decimal("1000.00"), "EUR", dt.date(2020, 12, 31))
    ]
    assert rows(empty_db, "SELECT country FROM project_countries") == [("SRB",)]
    assert rows(empty_db, "SELECT org_id, role FROM project_orgs") == [("EU", "funding")]
    assert rows(empty_db, "SELECT aim FROM project_aims") == [("Better training",)]
    imported_as = {c["column"]: c["imported as"] for c in loaded.columns}
    assert imported_as["Donor/s"] == "Funders" and imported_as["Country(ies)"] == "Countries"


def test_an_unknown_country_listed_with_known_ones_is_reported_by_its_own_name(empty_db):
    text = 'Title,Country/ies\nCross-border cooperation,"Türkiye, Atlantis"\nCustoms,"Albania, Serbai"\n'
    plan, loaded = pipeline.preview_file(empty_db, text.encode(), "places.csv")
    imports.apply(empty_db, plan)
    placed = (
        "SELECT p.title, c.country FROM project_countries c JOIN projects p USING (project_id) ORDER BY 1"
    )
    assert rows(empty_db, placed) == [("Cross-border cooperation", "TUR"), ("Customs", "ALB")]
    assert [(p.row, p.column, p.message) for p in loaded.problems] == [
        (
            2,
            "Country/ies",
            "'Atlantis' is not a country or region aidtrack knows; it is left out. Use the "
            "country's English name or ISO code.",
        ),
        (
            3,
            "Country/ies",
            "'Serbai' is not a country or region aidtrack knows; it is left out. Use the "
            "country's English name or ISO code.",
        ),
    ]


def test_dates_with_a_closing_dot_and_amounts_without_cents_import_as_written(empty_db):
    text = "Title;Start;End;Budget\nReforma policije;1. 3. 2017.;31.12.2019.;EUR 250.000,-\n"
    plan, loaded = pipeline.preview_file(empty_db, text.encode(), "projekti.csv")
    imports.apply(empty_db, plan)
    assert rows(empty_db, "SELECT start_date, end_date, budget, currency FROM projects") == [
        (dt.date(2017, 3, 1), dt.date(2019, 12, 31), Decimal("250000.00"), "EUR")
    ]
    assert loaded.problems == []


def test_an_agency_written_by_acronym_and_in_full_is_one_funder(empty_db):
    text = (
        "Title,Funder,Country\n"
        "Water governance,Sida,WB6\n"
        "Rule of law,Swedish International Development Cooperation Agency,Kosova\n"
    )
    plan, loaded = pipeline.preview_file(empty_db, text.encode(), "agencies.csv")
    imports.apply(empty_db, plan)
    assert rows(empty_db, "SELECT DISTINCT org_id FROM project_orgs") == [("SIDA",)]
    assert rows(empty_db, "SELECT name, acronym FROM organisations WHERE org_id = 'SIDA'") == [
        ("Swedish International Development Cooperation Agency", "Sida")
    ]
    assert rows(empty_db, "SELECT country FROM project_countries ORDER BY 1") == [("89",), ("XKX",)]
    assert loaded.problems == []


def test_a_project_period_column_gives_the_dates_when_there_are_no_start_and_end_columns(empty_db):
    text = (
        "Project title,Project period,Duration,Budget (EUR)\n"
        "Border police,2018-2020,36 months,1000\n"
        "Customs reform,01/03/2018 - 28/02/2020,,2000\n"
        "Asylum,36 months,,3000\n"
    )
    plan, loaded = pipeline.preview_file(empty_db, text.encode(), "periods.csv")
    imports.apply(empty_db, plan)
    assert rows(empty_db, "SELECT title, start_date, end_date FROM projects ORDER BY title") == [
        ("Asylum", None, None),
        ("Border police", dt.date(2018, 1, 1), dt.date(2020, 12, 31)),
        ("Customs reform", dt.date(2018, 3, 1), dt.date(2020, 2, 28)),
    ]
    assert [(p.row, p.column, p.message) for p in loaded.problems] == [
        (
            4,
            "Project period",
            "'36 months' is not a period from one date to another; write it as '2018-01-01 - 2020-12-31', or "
            "use Start and End columns. Stored as not known.",
        )
    ]
    with_own_dates = "Title,Project period,Start,End\nA,2018-2020,2019-01-15,2019-12-31\n"
    plan, loaded = pipeline.preview_file(empty_db, with_own_dates.encode(), "both.csv")
    assert plan.incoming.projects[["start_date", "end_date"]].values.tolist() == [
        [dt.date(2019, 1, 15), dt.date(2019, 12, 31)]
    ]
    assert {c["column"]: c["imported as"] for c in loaded.columns}["Project period"] == "not imported"
