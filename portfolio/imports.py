"""An import: a file's rows compared with the portfolio, written in one transaction, undone.

`preview` shows exactly what `apply` will write: new projects, changed fields (old -> new),
unchanged projects. `apply` keeps the rows it replaces in the undo_ tables, so `undo`
puts back the exact earlier state. Loaders build the `Incoming`; nothing here reads files.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

import duckdb
import pandas as pd

from portfolio.store import PROJECT_TABLES, Store, StoreError, insert_frame

PROJECT_FIELDS = (
    "title",
    "description",
    "programme",
    "status",
    "start_date",
    "end_date",
    "currency",
    "budget",
    "url",
    "visibility",
)

# The columns of each project table that make up a row, in the order they are shown.
CHILD_COLUMNS = {
    "project_orgs": ("org_id", "role", "amount", "currency"),
    "project_countries": ("country", "share"),
    "project_sectors": ("sector", "share"),
    "project_aims": ("seq", "aim"),
    "activities": (
        "activity_id",
        "title",
        "kind",
        "start_date",
        "end_date",
        "city",
        "country",
        "latitude",
        "longitude",
        "participants",
        "description",
        "url",
    ),
    "budgets": ("period_start", "period_end", "type", "amount", "currency", "value_date"),
    "transactions": (
        "transaction_id",
        "type",
        "date",
        "value_date",
        "amount",
        "currency",
        "provider_org",
        "receiver_org",
        "description",
    ),
}

# How people name the rows of a project table.
CHILD_LABELS = {
    "project_orgs": "Organisations",
    "project_countries": "Countries",
    "project_sectors": "Sectors",
    "project_aims": "Aims",
    "activities": "Activities",
    "budgets": "Budgets",
    "transactions": "Transactions",
}
ROLE_LABELS = {
    "funding": "Funders",
    "accountable": "Accountable organisations",
    "extending": "Extending organisations",
    "implementing": "Implementers",
    "partner": "Partners",
    "beneficiary": "Beneficiaries",
}

TITLE_KEY = "trim(regexp_replace(lower(strip_accents({0})), '[^a-z0-9]+', ' ', 'g'))"


@dataclass(frozen=True)
class Slice:
    """The rows of one project table an import replaces: all of them, or one role's."""

    table: str
    role: str | None = None

    @property
    def label(self) -> str:
        return ROLE_LABELS[self.role] if self.role else CHILD_LABELS[self.table]


@dataclass
class Incoming:
    """Validated rows from one file, in the store's columns, not yet compared or written.

    `projects` has project_id, id_given (False: the id was made up from the title and the
    row matches a stored project by title), sheet, row, and the `project_fields` the file
    provides; a field the file does not have is left as stored. `children` holds the rows
    of each covered slice, for the projects in the file.
    """

    file_name: str
    sha256: str
    format: str
    projects: pd.DataFrame
    project_fields: tuple[str, ...]
    children: dict[str, pd.DataFrame] = field(default_factory=dict)
    slices: tuple[Slice, ...] = ()
    organisations: pd.DataFrame = field(default_factory=pd.DataFrame)
    rejected: int = 0


@dataclass
class Preview:
    """What an import will do, and the rows it will write."""

    incoming: Incoming
    data_version: int
    added: pd.DataFrame  # project_id, title, sheet, row
    updated: pd.DataFrame  # project_id, title, sheet, row, field, old, new
    unchanged: pd.DataFrame  # project_id, title, sheet, row
    problems: list[dict]  # sheet, row, column, message, severity
    projects: pd.DataFrame  # the project rows to write
    children: dict[str, pd.DataFrame]
    replaced: list[str]  # stored projects whose rows are replaced
    organisations: pd.DataFrame  # organisations to create

    @property
    def counts(self) -> dict[str, int]:
        return {
            "added": len(self.added),
            "updated": self.updated["project_id"].nunique() if len(self.updated) else 0,
            "unchanged": len(self.unchanged),
            "rejected": self.incoming.rejected + sum(p["severity"] == "error" for p in self.problems),
        }

    @property
    def writes_anything(self) -> bool:
        return bool(len(self.added) or len(self.updated))


