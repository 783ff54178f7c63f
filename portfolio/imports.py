"""An import: a file's rows compared with the portfolio, written in one transaction, undone.

`preview` shows exactly what `apply` will write: new projects, changed fields (old -> new),
unchanged projects. `apply` keeps the rows it replaces in the undo_ tables, so `undo`
puts back the exact earlier state. Loaders build the `Incoming`; nothing here reads files.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from portfolio import backup, quality, rollups
from portfolio.store import PROJECT_FIELDS, PROJECT_TABLES, Store, StoreError, insert_frame, typed

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
    "project_links": ("url", "title", "category"),
    "project_relations": ("relation", "related_id"),
    "project_classifications": ("vocabulary", "code", "name", "share"),
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
    "project_links": "Documents",
    "project_relations": "Related activities",
    "project_classifications": "Other sector vocabularies",
}
ROLE_LABELS = {
    "funding": "Funders",
    "accountable": "Accountable organisations",
    "extending": "Extending organisations",
    "implementing": "Implementers",
    "partner": "Partners",
    "beneficiary": "Beneficiaries",
}

# Imports this process is writing now; a row logged as running that is not among them was cut
# short, since no other process can have the database open while this one does.
_writing: set[int] = set()

CUT_SHORT = (
    "This import was cut short (aidtrack stopped, or the computer went down, while it was being "
    "written) and saved nothing: the portfolio is as it was before it. Import the file again."
)

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
    """What an import will do, and the typed rows it will write."""

    incoming: Incoming
    data_version: int
    added: pd.DataFrame  # project_id, title, sheet, row
    # project_id, title, sheet, row, field, old, new, and for a list (funders, transactions...)
    # its lines only on the stored side (removed) and only in the file (added)
    updated: pd.DataFrame
    unchanged: pd.DataFrame  # project_id, title, sheet, row
    problems: list[dict]  # sheet, row, column, message, severity
    tables: dict[str, pa.Table]  # "projects" and each project table, in the store's types
    organisations: pd.DataFrame  # organisations to create

    @property
    def replaced(self) -> list[str]:
        """The stored projects whose rows the import replaces: those with a change."""
        return sorted(set(self.updated["project_id"]))

    @property
    def counts(self) -> dict[str, int]:
        return {
            "added": len(self.added),
            "updated": len(self.replaced),
            "unchanged": len(self.unchanged),
            "rejected": self.incoming.rejected + sum(p["severity"] == "error" for p in self.problems),
        }

    @property
    def writes_anything(self) -> bool:
        return bool(len(self.added) or len(self.updated))


def _problem(sheet, row, column, message, severity="error") -> dict:
    return {
        "sheet": sheet,
        "row": int(row) if row is not None and row == row else None,
        "column": column,
        "message": message,
        "severity": severity,
    }


@contextmanager
def _registered(cur: duckdb.DuckDBPyConnection, tables: dict[str, pa.Table]) -> Iterator[None]:
    for name, table in tables.items():
        cur.register(name, table)
    try:
        yield
    finally:
        for name in tables:
            with contextlib.suppress(duckdb.Error):
                cur.unregister(name)


def _match(store: Store, incoming: Incoming, problems: list[dict]) -> tuple[pd.DataFrame, dict, set]:
    """The file's projects with stored ids where titles match; children moved along."""
    # No copies: every change below makes a new frame, and pandas copies on write (pandas 3)
    # where one shares its columns; copying the 100,000-project file's rows took 20 ms.
    projects = incoming.projects
    children = dict(incoming.children)
    # One thread: starting a pool for three columns took longer than converting them.
    keys = pa.Table.from_pandas(
        projects[["project_id", "title", "id_given"]].astype({"title": object}),
        preserve_index=False,
        nthreads=1,
    )
    with store.cursor() as cur, _registered(cur, {"incoming_projects": keys}):
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
    if twice.any():
        first_rows = projects.drop_duplicates("project_id").set_index("project_id")["row"]
        for row in projects[twice].itertuples():
            problems.append(
                _problem(
                    row.sheet,
                    row.row,
                    "Title",
                    f"This row is the same project as row {first_rows[row.project_id]} ({row.project_id}); "
                    "only the first is imported.",
                )
            )
        projects = projects[~twice]
    stored = by_id | set(renamed.values())
    if renamed:
        _renamed_perhaps(
            store,
            projects[~projects["id_given"].astype(bool) & ~projects["project_id"].isin(stored)],
            stored,
            problems,
        )
    if "child_only" in projects:
        # Rows on other sheets for a project that is neither on the Projects sheet nor stored.
        child_only = projects["child_only"].fillna(False).astype(bool)
        unknown = projects[child_only & ~projects["project_id"].isin(stored)]
        for row in unknown.itertuples():
            problems.append(
                _problem(
                    row.sheet,
                    row.row,
                    "Project ID",
                    # Its row on the Projects sheet may be there and rejected (no title, say):
                    # the message said it was not on the sheet.
                    f"{row.project_id} is neither a project this file imports from its Projects sheet "
                    "nor one in aidtrack, so its rows were not imported. Add the project to the Projects "
                    "sheet, or fix its row there if that row was rejected.",
                )
            )
        gone = set(unknown["project_id"])
        projects = projects[~projects["project_id"].isin(gone)]
        children = {t: f[~f["project_id"].isin(gone)] for t, f in children.items()}
    else:
        projects = projects.assign(child_only=False)
    return projects.reset_index(drop=True), children, stored


