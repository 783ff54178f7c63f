"""What changed, when, by whom and from which file: a project's history, and a portfolio's
changes between two dates, read from the import log (`imports`, `import_projects`, `changes`)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

import duckdb
import pandas as pd

from portfolio.imports import CHILD_LABELS, ROLE_LABELS
from portfolio.queries import _frame, _rows

PROJECT_HISTORY = """
SELECT i.imported_at AS "when", coalesce(i.imported_by, '') AS "by", i.file_name AS source,
       i.import_id, i.status = 'undone' AS undone, 'project added' AS field, NULL AS old, NULL AS new
FROM import_projects ip JOIN imports i USING (import_id)
WHERE ip.project_id = $project_id AND ip.action = 'added'
UNION ALL
SELECT c."at", coalesce(c."by", ''), i.file_name, c.import_id, i.status = 'undone',
       coalesce(c.field, c.new_value), c.old_value, CASE WHEN c.field IS NULL THEN NULL ELSE c.new_value END
FROM changes c LEFT JOIN imports i USING (import_id)
WHERE c.table_name = 'projects' AND c.row_key = $project_id
ORDER BY 1 DESC, 6
LIMIT 1000
"""


def project_history(con: duckdb.DuckDBPyConnection, project_id: str) -> pd.DataFrame:
    """Every change to one project, newest first: when, by whom, from which file, old -> new."""
    return _frame(con, PROJECT_HISTORY, {"project_id": project_id})


# The kinds of change a portfolio report lists, by the field the change log names.
CHANGE_KINDS = {
    "Status changes": "c.field = 'status'",
    "Closed": "c.field = 'status' AND c.new_value = 'closed'",
    "Budget revisions": "c.field IN ('budget', 'Budgets')",
    "Moved end dates": "c.field = 'end_date'",
    "Funder changes": "c.field IN ('Funders', 'Organisations')",
    # Everything else a change names (a title, a start date, countries, transactions...): an
    # edit or import that changed only those was listed nowhere.
    "Other changes": "c.field NOT IN ('status', 'budget', 'Budgets', 'end_date', 'Funders', 'Organisations')",
}

NEW_PROJECTS = """
SELECT ip.project_id, p.title, i.imported_at AS "when", coalesce(i.imported_by, '') AS "by",
       i.file_name AS source
FROM import_projects ip JOIN imports i USING (import_id) LEFT JOIN projects p USING (project_id)
WHERE ip.action = 'added' AND i.status = 'done' AND i.imported_at >= $since AND i.imported_at < $until
ORDER BY i.imported_at DESC, ip.project_id
LIMIT 5000
"""
CHANGES = """
SELECT c.row_key AS project_id, p.title, c."at" AS "when", coalesce(c."by", i.imported_by, '') AS "by",
       c.field, c.old_value AS old, c.new_value AS new, i.file_name AS source, p.currency
