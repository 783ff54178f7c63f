"""Backups: made before every import and undo, rotated, listed, and restored exactly."""

import json
import subprocess
import sys

import duckdb
import pytest

import ui
from loaders import pipeline
from portfolio import backup, imports, rollups, store

from .conftest import ROOT
from .snapshot import data_version, snapshot, without_data_version
from .test_pages import app, metric

SHEET = b"""Project ID,Project title,Donor(s),Beneficiary countries,Total budget (EUR),Start,End
BK-1,Border crossing equipment for Montenegro,European Union,Montenegro,"250,000",2024-01-01,2026-12-31
ILL-0001,Renamed by the backup test,Germany,Serbia,"125,000",2024-03-01,2025-02-28
"""


def import_sheet(db: store.Store, data: bytes = SHEET, name: str = "q3.csv") -> int:
    """As the Import page does: the import, then the figures it left for later."""
    plan, _ = pipeline.preview_file(db, data, name)
    import_id = imports.apply(db, plan, by="tester")
    rollups.settle(db)
    return import_id


def test_an_import_is_backed_up_first_and_restoring_gives_back_every_table_exactly(sample_db):
    db = store.open_store(sample_db)
    before = snapshot(db.connection)
    import_id = import_sheet(db)
    (made,) = backup.backups(sample_db)
    assert made.name.endswith(f"-before-import-{import_id}")
    assert made.why == f"before import {import_id} (q3.csv)"
    assert made.data_version == data_version(before)
    # The rollups are kept as empty tables: a restore works them out again.
    assert made.rows == {
        table: 0 if table in rollups.DERIVED else len(rows) for table, rows in before.items()
    }
    assert made.path.parent == sample_db.parent / "aidtrack.duckdb.backups"

    imports.undo(db, import_id)
    import_sheet(db, SHEET.replace(b"250,000", b"300,000"), "q4.csv")
    after_imports = snapshot(db.connection)

    replaced = backup.restore(db, made.name)
    restored = snapshot(db.connection)
    assert without_data_version(restored) == without_data_version(before)
    assert data_version(restored) > data_version(after_imports)
    assert replaced.why == f"before restoring {made.name}"
    # Import numbers go on from where they were, never reused.
    assert import_sheet(db) > import_id + 1

    backup.restore(db, replaced.name)
    assert without_data_version(snapshot(db.connection)) == without_data_version(after_imports)


def test_undo_is_backed_up_first(sample_db):
    db = store.open_store(sample_db)
    import_id = import_sheet(db)
    imports.undo(db, import_id)
    assert backup.backups(sample_db)[0].why == f"before undoing import {import_id} (q3.csv)"


def test_a_new_database_is_not_backed_up_before_its_first_import(empty_db):
    import_sheet(empty_db)
    assert backup.backups(empty_db.path) == []
    import_sheet(empty_db, SHEET.replace(b"BK-1", b"BK-2"), "more.csv")
    assert [b.projects for b in backup.backups(empty_db.path)] == [2]


def test_backups_are_rotated_and_can_be_turned_off(sample_db, monkeypatch):
    db = store.open_store(sample_db)
    monkeypatch.setenv("AIDTRACK_BACKUPS", "2")
    made = [backup.make(db) for _ in range(3)]
    cut_short = backup.folder(sample_db) / "20200101T000000Z-by-hand.partial"
    cut_short.mkdir()
    import_id = import_sheet(db)
    kept = backup.backups(sample_db)
    assert [b.name for b in kept][1:] == [made[2].name]
    assert kept[0].name.endswith(f"before-import-{import_id}")
    assert not cut_short.exists()

    monkeypatch.setenv("AIDTRACK_BACKUPS", "0")
    imports.undo(db, import_id)
    assert backup.backups(sample_db) == kept
    backup.make(db)
    assert len(backup.backups(sample_db)) == 3

    monkeypatch.setenv("AIDTRACK_BACKUPS", "ten")
    with pytest.raises(store.StoreError, match="AIDTRACK_BACKUPS is 'ten'; it should be how many"):
        import_sheet(db)
    assert db.value("SELECT count(*) FROM projects WHERE project_id = 'BK-1'") == 0