# How close a new title must be to a stored one (1 - edit distance / length, of the titles as
# compared: lower case, no accents or punctuation) to be said. "Firearms control in N. Macedonia"
# and "... in North Macedonia" are 0.89; "... in Montenegro" 0.66; "Police training Albania" and
# "Police training Serbia" 0.78.
CLOSE_TITLE = 0.8
# Pairs of titles compared at most (about half a second); a larger file is not checked.
CLOSE_TITLE_PAIRS = 500_000


def _renamed_perhaps(store: Store, new: pd.DataFrame, matched: set, problems: list[dict]) -> None:
    """Warn of a new project whose title is close to a stored project's that the file leaves out.

    A sheet without a Project ID column matches stored projects by title. When a manager edits a
    title between two quarters' sheets ("North Macedonia" to "N. Macedonia"), the row becomes a
    second project and its money is counted twice, with nothing in the preview to say so. Run only
    for a file that matched stored projects by title (this quarter's sheet after last quarter's).
    """
    with store.cursor() as cur:
        total = cur.execute("SELECT count(*) FROM projects").fetchall()[0][0]
        if not len(new) or len(new) * (total - len(matched)) > CLOSE_TITLE_PAIRS:
            return
        keys = pa.Table.from_pandas(
            new[["project_id", "title"]].astype(object), preserve_index=False, nthreads=1
        )
        seen = pa.table({"project_id": pa.array(sorted(matched), pa.string())})
        with _registered(cur, {"new_titles": keys, "matched_projects": seen}):
            close = cur.execute(
                f"""WITH n AS (SELECT project_id, {TITLE_KEY.format("title")} AS k FROM new_titles),
                         s AS (SELECT project_id, title, {TITLE_KEY.format("title")} AS k FROM projects
                               WHERE project_id NOT IN (SELECT project_id FROM matched_projects)),
                         pairs AS (SELECT n.project_id AS new_id, s.project_id, s.title,
                                          1 - levenshtein(n.k, s.k) / greatest(length(n.k), length(s.k), 1)
                                            AS near
                                   FROM n, s WHERE abs(length(n.k) - length(s.k)) <= length(n.k) / 4 + 2)
                    SELECT new_id, arg_max(project_id, near), arg_max(title, near) FROM pairs
                    WHERE near >= $close GROUP BY new_id""",
                {"close": CLOSE_TITLE},
            ).fetchall()
    origin = new.set_index("project_id")[["sheet", "row"]]
    for new_id, stored_id, stored_title in close:
        sheet, row = origin.loc[new_id]
        problems.append(
            _problem(
                sheet,
                row,
                "Title",
                f"No project in aidtrack has this title, but '{stored_title}' ({stored_id}) is close to it "
                "and is not in this file. If this is that project renamed, importing this row adds it a "
                "second time and counts its money twice: write its title as stored, or add a Project ID "
                f"column with {stored_id}. If it is a new project, import it as it is.",
                "warning",
            )
        )


# Stored projects that earlier imports of a file of this name brought in, and this file leaves out.
LEFT_OUT_SINCE = """
    SELECT p.project_id, p.title FROM projects p
    WHERE p.project_id IN (SELECT project_id FROM import_projects JOIN imports i USING (import_id)
                           WHERE i.file_name = $file AND i.status = 'done')
      AND p.project_id NOT IN (SELECT project_id FROM file_projects)
    ORDER BY 1"""


def _left_out_since_last_time(store: Store, file_name: str, ids: pd.Series, problems: list[dict]) -> None:
    """Note the stored projects an earlier version of this file brought in that this one leaves out.

    A manager who deletes ended projects from their sheet may expect them gone; an import never
    deletes a project, and before this the preview kept them without a word.
    """
    with store.cursor() as cur:
        if not cur.execute(
            "SELECT count(*) FROM imports WHERE file_name = ? AND status = 'done'", [file_name]
        ).fetchall()[0][0]:
            return  # the first import of this name (the 100,000-row benchmark's): nothing to compare
        file_projects = pa.table({"project_id": pa.array(ids.astype(object).tolist(), pa.string())})
        with _registered(cur, {"file_projects": file_projects}):
            gone = [
                f"'{title}' ({pid})"
                for pid, title in cur.execute(LEFT_OUT_SINCE, {"file": file_name}).fetchall()
            ]
    if gone:
        shown = ", ".join(gone[:5]) + (f" and {len(gone) - 5:,} more" if len(gone) > 5 else "")
        one = len(gone) == 1
        problems.append(
            _problem(
                "",
                None,
                "",
                f"{_projects(len(gone))} imported from an earlier version of this file "
                f"{'is' if one else 'are'} not in it: {shown}. {'It is' if one else 'They are'} kept as "
                f"stored (an import never deletes a project). If {'it has' if one else 'they have'} ended, "
                f"set {'its' if one else 'their'} status (closed, cancelled) in the file or in the project "
                "view.",
                "note",
            )
        )


# What IATI cannot say, read back from the store (see _kept_from_store).
STORED_CONTRIBUTIONS = """
    SELECT project_id, org_id, amount, currency FROM project_orgs
    WHERE role = 'funding' AND (amount IS NOT NULL OR currency IS NOT NULL)
      AND project_id IN (SELECT unnest($ids))"""
