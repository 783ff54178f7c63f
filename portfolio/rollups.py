"""Figures per project, worked out once per write so that pages over a million projects stay fast.

Converting ten million amounts and splitting a million budgets over funders, countries,
sectors and years takes seconds on every read. These tables hold the result per project, so
a page adds up the rows of the filtered projects instead:

- rollup_projects, one row per project and reporting currency: what the quality checks, the
  spend review's flags and the Overview's list of rescaled shares need to know (counts, shares,
  contributions, dates: no money converted, so they are read from the EUR rows whatever the
  currency), and its budget, commitments, disbursements, expenditure and spending in that
  currency, converted as the portfolio converts (meta.fx_method, its own rates);
- rollup_attributed: each project's budget split over every breakdown (and what it spent,
  over funders and implementers);
- rollup_spend_years: each project's commitments, disbursements and expenditure per year;
- rollup_parts: each breakdown of the whole portfolio added up per key (and provenance), which
  is all the Overview reads when nothing is filtered.

The money is kept in ROLLUP_CURRENCY (EUR, the default reporting currency) always, and in each
other currency from the first time a page shows it (`keep`, at most MORE_CURRENCIES of them):
working a million projects out in a currency takes seconds, which a reader should wait for
once, not on every filter. `Store.write()` brings every kept currency in step inside every
write's transaction, after the write's own rows, so no reader sees them out of step with the
data. A change of rates or of the way amounts are converted keeps EUR only again.

Their rows come from the same SQL as the live reads (portfolio.money), so a figure is the same
either way; a read in a currency not kept, or of a database whose rollups are older than its
data, computes live. Nothing here imports streamlit.
"""

from __future__ import annotations

import functools

import duckdb

from portfolio.money import (
    BREAKDOWNS,
    BUDGET_LINES,
    PROJECT_AMOUNTS,
    PROVENANCE,
    SPEND_PER_PROJECT,
    TRANSACTION_CENTS,
    attributed,
)

ROLLUP_CURRENCY = "EUR"
# meta.rollups while a write has left the figures of some projects (rollup_pending) for `settle`.
PENDING = "+pending"
# Reporting currencies kept besides EUR: each one adds its share to every write's time.
MORE_CURRENCIES = 4
# Bump when what a rollup holds changes: tables built by an older aidtrack are then rebuilt.
FORMAT = "10"

TABLES = ("rollup_projects", "rollup_attributed", "rollup_spend_years")  # a row per project or part
FIGURES = (*TABLES, "rollup_parts")  # rows in each kept reporting currency
# Every table here, all worked out from the portfolio (rollup_pending: the projects still to do).
DERIVED = (*FIGURES, "rollup_pending")
META_KEYS = ("rollups", "rollup_settings", "rollup_currencies")  # what they hold, in meta

# Per selected project: the facts the quality checks, spend flags and rescaled shares read.
# Shares are their sum where every one is recorded, else NULL.
PROJECT_FACTS = """
project_facts AS (
    SELECT s.project_id,
        s.budget IS NOT NULL OR s.project_id IN (SELECT project_id FROM budgets) AS has_budget,
        coalesce(o.funders, 0) AS funders,
        coalesce(c.countries, 0) AS countries,
        coalesce(k.sectors, 0) AS sectors,
        c.shares AS country_shares,
        k.shares AS sector_shares,
        coalesce(c.unknown, 0) + coalesce(k.unknown, 0) AS unknown_codes,
        greatest(t.last_date, a.last_date) AS last_activity,
        o.contributions,
        coalesce(o.comparable, false) AS contributions_comparable,
        coalesce(t.after_end, 0) AS after_end
    FROM selected s
    LEFT JOIN (
        SELECT po.project_id, count(*) AS funders, sum(po.amount) AS contributions,
               count(*) = count(po.amount)
                   AND bool_and(coalesce(po.currency, p.currency) = p.currency) AS comparable
        FROM project_orgs po JOIN selected p USING (project_id)
        WHERE po.role = 'funding' GROUP BY po.project_id
    ) o USING (project_id)
    LEFT JOIN (
        SELECT project_id, count(*) AS countries,
               CASE WHEN count(*) = count(share) THEN sum(share) END AS shares,
               count(*) FILTER (WHERE country NOT IN (SELECT code FROM ref_countries WHERE NOT withdrawn)
                                  AND country NOT IN (SELECT code FROM ref_regions WHERE NOT withdrawn))
                   AS unknown
        FROM project_countries SEMI JOIN selected USING (project_id) GROUP BY project_id
    ) c USING (project_id)
    LEFT JOIN (
        SELECT project_id, count(*) AS sectors,
               CASE WHEN count(*) = count(share) THEN sum(share) END AS shares,
               count(*) FILTER (WHERE sector NOT IN (SELECT code FROM ref_sectors WHERE NOT withdrawn))
                   AS unknown
        FROM project_sectors SEMI JOIN selected USING (project_id) GROUP BY project_id
    ) k USING (project_id)
    LEFT JOIN (
        SELECT t.project_id, max(t.date) AS last_date,
               count(*) FILTER (WHERE t.date > p.end_date AND t.type IN ('disbursement', 'expenditure'))
                   AS after_end
        FROM transactions t JOIN selected p USING (project_id) GROUP BY t.project_id
    ) t USING (project_id)
    LEFT JOIN (
        SELECT project_id, max(start_date) AS last_date
        FROM activities SEMI JOIN selected USING (project_id) GROUP BY project_id
    ) a USING (project_id)
)"""