def test_a_backup_from_a_newer_aidtrack_is_refused(sample_db):
    db = store.open_store(sample_db)
    made = backup.make(db)
    manifest = made.path / backup.MANIFEST
    manifest.write_text(json.dumps({**json.loads(manifest.read_text()), "schema_version": 99}))
    with pytest.raises(
        store.StoreError, match=r"newer aidtrack \(schema version 99\).*Upgrade aidtrack to restore"
    ):
        backup.restore(db, made.name)


def test_a_damaged_backup_is_refused_and_changes_nothing(sample_db):
    db = store.open_store(sample_db)
    made = backup.make(db)
    import_sheet(db)
    state = snapshot(db.connection)
    (made.path / "projects.parquet").unlink()
    with pytest.raises(store.StoreError, match="has lost its file projects.parquet"):
        backup.restore(db, made.name)
    with duckdb.connect() as other:
        other.execute(f"COPY (SELECT 1 AS x) TO '{made.path / 'projects.parquet'}' (FORMAT parquet)")
    with pytest.raises(store.StoreError, match="holds 1 rows of projects, but was made with 43"):
        backup.restore(db, made.name)
    assert snapshot(db.connection) == state


def test_a_backup_whose_manifest_was_edited_is_refused_by_name_and_makes_no_backup(sample_db):
    """A manifest without a table's entry failed inside the write with DuckDB's 'Catalog Error: Table
    with name transactions does not exist!', after leaving a before-restore backup behind; one whose
    manifest was not JSON vanished from the list and `restore` said there was no such backup."""
    db = store.open_store(sample_db)
    made = backup.make(db)
    import_sheet(db)
    state = snapshot(db.connection)
    manifest = json.loads((made.path / backup.MANIFEST).read_text())
    del manifest["rows"]["transactions"]
    (made.path / backup.MANIFEST).write_text(json.dumps(manifest))
    count = len(backup.backups(sample_db))
    with pytest.raises(store.StoreError, match="manifest.json lists no transactions") as refused:
        backup.restore(db, made.name)
    assert refused.value.title == "Backup damaged"
    assert len(backup.backups(sample_db)) == count
    assert snapshot(db.connection) == state

    (made.path / backup.MANIFEST).write_text("{not json")
    with pytest.raises(store.StoreError, match="manifest.json cannot be read"):
        backup.restore(db, made.name)
    at = app("pages/backups.py")
    assert f"Not listed, and cannot be restored: {made.name}." in at.warning[0].value
    assert snapshot(db.connection) == state


def test_a_backup_from_an_older_schema_is_brought_up_to_date(tmp_path):
    path = tmp_path / "old.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute(
            "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR, applied_at TIMESTAMP)"
        )
        for migration in store.MIGRATIONS[:5]:
            for statement in migration.statements:
                con.execute(statement)
            con.execute(
                "INSERT INTO schema_migrations VALUES (?, ?, now())", [migration.version, migration.name]
            )
        con.execute("INSERT INTO projects (project_id, title, budget) VALUES ('OLD-1', 'Kept', 12.50)")
        con.begin()
        old = backup.export(con, path, "made by schema version 5", "old")
        con.rollback()
    assert old.schema_version == 5

    db = store.open_store(path)
    import_sheet(db, name="new.csv")
    backup.restore(db, old.name)
    assert db.value("SELECT list(project_id) FROM projects") == ["OLD-1"]
    assert db.value("SELECT count(*) FROM quality_scores") == 0
    assert db.schema_version() == store.SCHEMA_VERSION


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "portfolio", *args], cwd=ROOT, capture_output=True, text=True, timeout=120
    )