STORED_WEB_PAGES = """
    SELECT project_id, url FROM projects WHERE url IS NOT NULL AND project_id IN (SELECT unnest($ids))"""
STORED_BUDGET_DATES = """
    SELECT project_id, period_start, period_end, type, value_date FROM budgets
    WHERE project_id IN (SELECT unnest($ids))"""
STORED_TRANSACTION_DATES = """
    SELECT project_id, transaction_id, date, value_date FROM transactions
    WHERE project_id IN (SELECT unnest($ids))"""


def _not_given_kept(
    store: Store, projects: pd.DataFrame, children: dict[str, pd.DataFrame], stored: set
) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    """Stored projects from a sheet without a column the file's other sheets have keep that
    field, or those rows, as stored: a workbook whose sheet for Albania had no Country column
    had cleared the countries of every project on it."""
    marked = projects.loc[projects["project_id"].isin(stored), ["project_id", "not_given"]].dropna()
    projects = projects.drop(columns="not_given")
    children = dict(children)
    with store.cursor() as cur:
        for key in {k for keys in marked["not_given"] for k in keys}:
            ids = sorted(marked.loc[[key in keys for keys in marked["not_given"]], "project_id"])
            if isinstance(key, Slice):
                columns = ["project_id", *CHILD_COLUMNS[key.table]]
                role = " AND role = ?" if key.role else ""
                found = cur.execute(
                    f"SELECT {', '.join(columns)} FROM {key.table} "
                    f"WHERE project_id IN (SELECT unnest(?)){role}",
                    [ids, key.role] if key.role else [ids],
                ).fetchall()
                kept = pd.DataFrame(found, columns=columns, dtype=object)  # amounts stay Decimal
                frame = children.get(key.table, pd.DataFrame(columns=columns))
                left = frame["project_id"].isin(ids) & (frame["role"] == key.role if key.role else True)
                children[key.table] = pd.concat([frame[~left], kept], ignore_index=True)
            else:
                kept = dict(
                    cur.execute(
                        f"SELECT project_id, {key} FROM projects WHERE project_id IN (SELECT unnest(?))",
                        [ids],
                    ).fetchall()
                )
                rows = projects["project_id"].isin(ids)
                projects[key] = projects[key].astype(object)
                projects.loc[rows, key] = projects.loc[rows, "project_id"].map(kept)
    return projects, children


def _kept_from_store(
    store: Store, children: dict[str, pd.DataFrame], stored: set, problems: list[dict]
) -> dict[str, pd.DataFrame]:
    """An IATI file's rows with what IATI has no place for kept as stored, and the project's web
    page not taken for a document of its own.

    IATI names a project's funders but has no contribution per funder, so a funder the file
    still names keeps its stored contribution (amount and currency, or a currency alone); one
    it no longer names goes with it. IATI requires a value date on every amount, so an
    exporter writes the budget's period start (the transaction's date) where none is stored;
    a value date that is that default is kept as stored (blank or the same date), not shown
    as a change. Re-importing the portfolio's own IATI export had shown every co-funded
    project as changed, its contributions removed. Run for IATI files only, whose projects
    are few enough for a row-by-row look.
    """
    ids = sorted(stored)
    children = dict(children)
    with store.cursor() as cur:
        orgs = children.get("project_orgs")
        if orgs is not None and len(orgs):
            kept = {
                (p, o): (a, c) for p, o, a, c in cur.execute(STORED_CONTRIBUTIONS, {"ids": ids}).fetchall()
            }
            found = [
                kept.get((r.project_id, r.org_id))
                if r.role == "funding" and _blank(r.amount) and _blank(r.currency)
                else None
                for r in orgs.itertuples()
            ]
            if any(found):
                orgs = orgs.copy()
                use = pd.Series([f is not None for f in found], index=orgs.index)
                orgs.loc[use, "amount"] = [f[0] for f in found if f is not None]
                orgs.loc[use, "currency"] = [f[1] for f in found if f is not None]
                children["project_orgs"] = orgs
                problems.append(
                    _problem(
                        "",
                        None,
                        "",
                        f"IATI has no place for a funder's contribution: the stored contributions of "
                        f"{int(use.sum()):,} funders this file still names are kept.",
                        "note",
                    )
                )
        budgets = children.get("budgets")
        if budgets is not None and len(budgets) and "value_date" in budgets:
            dates = {
                (p, s, e, t): v for p, s, e, t, v in cur.execute(STORED_BUDGET_DATES, {"ids": ids}).fetchall()
            }
            children["budgets"] = budgets.assign(
                value_date=[
                    _default_date_as_stored(
                        r.value_date,
                        r.period_start,
                        dates.get((r.project_id, r.period_start, r.period_end, r.type), MISSING),
                    )
                    for r in budgets.itertuples()
                ]
            )
        transactions = children.get("transactions")
        if transactions is not None and len(transactions) and "value_date" in transactions:
            dates = {
                (p, t): (d, v)
                for p, t, d, v in cur.execute(STORED_TRANSACTION_DATES, {"ids": ids}).fetchall()
            }
            children["transactions"] = transactions.assign(
                value_date=[
                    _default_date_as_stored(
                        r.value_date,
                        r.date,
                        dates[(r.project_id, r.transaction_id)][1]
                        if dates.get((r.project_id, r.transaction_id), (None,))[0] == r.date
                        else MISSING,
                    )
                    for r in transactions.itertuples()
                ]
            )
        links = children.get("project_links")
        if links is not None and len(links):
            # The project's web page, which an export writes as an "Activity web page" link:
            # it is the project's own field here, not a document of its own.
            web_pages = dict(cur.execute(STORED_WEB_PAGES, {"ids": ids}).fetchall())
            own = [web_pages.get(p) == url for p, url in zip(links["project_id"], links["url"], strict=True)]
            children["project_links"] = links[[not o for o in own]].reset_index(drop=True)
    return children


