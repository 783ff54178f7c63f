"""The portfolio as a person would type it into the template: one table per template sheet.

Every read the spreadsheet export needs lives here (SQL stays in portfolio/); the workbook
itself is written by loaders.template. Values come out the way the template asks for them:
organisation and country names, sectors as "code name", codes as their words, dates as
datetime.date, amounts and shares as exact Decimals, and an unknown as None, never 0.
Nothing here imports streamlit or loaders.
"""

from __future__ import annotations

from dataclasses import replace

import duckdb
import pandas as pd

from portfolio.filters import Filters, project_filter
from portfolio.store import ACTIVITY_KINDS, ROLES, STATUSES, TRANSACTION_TYPES

# {selected} becomes the filtered projects' ids; the condition is built from fixed fragments
# by project_filter and every value the user chose is a bound parameter.
SELECTED = "SELECT p.project_id FROM projects p WHERE {condition}"

# Keyed by store table, like loaders.layout's Sheet.table; the aliases are the layout's fields.
EXPORTS = {
    "projects": """
        SELECT p.project_id, p.title, p.description, p.programme, p.status, p.start_date,
               p.end_date, p.currency, p.budget, p.url, p.visibility
        FROM projects p WHERE {condition}
        ORDER BY p.project_id""",
    "project_orgs": """
        SELECT po.project_id, coalesce(o.name, po.org_id) AS organisation, po.role, po.amount,
               po.currency
        FROM project_orgs po LEFT JOIN organisations o USING (org_id)
        WHERE po.project_id IN ({selected})
        ORDER BY po.project_id, list_position($roles, po.role), organisation, po.org_id""",
    "project_countries": """
        SELECT pc.project_id, coalesce(c.name, r.name, pc.country) AS country, pc.share
        FROM project_countries pc
        LEFT JOIN ref_countries c ON c.code = pc.country
        LEFT JOIN ref_regions r ON r.code = pc.country
        WHERE pc.project_id IN ({selected})
        ORDER BY pc.project_id, country""",
    "project_sectors": """
        SELECT ps.project_id, coalesce(s.code || ' ' || s.name, ps.sector) AS sector, ps.share
        FROM project_sectors ps LEFT JOIN ref_sectors s ON s.code = ps.sector
        WHERE ps.project_id IN ({selected})
        ORDER BY ps.project_id, ps.sector""",
    "project_aims": """
        SELECT project_id, seq, aim FROM project_aims
        WHERE project_id IN ({selected})
        ORDER BY project_id, seq""",
    "activities": """
        SELECT a.activity_id, a.project_id, a.title, a.kind, a.start_date, a.end_date, a.city,
               coalesce(c.name, r.name, a.country) AS country, a.latitude, a.longitude,
               a.participants, a.description, a.url
        FROM activities a
        LEFT JOIN ref_countries c ON c.code = a.country
        LEFT JOIN ref_regions r ON r.code = a.country
        WHERE a.project_id IN ({selected})
        ORDER BY a.project_id, a.activity_id""",
    "budgets": """
        SELECT project_id, period_start, period_end, type, amount, currency, value_date
        FROM budgets WHERE project_id IN ({selected})
        ORDER BY project_id, period_start, period_end, type""",
    "transactions": """
        SELECT transaction_id, project_id, replace(type, '_', ' ') AS type, date, value_date, amount,
               currency, provider_org, receiver_org, description
        FROM transactions WHERE project_id IN ({selected})
        ORDER BY project_id, date, transaction_id""",
}


def _table(con: duckdb.DuckDBPyConnection, sql: str, params: dict) -> pd.DataFrame:
    """A query's rows on a fresh cursor, as Python values (Decimal, date, None) in object columns."""
    with con.cursor() as cur:
        cur.execute(sql, params)
        rows = cur.fetchall()
        columns = [d[0] for d in cur.description]
    # dtype=object keeps Decimals exact and a NULL as None rather than NaN.
    return pd.DataFrame(rows, columns=columns, dtype=object)


def export_tables(
    con: duckdb.DuckDBPyConnection,
    filters: Filters | None = None,
    include_illustrative: bool = True,
) -> dict[str, pd.DataFrame]:
    """The filtered projects' rows, one DataFrame per template sheet, keyed by store table.

    Columns are the template's fields in order; rows are sorted by project, then natural key.
    """
    filters = filters or Filters()
    filters = replace(filters, include_illustrative=filters.include_illustrative and include_illustrative)
    condition, params = project_filter(filters)
    selected = SELECTED.format(condition=condition)
    tables = {}
    for table, sql in EXPORTS.items():
        table_params = {**params, "roles": list(ROLES)} if table == "project_orgs" else params
        tables[table] = _table(con, sql.format(condition=condition, selected=selected), table_params)
    return tables


# Transaction types as people write them ('incoming funds'), not as stored ('incoming_funds');
# the template's reader takes both.
TRANSACTION_TYPE_WORDS = [t.replace("_", " ") for t in TRANSACTION_TYPES]
CURRENCIES = "SELECT code FROM ref_currencies WHERE NOT withdrawn ORDER BY code"
PLACES = """
    SELECT name FROM (
        SELECT 1 AS part, name FROM ref_countries WHERE NOT withdrawn
        UNION ALL SELECT 2, name FROM ref_regions WHERE NOT withdrawn)
    ORDER BY part, name"""
SECTORS = "SELECT code || ' ' || name FROM ref_sectors WHERE NOT withdrawn ORDER BY code"