FACT_COLUMNS = (
    "has_budget, funders, countries, sectors, country_shares, sector_shares, unknown_codes, "
    "last_activity, contributions, contributions_comparable, after_end"
)

# A project's own fields the spend flags and quality checks read, kept beside its figures.
PROJECT_COLUMNS = "status, start_date, end_date, currency, budget, illustrative"

# project_rows: each selected project's own fields and facts, worked out live...
LIVE_PROJECT_ROWS = f"""{PROJECT_FACTS},
project_rows AS (
    SELECT s.project_id, {", ".join(f"s.{c}" for c in PROJECT_COLUMNS.split(", "))},
           f.* EXCLUDE (project_id)
    FROM selected s JOIN project_facts f USING (project_id)
)"""
# ... or as the write path left them: one table read, no join.
ROLLUP_PROJECT_ROWS = f"""
project_rows AS (
    SELECT project_id, {PROJECT_COLUMNS}, {FACT_COLUMNS}
    FROM rollup_projects SEMI JOIN selected USING (project_id) WHERE reporting_currency = '{ROLLUP_CURRENCY}'
)"""

# The same facts, as the write path left them, for the selected projects.
ROLLUP_FACTS = f"""
project_facts AS (
    SELECT project_id, {FACT_COLUMNS} FROM rollup_projects SEMI JOIN selected USING (project_id)
    WHERE reporting_currency = '{ROLLUP_CURRENCY}'
)"""

# project_amounts, amounts and provenance (as portfolio.money makes them), from the rollups.
ROLLUP_AMOUNTS = """
rolled_amounts AS (
    SELECT project_id, budget_cents AS cents, currencies, first_date, last_date, sources
    FROM rollup_projects SEMI JOIN selected USING (project_id)
    WHERE has_amount AND reporting_currency = $currency
),
project_amounts AS (SELECT project_id, cents FROM rolled_amounts),
amounts AS (SELECT project_id, cents FROM rolled_amounts WHERE cents IS NOT NULL),
provenance AS (
    SELECT project_id, currencies, first_date, last_date, sources FROM rolled_amounts
)"""

# spend and spent (as portfolio.money makes them), from the rollups.
SPEND_COLUMNS = ", ".join(
    (
        "commitment_cents",
        "disbursement_cents",
        "expenditure_cents",
        "expenditures",
        "unconverted",
        "unconverted_currencies",
    )
)
ROLLUP_SPEND = f"""
spend AS (
    SELECT project_id, {SPEND_COLUMNS}, spent_cents
    FROM rollup_projects SEMI JOIN selected USING (project_id)
    WHERE has_spend AND reporting_currency = $currency
),
spent AS (SELECT project_id, spent_cents AS cents FROM spend)"""

# What the spend review reads per project, in one row (see portfolio.spend).
ROLLUP_PER_PROJECT = f"""
per_project AS (
    SELECT project_id, {PROJECT_COLUMNS}, budget_cents,
           has_amount AND budget_cents IS NULL AS budget_unconverted, {SPEND_COLUMNS}, spent_cents,
           after_end, contributions, contributions_comparable
    FROM rollup_projects SEMI JOIN selected USING (project_id) WHERE reporting_currency = $currency
)"""