MISSING = object()  # no stored row to take a value from


def _blank(value) -> bool:
    return value is None or value != value


def _default_date_as_stored(given, default, stored):
    """A value date that is the default (blank, or the date it would default to) as stored, where
    the stored one is a default too; any other date as the file gives it."""
    if stored is MISSING:
        return given
    given_default = _blank(given) or given == default
    stored_default = _blank(stored) or stored == default
    return stored if given_default and stored_default else given


def _line(table: str, role_given: bool) -> str:
    """One row of a project table as text, for comparing and showing; x is the row, n its org's name."""
    columns = tuple(c for c in CHILD_COLUMNS[table] if not (role_given and c == "role"))
    parts = ["coalesce(n.name, x.org_id)" if c == "org_id" else f"x.{c}" for c in columns]
    return f"concat_ws(' ', {', '.join(parts)})"


def preview(store: Store, incoming: Incoming) -> Preview:
    """Compare `incoming` with the stored portfolio; nothing is written."""
    problems: list[dict] = []
    version = store.data_version()
    projects, children, stored = _match(store, incoming, problems)
    if incoming.format == "iati" and stored:
        children = _kept_from_store(store, children, stored, problems)
    if "not_given" in projects:
        projects, children = _not_given_kept(store, projects, children, stored)
    if incoming.format != EDIT:
        _left_out_since_last_time(store, incoming.file_name, projects["project_id"], problems)
    fields = incoming.project_fields
    with store.cursor() as cur:
        tables = {"projects": typed(cur, "projects", projects[["project_id", *fields]])}
        tables["projects"] = tables["projects"].append_column(
            "child_only", pa.array(projects["child_only"].astype(bool).to_numpy())
        )
        for s in incoming.slices:
            if s.table not in tables:
                frame = children.get(s.table, pd.DataFrame())
                every = dict.fromkeys(["project_id", *CHILD_COLUMNS[s.table], *frame.columns])
                tables[s.table] = typed(cur, s.table, frame.reindex(columns=list(every)).astype(object))
        new_orgs = incoming.organisations
        names = pd.DataFrame(
            {
                "org_id": new_orgs.get("org_id", pd.Series(dtype=object)),
                "name": new_orgs.get("name", pd.Series(dtype=object)),
            },
            dtype=object,
        )
        registered = {f"incoming_{t}": table for t, table in tables.items()} | {
            "new_org_names": pa.Table.from_pandas(names, preserve_index=False, nthreads=1)
        }
        with _registered(cur, registered):
            diffs = []
            if fields:
                # One join for every field: each project's changed fields, in the order of `fields`.
                # Compared as `_project_rows` writes them: a blank currency keeps the stored one,
                # and a blank visibility is stored as public, so neither is a change by itself.
                given = {"currency": " AND i.currency IS NOT NULL"}
                value = {f: f"i.{f}" for f in fields} | {
                    f: f"coalesce(i.{f}, {STORE_DEFAULTS[f]})" for f in fields if f in ("visibility",)
                }
                changed = [f"{value[f]} IS DISTINCT FROM p.{f}{given.get(f, '')}" for f in fields]
                found = ", ".join(
                    f"CASE WHEN {c} THEN {{'field': '{f}', 'old': CAST(p.{f} AS VARCHAR), "
                    f"'new': CAST({value[f]} AS VARCHAR)}} END"
                    for f, c in zip(fields, changed, strict=True)
                )
                diffs.append(
                    f"""SELECT project_id, c.field, c.old, c.new, NULL AS removed, NULL AS added FROM (
                            SELECT i.project_id, unnest(list_filter([{found}], lambda c: c IS NOT NULL)) AS c
                            FROM incoming_projects i JOIN projects p USING (project_id)
                            WHERE NOT i.child_only AND ({" OR ".join(f"({c})" for c in changed)}))"""
                )
            for s in incoming.slices:
                line = _line(s.table, s.role is not None)
                role = " AND x.role = $role" if s.role else ""
                names_join = (
                    """LEFT JOIN (SELECT org_id, name FROM organisations
                                  UNION ALL SELECT org_id, name FROM new_org_names) n USING (org_id)"""
                    if s.table == "project_orgs"
                    else "LEFT JOIN (SELECT NULL AS name) n ON false"
                )
                columns = CHILD_COLUMNS[s.table]
                shown = ", ".join(f'CAST(x."{c}" AS VARCHAR) AS "{c}"' for c in columns)
                same_rows = " AND ".join(f's."{c}" IS NOT DISTINCT FROM f."{c}"' for c in columns)
                # Only projects whose rows, as written out, are not the same on both sides (counted
                # with repeats) can have different lines; the lines are made for those alone.
                diffs.append(
                    f"""SELECT * FROM (
                        WITH m AS (SELECT project_id FROM incoming_projects
                                   WHERE project_id IN (SELECT project_id FROM projects)),
                        stored_rows AS (SELECT x.project_id, {shown}, count(*) AS n FROM {s.table} x
                                        WHERE x.project_id IN (SELECT project_id FROM m){role} GROUP BY ALL),
                        file_rows AS (SELECT x.project_id, {shown}, count(*) AS n FROM incoming_{s.table} x
                                      WHERE x.project_id IN (SELECT project_id FROM m){role} GROUP BY ALL),
                        differ AS (SELECT DISTINCT coalesce(s.project_id, f.project_id) AS project_id
                                   FROM stored_rows s FULL JOIN file_rows f
                                     ON s.project_id = f.project_id AND s.n = f.n AND {same_rows}
                                   WHERE s.project_id IS NULL OR f.project_id IS NULL),
                        old AS (SELECT x.project_id, list({line} ORDER BY {line}) AS lines
                                FROM {s.table} x {names_join}
                                WHERE x.project_id IN (SELECT project_id FROM differ){role} GROUP BY 1),
                        new AS (SELECT x.project_id, list({line} ORDER BY {line}) AS lines
                                FROM incoming_{s.table} x {names_join}
                                WHERE x.project_id IN (SELECT project_id FROM differ){role} GROUP BY 1)
                        SELECT m.project_id, '{s.label}' AS field,
                               coalesce(array_to_string(old.lines, '; '), '') AS old,
                               coalesce(array_to_string(new.lines, '; '), '') AS new,
                               array_to_string(list_filter(old.lines, lambda x: NOT list_contains(
                                   coalesce(new.lines, []), x)), '; ') AS removed,
                               array_to_string(list_filter(new.lines, lambda x: NOT list_contains(
                                   coalesce(old.lines, []), x)), '; ') AS added
                        FROM m LEFT JOIN old USING (project_id) LEFT JOIN new USING (project_id)
                        WHERE m.project_id IN (SELECT project_id FROM differ)
                          AND coalesce(array_to_string(old.lines, '; '), '')
                              <> coalesce(array_to_string(new.lines, '; '), ''))""".replace(
                        "$role", f"'{s.role}'"
                    )  # a role is one of the store's fixed words
                )
            nothing = "SELECT NULL, NULL, NULL, NULL, NULL, NULL WHERE false"
            sql = " UNION ALL ".join(diffs) if diffs else nothing
            # Every comparison is with a stored project: a file of new projects has none to make.
            any_stored = cur.execute(
                "SELECT count(*) FROM incoming_projects WHERE project_id IN (SELECT project_id FROM projects)"
            ).fetchall()[0][0]
            changes = cur.execute(sql).df() if diffs and any_stored else pd.DataFrame()
    changes = (
        changes.set_axis(["project_id", "field", "old", "new", "removed", "added"], axis=1)
        if len(changes)
        else pd.DataFrame(columns=["project_id", "field", "old", "new", "removed", "added"])
    )
    # A value not set is None, not the NaN of a text column: the JSON report holds null for it.
    for side in ("old", "new", "removed", "added"):
        changes[side] = changes[side].astype(object).where(changes[side].notna(), None)
    changed_ids = set(changes["project_id"])
    keys = projects[["project_id", "title", "sheet", "row"]]
    is_stored = projects["project_id"].isin(stored)
    added = keys[~is_stored].reset_index(drop=True)
    unchanged = keys[is_stored & ~projects["project_id"].isin(changed_ids)].reset_index(drop=True)
    updated = keys.merge(changes, on="project_id")[
        ["project_id", "title", "sheet", "row", "field", "old", "new", "removed", "added"]
    ]
    if len(new_orgs):
        used = set()
        for t in ("project_orgs",):
            if t in children:
                written = set(added["project_id"]) | changed_ids
                used |= set(children[t].loc[children[t]["project_id"].isin(written), "org_id"])
        new_orgs = new_orgs[new_orgs["org_id"].isin(used)]
    return Preview(
        incoming=replace(incoming, projects=projects, children=children),
        data_version=version,
        added=added,
        updated=updated,
        unchanged=unchanged,
        problems=problems,
        tables=tables,
        organisations=new_orgs.reset_index(drop=True),
    )