def reference_lists(con: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    """The template's drop-down lists, by the list names loaders.layout's columns use."""

    def column(sql: str) -> list[str]:
        with con.cursor() as cur:
            return [row[0] for row in cur.execute(sql).fetchall()]

    return {
        "statuses": list(STATUSES),
        "roles": list(ROLES),
        "activity_kinds": list(ACTIVITY_KINDS),
        "transaction_types": list(TRANSACTION_TYPE_WORDS),
        "currencies": column(CURRENCIES),
        "countries": column(PLACES),
        "sectors": column(SECTORS),
        "budget_types": ["original", "revised"],
        "visibilities": ["public", "internal"],
    }


# IATI RelatedActivityType order: the code is the position (parent = 1 ... third party = 5).
RELATIONS = ("parent", "child", "sibling", "co-funded", "third party")

# The raw rows loaders.iati_export needs: codes as stored plus the IATI codes they map to, and
# each table in the order the XML lists it. Transactions come in transaction_id order because
# the importer numbers them by their place in the file.
IATI_EXPORTS = {
    "projects": """
        SELECT p.project_id, p.title, p.description, p.programme, p.status,
               s.iati_code AS status_code, p.start_date, p.end_date, p.currency, p.budget, p.url,
               p.visibility, p.illustrative, p.updated_at
        FROM projects p LEFT JOIN ref_activity_statuses s ON s.status = p.status
        WHERE {condition}
        ORDER BY p.project_id""",
    "project_orgs": """
        SELECT po.project_id, po.org_id, coalesce(o.name, po.org_id) AS name, o.acronym,
               o.org_type, po.role, r.iati_code AS role_code, po.amount, po.currency
        FROM project_orgs po
        LEFT JOIN organisations o USING (org_id)
        LEFT JOIN ref_org_roles r ON r.role = po.role
        WHERE po.project_id IN ({selected})
        ORDER BY po.project_id, list_position($roles, po.role), name, po.org_id""",
    "project_countries": """
        SELECT pc.project_id, pc.country, c.alpha2, r.code IS NOT NULL AS is_region,
               coalesce(c.name, r.name) AS name, pc.share
        FROM project_countries pc
        LEFT JOIN ref_countries c ON c.code = pc.country
        LEFT JOIN ref_regions r ON r.code = pc.country
        WHERE pc.project_id IN ({selected})
        ORDER BY pc.project_id, pc.country""",
    "project_sectors": """
        SELECT ps.project_id, ps.sector, s.name, ps.share
        FROM project_sectors ps LEFT JOIN ref_sectors s ON s.code = ps.sector
        WHERE ps.project_id IN ({selected})
        ORDER BY ps.project_id, ps.sector""",
    "project_classifications": """
        SELECT project_id, vocabulary, code, name, share FROM project_classifications
        WHERE project_id IN ({selected})
        ORDER BY project_id, vocabulary, code""",
    "project_aims": """
        SELECT project_id, seq, aim FROM project_aims
        WHERE project_id IN ({selected})
        ORDER BY project_id, seq""",
    "activities": """
        SELECT activity_id, project_id, kind FROM activities
        WHERE project_id IN ({selected})
        ORDER BY project_id, activity_id""",
    "budgets": """
        SELECT project_id, period_start, period_end, type, CASE type WHEN 'revised' THEN 2 ELSE 1 END
               AS type_code, amount, currency, value_date
        FROM budgets WHERE project_id IN ({selected})
        ORDER BY project_id, period_start, period_end, type_code""",
    "transactions": """
        SELECT t.transaction_id, t.project_id, t.type, tt.iati_code AS type_code, t.date,
               t.value_date, t.amount, t.currency, t.provider_org, pr.name AS provider_name,
               t.receiver_org, re.name AS receiver_name, t.description
        FROM transactions t
        LEFT JOIN ref_transaction_types tt ON tt.type = t.type
        LEFT JOIN organisations pr ON pr.org_id = t.provider_org
        LEFT JOIN organisations re ON re.org_id = t.receiver_org
        WHERE t.project_id IN ({selected})
        ORDER BY t.project_id, t.transaction_id""",
    "project_links": """
        SELECT project_id, url, title, category FROM project_links
        WHERE project_id IN ({selected})
        ORDER BY project_id, url""",
    "project_relations": """
        SELECT project_id, related_id, relation, list_position($relations, relation) AS relation_code
        FROM project_relations WHERE project_id IN ({selected})
        -- a publication names no internal project, not even as a relation of a public one
        AND related_id NOT IN (SELECT project_id FROM projects WHERE visibility = 'internal')
        ORDER BY project_id, relation_code, related_id""",
}


def iati_tables(con: duckdb.DuckDBPyConnection, filters: Filters | None = None) -> dict[str, pd.DataFrame]:
    """The filtered projects' rows for an IATI activity file, keyed by store table.

    Codes come both as stored and as IATI codes (status_code, role_code, type_code,
    relation_code; None where IATI has none, such as the partner role); places carry the
    country's alpha-2 code or say they are a region. Rows are sorted by project, then in the
    order the XML lists them.
    """
    condition, params = project_filter(filters or Filters())
    selected = SELECTED.format(condition=condition)
    extra = {"project_orgs": {"roles": list(ROLES)}, "project_relations": {"relations": list(RELATIONS)}}
    return {
        table: _table(
            con, sql.format(condition=condition, selected=selected), {**params, **extra.get(table, {})}
        )
        for table, sql in IATI_EXPORTS.items()
    }


# Relations iati_tables leaves out: of the published projects, to a project the owner keeps internal.
INTERNAL_RELATIONS = """
SELECT count(*) FROM project_relations
WHERE project_id IN (SELECT unnest($projects))
  AND related_id IN (SELECT project_id FROM projects WHERE visibility = 'internal')
"""


def internal_relations(con: duckdb.DuckDBPyConnection, project_ids: list[str]) -> int:
    """How many relations of these projects name an internal project, which a publication leaves out."""
    return int(_table(con, INTERNAL_RELATIONS, {"projects": project_ids}).iloc[0, 0])
