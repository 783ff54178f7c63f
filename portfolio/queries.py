"""Every read the pages and the CLI make. Each function takes a cursor and returns a DataFrame
or a small dataclass; values are always bound parameters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import duckdb
import pandas as pd
import pyarrow as pa

from portfolio import rollups
from portfolio.filters import Filters, project_filter
from portfolio.money import (
    BUDGET_LINES,
    PERIOD_BUDGETS,
    PROJECT_AMOUNTS,
    PROVENANCE,
    RATE_WINDOW_DAYS,
    attributed,
    cents_to_decimal,
    converted,
)

REPORTING_CURRENCY = "EUR"


def _used(sql: str, params: dict | list | None) -> dict | list | None:
    """The named parameters `sql` uses: a query read from the rollups may not need them all,
    and DuckDB refuses unused ones."""
    if not isinstance(params, dict):
        return params
    names = set(re.findall(r"\$(\w+)", sql))
    return {name: value for name, value in params.items() if name in names}


def _frame(con: duckdb.DuckDBPyConnection, sql: str, params: dict | list | None = None) -> pd.DataFrame:
    """A query's rows, on a fresh cursor, as a DataFrame whose money columns stay exact decimals."""
    with con.cursor() as cur:
        table = cur.sql(sql, params=_used(sql, params)).to_arrow_table()
    return table.to_pandas(types_mapper=lambda t: pd.ArrowDtype(t) if pa.types.is_decimal(t) else None)


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: dict | list | None = None) -> list[tuple]:
    """A query's rows, on a fresh cursor."""
    with con.cursor() as cur:
        return cur.execute(sql, _used(sql, params)).fetchall()


def _over(
    sql: str, filters: Filters, first: str | None = None, where: str | None = None, **params
) -> tuple[str, dict]:
    """`sql`, whose WITH list starts at {selected}, over the projects `filters` match (and the
    condition `where`, over `projects p`); with `first` (an ORDER BY over `projects p`), only
    the first $limit of them."""
    condition, filter_params = project_filter(filters)
    if where:
        condition = f"{condition} AND {where}"
    selected = f"selected AS (SELECT * FROM projects p WHERE {condition}"
    selected += f" ORDER BY {first} LIMIT $limit)" if first else ")"
    sql = sql.format(selected=selected)
    if condition == "TRUE" and not first:
        # Every project is selected: a semi-join with all of them keeps every row, and costs
        # a hash join per table read (a good part of a read at a million projects).
        sql = sql.replace("SEMI JOIN selected USING (project_id)", "")
    return sql, {**filter_params, **params}


def _everything(filters: Filters) -> bool:
    """Whether `filters` select every project."""
    return project_filter(filters)[0] == "TRUE"


def _money(con: duckdb.DuckDBPyConnection, currency: str) -> str:
    """The CTEs project_amounts, amounts and provenance of the selected projects: from the
    rollups the write path keeps (portfolio.rollups) where they hold `currency`, else live."""
    if rollups.usable(con, currency):
        return rollups.ROLLUP_AMOUNTS
    return f"{PROJECT_AMOUNTS},\n{PROVENANCE}"


def _attributed(con: duckdb.DuckDBPyConnection, by: str, currency: str) -> str:
    """The CTE attributed_rows(project_id, key, estimated, cents, currencies, first_date,
    last_date, sources) of one breakdown, after _money."""
    if rollups.usable(con, currency):
        return f"{rollups.rollup_attributed(by)},\nattributed_rows AS (SELECT * FROM attributed)"
    return f"""{attributed(by)},
attributed_rows AS (
    SELECT a.*, p.currencies, p.first_date, p.last_date, p.sources
    FROM attributed a LEFT JOIN provenance p USING (project_id)
)"""


def _facts(con: duckdb.DuckDBPyConnection) -> str:
    """The CTE project_facts of the selected projects (portfolio.rollups.PROJECT_FACTS)."""
    return rollups.ROLLUP_FACTS if rollups.fresh(con) else rollups.PROJECT_FACTS


# --- Headline figures -----------------------------------------------------------------------


@dataclass(frozen=True)
class Headline:
    """The Overview's headline figures for the filtered portfolio."""

    projects: int
    total_budget: Decimal
    currency: str
    with_budget: int
    without_budget: int
    unconverted: int
    funders: int
    implementers: int
    countries: int
    active: int
    illustrative: int

    @property
    def total(self) -> Decimal | None:
        """The total budget, or None where projects are chosen and not one has a budget that adds
        up (none recorded, or none with a rate for `currency`): the total of nothing recorded is not
        a budget of 0.00. Where some add up, their total, the others counted apart."""
        return self.total_budget if self.with_budget or not self.projects else None

    @property
    def why_no_total(self) -> str | None:
        """Why `total` is not known, as every page and the command line say it; None where it is."""
        if self.total is not None:
            return None
        in_currency = f" in {self.currency}" if self.unconverted else ""
        return f"None of these projects has a budget that could be added up{in_currency}."