def new_projects(store: Store, plan: Preview, limit: int) -> pd.DataFrame:
    """The first `limit` new projects of a preview as the file gives them, for a reader to check
    before saving: budget (Decimal) and currency, dates, and as lists of (name, Decimal or None,
    currency) their funders and implementers with contributions, and of (name, share) their
    countries. What the file has no column for is None throughout."""
    shown = plan.added.head(limit)
    tables = plan.tables
    fields = plan.incoming.project_fields
    values = {"budget": "CAST(i.budget AS VARCHAR)", "currency": "i.currency"}
    values |= {"start_date": "i.start_date", "end_date": "i.end_date"}
    selected = [f"{v if f in fields else 'NULL'} AS {f}" for f, v in values.items()]
    currency = values["currency"] if "currency" in fields else "NULL"
    given_tables = {(s.table, s.role) for s in plan.incoming.slices}
    for role, label in (("funding", "funders"), ("implementing", "implementers")):
        # A project the file gives none for has an empty list; a file without the column, None.
        selected.append(
            f"""(SELECT coalesce(list([coalesce(n.name, x.org_id), CAST(x.amount AS VARCHAR),
                              coalesce(x.currency, {currency})] ORDER BY coalesce(n.name, x.org_id)), [])
                 FROM incoming_project_orgs x LEFT JOIN names n USING (org_id)
                 WHERE x.project_id = i.project_id AND x.role = '{role}') AS {label}"""
            if {("project_orgs", role), ("project_orgs", None)} & given_tables
            else f"NULL AS {label}"
        )
    selected.append(
        """(SELECT coalesce(list([coalesce(c.name, r.name, x.country), CAST(x.share AS VARCHAR)]
                                 ORDER BY x.share DESC), [])
            FROM incoming_project_countries x LEFT JOIN ref_countries c ON c.code = x.country
                 LEFT JOIN ref_regions r ON r.code = x.country
            WHERE x.project_id = i.project_id) AS countries"""
        if "project_countries" in {t for t, _ in given_tables}
        else "NULL AS countries"
    )
    names = pd.DataFrame(
        {"org_id": plan.organisations.get("org_id", []), "name": plan.organisations.get("name", [])},
        dtype=object,
    )
    registered = {f"incoming_{t}": table for t, table in tables.items()} | {
        "shown": pa.table({"project_id": pa.array(shown["project_id"], pa.string())}),
        "new_org_names": pa.Table.from_pandas(names, preserve_index=False, nthreads=1),
    }
    with store.cursor() as cur, _registered(cur, registered):
        cur.execute(
            f"""WITH names AS (SELECT org_id, name FROM organisations
                               UNION ALL SELECT org_id, name FROM new_org_names)
                SELECT i.project_id, {", ".join(selected)}
                FROM incoming_projects i WHERE i.project_id IN (SELECT project_id FROM shown)"""
        )
        columns = [d[0] for d in cur.description]
        found = {row[0]: dict(zip(columns[1:], row[1:], strict=True)) for row in cur.fetchall()}

    def exact(text: str | None) -> Decimal | None:
        return None if text is None else Decimal(text)

    rows = []
    for project_id, title, sheet, row in shown[["project_id", "title", "sheet", "row"]].itertuples(
        index=False
    ):
        given = found.get(project_id, {})
        orgs = {
            label: None if given.get(label) is None else [(n, exact(a), c) for n, a, c in given[label]]
            for label in ("funders", "implementers")
        }
        countries = given.get("countries")
        rows.append(
            {
                "project_id": project_id,
                "title": title,
                "sheet": sheet,
                "row": row,
                "budget": exact(given.get("budget")),
                "currency": given.get("currency"),
                "start_date": given.get("start_date"),
                "end_date": given.get("end_date"),
                **orgs,
                "countries": None if countries is None else [(n, exact(s)) for n, s in countries],
            }
        )
    return pd.DataFrame(rows, columns=NEW_PROJECT_COLUMNS, dtype=object)