# The breakdowns whose split of what each project spent is kept too (the spend review's).
SPENT_BREAKDOWNS = ("funder", "implementer")


def rollup_attributed(by: str, spent: bool = False) -> str:
    """attributed(project_id, key, estimated, cents, and the project's provenance) of one
    breakdown of the budget (or, with `spent`, of what was spent), from the rollups."""
    if by not in (SPENT_BREAKDOWNS if spent else BREAKDOWNS):
        raise ValueError(f"no rollup of {'spending' if spent else 'budgets'} by {by!r}")
    return f"""
attributed AS (
    SELECT r.* EXCLUDE (breakdown) FROM rollup_attributed r
    SEMI JOIN selected USING (project_id)
    WHERE r.breakdown = '{"spent:" if spent else ""}{by}' AND r.reporting_currency = $currency
)"""


# The projects whose rollups this write works out again (see `rebuild`).
DIRTY = "selected AS (SELECT * FROM projects SEMI JOIN rollup_dirty USING (project_id))"

# What a project's rollups are made from: its own rows in these tables, and the settings below.
FINGERPRINTED = (
    "projects",
    "project_orgs",
    "project_countries",
    "project_sectors",
    "budgets",
    "transactions",
    "activities",
)
FINGERPRINTS = (
    "SELECT project_id, sum(h) AS fingerprint FROM ("
    + " UNION ALL ".join(
        f"SELECT project_id, hash('{t}', r) AS h FROM {t} r WHERE {{only}}" for t in FINGERPRINTED
    )
    + ") GROUP BY project_id"
)
# A write that says which projects it changed (`changed`) has only those fingerprinted.
CHANGED = "project_id IN (SELECT project_id FROM changed_projects)"


def changed_only(cur: duckdb.DuckDBPyConnection) -> str:
    """A condition on project_id: those the write said it `changed`, else every one."""
    said = cur.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE temporary AND table_name = 'changed_projects'"
    ).fetchall()[0][0]
    return CHANGED if said else "true"


def changed(cur: duckdb.DuckDBPyConnection, projects: str, params: dict | list | None = None) -> None:
    """Say, inside a write, that it changes only the projects the query `projects` lists (by
    project_id, before or after the change): its rollups then re-check those alone, rather than
    hashing every project's rows (seconds at a million projects). A write that changes any other
    project must not say so."""
    cur.execute("CREATE TEMP TABLE IF NOT EXISTS changed_projects (project_id VARCHAR)")
    cur.execute(f"INSERT INTO changed_projects {projects}", params)


SETTINGS = """
SELECT CAST(hash((SELECT sum(hash(r)) FROM fx_rates r), (SELECT sum(hash(r)) FROM fx_user_rates r),
                 (SELECT max(value) FROM meta WHERE key = 'fx_method'),
                 (SELECT sum(hash(r)) FROM ref_countries r), (SELECT sum(hash(r)) FROM ref_regions r),
                 (SELECT sum(hash(r)) FROM ref_sectors r)) AS VARCHAR)
"""

# Transactions are converted once, into a table of this transaction, and added up twice.
_TRANSACTION_CENTS = f"""CREATE TEMP TABLE rollup_transaction_cents AS
WITH {DIRTY}, {TRANSACTION_CENTS}
SELECT project_id, type, date, currency, cents FROM cents_transaction_lines"""

# Facts hold no money: in another currency they are the EUR rows' (built first), not worked out again.
KEPT_FACTS = f"""
project_facts AS (
    SELECT project_id, {FACT_COLUMNS} FROM rollup_projects SEMI JOIN selected USING (project_id)
    WHERE reporting_currency = '{ROLLUP_CURRENCY}'
)"""


