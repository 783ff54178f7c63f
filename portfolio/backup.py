"""Backups of the whole database, kept beside it, and putting one back exactly.

A backup is a Parquet file per table in `<database file>.backups/<UTC time>-<why>/`, and a
manifest.json saying when and why it was made, the data and schema versions, and the rows in
every table. The rollups (portfolio.rollups) are figures worked out from the rest: they are
kept as empty tables, which is most of the size and time at a million projects, and a restore
brings the database's own rollups in step with what it puts back. File imports and their undos
make one inside their first write, before they change anything (an edit made in the app, and
its undo, do not: portfolio.imports); a restore makes one of the state it replaces. The newest
AIDTRACK_BACKUPS (default 10) are kept; 0 turns the automatic ones off. Restoring writes every
table back in one transaction through `Store.write()`, so a running app's connection stays
valid and its cached reads refresh. Nothing here imports streamlit.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd

from portfolio import rollups
from portfolio.store import MIGRATIONS, SCHEMA_VERSION, Store, StoreError

KEEP = 10
MANIFEST = "manifest.json"
PARTIAL = ".partial"

# Tables a restore leaves alone: the schema's own ledger describes the file, not the portfolio;
# the rollups are worked out again from what is put back.
NOT_RESTORED = ("schema_migrations", *rollups.DERIVED)

# Backups of one process share the folder; this keeps one from tidying away another's files.
_folder_lock = threading.Lock()


@dataclass(frozen=True)
class Backup:
    """One backup folder and what its manifest says."""

    name: str
    path: Path
    made_at: datetime  # UTC
    why: str
    data_version: int
    schema_version: int
    rows: dict[str, int]

    @property
    def projects(self) -> int:
        return self.rows.get("projects", 0)

    @property
    def size(self) -> int:
        """Bytes on disk."""
        return sum(f.stat().st_size for f in self.path.iterdir())


def folder(db_path: str | Path) -> Path:
    """Where the backups of a database file are kept: beside it."""
    path = Path(db_path)
    return path.with_name(path.name + ".backups")


def kept() -> int:
    """How many backups to keep, from AIDTRACK_BACKUPS; 0 turns the automatic ones off."""
    setting = os.environ.get("AIDTRACK_BACKUPS", "").strip()
    if not setting:
        return KEEP
    if not setting.isdigit():
        raise StoreError(
            f"AIDTRACK_BACKUPS is '{setting}'; it should be how many backups to keep (0 turns them off).",
            title="Backups are not set up right",
        )
    return int(setting)


def export(cur: duckdb.DuckDBPyConnection, db_path: str | Path, why: str, tag: str) -> Backup:
    """Back up what `cur`'s open transaction sees, as folder `<UTC time>-<tag>`."""
    made_at = datetime.now(UTC)
    tables = [
        r[0]
        for r in cur.execute(
            "SELECT table_name FROM duckdb_tables() "
            "WHERE database_name = current_database() AND schema_name = 'main' ORDER BY table_name"
        ).fetchall()
    ]
    rows = {
        t: 0 if t in rollups.DERIVED else cur.execute(f'SELECT count(*) FROM "{t}"').fetchall()[0][0]
        for t in tables
    }
    data_version = int(cur.execute("SELECT value FROM meta WHERE key = 'data_version'").fetchall()[0][0])
    schema_version = cur.execute("SELECT coalesce(max(version), 0) FROM schema_migrations").fetchall()[0][0]
    with _folder_lock:
        base = folder(db_path)
        base.mkdir(exist_ok=True)
        name = f"{made_at:%Y%m%dT%H%M%SZ}-{tag}"
        n = 1
        while (base / name).exists() or (base / (name + PARTIAL)).exists():
            n += 1
            name = f"{made_at:%Y%m%dT%H%M%SZ}-{tag}-{n}"
        # Written under another name first, so a backup cut short is never listed or restored.
        partial = base / (name + PARTIAL)
        partial.mkdir()
        for table in tables:
            cur.execute(
                f"COPY {_rows_kept(table)} TO '{_quoted(partial / (table + '.parquet'))}' (FORMAT parquet)"
            )
        # As DuckDB's EXPORT DATABASE writes them, so that IMPORT DATABASE opens it without aidtrack.
        schema = [
            sql
            for kind in ("sequences", "tables", "indexes")
            for (sql,) in cur.execute(
                f"SELECT sql FROM duckdb_{kind}() WHERE database_name = current_database() "
                "AND schema_name = 'main' AND sql IS NOT NULL"
            ).fetchall()
        ]
        (partial / "schema.sql").write_text("\n".join(schema) + "\n", encoding="utf-8")
        load = [
            f"COPY \"{t}\" FROM '{_quoted(base / name / (t + '.parquet'))}' (FORMAT 'parquet');"
            for t in tables
        ]
        (partial / "load.sql").write_text("\n".join(load) + "\n", encoding="utf-8")
        manifest = {
            "made_at": made_at.isoformat(),
            "why": why,
            "data_version": data_version,
            "schema_version": schema_version,
            "rows": rows,
        }
        (partial / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
        partial.rename(base / name)
    return _read(base / name)


def _rows_kept(table: str) -> str:
    """What a backup keeps of `table`: every row, but none of the rollups, and the meta row that
    says they are in step says they are not (a database made from the backup works them out)."""
    if table in rollups.DERIVED:
        return f'(SELECT * FROM "{table}" LIMIT 0)'
    if table == "meta":
        return "(SELECT key, CASE WHEN key = 'rollups' THEN 'none' ELSE value END AS value FROM meta)"
    return f'"{table}"'


def _quoted(path: Path) -> str:
    # COPY takes no parameter for its file; the path is ours, but a folder may have a quote in it.
    return str(path).replace("'", "''")


def before(cur: duckdb.DuckDBPyConnection, db_path: str | Path, why: str, tag: str) -> Backup | None:
    """The automatic backup inside a write, before it changes anything.

    None when turned off, or while the import log is empty: a new database holds nothing an
    import or undo could lose.
    """
    keep = kept()
    if keep == 0 or cur.execute("SELECT count(*) FROM imports").fetchall()[0][0] == 0:
        return None
    made = export(cur, db_path, why, tag)
    rotate(db_path, keep)
    return made


def make(store: Store, why: str = "made by hand") -> Backup:
    """A backup now, of one consistent state; it does not wait for writes or change the data version."""
    with store.cursor() as cur:
        cur.begin()
        try:
            made = export(cur, store.path, why, "by-hand")
        finally:
            cur.rollback()
    rotate(store.path, kept())
    return made


def _read(path: Path) -> Backup:
    manifest = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
    return Backup(
        name=path.name,
        path=path,
        made_at=datetime.fromisoformat(manifest["made_at"]),
        why=manifest["why"],
        data_version=int(manifest["data_version"]),
        schema_version=int(manifest["schema_version"]),
        rows={t: int(n) for t, n in manifest["rows"].items()},
    )


def _folders(db_path: str | Path) -> list[Path]:
    base = folder(db_path)
    if not base.is_dir():
        return []
    return [
        path
        for path in base.iterdir()
        if path.is_dir() and not path.name.endswith(PARTIAL) and (path / MANIFEST).is_file()
    ]


def backups(db_path: str | Path) -> list[Backup]:
    """The finished backups of a database, newest first."""
    found = []
    for path in _folders(db_path):
        try:
            found.append(_read(path))
        except (ValueError, KeyError, TypeError):
            continue  # not one of ours, or its manifest was edited: never restore it (see `unreadable`)
    return sorted(found, key=lambda b: b.made_at, reverse=True)


def unreadable(db_path: str | Path) -> list[str]:
    """The folders beside the backups whose manifest.json cannot be read: they are not listed or restored."""
    names = []
    for path in _folders(db_path):
        try:
            _read(path)
        except (ValueError, KeyError, TypeError):
            names.append(path.name)
    return sorted(names)


def table(db_path: str | Path) -> pd.DataFrame:
    """The backups as a page shows them: name, made_at (UTC), why, projects, size_mb; newest first."""
    return pd.DataFrame(
        [
            {
                "name": b.name,
                "made_at": b.made_at.replace(tzinfo=None),
                "why": b.why,
                "projects": b.projects,
                "size_mb": round(b.size / 1e6, 1),
            }
            for b in backups(db_path)
        ],
        columns=["name", "made_at", "why", "projects", "size_mb"],
    )


def rotate(db_path: str | Path, keep: int) -> None:
    """Delete all but the newest `keep` backups, and any a crash cut short; 0 deletes nothing."""
    if keep == 0:
        return
    with _folder_lock:
        for old in backups(db_path)[keep:]:
            shutil.rmtree(old.path, ignore_errors=True)
        for partial in folder(db_path).glob("*" + PARTIAL):
            shutil.rmtree(partial, ignore_errors=True)


def find(db_path: str | Path, name: str) -> Backup:
    for b in backups(db_path):
        if b.name == name:
            return b
    if name in unreadable(db_path):
        raise StoreError(
            f"Backup {name}'s manifest.json cannot be read: it was edited or damaged, so the backup "
            "cannot be restored.",
            title="Backup damaged",
        )
    raise StoreError(
        f"There is no backup called '{name}' beside {db_path}. `python -m portfolio backups` lists them.",
        title="No such backup",
    )


def _load(chosen: Backup) -> duckdb.DuckDBPyConnection:
    """The backup's tables in a database in memory, checked against its manifest and brought
    up to this version's schema by the same migrations the store runs."""
    scratch = duckdb.connect()
    try:
        for table, expected in chosen.rows.items():
            if table in NOT_RESTORED:
                continue
            parquet = chosen.path / f"{table}.parquet"
            if not parquet.is_file():
                raise StoreError(
                    f"Backup {chosen.name} has lost its file {parquet.name}.", title="Backup damaged"
                )
            scratch.execute(f'CREATE TABLE "{table}" AS SELECT * FROM read_parquet(?)', [str(parquet)])
            found = scratch.execute(f'SELECT count(*) FROM "{table}"').fetchall()[0][0]
            if found != expected:
                raise StoreError(
                    f"Backup {chosen.name} holds {found} rows of {table}, but was made with {expected}.",
                    title="Backup damaged",
                )
        for migration in MIGRATIONS:
            if migration.version > chosen.schema_version:
                migration.apply(scratch)
    except BaseException:
        scratch.close()
        raise
    return scratch


def restore(store: Store, name: str) -> Backup:
    """Put every table back exactly as backup `name` holds it, in one write.

    The data version still goes up, so every cached read refreshes. Returns the backup made
    first of the state this replaces.
    """
    chosen = find(store.path, name)
    if chosen.schema_version > SCHEMA_VERSION:
        raise StoreError(
            f"Backup {name} was made by a newer aidtrack (schema version {chosen.schema_version}); "
            f"this one understands up to version {SCHEMA_VERSION}. Upgrade aidtrack to restore it.",
            title="Backup is newer than this aidtrack",
        )
    scratch = _load(chosen)
    try:
        held = {r[0] for r in scratch.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        with store.cursor() as cur:
            missing = [t for t in _tables(cur) if t not in NOT_RESTORED and t not in held]
        if missing:
            raise StoreError(
                f"Backup {name}'s manifest.json lists no {', '.join(missing)}: it was edited or damaged, "
                "so the backup cannot be restored. Nothing was changed.",
                title="Backup damaged",
            )
        with store.write() as cur:
            replaced = export(cur, store.path, f"before restoring {name}", "before-restore")
            version_now = int(
                cur.execute("SELECT value FROM meta WHERE key = 'data_version'").fetchall()[0][0]
            )
            tables = [t for t in _tables(cur) if t not in NOT_RESTORED]
            # The meta rows that say what the rollups hold describe this database's rollups.
            rollup_meta = cur.execute(
                "SELECT key, value FROM meta WHERE key IN (SELECT unnest(?))", [list(rollups.META_KEYS)]
            ).fetchall()
            for table in tables:
                rows = scratch.table(f'"{table}"').to_arrow_table()
                cur.register("restored_rows", rows)
                try:
                    cur.execute(f'DELETE FROM "{table}"')
                    cur.execute(f'INSERT INTO "{table}" BY NAME SELECT * FROM restored_rows')
                finally:
                    cur.unregister("restored_rows")
            cur.executemany("UPDATE meta SET value = ? WHERE key = ?", [(v, k) for k, v in rollup_meta])
            # Store.write() adds one to this, so the version is above any a cache has seen.
            cur.execute(
                "UPDATE meta SET value = ? WHERE key = 'data_version'",
                [str(max(version_now, chosen.data_version))],
            )
            _import_numbers_past(cur)
    finally:
        scratch.close()
    rotate(store.path, kept())
    return replaced


def _tables(cur: duckdb.DuckDBPyConnection) -> list[str]:
    return [
        r[0]
        for r in cur.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() "
            "AND schema_name = 'main' ORDER BY table_name"
        ).fetchall()
    ]


def _import_numbers_past(cur: duckdb.DuckDBPyConnection) -> None:
    """Move the import number sequence past every restored import: numbers are never reused.

    A database file put back from an older copy can have backups with later imports than its
    sequence has reached.
    """
    highest = cur.execute("SELECT coalesce(max(import_id), 0) FROM imports").fetchall()[0][0]
    following = cur.execute("SELECT nextval('import_ids')").fetchall()[0][0]
    if following < highest:
        cur.execute("SELECT max(nextval('import_ids')) FROM range(?)", [highest - following])