NEW_PROJECT_COLUMNS = [
    "project_id",
    "title",
    "sheet",
    "row",
    "budget",
    "currency",
    "start_date",
    "end_date",
    "funders",
    "implementers",
    "countries",
]


# The format of an import that is an edit made in the app (loaders.pipeline.preview_edit).
EDIT = "edit"


def apply(store: Store, plan: Preview, by: str | None = None) -> int:
    """Write the previewed import in one transaction; returns its import_id.

    First, in a transaction of its own, the store is backed up and the import logged as
    running, so an import cut short by a crash stays in the log as one that did not finish.
    A preview made before another write is refused there, before anything is written.

    The figures the pages keep for the imported projects are worked out by
    `portfolio.rollups.settle`, which the caller runs next (the Import page does; else the
    next `open_store` does); until then pages work them out live.
    """
    incoming = plan.incoming
    with store.write(log_only=True) as cur:
        if _data_version(cur) != plan.data_version:
            raise StoreError(
                "The portfolio changed after this preview was made (another import or edit). "
                "Nothing was saved; preview the file again.",
                title="Nothing was saved",
            )
        import_id = cur.execute("SELECT nextval('import_ids')").fetchall()[0][0]
        # An edit in the project view changes one project, and its undo rows hold what it was;
        # a backup of the whole portfolio would take seconds at a million projects.
        if incoming.format != EDIT:
            backup.before(
                cur,
                store.path,
                f"before import {import_id} ({incoming.file_name})",
                f"before-import-{import_id}",
            )
        cur.execute(
            "INSERT INTO imports (import_id, file_name, sha256, format, imported_by, status, rejected) "
            "VALUES (?, ?, ?, ?, ?, 'running', ?)",
            [import_id, incoming.file_name, incoming.sha256, incoming.format, by, plan.counts["rejected"]],
        )
    _writing.add(import_id)
    # A file's figures are left for `settle`: working them out takes longer than writing the
    # rows. An edit's one project is worked out in its own write.
    later = incoming.format != EDIT
    try:
        with store.write(figures_later=later) as cur:
            if _data_version(cur) != plan.data_version + 1:
                raise StoreError(
                    "Another change was saved while this import was starting. Nothing was saved; "
                    "preview the file again.",
                    title="Nothing was saved",
                )
            _write(cur, import_id, plan, by)
    except BaseException as e:
        with store.write(log_only=True) as cur:
            cur.execute(
                "UPDATE imports SET status = 'failed', message = ?, finished_at = current_localtimestamp() "
                "WHERE import_id = ?",
                [str(e)[:2000], import_id],
            )
        raise
    finally:
        _writing.discard(import_id)
    return import_id


def _data_version(cur: duckdb.DuckDBPyConnection) -> int:
    return cur.execute("SELECT CAST(value AS BIGINT) FROM meta WHERE key = 'data_version'").fetchall()[0][0]