HEADLINE = f"""
WITH {{{{selected}}}}, {{money}}
SELECT
    (SELECT count(*) FROM selected),
    (SELECT {cents_to_decimal("coalesce(sum(cents), 0)")} FROM amounts),
    (SELECT count(*) FROM amounts),
    -- project_amounts holds the selected projects with a budget, once each.
    (SELECT count(*) FROM selected) - (SELECT count(*) FROM project_amounts),
    (SELECT count(*) FROM project_amounts WHERE cents IS NULL),
    (SELECT count(DISTINCT org_id) FROM project_orgs SEMI JOIN selected USING (project_id)
        WHERE role = 'funding'),
    (SELECT count(DISTINCT org_id) FROM project_orgs SEMI JOIN selected USING (project_id)
        WHERE role = 'implementing'),
    (SELECT count(DISTINCT country) FROM project_countries SEMI JOIN selected USING (project_id)
        WHERE country IN (SELECT code FROM ref_countries)),
    (SELECT count(*) FROM selected WHERE status = 'implementation'
        OR (status IS NULL AND start_date <= $today AND end_date >= $today)),
    (SELECT count(*) FROM selected WHERE illustrative)
"""


@rollups.in_one_version
def headline(
    con: duckdb.DuckDBPyConnection,
    filters: Filters,
    currency: str = REPORTING_CURRENCY,
    today: date | None = None,
) -> Headline:
    sql = HEADLINE.format(money=_money(con, currency))
    (row,) = _rows(con, *_over(sql, filters, currency=currency, today=today or date.today()))
    (
        projects,
        total,
        with_budget,
        without,
        unconverted,
        funders,
        implementers,
        countries,
        active,
        ill,
    ) = row
    return Headline(
        projects=projects,
        total_budget=total,
        currency=currency,
        with_budget=with_budget,
        without_budget=without,
        unconverted=unconverted,
        funders=funders,
        implementers=implementers,
        countries=countries,
        active=active,
        illustrative=ill,
    )


# --- Breakdowns -----------------------------------------------------------------------------

NOT_RECORDED = {
    "funder": "Funder not recorded",
    "implementer": "Implementer not recorded",
    "country": "Country not recorded",
    "sector": "Sector not recorded",
    "status": "Status not recorded",
    "year": "Dates not recorded",
}

KEY_NAMES = {
    "funder": "(SELECT coalesce(acronym, name) FROM organisations WHERE org_id = key)",
    "implementer": "(SELECT coalesce(acronym, name) FROM organisations WHERE org_id = key)",
    "country": "coalesce((SELECT name FROM ref_countries WHERE code = key),"
    " (SELECT name FROM ref_regions WHERE code = key))",
    "sector": "(SELECT name FROM ref_sectors WHERE code = key)",
    "status": "(SELECT name FROM ref_activity_statuses WHERE status = key)",
    "year": "key",
}

# Added up twice: per key and provenance (few rows), then per key. Each project has one part
# per key (shares are keyed by project and key), so counting parts counts projects.
PARTS = """
parts AS (
    SELECT key, currencies, sources, sum(cents) AS cents, count(*) AS projects,
           bool_or(estimated) AS estimated,
           coalesce(sum(cents) FILTER (WHERE estimated), 0) AS estimated_cents,
           min(first_date) AS first_date, max(last_date) AS last_date
    FROM attributed_rows GROUP BY ALL
)"""
BREAKDOWN = """
WITH {{selected}}, {parts}
SELECT key, coalesce({name}, key, $not_recorded) AS name,
       {amount} AS amount,
       CAST(sum(projects) AS BIGINT) AS projects,
       bool_or(estimated) AS estimated,
       {estimated_amount} AS estimated_amount,
       key IS NULL AS not_recorded,
       {is_region} AS is_region,
       array_to_string(list_sort(list_distinct(flatten(list(currencies)))), ', ') AS currencies,
       min(first_date) AS first_value_date, max(last_date) AS last_value_date,
       array_to_string(list_sort(list_distinct(flatten(list(sources)))), '; ') AS rate_sources
FROM parts
GROUP BY key
ORDER BY key IS NULL, amount DESC, name
"""


@rollups.in_one_version
def breakdown(
    con: duckdb.DuckDBPyConnection,
    by: str,
    filters: Filters,
    currency: str = REPORTING_CURRENCY,
) -> pd.DataFrame:
    """The filtered budget attributed to each funder, implementer, country, sector, status or year.

    Columns: key, name, amount (exact, in `currency`), projects, estimated (some of it split
    equally for want of shares), estimated_amount, not_recorded, is_region. The amounts add up
    to `headline().total_budget` to the cent.
    """
    if _everything(filters) and rollups.usable(con, currency):
        parts = rollups.ROLLUP_PARTS  # the whole portfolio's, added up by the write path
    else:
        parts = f"{_money(con, currency)},\n{_attributed(con, by, currency)},\n{PARTS}"
    sql = BREAKDOWN.format(
        parts=parts,
        name=KEY_NAMES[by],
        amount=cents_to_decimal("sum(cents)"),
        estimated_amount=cents_to_decimal("sum(estimated_cents)"),
        is_region="coalesce(key IN (SELECT code FROM ref_regions), false)" if by == "country" else "false",
    )
    frame = _frame(con, *_over(sql, filters, currency=currency, not_recorded=NOT_RECORDED[by], by=by))
    if by == "year":
        frame = frame.sort_values(["not_recorded", "key"], kind="stable").reset_index(drop=True)
    return frame