def _objects(cur: duckdb.DuckDBPyConnection, sql: str, params: dict | None = None) -> pd.DataFrame:
    # Python objects (Decimal, date, str) so stored and incoming values compare exactly.
    table = cur.sql(sql, params=params).to_arrow_table()
    return table.to_pandas(date_as_object=True, types_mapper=lambda t: None)


def _text(value) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA:
        return ""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral() else format(value, "f")
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _same(a, b) -> bool:
    a_blank, b_blank = _text(a) == "", _text(b) == ""
    if a_blank or b_blank:
        return a_blank and b_blank
    if isinstance(a, Decimal | int | float) and isinstance(b, Decimal | int | float):
        return Decimal(str(a)) == Decimal(str(b))
    return _text(a) == _text(b)


def _render(rows: pd.DataFrame, columns: tuple[str, ...], names: dict[str, str]) -> pd.Series:
    """Each project's rows of a slice as one line of text, sorted, for comparing and showing."""
    if rows.empty:
        return pd.Series(dtype=object)
    cols = [c for c in columns if c in rows.columns]

    def line(values) -> str:
        parts = [names.get(v, v) if i == 0 and names else v for i, v in enumerate(values)]
        return " ".join(t for t in (_text(v) for v in parts) if t)

    lines = pd.Series([line(v) for v in rows[cols].itertuples(index=False)], index=rows.index)
    return lines.groupby(rows["project_id"]).agg(lambda s: "; ".join(sorted(s)))