# What a project row becomes: the file's value where the file has the column, else the stored one.
STORE_DEFAULTS = {"currency": "'EUR'", "visibility": "'public'", "illustrative": "false"}
PROJECT_COLUMNS = (*PROJECT_FIELDS, "illustrative")


def _project_rows(fields: tuple[str, ...]) -> str:
    columns = []
    for c in PROJECT_COLUMNS:
        value = f"CASE WHEN i.child_only THEN p.{c} ELSE i.{c} END" if c in fields else f"p.{c}"
        if c == "currency" and c in fields:
            value = f"coalesce({value}, p.currency)"
        if c in STORE_DEFAULTS:
            value = f"coalesce({value}, {STORE_DEFAULTS[c]})"
        columns.append(f"{value} AS {c}")
    return f"""SELECT i.project_id, {", ".join(columns)}, $import_id AS import_id,
                      current_localtimestamp() AS updated_at
               FROM incoming_projects i LEFT JOIN projects p USING (project_id)"""


def _written_rows(table: pa.Table, written: pa.Array) -> pa.Table:
    """The rows of `table` that belong to the projects written.

    Picked out here rather than by the INSERT: Arrow's set lookup takes a third of the time
    DuckDB's semi-join did, and most imports keep every row.
    """
    keep = pc.is_in(table["project_id"], value_set=written)
    return table if pc.sum(keep).as_py() == table.num_rows else table.filter(keep)


def _write(cur: duckdb.DuckDBPyConnection, import_id: int, plan: Preview, by: str | None) -> None:
    written = list(plan.added["project_id"]) + plan.replaced
    written_ids = pa.array(written, pa.string())
    registered = {f"incoming_{t}": _written_rows(table, written_ids) for t, table in plan.tables.items()} | {
        "written": pa.table({"project_id": written_ids}),
        "replaced": pa.table({"project_id": pa.array(plan.replaced, pa.string())}),
    }
    with _registered(cur, registered):
        if len(plan.organisations):
            insert_frame(cur, "organisations", plan.organisations)
            insert_frame(cur, "import_orgs", plan.organisations[["org_id"]].assign(import_id=import_id))
        # With no stored project replaced there is nothing to keep for undo, nor to delete.
        for table in PROJECT_TABLES if plan.replaced else ():
            cur.execute(
                f"INSERT INTO undo_{table} SELECT $id, * FROM {table} "
                "WHERE project_id IN (SELECT project_id FROM replaced)",
                {"id": import_id},
            )
        rows = _project_rows(plan.incoming.project_fields)
        if plan.replaced:
            # The replaced projects' stored values are read before their rows are deleted.
            cur.execute("CREATE TEMP TABLE import_rows AS " + rows, {"import_id": import_id})
            try:
                cur.execute("DELETE FROM projects WHERE project_id IN (SELECT project_id FROM replaced)")
                cur.execute("INSERT INTO projects BY NAME SELECT * FROM import_rows")
            finally:
                cur.execute("DROP TABLE import_rows")
        else:
            cur.execute("INSERT INTO projects BY NAME " + rows, {"import_id": import_id})
        for s in plan.incoming.slices if plan.replaced else ():
            role = " AND role = $role" if s.role else ""
            cur.execute(
                f"DELETE FROM {s.table} WHERE project_id IN (SELECT project_id FROM replaced){role}",
                {"role": s.role} if s.role else None,
            )
        for table in plan.tables:
            if table != "projects":
                cur.execute(f"INSERT INTO {table} BY NAME SELECT * FROM incoming_{table}")
        rollups.changed(cur, "SELECT project_id FROM written")
    log = pa.table(
        {
            "import_id": pa.array([import_id] * len(written), pa.int32()),
            "project_id": pa.array(written, pa.string()),
            "action": pa.array(["added"] * len(plan.added) + ["updated"] * len(plan.replaced), pa.string()),
        }
    )
    with _registered(cur, {"import_log_rows": log}):
        cur.execute("INSERT INTO import_projects SELECT * FROM import_log_rows")
    if len(plan.updated):
        changes = plan.updated.rename(
            columns={"project_id": "row_key", "old": "old_value", "new": "new_value"}
        )
        insert_frame(
            cur,
            "changes",
            changes[["row_key", "field", "old_value", "new_value"]].assign(
                import_id=import_id, at=datetime.now(), by=by, table_name="projects"
            ),
        )
    quality.record_score(cur, import_id)
    counts = plan.counts
    cur.execute(
        "UPDATE imports SET status = 'done', added = ?, updated = ?, unchanged = ?, rejected = ?, "
        "finished_at = current_localtimestamp() WHERE import_id = ?",
        [counts["added"], counts["updated"], counts["unchanged"], counts["rejected"], import_id],
    )


@dataclass(frozen=True)
class Undone:
    """What undoing an import did: the projects it had added, now removed, and those it had
    changed, now as they were before it."""

    import_id: int
    removed: int
    restored: int

    @property
    def message(self) -> str:
        """In words, for the Import page and the command line."""
        parts = []
        if self.removed:
            parts.append(f"removed the {_projects(self.removed)} it added")
        if self.restored:
            back = "is" if self.restored == 1 else "are"
            parts.append(f"the {_projects(self.restored)} it changed {back} back as before it")
        return f"Import {self.import_id} undone: " + ("; ".join(parts) or "it had changed no project") + "."