def test_backup_list_and_restore_from_the_command_line(sample_db):
    made = run("backup", "--db", str(sample_db))
    assert made.returncode == 0, made.stderr
    assert made.stdout.startswith("Backed up 43 projects to ")
    (name,) = [b.name for b in backup.backups(sample_db)]
    listed = run("backups", "--db", str(sample_db))
    assert listed.stdout.splitlines()[0].split() == ["name", "when", "(UTC)", "projects", "size", "why"]
    assert listed.stdout.splitlines()[1].startswith(name) and "made by hand" in listed.stdout
    restored = run("restore", name, "--db", str(sample_db))
    assert restored.returncode == 0, restored.stderr
    assert f"Restored {name} (43 projects, made by hand" in restored.stdout
    assert "The state it replaced is kept as " in restored.stdout
    missing = run("restore", "yesterday", "--db", str(sample_db))
    assert missing.returncode == 2
    assert "No such backup: There is no backup called 'yesterday'" in missing.stderr


def test_the_backups_page_makes_one_and_restores_with_a_confirmation(sample_db):
    at = app("pages/backups.py")
    assert "No backups yet." in [c.value for c in at.caption]
    next(b for b in at.button if b.label == "Back up now").click()
    at.run()
    assert "Backed up 43 projects as " in at.success[0].value
    (made,) = backup.backups(sample_db)

    import_sheet(ui.store())  # the app's own store, as another session would write
    assert metric(app(), "Projects") == "44"

    at = app("pages/backups.py")
    at.selectbox(key="backup_choice").select(made.name)
    at.run()
    next(b for b in at.button if b.label == f"Restore {made.name}").click()
    at.run()
    assert "Restoring puts every table back" in at.warning[0].value
    next(b for b in at.button if b.label == "Yes, restore it").click()
    at.run()
    assert not at.exception, at.exception
    assert f"Restored {made.name}. Every page now shows" in at.success[0].value
    assert metric(app(), "Projects") == "43"


def test_a_restore_brings_every_kept_currency_in_step_with_what_it_puts_back(sample_db, monkeypatch):
    from portfolio import queries
    from portfolio.filters import Filters

    db = store.open_store(sample_db)
    rollups.keep(db, "USD")
    before = queries.headline(db.connection, Filters(), "USD").total_budget
    import_sheet(db)
    (made,) = backup.backups(sample_db)
    assert queries.headline(db.connection, Filters(), "USD").total_budget != before
    backup.restore(db, made.name)
    assert rollups.kept(db.connection) == ["EUR", "USD"]
    assert queries.headline(db.connection, Filters(), "USD").total_budget == before
    monkeypatch.setattr(rollups, "fresh", lambda con: False)
    assert queries.headline(db.connection, Filters(), "USD").total_budget == before


def test_an_edit_in_the_project_view_and_its_undo_are_not_backed_up_first(sample_db):
    db = store.open_store(sample_db)
    first = import_sheet(db)
    title = db.value("SELECT title FROM projects WHERE project_id = 'BK-1'")
    plan, _ = pipeline.preview_edit(db, "BK-1", {"title": title + " (corrected)"})
    edit = imports.apply(db, plan, by="editor")
    assert [b.why for b in backup.backups(sample_db)] == [f"before import {first} (q3.csv)"]
    imports.undo(db, edit)
    assert db.value("SELECT title FROM projects WHERE project_id = 'BK-1'") == title
    assert len(backup.backups(sample_db)) == 1  # nor is undoing it


def test_a_backup_opens_without_aidtrack_and_aidtrack_works_its_figures_out_again(sample_db, tmp_path):
    from portfolio import queries
    from portfolio.filters import Filters

    db = store.open_store(sample_db)
    import_sheet(db)
    made = backup.make(db)
    total = queries.headline(db.connection, Filters(), "EUR").total_budget
    db.close()
    copy = tmp_path / "elsewhere"
    made.path.rename(copy)
    con = duckdb.connect(str(tmp_path / "imported.duckdb"))
    con.execute(f"IMPORT DATABASE '{copy}'")
    assert con.execute("SELECT count(*) FROM rollup_projects").fetchall()[0][0] == 0
    con.close()
    opened = store.open_store(tmp_path / "imported.duckdb")
    assert rollups.fresh(opened.connection)
    assert queries.headline(opened.connection, Filters(), "EUR").total_budget == total