def _projects(facts: str) -> str:
    return f"""INSERT INTO rollup_projects BY NAME
    WITH {DIRTY}, {facts}, {PROJECT_AMOUNTS}, {PROVENANCE},
    cents_transaction_lines AS (SELECT * FROM rollup_transaction_cents), {SPEND_PER_PROJECT}
    SELECT $currency AS reporting_currency, f.*, {", ".join(f"s.{c}" for c in PROJECT_COLUMNS.split(", "))},
           n.fingerprint,
           pa.project_id IS NOT NULL AS has_amount, pa.cents AS budget_cents,
           p.currencies, p.first_date, p.last_date, p.sources,
           sp.project_id IS NOT NULL AS has_spend, {", ".join(f"sp.{c}" for c in SPEND_COLUMNS.split(", "))},
           st.cents AS spent_cents
    FROM project_facts f JOIN selected s USING (project_id) JOIN rollup_now n USING (project_id)
    LEFT JOIN project_amounts pa USING (project_id)
    LEFT JOIN provenance p USING (project_id)
    LEFT JOIN spend sp USING (project_id)
    LEFT JOIN spent st USING (project_id)"""


# Each project's parts, from its row in rollup_projects (and rollup_transaction_cents).
_SPLITS = [
    *[
        f"""INSERT INTO rollup_attributed BY NAME
        WITH {DIRTY}, {BUDGET_LINES},
        amounts AS (
            SELECT project_id, budget_cents AS cents
            FROM rollup_projects SEMI JOIN selected USING (project_id)
            WHERE budget_cents IS NOT NULL AND reporting_currency = $currency
        ),
        {attributed(by)}
        SELECT $currency AS reporting_currency, '{by}' AS breakdown, a.project_id, a.key, a.estimated,
               a.cents, r.currencies, r.first_date, r.last_date, r.sources
        FROM attributed a
        JOIN (SELECT * FROM rollup_projects WHERE reporting_currency = $currency) r USING (project_id)"""
        for by in BREAKDOWNS
    ],
    *[
        f"""INSERT INTO rollup_attributed BY NAME
        WITH {DIRTY},
        amounts AS (
            SELECT project_id, spent_cents AS cents
            FROM rollup_projects SEMI JOIN selected USING (project_id)
            WHERE spent_cents IS NOT NULL AND reporting_currency = $currency
        ),
        {attributed(by)}
        SELECT $currency AS reporting_currency, 'spent:{by}' AS breakdown, project_id, key, estimated, cents
        FROM attributed"""
        for by in SPENT_BREAKDOWNS
    ],
    """INSERT INTO rollup_spend_years BY NAME
    SELECT $currency AS reporting_currency, project_id, CAST(year(date) AS VARCHAR) AS year,
           sum(cents) FILTER (WHERE type = 'commitment') AS commitment_cents,
           sum(cents) FILTER (WHERE type = 'disbursement') AS disbursement_cents,
           sum(cents) FILTER (WHERE type = 'expenditure') AS expenditure_cents
    FROM rollup_transaction_cents GROUP BY ALL""",
]


# The `parts` of portfolio.queries.BREAKDOWN over every project: what a breakdown adds up.
PARTS = """
INSERT INTO rollup_parts BY NAME
SELECT $currency AS reporting_currency, breakdown, key, currencies, sources, sum(cents) AS cents,
       count(*) AS projects, bool_or(estimated) AS estimated,
       coalesce(sum(cents) FILTER (WHERE estimated), 0) AS estimated_cents,
       min(first_date) AS first_date, max(last_date) AS last_date
FROM rollup_attributed a
WHERE reporting_currency = $currency AND breakdown IN ({}) {{touched}}
GROUP BY ALL
""".format(", ".join(f"'{by}'" for by in BREAKDOWNS))
# A write that changes a few projects adds up again only the parts they were or are in.
TOUCHED = """AND EXISTS (
    SELECT 1 FROM rollup_touched t
    WHERE t.breakdown = {table}.breakdown AND t.key IS NOT DISTINCT FROM {table}.key
)"""
# The parts the dirty projects are in, before their rows go and once they are back.
NOTE_TOUCHED = """
INSERT INTO rollup_touched
SELECT DISTINCT breakdown, key FROM rollup_attributed
WHERE project_id IN (SELECT project_id FROM rollup_dirty)"""

# The same, read back for one breakdown.
ROLLUP_PARTS = """
parts AS (
    SELECT key, currencies, sources, cents, projects, estimated, estimated_cents, first_date, last_date
    FROM rollup_parts WHERE breakdown = $by AND reporting_currency = $currency
)"""


def _meta(cur: duckdb.DuckDBPyConnection, key: str) -> str | None:
    rows = cur.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchall()
    return rows[0][0] if rows else None


def _kept(cur: duckdb.DuckDBPyConnection) -> list[str]:
    return (_meta(cur, "rollup_currencies") or ROLLUP_CURRENCY).split(",")