def _projects(n: int) -> str:
    return f"{n:,} project" + ("" if n == 1 else "s")


def undo(store: Store, import_id: int, by: str | None = None) -> int:
    """Put back the portfolio as it was before import `import_id`; returns the projects it touched."""
    undone = undo_import(store, import_id, by)
    return undone.removed + undone.restored


def undo_import(store: Store, import_id: int, by: str | None = None) -> Undone:
    """Put back the portfolio as it was before import `import_id`: remove the projects it added,
    restore those it changed.

    The checks run inside the write, so two sessions undoing the same import cannot both do it.
    """
    with store.write() as cur:
        found = cur.execute(
            "SELECT status, file_name, format FROM imports WHERE import_id = ?", [import_id]
        ).fetchall()
        if not found:
            raise StoreError(f"There is no import number {import_id}.", title="Nothing to undo")
        status, file_name, file_format = found[0]
        if status != "done":
            state = {
                "undone": "was already undone",
                "failed": "failed and saved nothing",
                "running": "did not finish and saved nothing",
            }[status]
            raise StoreError(f"Import {import_id} ({file_name}) {state}.", title="Nothing to undo")
        later = later_imports(cur, import_id)
        if later:
            raise StoreError(
                undo_first(import_id, later),
                title="Undo the later import first",
            )
        if file_format != EDIT:  # as for the edit itself: one project, whose values the log keeps
            backup.before(
                cur,
                store.path,
                f"before undoing import {import_id} ({file_name})",
                f"before-undo-{import_id}",
            )
        cur.execute(
            "CREATE TEMP TABLE undone AS SELECT project_id FROM import_projects WHERE import_id = ?",
            [import_id],
        )
        try:
            removed, restored = cur.execute(
                "SELECT count(*) FILTER (WHERE action = 'added'), count(*) FILTER (WHERE action <> 'added') "
                "FROM import_projects WHERE import_id = ?",
                [import_id],
            ).fetchall()[0]
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
            rollups.changed(cur, "SELECT project_id FROM undone")
            quality.record_score(cur, import_id)
        finally:
            cur.execute("DROP TABLE undone")
    return Undone(import_id, removed, restored)


def import_log(con: duckdb.DuckDBPyConnection, limit: int = 200) -> pd.DataFrame:
    """The latest imports, newest first, with whether each can be undone now.

    An import logged as running that this process is not writing was cut short: it says
    "did not finish", and why.
    """
    with con.cursor() as cur:
        return cur.execute(
            """SELECT i.import_id, i.imported_at, i.file_name, i.format,
                      coalesce(i.imported_by, '') AS imported_by,
                      i.added, i.updated, i.unchanged, i.rejected,
                      CASE WHEN i.status <> 'running' THEN i.status
                           WHEN list_contains($writing, i.import_id) THEN 'running'
                           ELSE 'did not finish' END AS status,
                      i.sha256,
                      CASE WHEN i.status = 'running' AND NOT list_contains($writing, i.import_id)
                           THEN coalesce(i.message, $cut_short) ELSE i.message END AS message,
                      i.status = 'done' AND NOT EXISTS (
                          SELECT 1 FROM import_projects later
                          JOIN import_projects this ON this.project_id = later.project_id
                          JOIN imports j ON j.import_id = later.import_id
                          WHERE this.import_id = i.import_id AND later.import_id > i.import_id
                            AND j.status = 'done') AS can_undo
               FROM imports i ORDER BY i.import_id DESC LIMIT $limit""",
            {"writing": sorted(_writing), "limit": limit, "cut_short": CUT_SHORT},
        ).df()


CHANGES_SHOWN = 5000  # rows of one import's changes a page is sent


def import_changes(
    con: duckdb.DuckDBPyConnection, import_id: int, limit: int = CHANGES_SHOWN
) -> pd.DataFrame:
    """What one import did: the projects it added, and its field-level change log."""
    with con.cursor() as cur:
        return cur.execute(
            """SELECT * FROM (
                   SELECT ip.project_id, p.title, 'project added' AS field,
                          NULL::VARCHAR AS old, NULL::VARCHAR AS new
                   FROM import_projects ip LEFT JOIN projects p USING (project_id)
                   WHERE ip.import_id = $id AND ip.action = 'added'
                   UNION ALL
                   -- The undo of the import is an event, as 'project added' is, not a field
                   -- whose value went from (blank) to 'import undone'.
                   SELECT c.row_key, p.title, coalesce(c.field, c.new_value),
                          CASE WHEN c.field IS NOT NULL THEN c.old_value END,
                          CASE WHEN c.field IS NOT NULL THEN c.new_value END
                   FROM changes c LEFT JOIN projects p ON p.project_id = c.row_key
                   WHERE c.import_id = $id AND c.table_name = 'projects')
               ORDER BY project_id, field LIMIT $limit""",
            {"id": import_id, "limit": limit},
        ).df()


def later_imports(cur: duckdb.DuckDBPyConnection, import_id: int) -> list[int]:
    """The imports, newest first, that changed some of the projects of `import_id` after it: each
    must be undone before it can be. Read on `cur`, so an undo checks inside its own write."""
    return [
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


def undo_first(import_id: int, later: list[int]) -> str:
    return (
        f"Import {later[0]} changed some of the same projects after import {import_id}. "
        f"Undo import {', then '.join(str(i) for i in later)} first."
    )


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