ESTIMATED_PROJECTS = """
WITH {{selected}}, {money},
{attributed}
SELECT count(DISTINCT project_id) FROM attributed_rows WHERE estimated
"""


@rollups.in_one_version
def estimated_projects(
    con: duckdb.DuckDBPyConnection,
    by: str,
    filters: Filters,
    currency: str = REPORTING_CURRENCY,
) -> int:
    """How many of the filtered projects have money that `breakdown(by)` splits equally, for want
    of recorded shares or contributions."""
    sql = ESTIMATED_PROJECTS.format(money=_money(con, currency), attributed=_attributed(con, by, currency))
    return _rows(con, *_over(sql, filters, currency=currency, by=by))[0][0]


def map_countries(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Alpha-3 code and name of every country, for joining a breakdown onto the map."""
    return _frame(con, "SELECT code, name FROM ref_countries")


# --- Projects -------------------------------------------------------------------------------

UNCONVERTED = """
WITH {{selected}}, {money}
SELECT s.project_id, s.title, s.currency, s.budget
FROM selected s JOIN project_amounts pa USING (project_id)
WHERE pa.cents IS NULL
ORDER BY s.illustrative, s.project_id
LIMIT $limit
"""


UNCONVERTED_CURRENCIES = """
WITH {{selected}}, {money}
SELECT DISTINCT unnest(pv.currencies) AS currency
FROM project_amounts pa JOIN provenance pv USING (project_id)
WHERE pa.cents IS NULL
ORDER BY 1
"""


@rollups.in_one_version
def unconverted_currencies(
    con: duckdb.DuckDBPyConnection, filters: Filters, currency: str = REPORTING_CURRENCY
) -> list[str]:
    """The currencies of the filtered projects' budgets that could not be converted to `currency`
    (headline().unconverted of them), for want of a rate for their date."""
    sql = UNCONVERTED_CURRENCIES.format(money=_money(con, currency))
    return [c for (c,) in _rows(con, *_over(sql, filters, currency=currency))]


@rollups.in_one_version
def unconverted(
    con: duckdb.DuckDBPyConnection, filters: Filters, currency: str = REPORTING_CURRENCY, limit: int = 5000
) -> pd.DataFrame:
    """The filtered projects whose budget could not be converted to `currency` (the first `limit`)."""
    sql = UNCONVERTED.format(money=_money(con, currency))
    return _frame(con, *_over(sql, filters, currency=currency, limit=limit))


PROJECT_TABLE = f"""
WITH {{selected}}, {PROJECT_AMOUNTS},
orgs AS (
    SELECT po.project_id, po.role,
           string_agg(coalesce(o.acronym, o.name), ', ' ORDER BY coalesce(o.acronym, o.name)) AS names
    FROM project_orgs po JOIN organisations o USING (org_id) JOIN selected USING (project_id)
    GROUP BY ALL
),
places AS (
    SELECT pc.project_id,
           string_agg(coalesce(c.name, r.name, pc.country), ', ' ORDER BY pc.share DESC NULLS LAST,
                      coalesce(c.name, r.name, pc.country)) AS names
    FROM project_countries pc JOIN selected USING (project_id)
    LEFT JOIN ref_countries c ON c.code = pc.country LEFT JOIN ref_regions r ON r.code = pc.country
    GROUP BY ALL
),
periods AS (
    -- A project without a total of its own is budgeted by period: its own-currency budget is
    -- their sum where every period is in the project's currency.
    SELECT b.project_id, sum(b.amount) AS amount,
           bool_and(coalesce(b.currency, s.currency) = s.currency) AS in_own_currency
    FROM counted_budgets b JOIN selected s USING (project_id) WHERE s.budget IS NULL
    GROUP BY b.project_id
)
SELECT s.project_id, s.title, st.name AS status,
       f.names AS funders, i.names AS implementers, pl.names AS countries,
       s.start_date, s.end_date, s.currency,
       coalesce(s.budget, CASE WHEN pe.in_own_currency THEN pe.amount END) AS budget,
       {cents_to_decimal("pa.cents")} AS budget_reporting,
       CASE WHEN pa.project_id IS NULL THEN 'no budget recorded'
            WHEN pa.cents IS NULL AND s.budget IS NOT NULL AND s.start_date IS NULL
                THEN 'not converted to ' || $currency || ': no start date to take a rate from'
            WHEN pa.cents IS NULL THEN 'not converted to ' || $currency || ': no rate for its date'
            WHEN pe.project_id IS NOT NULL AND pe.in_own_currency THEN 'the sum of its budget periods'
            WHEN pe.project_id IS NOT NULL THEN 'the sum of its budget periods, in several currencies'
       END AS budget_note,
       pa.project_id IS NOT NULL AND pa.cents IS NULL AS unconverted,
       CASE WHEN s.illustrative THEN 'Illustrative' WHEN im.format = 'sample' THEN 'Seed page'
            ELSE coalesce(im.file_name, 'Entered') END AS source,
       s.visibility, s.illustrative
FROM selected s
LEFT JOIN ref_activity_statuses st ON st.status = s.status
LEFT JOIN orgs f ON f.project_id = s.project_id AND f.role = 'funding'
LEFT JOIN orgs i ON i.project_id = s.project_id AND i.role = 'implementing'
LEFT JOIN places pl ON pl.project_id = s.project_id
LEFT JOIN project_amounts pa ON pa.project_id = s.project_id
LEFT JOIN periods pe ON pe.project_id = s.project_id
LEFT JOIN imports im ON im.import_id = s.import_id
ORDER BY s.illustrative, s.project_id
"""


def project_table(
    con: duckdb.DuckDBPyConnection,
    filters: Filters,
    currency: str = REPORTING_CURRENCY,
    limit: int = 5000,
) -> pd.DataFrame:
    """One row per filtered project (the first `limit`), seed and imported projects first.

    The page of projects is chosen first, then only its names and amounts are looked up, so
    the table costs the same at a thousand projects or a million (headline() counts them all).
    """
    return _frame(
        con,
        *_over(PROJECT_TABLE, filters, first="p.illustrative, p.project_id", currency=currency, limit=limit),
    )


@dataclass(frozen=True)
class ProjectDetail:
    """Everything the project view shows about one project."""

    project: dict
    organisations: pd.DataFrame
    countries: pd.DataFrame
    sectors: pd.DataFrame
    aims: list[str]
    budgets: pd.DataFrame
    activities: pd.DataFrame
    transactions: pd.DataFrame = field(default_factory=pd.DataFrame)
    links: pd.DataFrame = field(default_factory=pd.DataFrame)
    related: pd.DataFrame = field(default_factory=pd.DataFrame)
    classifications: pd.DataFrame = field(default_factory=pd.DataFrame)


PROJECT = f"""
WITH {{selected}}, {PROJECT_AMOUNTS}
SELECT s.*, st.name AS status_name, {cents_to_decimal("pa.cents")} AS budget_reporting,
       im.file_name AS import_file, im.format AS import_format, im.imported_at
FROM selected s
LEFT JOIN ref_activity_statuses st ON st.status = s.status
LEFT JOIN project_amounts pa USING (project_id)
LEFT JOIN imports im ON im.import_id = s.import_id
"""
PROJECT_ORGS = """
SELECT po.role, r.name AS role_name, o.name, o.acronym, o.org_id, po.amount AS contribution,
       -- a contribution with no currency of its own is in the project's, as the money views count it
       coalesce(po.currency, p.currency) AS currency
FROM project_orgs po JOIN organisations o USING (org_id) LEFT JOIN ref_org_roles r USING (role)
JOIN projects p USING (project_id)
WHERE po.project_id = ?
ORDER BY list_position(['funding', 'accountable', 'extending', 'implementing', 'partner',
                        'beneficiary'], po.role), o.name
"""
PROJECT_COUNTRIES = """
SELECT pc.country AS code, coalesce(c.name, r.name, pc.country) AS name, pc.share,
       r.code IS NOT NULL AS is_region
FROM project_countries pc
LEFT JOIN ref_countries c ON c.code = pc.country LEFT JOIN ref_regions r ON r.code = pc.country
WHERE pc.project_id = ? ORDER BY pc.share DESC NULLS LAST, name
"""
PROJECT_SECTORS = """
SELECT ps.sector AS code, coalesce(s.name, ps.sector) AS name, ps.share
FROM project_sectors ps LEFT JOIN ref_sectors s ON s.code = ps.sector
WHERE ps.project_id = ? ORDER BY ps.share DESC NULLS LAST, name
"""
PROJECT_BUDGETS = """
SELECT b.period_start, b.period_end, b.type, b.amount, coalesce(b.currency, p.currency) AS currency,
       b.type = 'original' AND EXISTS (
           SELECT 1 FROM budgets r WHERE r.project_id = b.project_id AND r.type = 'revised'
           AND r.period_start = b.period_start AND r.period_end = b.period_end) AS superseded
FROM budgets b JOIN projects p USING (project_id)
WHERE b.project_id = ? ORDER BY b.period_start, b.type
"""
PROJECT_ACTIVITIES = """
SELECT a.activity_id, a.title, a.kind, a.start_date, a.end_date, a.city,
       coalesce(c.name, a.country) AS country, a.participants, a.description, a.url
FROM activities a LEFT JOIN ref_countries c ON c.code = a.country
WHERE a.project_id = ? ORDER BY a.start_date NULLS LAST, a.title
"""
# Provider and receiver hold an organisation's id where the file named a known one ('DE'), else the
# name or IATI ref as written: shown by name where there is one.
PROJECT_TRANSACTIONS = """
SELECT t.date, tt.name AS type, t.amount, coalesce(t.currency, p.currency) AS currency,
       coalesce(po.name, t.provider_org) AS provider_org, coalesce(ro.name, t.receiver_org) AS receiver_org,
       t.description
FROM transactions t JOIN projects p USING (project_id)
LEFT JOIN ref_transaction_types tt ON tt.type = t.type
LEFT JOIN organisations po ON po.org_id = t.provider_org
LEFT JOIN organisations ro ON ro.org_id = t.receiver_org
WHERE t.project_id = ? ORDER BY t.date, t.transaction_id
"""


def project_detail(
    con: duckdb.DuckDBPyConnection,
    project_id: str,
    currency: str = REPORTING_CURRENCY,
    public_only: bool = False,
) -> ProjectDetail | None:
    """One project with its organisations, places, sectors, aims, budgets and events; None when
    there is no such project, or it is internal and only public ones may be shown."""
    rows = _frame(
        con,
        *_over(
            PROJECT,
            Filters(public_only=public_only),
            where="p.project_id = $project_id",
            currency=currency,
            project_id=project_id,
        ),
    )
    if rows.empty:
        return None
    aims = _rows(
        con,
        "SELECT aim FROM project_aims WHERE project_id = ? ORDER BY seq",
        [project_id],
    )
    return ProjectDetail(
        project=rows.iloc[0].to_dict(),
        organisations=_frame(con, PROJECT_ORGS, [project_id]),
        countries=_frame(con, PROJECT_COUNTRIES, [project_id]),
        sectors=_frame(con, PROJECT_SECTORS, [project_id]),
        aims=[a for (a,) in aims],
        budgets=_frame(con, PROJECT_BUDGETS, [project_id]),
        activities=_frame(con, PROJECT_ACTIVITIES, [project_id]),
        transactions=_frame(con, PROJECT_TRANSACTIONS, [project_id]),
        links=_frame(
            con, "SELECT title, url FROM project_links WHERE project_id = ? ORDER BY title, url", [project_id]
        ),
        # A relation to an internal project would give its ID and title away to a viewer.
        related=_frame(
            con,
            """SELECT r.relation, r.related_id, p.title FROM project_relations r
               LEFT JOIN projects p ON p.project_id = r.related_id
               WHERE r.project_id = ? AND NOT (? AND p.visibility IS NOT DISTINCT FROM 'internal')
               ORDER BY r.relation, r.related_id""",
            [project_id, public_only],
        ),
        classifications=_frame(
            con,
            """SELECT vocabulary, code, name, share FROM project_classifications
               WHERE project_id = ? ORDER BY vocabulary, code""",
            [project_id],
        ),
    )


# --- Activities -----------------------------------------------------------------------------

# The first events are chosen first; only they are joined to their projects.
ACTIVITIES = """
WITH {selected},
shown AS (
    SELECT a.* FROM activities a SEMI JOIN selected USING (project_id)
    WHERE list_contains($kinds, a.kind) OR len($kinds) = 0
    ORDER BY a.start_date NULLS LAST, a.title, a.activity_id
    LIMIT $limit
)
SELECT a.activity_id, a.title, a.kind, a.start_date, a.end_date, a.city, a.country,
       coalesce(c.name, a.country) AS country_name, a.latitude, a.longitude, a.participants,
       p.project_id, p.title AS project_title, p.illustrative
FROM shown a JOIN projects p USING (project_id)
LEFT JOIN ref_countries c ON c.code = a.country
ORDER BY a.start_date NULLS LAST, a.title, a.activity_id
"""


def activities(
    con: duckdb.DuckDBPyConnection,
    filters: Filters,
    kinds: tuple[str, ...] = (),
    limit: int = 5000,
) -> pd.DataFrame:
    """The events of the filtered projects, earliest first; undated ones last (the first `limit`;
    activity_counts() counts them all)."""
    return _frame(con, *_over(ACTIVITIES, filters, kinds=list(kinds), limit=limit))


@dataclass(frozen=True)
class ActivityCounts:
    """How many events the filters match, of how many projects, with a date and with a place."""

    events: int
    projects: int
    dated: int
    placed: int


ACTIVITY_COUNTS = """
WITH {selected}
SELECT count(*), count(DISTINCT a.project_id), count(a.start_date), count(a.latitude)
FROM activities a SEMI JOIN selected USING (project_id)
WHERE list_contains($kinds, a.kind) OR len($kinds) = 0
"""


def activity_counts(
    con: duckdb.DuckDBPyConnection, filters: Filters, kinds: tuple[str, ...] = ()
) -> ActivityCounts:
    (row,) = _rows(con, *_over(ACTIVITY_COUNTS, filters, kinds=list(kinds)))
    return ActivityCounts(*row)


# Too many events to draw one by one: how many per month and kind, and per place and kind.
EVENTS_BY_MONTH = """
WITH {selected}
SELECT CAST(date_trunc('month', a.start_date) AS DATE) AS month, a.kind, count(*) AS events
FROM activities a SEMI JOIN selected USING (project_id)
WHERE (list_contains($kinds, a.kind) OR len($kinds) = 0) AND a.start_date IS NOT NULL
GROUP BY ALL ORDER BY ALL
"""
# One row per place, its kinds in words: a dot per kind lay exactly on top of the others there,
# and at 100,000 projects every city showed one colour of six.
EVENTS_BY_PLACE = """
WITH {selected},
by_kind AS (
    SELECT a.city, a.country, a.kind, sum(a.latitude) AS latitudes, sum(a.longitude) AS longitudes,
           count(*) AS events
    FROM activities a SEMI JOIN selected USING (project_id)
    WHERE (list_contains($kinds, a.kind) OR len($kinds) = 0)
      AND a.latitude IS NOT NULL AND a.longitude IS NOT NULL
    GROUP BY a.city, a.country, a.kind
)
SELECT b.city, b.country, coalesce(c.name, b.country) AS country_name,
       sum(b.latitudes) / sum(b.events) AS latitude, sum(b.longitudes) / sum(b.events) AS longitude,
       CAST(sum(b.events) AS BIGINT) AS events,
       string_agg(format('{{}} {{:,}}', b.kind, b.events), '; ' ORDER BY b.events DESC, b.kind) AS kinds
FROM by_kind b LEFT JOIN ref_countries c ON c.code = b.country
GROUP BY b.city, b.country, c.name ORDER BY events DESC, b.city
LIMIT 2000
"""


# The countries events took place in, and how many of them have no coordinates: on the map of a
# portfolio with too many events to draw, such an event shades its country, as on the small map.
EVENTS_BY_COUNTRY = """
WITH {selected}
SELECT a.country, coalesce(c.name, a.country) AS name, count(*) AS events,
       count(*) FILTER (WHERE a.latitude IS NULL) AS unplaced
FROM activities a SEMI JOIN selected USING (project_id) LEFT JOIN ref_countries c ON c.code = a.country
WHERE (list_contains($kinds, a.kind) OR len($kinds) = 0) AND a.country IS NOT NULL
GROUP BY ALL ORDER BY events DESC, a.country
"""


def events_by_month(
    con: duckdb.DuckDBPyConnection, filters: Filters, kinds: tuple[str, ...] = ()
) -> pd.DataFrame:
    """Dated events of the filtered projects per month and kind: (month, kind, events)."""
    return _frame(con, *_over(EVENTS_BY_MONTH, filters, kinds=list(kinds)))


def events_by_place(
    con: duckdb.DuckDBPyConnection, filters: Filters, kinds: tuple[str, ...] = ()
) -> pd.DataFrame:
    """Placed events of the filtered projects per city, busiest first (at most 2,000 places), with
    how many of each kind ('meeting 3,012; workshop 2,987')."""
    return _frame(con, *_over(EVENTS_BY_PLACE, filters, kinds=list(kinds)))


def events_by_country(
    con: duckdb.DuckDBPyConnection, filters: Filters, kinds: tuple[str, ...] = ()
) -> pd.DataFrame:
    """Events of the filtered projects per country (code, name), with how many have no coordinates
    (`unplaced`): one row per country, whatever the portfolio's size."""
    return _frame(con, *_over(EVENTS_BY_COUNTRY, filters, kinds=list(kinds)))


# --- Choices for the filters ----------------------------------------------------------------


@dataclass(frozen=True)
class FilterChoices:
    """The values the sidebar offers: code -> name for each filter, and the years spanned."""

    funders: dict[str, str]
    implementers: dict[str, str]
    countries: dict[str, str]
    sectors: dict[str, str]
    statuses: dict[str, str]
    first_year: int | None
    last_year: int | None
    currencies: tuple[str, ...] = (REPORTING_CURRENCY,)


# The projects whose names, places and years the sidebar may offer: viewers' only the public
# ones. ({shown} is empty for everyone else: all projects, no join.)
PUBLIC = "AND project_id IN (SELECT project_id FROM projects WHERE visibility = 'public')"
ORGS_IN_ROLE = """
SELECT org_id, coalesce(acronym, name) AS label FROM organisations
WHERE org_id IN (SELECT org_id FROM project_orgs WHERE role = $role {shown}) ORDER BY label
"""
USED_COUNTRIES = """
SELECT pc.country, coalesce(c.name, r.name, pc.country) AS label
FROM (SELECT DISTINCT country FROM project_countries WHERE TRUE {shown}) pc
LEFT JOIN ref_countries c ON c.code = pc.country LEFT JOIN ref_regions r ON r.code = pc.country
ORDER BY label
"""
USED_SECTORS = """
SELECT ps.sector, coalesce(s.name, ps.sector) AS label
FROM (SELECT DISTINCT sector FROM project_sectors WHERE TRUE {shown}) ps
LEFT JOIN ref_sectors s ON s.code = ps.sector ORDER BY label
"""
STATUSES = "SELECT status, name FROM ref_activity_statuses ORDER BY iati_code"
YEARS = """
SELECT min(year(start_date)), max(year(coalesce(end_date, start_date))) FROM projects
WHERE visibility = 'public' OR NOT $public_only"""
# Reporting currencies: EUR and every currency with rates, the portfolio's own first (a viewer's:
# those of public projects, so that the order does not tell an internal project's currency).
RATE_CURRENCIES = """
SELECT code FROM (
    SELECT 'EUR' AS code UNION SELECT DISTINCT currency FROM fx_rates
) c
ORDER BY code <> 'EUR',
         code NOT IN (SELECT currency FROM projects WHERE visibility = 'public' OR NOT $public_only), code
"""


def filter_choices(con: duckdb.DuckDBPyConnection, public_only: bool = False) -> FilterChoices:
    shown = PUBLIC if public_only else ""
    ((first, last),) = _rows(con, YEARS, {"public_only": public_only})
    return FilterChoices(
        funders=dict(_rows(con, ORGS_IN_ROLE.format(shown=shown), {"role": "funding"})),
        implementers=dict(_rows(con, ORGS_IN_ROLE.format(shown=shown), {"role": "implementing"})),
        countries=dict(_rows(con, USED_COUNTRIES.format(shown=shown))),
        sectors=dict(_rows(con, USED_SECTORS.format(shown=shown))),
        statuses=dict(_rows(con, STATUSES)),
        first_year=first,
        last_year=last,
        currencies=tuple(c for (c,) in _rows(con, RATE_CURRENCIES, {"public_only": public_only})),
    )


# --- Where a converted figure comes from ---------------------------------------------------

CONVERSION_TRACE = f"""
WITH {{selected}},
{BUDGET_LINES},
trace_lines AS (
    SELECT project_id, 1 AS ord, 'Total budget' AS what, budget AS amount, currency, start_date AS value_date
    FROM selected WHERE budget IS NOT NULL
    UNION ALL
    SELECT project_id, 2, 'Budget ' || b.period_start || ' to ' || b.period_end || ' (' || b.type || ')',
           b.amount, coalesce(b.currency, s.currency), coalesce(b.value_date, b.period_start)
    FROM counted_budgets b JOIN selected s USING (project_id) WHERE s.budget IS NULL
    UNION ALL
    SELECT project_id, 3, coalesce(tt.name, t.type) || ' ' || t.transaction_id, t.amount,
           coalesce(t.currency, s.currency), coalesce(t.value_date, t.date)
    FROM transactions t JOIN selected s USING (project_id)
    LEFT JOIN ref_transaction_types tt ON tt.type = t.type
    WHERE t.type IN ('commitment', 'disbursement', 'expenditure') AND $kinds >= 3
),
{converted("trace_lines")}
SELECT project_id, what, amount, currency, value_date,
       CASE WHEN currency <> 'EUR' THEN from_rate END AS rate_from_eur,
       CASE WHEN currency <> 'EUR' THEN from_rate_date END AS rate_date,
       CASE WHEN $currency <> 'EUR' THEN to_rate END AS rate_to_reporting,
       CASE WHEN $currency <> 'EUR' THEN to_rate_date END AS reporting_rate_date,
       -- Both rates' sources where they differ: a CHF amount at the portfolio's own CHF rate and the
       -- ECB's USD rate named only the former, where the USD rate is not to be found.
       CASE WHEN currency = $currency THEN 'none needed'
            WHEN currency = 'EUR' THEN to_source
            WHEN $currency = 'EUR' OR from_source IS NOT DISTINCT FROM to_source THEN from_source
            ELSE currency || ': ' || coalesce(from_source, 'no rate') || '; '
                 || $currency || ': ' || coalesce(to_source, 'no rate')
       END AS source,
       {cents_to_decimal("cents")} AS converted,
       CASE
           WHEN value_date IS NULL AND currency <> $currency THEN 'no date to take a rate from: not converted'
           WHEN cents IS NULL
               THEN 'no rate within {RATE_WINDOW_DAYS} days before ' || rate_for || ': not converted'
           WHEN currency = $currency THEN ''
           WHEN method = 'project' THEN 'one rate for the project: of its start, ' || rate_for
           WHEN method = 'monthly' AND NOT (from_source LIKE 'monthly%' OR to_source LIKE 'monthly%')
               THEN 'the portfolio''s own rate'
           WHEN method = 'monthly' THEN 'average rate of the month of ' || rate_for
           WHEN least(CASE WHEN currency <> 'EUR' AND NOT from_period_rate THEN from_rate_date END,
                      CASE WHEN $currency <> 'EUR' AND NOT to_period_rate THEN to_rate_date END) < value_date
               THEN 'no rate on ' || value_date || '; the nearest earlier one, of ' || least(
                    CASE WHEN currency <> 'EUR' AND NOT from_period_rate THEN from_rate_date END,
                    CASE WHEN $currency <> 'EUR' AND NOT to_period_rate THEN to_rate_date END) || ', is used'
           ELSE ''
       END AS note
FROM cents_trace_lines
WHERE ord <= $kinds
ORDER BY project_id, ord, value_date, what
LIMIT $limit
"""


def conversion_trace(
    con: duckdb.DuckDBPyConnection, project_id: str, currency: str = REPORTING_CURRENCY
) -> pd.DataFrame:
    """Each amount behind a project's converted figures: original amount and currency, value
    date, the rates used with their dates and source, and the converted amount."""
    sql = CONVERSION_TRACE.format(
        selected="selected AS (SELECT * FROM projects WHERE project_id = $project_id)"
    )
    trace = _frame(con, sql, {"project_id": project_id, "currency": currency, "kinds": 3, "limit": 100_000})
    return trace.drop(columns="project_id")


def budget_conversions(
    con: duckdb.DuckDBPyConnection, filters: Filters, currency: str = REPORTING_CURRENCY, limit: int = 5000
) -> pd.DataFrame:
    """Every budget amount of the filtered projects with the rate it was converted at: the
    rows behind each figure of the Overview; the first `limit`, by project."""
    # Each project with a budget has at least one line, so the first `limit` lines are those
    # of the first `limit` such projects: only they are traced.
    with_budget = (
        "(p.budget IS NOT NULL OR p.project_id IN (SELECT project_id FROM budgets"
        " WHERE project_id IN (SELECT project_id FROM projects WHERE budget IS NULL)))"
    )
    return _frame(
        con,
        *_over(
            CONVERSION_TRACE,
            filters,
            first="p.project_id",
            where=with_budget,
            currency=currency,
            kinds=2,
            limit=limit,
        ),
    )


RATE_SUMMARY = """
SELECT source, string_agg(DISTINCT currency, ', ' ORDER BY currency) AS currencies, count(*) AS rates,
       min(rate_date) AS first, max(rate_date) AS last, false AS yours
FROM fx_rates GROUP BY source
UNION ALL
SELECT source, string_agg(DISTINCT currency, ', ' ORDER BY currency), count(*),
       min(valid_from), max(valid_to), true
FROM fx_user_rates GROUP BY source
ORDER BY yours, source
"""


def rate_summary(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Each source of rates: its currencies, how many rates and the days they cover."""
    return _frame(con, RATE_SUMMARY)


# Currencies the portfolio's converted amounts (budgets, budget periods, commitments,
# disbursements, expenditure) are in, that no rate at all converts: none of them is ever counted.
UNRATED = """
WITH rated AS (
    SELECT 'EUR' AS currency UNION SELECT DISTINCT currency FROM fx_rates
    UNION SELECT DISTINCT currency FROM fx_user_rates
),
amounts AS (
    SELECT project_id, currency FROM projects WHERE budget IS NOT NULL AND currency NOT IN (FROM rated)
    UNION ALL
    SELECT b.project_id, coalesce(b.currency, p.currency) FROM budgets b JOIN projects p USING (project_id)
    WHERE p.budget IS NULL AND coalesce(b.currency, p.currency) NOT IN (FROM rated)
    UNION ALL
    SELECT t.project_id, coalesce(t.currency, p.currency)
    FROM transactions t JOIN projects p USING (project_id)
    WHERE t.type IN ('commitment', 'disbursement', 'expenditure')
      AND coalesce(t.currency, p.currency) NOT IN (FROM rated)
)
SELECT a.currency, coalesce(c.name, a.currency) AS name, count(*) AS amounts,
       count(DISTINCT a.project_id) AS projects
FROM amounts a LEFT JOIN ref_currencies c ON c.code = a.currency
GROUP BY ALL ORDER BY amounts DESC, a.currency
"""


def unrated_currencies(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Each currency of the portfolio's amounts that has no rate at all (ECB or the portfolio's own):
    currency, name, how many amounts and projects; those amounts are converted to nothing."""
    return _frame(con, UNRATED)


def currency_codes(con: duckdb.DuckDBPyConnection) -> frozenset[str]:
    return frozenset(c for (c,) in _rows(con, "SELECT code FROM ref_currencies"))


# Projects whose recorded shares do not add up to 100 (or whose funders' contributions do not
# add up to the budget): the breakdowns scale them to the whole, and say which ones they are.
REBASED = f"""
WITH {{selected}}, {{rows}}, {PERIOD_BUDGETS.strip()},
flagged AS (
    -- project_rows hold each project's budget beside its facts: one scan finds the few flagged.
    SELECT project_id, budget, country_shares, sector_shares, contributions,
           contributions_comparable AND budget > 0
               AND abs(contributions - budget) > 0.005 * budget AS contributions_off
    FROM (
        -- A project with no total of its own is budgeted by its periods.
        SELECT r.* REPLACE (coalesce(r.budget, pb.amount) AS budget)
        FROM project_rows r LEFT JOIN period_budgets pb USING (project_id)
    )
    WHERE country_shares <> 100 OR sector_shares <> 100
       OR (contributions_comparable AND budget > 0 AND abs(contributions - budget) > 0.005 * budget)
),
named AS (SELECT f.*, p.title FROM flagged f JOIN projects p USING (project_id))
SELECT project_id, title, 'Countries and regions' AS shares, country_shares AS recorded
FROM named WHERE country_shares <> 100
UNION ALL
SELECT project_id, title, 'Sectors', sector_shares FROM named WHERE sector_shares <> 100
UNION ALL
SELECT project_id, title, 'Funder contributions (% of budget)',
       CAST(100 * contributions / budget AS DECIMAL(18, 2))
FROM named WHERE contributions_off
ORDER BY shares, project_id
LIMIT 5000
"""


@rollups.in_one_version
def rebased(con: duckdb.DuckDBPyConnection, filters: Filters) -> pd.DataFrame:
    """Projects whose shares the breakdowns had to scale to 100%: which shares, and their sum."""
    return _frame(con, *_over(REBASED.replace("{rows}", rollups.project_rows(con)), filters))