def kept(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The reporting currencies the rollups hold, EUR first."""
    with con.cursor() as cur:
        return _kept(cur)


def _build(cur: duckdb.DuckDBPyConnection, currency: str) -> None:
    """Rollup rows in `currency` for the projects in rollup_dirty (whose rows are gone; in EUR
    first, as other currencies take their facts from the EUR rows)."""
    facts = PROJECT_FACTS if currency == ROLLUP_CURRENCY else KEPT_FACTS
    for statement in [_TRANSACTION_CENTS, _projects(facts), *_SPLITS]:
        cur.execute(statement, {"currency": currency} if "$currency" in statement else None)
    cur.execute("DROP TABLE rollup_transaction_cents")


def _add_up(cur: duckdb.DuckDBPyConnection, currency: str, touched: bool = False) -> None:
    """Add up the parts in `currency`: all of them, or (`touched`) those in rollup_touched."""
    only = TOUCHED.format(table="rollup_parts") if touched else ""
    cur.execute(
        f"DELETE FROM rollup_parts WHERE reporting_currency = $currency {only}", {"currency": currency}
    )
    only = TOUCHED.format(table="a") if touched else ""
    cur.execute(PARTS.format(touched=only), {"currency": currency})


def rebuild(cur: duckdb.DuckDBPyConnection) -> int:
    """Bring the rollups in step with the portfolio as `cur` sees it, inside a write; returns
    the number of projects worked out again.

    Only projects whose rows changed are redone, in every kept currency: each project's rows
    (of the projects the write said it `changed`, else of every project) are hashed into a
    fingerprint kept beside its facts, and the ones that differ (or are new, or gone) are
    deleted and built again. A change of rates, of the way amounts are converted,
    of the reference lists or of this module's FORMAT redoes every project, in EUR only.
    """
    settings = cur.execute(SETTINGS).fetchall()[0][0]
    state = _meta(cur, "rollups")
    everything = state not in (FORMAT, FORMAT + PENDING) or _meta(cur, "rollup_settings") != settings
    currencies = [ROLLUP_CURRENCY] if everything else _kept(cur)
    only = "true" if everything else changed_only(cur)
    if only != "true" and state == FORMAT + PENDING:
        changed(cur, "SELECT project_id FROM rollup_pending")  # what an earlier write left undone
    cur.execute(f"CREATE TEMP TABLE rollup_now AS {FINGERPRINTS.format(only=only)}")
    if everything:
        for table in FIGURES:
            cur.execute(f"DELETE FROM {table}")
        cur.execute("CREATE TEMP TABLE rollup_dirty AS SELECT project_id FROM rollup_now")
    else:
        cur.execute(
            f"""CREATE TEMP TABLE rollup_dirty AS
            SELECT project_id FROM rollup_now n
            FULL JOIN (
                SELECT project_id, fingerprint FROM rollup_projects
                WHERE reporting_currency = '{ROLLUP_CURRENCY}' AND {only}
            ) f USING (project_id)
            WHERE n.fingerprint IS DISTINCT FROM f.fingerprint"""
        )
        cur.execute("CREATE TEMP TABLE rollup_touched (breakdown VARCHAR, key VARCHAR)")
        cur.execute(NOTE_TOUCHED)
        for table in TABLES:
            cur.execute(f"DELETE FROM {table} WHERE project_id IN (SELECT project_id FROM rollup_dirty)")
    redone = cur.execute("SELECT count(*) FROM rollup_dirty").fetchall()[0][0]
    if redone:
        for currency in currencies:
            _build(cur, currency)
    if not everything:
        cur.execute(NOTE_TOUCHED)
    if redone or everything:
        for currency in currencies:
            _add_up(cur, currency, touched=not everything)
    for table in ("rollup_now", "rollup_dirty", "rollup_touched", "changed_projects"):
        cur.execute(f"DROP TABLE IF EXISTS {table}")
    cur.execute("DELETE FROM rollup_pending")
    cur.execute("UPDATE meta SET value = ? WHERE key = 'rollup_settings'", [settings])
    cur.execute("UPDATE meta SET value = ? WHERE key = 'rollups'", [FORMAT])
    cur.execute("UPDATE meta SET value = ? WHERE key = 'rollup_currencies'", [",".join(currencies)])
    return redone


def defer(cur: duckdb.DuckDBPyConnection) -> None:
    """Leave the figures of the projects this write `changed` for `settle`, inside the write.

    A large import writes its rows in a fraction of the time working out their figures takes;
    until `settle` has run, readers see the rollups as not in step and work everything out
    live, so no page shows figures older than the data. A write that did not say which
    projects it changed, or whose rollups are not in step already, brings them in step now.
    """
    if changed_only(cur) == "true" or _meta(cur, "rollups") not in (FORMAT, FORMAT + PENDING):
        rebuild(cur)
        return
    cur.execute("INSERT INTO rollup_pending SELECT DISTINCT project_id FROM changed_projects")
    cur.execute("DROP TABLE changed_projects")
    cur.execute("UPDATE meta SET value = ? WHERE key = 'rollups'", [FORMAT + PENDING])


def pending(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether a write left projects' figures for `settle`."""
    return _meta_value(con, "rollups") == FORMAT + PENDING


def settle(store) -> int:
    """Work out the figures a write left for later (`defer`), in a write of figures alone;
    returns the number of projects worked out."""
    with store.write(figures_only=True) as cur:
        if _meta(cur, "rollups") != FORMAT + PENDING:
            return 0
        changed(cur, "SELECT project_id FROM rollup_pending")
        return rebuild(cur)


def keep(store, currency: str) -> bool:
    """Work every project out in `currency` and keep it in step from now on, unless it is kept
    already, MORE_CURRENCIES others are, or the rollups are not in step; whether it is kept.

    The data and its version stay as they are: these rows are figures derived from them.
    """
    with store.write(figures_only=True) as cur:
        currencies = _kept(cur)
        if currency in currencies:
            return True
        if len(currencies) > MORE_CURRENCIES or _meta(cur, "rollups") != FORMAT:
            return False
        cur.execute(
            f"""CREATE TEMP TABLE rollup_now AS SELECT project_id, fingerprint FROM rollup_projects
            WHERE reporting_currency = '{ROLLUP_CURRENCY}'"""
        )
        cur.execute("CREATE TEMP TABLE rollup_dirty AS SELECT project_id FROM rollup_now")
        _build(cur, currency)
        _add_up(cur, currency)
        for table in ("rollup_now", "rollup_dirty"):
            cur.execute(f"DROP TABLE {table}")
        cur.execute(
            "UPDATE meta SET value = ? WHERE key = 'rollup_currencies'", [",".join([*currencies, currency])]
        )
    return True


def _meta_value(con: duckdb.DuckDBPyConnection, key: str) -> str | None:
    with con.cursor() as cur:
        return _meta(cur, key)


def fresh(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the rollups are in step with the data: they are after any write, as every write
    goes through Store.write(); not in a database an older aidtrack wrote, until its next write,
    nor after a write that left some projects' figures for `settle`, until it has run."""
    return _meta_value(con, "rollups") == FORMAT


def wanted(con: duckdb.DuckDBPyConnection, currency: str) -> bool:
    """Whether `keep(store, currency)` would work something out."""
    currencies = kept(con)
    return currency not in currencies and len(currencies) <= MORE_CURRENCIES and fresh(con)


def project_rows(con: duckdb.DuckDBPyConnection) -> str:
    """The CTE project_rows: from the rollups where they are in step, else worked out live."""
    return ROLLUP_PROJECT_ROWS if fresh(con) else LIVE_PROJECT_ROWS


def usable(con: duckdb.DuckDBPyConnection, currency: str) -> bool:
    """Whether money in `currency` can be read from the rollups."""
    return fresh(con) and currency in kept(con)


def in_one_version(read):
    """A read of the portfolio that chooses between these figures and live ones (`usable`,
    `fresh`), done again when a write's commit lands while it runs: it may have chosen before the
    commit and read after it, and a file import leaves its projects' figures for `settle`.
    (A page run is read again the same way, at the version it pinned: ui.db.)"""

    @functools.wraps(read)
    def again(con: duckdb.DuckDBPyConnection, *args, **kwargs):
        for _ in range(10):  # a write lands in a read's fraction of a second, rarely twice
            version = _meta_value(con, "data_version")
            result = read(con, *args, **kwargs)
            if _meta_value(con, "data_version") == version:
                break
        return result

    return again