def preview(store: Store, incoming: Incoming) -> Preview:
    """Compare `incoming` with the stored portfolio; nothing is written."""
    problems: list[dict] = []
    version = store.data_version()
    projects = incoming.projects.copy()
    children = {t: f.copy() for t, f in incoming.children.items()}
    with store.cursor() as cur:
        cur.register("incoming_projects", projects[["project_id", "title", "id_given"]])
        by_id = {
            r[0]
            for r in cur.execute(
                "SELECT project_id FROM projects WHERE project_id IN "
                "(SELECT project_id FROM incoming_projects WHERE id_given)"
            ).fetchall()
        }
        by_title = cur.execute(
            f"""SELECT i.project_id, list(p.project_id ORDER BY p.project_id)
                FROM incoming_projects i JOIN projects p
                  ON {TITLE_KEY.format("i.title")} = {TITLE_KEY.format("p.title")}
                WHERE NOT i.id_given GROUP BY i.project_id"""
        ).fetchall()
        cur.unregister("incoming_projects")

    # Rows without an id of their own take the stored project's id when the title matches one.
    renamed, dropped = {}, set()
    origin = projects.set_index("project_id")[["sheet", "row"]]
    for made_up, stored in by_title:
        if len(stored) == 1:
            renamed[made_up] = stored[0]
            continue
        dropped.add(made_up)
        sheet, row = origin.loc[made_up]
        problems.append(
            _problem(
                sheet,
                row,
                "Title",
                f"The title matches {len(stored)} projects already stored ({', '.join(stored[:5])}); "
                "add a Project ID column so aidtrack knows which one this row is.",
            )
        )
    if renamed or dropped:
        projects = projects[~projects["project_id"].isin(dropped)]
        projects["project_id"] = projects["project_id"].replace(renamed)
        children = {
            t: f[~f["project_id"].isin(dropped)].assign(project_id=f["project_id"].replace(renamed))
            for t, f in children.items()
        }
    # Two rows of the file that turned out to be one stored project: the first one counts.
    twice = projects["project_id"].duplicated()
    for _, row in projects[twice].iterrows():
        first = projects[projects["project_id"] == row["project_id"]].iloc[0]
        problems.append(
            _problem(
                row["sheet"],
                row["row"],
                "Title",
                f"This row is the same project as row {first['row']} ({row['project_id']}); "
                "only the first is imported.",
            )
        )
    projects = projects[~twice]
    matched_ids = by_id | set(renamed.values())
    existing_mask = projects["project_id"].isin(matched_ids)
    # Rows on other sheets for a project that is neither in the file nor stored.
    child_only = projects["child_only"].fillna(False).astype(bool) if "child_only" in projects else None
    if child_only is not None:
        unknown = projects[child_only & ~existing_mask]
        for _, row in unknown.iterrows():
            problems.append(
                _problem(
                    row["sheet"],
                    row["row"],
                    "Project ID",
                    f"Project ID {row['project_id']} is not on the Projects sheet and not in aidtrack; "
                    "its rows were not imported. Add the project to the Projects sheet.",
                )
            )
        gone = set(unknown["project_id"])
        projects = projects[~projects["project_id"].isin(gone)]
        children = {t: f[~f["project_id"].isin(gone)] for t, f in children.items()}
        child_only = child_only.loc[projects.index]
        existing_mask = projects["project_id"].isin(matched_ids)
    fields_from_file = existing_mask if child_only is None else existing_mask & ~child_only

    with store.cursor() as cur:
        cur.register("matched", pd.DataFrame({"project_id": sorted(matched_ids)}, dtype=object))
        stored = _objects(cur, "SELECT * FROM projects WHERE project_id IN (SELECT project_id FROM matched)")
        stored_children = {
            s: _objects(
                cur,
                f"SELECT * FROM {s.table} WHERE project_id IN (SELECT project_id FROM matched)"
                + (" AND role = $role" if s.role else ""),
                {"role": s.role} if s.role else None,
            )
            for s in incoming.slices
        }
        org_ids = set()
        for s in incoming.slices:
            if s.table == "project_orgs":
                org_ids |= set(stored_children[s]["org_id"]) | set(children["project_orgs"]["org_id"])
        names = (
            dict(
                cur.execute(
                    "SELECT org_id, name FROM organisations WHERE list_contains($ids, org_id)",
                    {"ids": sorted(org_ids)},
                ).fetchall()
            )
            if org_ids
            else {}
        )
        cur.unregister("matched")
    if len(incoming.organisations):
        names.update(zip(incoming.organisations["org_id"], incoming.organisations["name"], strict=True))

    # Field by field, old -> new, for the stored projects in the file.
    changes = []
    stored = stored.set_index("project_id")
    for _, row in projects[fields_from_file].iterrows():
        old = stored.loc[row["project_id"]]
        for f in incoming.project_fields:
            new_value = row[f]
            if f == "currency" and _text(new_value) == "":
                continue  # no currency in the file: the stored one stays
            if not _same(old[f], new_value):
                changes.append((row["project_id"], f, _text(old[f]), _text(new_value)))
    touched_children = {}
    for s in incoming.slices:
        frame = children.get(s.table, pd.DataFrame(columns=["project_id"]))
        if s.role:
            frame = frame[frame["role"] == s.role]
        touched_children[s] = frame
        ids = projects.loc[existing_mask, "project_id"]
        columns = CHILD_COLUMNS[s.table][1:] if s.role else CHILD_COLUMNS[s.table]
        names_here = names if s.table == "project_orgs" else {}
        old_lines = _render(stored_children[s], columns, names_here).reindex(ids, fill_value="")
        new_lines = _render(frame[frame["project_id"].isin(ids)], columns, names_here).reindex(
            ids, fill_value=""
        )
        for pid in ids[old_lines.values != new_lines.values]:
            changes.append((pid, s.label, old_lines[pid], new_lines[pid]))
    updated = pd.DataFrame(changes, columns=["project_id", "field", "old", "new"])
    changed_ids = set(updated["project_id"])
    keys = projects[["project_id", "title", "sheet", "row"]]
    added = keys[~existing_mask].reset_index(drop=True)
    unchanged = keys[existing_mask & ~projects["project_id"].isin(changed_ids)].reset_index(drop=True)
    updated = keys.merge(updated, on="project_id")[
        ["project_id", "title", "sheet", "row", "field", "old", "new"]
    ]

    # The rows to write: new projects whole; changed ones as stored, with the file's fields over them.
    write_ids = set(added["project_id"]) | changed_ids
    rows = projects[projects["project_id"].isin(write_ids)]
    fields = ["project_id", *incoming.project_fields]
    final = rows[fields].set_index("project_id")
    if changed_ids:
        kept = stored.loc[sorted(changed_ids)]
        with_fields = set(projects.loc[fields_from_file, "project_id"])
        overlay = final.loc[final.index.isin(changed_ids & with_fields)]
        merged = kept.copy().astype(object)
        for f in incoming.project_fields:
            values = overlay[f]
            if f == "currency":
                values = values.where(values.map(_text) != "", kept[f])
            merged.loc[values.index, f] = values
        final = pd.concat([final[~final.index.isin(changed_ids)], merged])
    final = final.reset_index()
    if "currency" in final:
        final["currency"] = final["currency"].map(lambda c: c if _text(c) else "EUR")
    final = final.drop(columns=["updated_at", "import_id"], errors="ignore")
    written_children = {}
    for s, frame in touched_children.items():
        part = frame[frame["project_id"].isin(write_ids)]
        written_children.setdefault(s.table, []).append(part)
    new_orgs = incoming.organisations
    if len(new_orgs):
        used = set()
        for parts in written_children.get("project_orgs", []):
            used |= set(parts["org_id"])
        new_orgs = new_orgs[new_orgs["org_id"].isin(used)]
    return Preview(
        incoming=incoming,
        data_version=version,
        added=added,
        updated=updated,
        unchanged=unchanged,
        problems=problems,
        projects=final,
        children={t: pd.concat(parts, ignore_index=True) for t, parts in written_children.items()},
        replaced=sorted(changed_ids),
        organisations=new_orgs.reset_index(drop=True),
    )