FROM changes c JOIN imports i USING (import_id) LEFT JOIN projects p ON p.project_id = c.row_key
WHERE c.table_name = 'projects' AND i.status = 'done' AND c."at" >= $since AND c."at" < $until AND {kind}
ORDER BY c."at" DESC, c.row_key
LIMIT 5000
"""


def changes_between(con: duckdb.DuckDBPyConnection, since: date, until: date) -> dict[str, pd.DataFrame]:
    """What changed from `since` to `until` (both days included): new projects, then each kind
    of change in CHANGE_KINDS, the latest 5,000 of each, newest first (change_counts() counts them
    all): after an import into a large portfolio, what it brought is what the page is opened for.
    Imports that were undone are left out."""
    params = {"since": since, "until": pd.Timestamp(until) + pd.Timedelta(days=1)}
    found = {"New projects": _frame(con, NEW_PROJECTS, params)}
    for kind, condition in CHANGE_KINDS.items():
        rows = _frame(con, CHANGES.format(kind=condition), params)
        if kind == "Budget revisions":
            # Beside the logged values (every period, as text), the totals they come to.
            at = rows.columns.get_loc("new") + 1
            rows.insert(
                at, "budget_after", [budget_total(r.field, r.new, r.currency) for r in rows.itertuples()]
            )
            rows.insert(
                at, "budget_before", [budget_total(r.field, r.old, r.currency) for r in rows.itertuples()]
            )
        found[kind] = rows.drop(columns="currency")
    return found


DAY = re.compile(r"\d{4}-\d{2}-\d{2}$")


def budget_total(field: str, value: str | None, currency: str | None) -> str:
    """A logged budget as the total a donor officer compares: the project's budget ('EUR 250,000.00'),
    or what its budget periods add up to, a revised period replacing its original, per currency.
    Periods are logged one to a '; ', as 'start end type amount [currency] [value date]'."""
    if value is None or pd.isna(value) or value == "":
        return "not recorded"
    if field == "budget":
        try:
            return f"{currency} {Decimal(value):,.2f}"
        except InvalidOperation:
            return value
    periods: dict[tuple[str, str], dict[str, tuple[Decimal, str]]] = {}
    for line in value.split("; "):
        words = line.split(" ")
        try:
            amount = Decimal(words[3])
        except (IndexError, InvalidOperation):
            return value  # not a list of periods: shown as logged
        own = next((w for w in words[4:] if not DAY.match(w)), currency)
        periods.setdefault((words[0], words[1]), {})[words[2]] = (amount, own)
    totals: dict[str, Decimal] = {}
    for kinds in periods.values():
        amount, own = kinds.get("revised") or kinds["original"]
        totals[own] = totals.get(own, Decimal(0)) + amount
    return " + ".join(f"{own} {amount:,.2f}" for own, amount in sorted(totals.items()))


NEW_PROJECT_COUNT = """
SELECT count(*) FROM import_projects ip JOIN imports i USING (import_id)
WHERE ip.action = 'added' AND i.status = 'done' AND i.imported_at >= $since AND i.imported_at < $until
"""
CHANGE_COUNT = """
SELECT count(*) FROM changes c JOIN imports i USING (import_id)
WHERE c.table_name = 'projects' AND i.status = 'done' AND c."at" >= $since AND c."at" < $until AND {kind}
"""


def change_counts(con: duckdb.DuckDBPyConnection, since: date, until: date) -> dict[str, int]:
    """How many of each kind of change changes_between() finds, in all."""
    params = {"since": since, "until": pd.Timestamp(until) + pd.Timedelta(days=1)}
    counts = {"New projects": _rows(con, NEW_PROJECT_COUNT, params)[0][0]}
    for kind, condition in CHANGE_KINDS.items():
        counts[kind] = _rows(con, CHANGE_COUNT.format(kind=condition), params)[0][0]
    return counts


UNDONE = """
SELECT i.file_name, i.imported_at, coalesce(i.imported_by, '') AS "by"
FROM imports i
WHERE i.status = 'undone' AND i.imported_at >= $since AND i.imported_at < $until
ORDER BY i.imported_at
"""


def undone_imports(con: duckdb.DuckDBPyConnection, since: date, until: date) -> pd.DataFrame:
    """The imports and edits from `since` to `until` that were undone, which changes_between()
    leaves out: file name, when, by whom."""
    params = {"since": since, "until": pd.Timestamp(until) + pd.Timedelta(days=1)}
    return _frame(con, UNDONE, params)


@dataclass(frozen=True)
class Names:
    """What the codes in the change log are called: countries and regions, sectors, organisations."""

    places: dict[str, str]
    sectors: dict[str, str]
    organisations: dict[str, str]


NAMES = """
SELECT 'places', code, name FROM ref_countries
UNION ALL SELECT 'places', code, name FROM ref_regions
UNION ALL SELECT 'sectors', code, name FROM ref_sectors
UNION ALL SELECT 'organisations', org_id, name FROM organisations WHERE name IS NOT NULL
"""


def names(con: duckdb.DuckDBPyConnection) -> Names:
    found: dict[str, dict[str, str]] = {"places": {}, "sectors": {}, "organisations": {}}
    for kind, code, name in _rows(con, NAMES, {}):
        found[kind][code] = name
    return Names(**found)


# The logged lists whose lines hold codes, by the field the change log names (portfolio.imports
# writes a line as the row's columns joined by spaces, lines joined by '; ').
CODED_LISTS = {"Countries": "places", "Sectors": "sectors", "Transactions": "transactions"}
# A transaction's line up to its currency; its provider and receiver (org ids) follow.
TRANSACTION = re.compile(r"(.*? \d{4}-\d{2}-\d{2}(?: \d{4}-\d{2}-\d{2})? -?\d+(?:\.\d+)? [A-Z]{3}) (.+)$")


def named(field: str, value, names: Names):
    """A logged value as a page shows it: a country, region or sector by its name beside its code
    ('Kosovo (XKX) 40.00%'), a transaction's organisations by name. The log keeps the codes."""
    kind = CODED_LISTS.get(field)
    if kind is None or not isinstance(value, str) or not value:
        return value
    return "; ".join(_named_line(kind, line, names) for line in value.split("; "))


def _named_line(kind: str, line: str, names: Names) -> str:
    if kind == "transactions":
        found = TRANSACTION.match(line)
        if not found:
            return line
        words = found.group(2).split(" ")
        orgs = []
        while words and len(orgs) < 2 and words[0] in names.organisations:
            orgs.append(names.organisations[words.pop(0)])
        return " ".join([found.group(1), ", ".join(orgs), *words]) if orgs else line
    code, _, share = line.partition(" ")
    name = getattr(names, kind).get(code)
    if name is None:
        return line  # not a code aidtrack knows: as the file wrote it
    return f"{name} ({code})" + (f" {share}%" if share else "")


# The fields the change log holds as whole lists, one line per row, lines joined by '; '
# (funders, countries, budgets, transactions...).
LIST_FIELDS = frozenset(CHILD_LABELS.values()) | frozenset(ROLE_LABELS.values())


def list_change(field: str, old, new) -> tuple[str, str] | None:
    """What a logged list lost and gained, worked out from its old and new values (the log keeps
    only those): the lines only before and the lines only after, each joined by '; ', in their
    logged order; a line written twice and then once was removed once. None for a field that is
    not a list."""
    if field not in LIST_FIELDS:
        return None
    before, after = (value.split("; ") if isinstance(value, str) and value else [] for value in (old, new))
    return _beyond(before, after), _beyond(after, before)


def _beyond(lines: list[str], other: list[str]) -> str:
    """The lines of `lines` that `other` does not hold (as many times as it holds them, counted)."""
    left: dict[str, int] = {}
    for line in other:
        left[line] = left.get(line, 0) + 1
    kept = []
    for line in lines:
        if left.get(line, 0):
            left[line] -= 1
        else:
            kept.append(line)
    return "; ".join(kept)
