"""What a deployment trial, following the README's 'Serving a team' as a new team's IT person
would, met."""

import duckdb
from streamlit.testing.v1 import AppTest

import ui.access
from portfolio import backup, store

from .conftest import ROOT
from .test_access import shown

ENTRY = str(ROOT / "dashboard.py")


def _served_with_headers(monkeypatch, headers: dict[str, str]) -> AppTest:
    """The dashboard on 127.0.0.1 with no users file, asked with these request headers."""
    monkeypatch.delenv("AIDTRACK_USERS", raising=False)
    monkeypatch.setattr(ui.access, "_request_headers", lambda: headers)
    return AppTest.from_file(ENTRY, default_timeout=60).run()


def test_behind_a_reverse_proxy_without_sign_in_it_refuses(sample_db, monkeypatch):
    """The README puts a reverse proxy in front for HTTPS; served on 127.0.0.1 behind it with no
    AIDTRACK_USERS, every visitor from the network was the admin (Backups, Restore, Settings)."""
    at = _served_with_headers(monkeypatch, {"Host": "aidtrack.example.org", "X-Forwarded-For": "203.0.113.9"})
    assert at.error, "a visitor through a proxy got the dashboard as admin"
    message = shown(at.error[0].value)
    assert message.startswith("**Sign-in is not configured.**")
    assert "X-Forwarded-For" in message and "AIDTRACK_USERS" in message
    assert not at.metric


def test_a_proxy_that_only_passes_the_host_is_refused_too(sample_db, monkeypatch):
    at = _served_with_headers(monkeypatch, {"Host": "aidtrack.example.org"})
    assert at.error and "reached as aidtrack.example.org" in shown(at.error[0].value)
    assert not at.metric


def test_on_this_machine_the_local_user_is_still_the_admin(sample_db, monkeypatch):
    for host in ("127.0.0.1:8501", "localhost:8501", "[::1]:8501", "localhost"):
        at = _served_with_headers(monkeypatch, {"Host": host})
        assert not at.error, (host, at.error)
        assert at.metric


def _database_at_version(path, version: int) -> None:
    """A database as an older aidtrack left it: its migrations up to `version`, one project."""
    con = duckdb.connect(str(path))
    con.execute(
        "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR, applied_at TIMESTAMP)"
    )
    for migration in store.MIGRATIONS[:version]:
        migration.apply(con)
        con.execute("INSERT INTO schema_migrations VALUES (?, ?, now())", [migration.version, migration.name])
    con.execute("INSERT INTO projects (project_id, title, budget) VALUES ('OLD-1', 'Kept', 12.50)")
    con.close()


def test_an_upgrade_backs_the_database_up_as_it_was_first(tmp_path, capsys):
    """Upgrading aidtrack migrates the database when it is first opened, and the older aidtrack
    then refuses it ('written by a newer aidtrack'): without a backup made before, going back to
    the version that worked lost everything since the last backup, and the migrated file was all
    there was."""
    path = tmp_path / "team.duckdb"
    old = store.SCHEMA_VERSION - 1
    _database_at_version(path, old)

    db = store.open_store(path)
    assert db.schema_version() == store.SCHEMA_VERSION
    made = backup.backups(path)
    assert [b.why for b in made] == [f"before upgrading from schema version {old} to {store.SCHEMA_VERSION}"]
    assert made[0].name.endswith("-before-upgrade")
    assert made[0].schema_version == old and made[0].projects == 1
    assert f"backed up as {made[0].name}" in capsys.readouterr().err

    # The backup opens as it was, without aidtrack, in the older schema.
    copy = duckdb.connect(str(tmp_path / "as-it-was.duckdb"))
    copy.execute(f"IMPORT DATABASE '{made[0].path}'")
    assert copy.execute("SELECT max(version) FROM schema_migrations").fetchall() == [(old,)]
    assert copy.execute("SELECT title FROM projects").fetchall() == [("Kept",)]
    db.close()

    # Opening it again makes no further backup; a new database makes none either.
    store.open_store(path).close()
    assert len(backup.backups(path)) == 1
    store.open_store(tmp_path / "new.duckdb").close()
    assert backup.backups(tmp_path / "new.duckdb") == []