def _problem(sheet, row, column, message, severity="error") -> dict:
    return {
        "sheet": sheet,
        "row": int(row) if row is not None else None,
        "column": column,
        "message": message,
        "severity": severity,
    }


def apply(store: Store, plan: Preview, by: str | None = None) -> int:
    """Write the previewed import in one transaction; returns its import_id.

    The import is logged as running first, in its own transaction, so an import cut short
    by a crash stays in the log as one that did not finish.
    """
    if store.data_version() != plan.data_version:
        raise StoreError(
            "The portfolio changed after this preview was made (another import or edit). "
            "Nothing was saved; preview the file again.",
            title="Nothing was saved",
        )
    incoming = plan.incoming
    with store.write() as cur:
        import_id = cur.execute(
            "INSERT INTO imports (file_name, sha256, format, imported_by, status, rejected) "
            "VALUES (?, ?, ?, ?, 'running', ?) RETURNING import_id",
            [incoming.file_name, incoming.sha256, incoming.format, by, plan.counts["rejected"]],
        ).fetchall()[0][0]
    try:
        with store.write() as cur:
            version = cur.execute(
                "SELECT CAST(value AS BIGINT) FROM meta WHERE key = 'data_version'"
            ).fetchall()
            if version[0][0] != plan.data_version + 1:
                raise StoreError(
                    "Another import finished while this one was starting. Nothing was saved; "
                    "preview the file again.",
                    title="Nothing was saved",
                )
            _write(cur, import_id, plan, by)
    except BaseException as e:
        with store.write() as cur:
            cur.execute(
                "UPDATE imports SET status = 'failed', message = ?, finished_at = current_localtimestamp() "
                "WHERE import_id = ?",
                [str(e)[:2000], import_id],
            )
        raise
    return import_id


def _write(cur: duckdb.DuckDBPyConnection, import_id: int, plan: Preview, by: str | None) -> None:
    replaced = pd.DataFrame({"project_id": plan.replaced}, dtype=object)
    cur.register("replaced", replaced)
    try:
        if len(plan.organisations):
            insert_frame(cur, "organisations", plan.organisations)
            insert_frame(cur, "import_orgs", plan.organisations[["org_id"]].assign(import_id=import_id))
        for table in PROJECT_TABLES:
            cur.execute(
                f"INSERT INTO undo_{table} SELECT $id, * FROM {table} "
                "WHERE project_id IN (SELECT project_id FROM replaced)",
                {"id": import_id},
            )
        cur.execute("DELETE FROM projects WHERE project_id IN (SELECT project_id FROM replaced)")
        projects = plan.projects.assign(import_id=import_id, updated_at=datetime.now())
        insert_frame(cur, "projects", projects)
        for s in plan.incoming.slices:
            cur.execute(
                f"DELETE FROM {s.table} WHERE project_id IN (SELECT project_id FROM replaced)"
                + (" AND role = $role" if s.role else ""),
                {"role": s.role} if s.role else None,
            )
        for table, rows in plan.children.items():
            insert_frame(cur, table, rows)
    finally:
        cur.unregister("replaced")
    log = pd.concat(
        [
            pd.DataFrame({"project_id": plan.added["project_id"], "action": "added"}),
            pd.DataFrame({"project_id": plan.replaced, "action": "updated"}),
        ]
    ).assign(import_id=import_id)
    insert_frame(cur, "import_projects", log)
    now = datetime.now()
    changes = pd.concat(
        [
            pd.DataFrame(
                {"row_key": plan.added["project_id"], "field": None, "old_value": None, "new_value": "added"}
            ),
            plan.updated.rename(columns={"project_id": "row_key", "old": "old_value", "new": "new_value"})[
                ["row_key", "field", "old_value", "new_value"]
            ],
        ]
    ).assign(import_id=import_id, at=now, by=by, table_name="projects")
    insert_frame(cur, "changes", changes)
    counts = plan.counts
    cur.execute(
        "UPDATE imports SET status = 'done', added = ?, updated = ?, unchanged = ?, rejected = ?, "
        "finished_at = current_localtimestamp() WHERE import_id = ?",
        [counts["added"], counts["updated"], counts["unchanged"], counts["rejected"], import_id],
    )


def undo(store: Store, import_id: int, by: str | None = None) -> int:
    """Put back the portfolio as it was before import `import_id`; returns the projects restored."""
    with store.cursor() as cur:
        found = cur.execute(
            "SELECT status, file_name FROM imports WHERE import_id = ?", [import_id]
        ).fetchall()
        if not found:
            raise StoreError(f"There is no import number {import_id}.", title="Nothing to undo")
        status, file_name = found[0]
        later = [
            r[0]
            for r in cur.execute(
                """SELECT DISTINCT later.import_id FROM import_projects later
               JOIN import_projects this ON this.project_id = later.project_id
               JOIN imports i ON i.import_id = later.import_id
               WHERE this.import_id = $id AND later.import_id > $id AND i.status = 'done'
               ORDER BY 1 DESC""",
                {"id": import_id},
            ).fetchall()
        ]
    if status != "done":
        state = {
            "undone": "was already undone",
            "failed": "failed and saved nothing",
            "running": "did not finish and saved nothing",
        }[status]
        raise StoreError(f"Import {import_id} ({file_name}) {state}.", title="Nothing to undo")
    if later:
        raise StoreError(
            f"Import {later[0]} changed some of the same projects after import {import_id}. "
            f"Undo import {', then '.join(str(i) for i in later)} first.",
            title="Undo the later import first",
        )
    with store.write() as cur:
        cur.execute(
            "CREATE TEMP TABLE undone AS SELECT project_id FROM import_projects WHERE import_id = ?",
            [import_id],
        )
        try:
            restored = cur.execute("SELECT count(*) FROM undone").fetchall()[0][0]
            for table in PROJECT_TABLES:
                cur.execute(f"DELETE FROM {table} WHERE project_id IN (SELECT project_id FROM undone)")
                cur.execute(
                    f"INSERT INTO {table} SELECT * EXCLUDE (undo_import_id) FROM undo_{table} "
                    "WHERE undo_import_id = ?",
                    [import_id],
                )
                cur.execute(f"DELETE FROM undo_{table} WHERE undo_import_id = ?", [import_id])
            # Organisations this import created go too, unless a later import has used them.
            cur.execute(
                """DELETE FROM organisations WHERE org_id IN (
                       SELECT org_id FROM import_orgs WHERE import_id = ?)
                   AND org_id NOT IN (SELECT org_id FROM project_orgs)""",
                [import_id],
            )
            cur.execute(
                'INSERT INTO changes (import_id, "by", table_name, row_key, field, new_value) '
                "SELECT ?, ?, 'projects', project_id, NULL, 'import undone' FROM undone",
                [import_id, by],
            )
            cur.execute("UPDATE imports SET status = 'undone' WHERE import_id = ?", [import_id])
        finally:
            cur.execute("DROP TABLE undone")
    return restored


def import_log(con: duckdb.DuckDBPyConnection, limit: int = 200) -> pd.DataFrame:
    """The latest imports, newest first, with whether each can be undone now."""
    with con.cursor() as cur:
        return cur.execute(
            """SELECT i.import_id, i.imported_at, i.file_name, i.format, i.imported_by,
                      i.added, i.updated, i.unchanged, i.rejected,
                      CASE i.status WHEN 'running' THEN 'did not finish' ELSE i.status END AS status,
                      i.sha256, i.message,
                      i.status = 'done' AND NOT EXISTS (
                          SELECT 1 FROM import_projects later
                          JOIN import_projects this ON this.project_id = later.project_id
                          JOIN imports j ON j.import_id = later.import_id
                          WHERE this.import_id = i.import_id AND later.import_id > i.import_id
                            AND j.status = 'done') AS can_undo
               FROM imports i ORDER BY i.import_id DESC LIMIT ?""",
            [limit],
        ).df()


def import_changes(con: duckdb.DuckDBPyConnection, import_id: int, limit: int = 5000) -> pd.DataFrame:
    """The field-level change log of one import."""
    with con.cursor() as cur:
        return cur.execute(
            """SELECT c.row_key AS project_id, p.title, coalesce(c.field, '') AS field,
                      c.old_value AS old, c.new_value AS new
               FROM changes c LEFT JOIN projects p ON p.project_id = c.row_key
               WHERE c.import_id = ? AND c.table_name = 'projects'
               ORDER BY c.row_key, c.field LIMIT ?""",
            [import_id, limit],
        ).df()


@dataclass(frozen=True)
class Reference:
    """What a loader needs to know of the store to resolve names to codes."""

    organisations: pd.DataFrame  # org_id, name, acronym
    countries: pd.DataFrame  # code, alpha2, name
    regions: pd.DataFrame  # code, name
    sectors: pd.DataFrame  # code, name, withdrawn
    currencies: frozenset[str]


def reference(con: duckdb.DuckDBPyConnection) -> Reference:
    with con.cursor() as cur:
        return Reference(
            organisations=cur.execute("SELECT org_id, name, acronym FROM organisations ORDER BY org_id").df(),
            countries=cur.execute("SELECT code, alpha2, name FROM ref_countries ORDER BY code").df(),
            regions=cur.execute("SELECT code, name FROM ref_regions ORDER BY code").df(),
            sectors=cur.execute("SELECT code, name, withdrawn FROM ref_sectors ORDER BY code").df(),
            currencies=frozenset(r[0] for r in cur.execute("SELECT code FROM ref_currencies").fetchall()),
        )
