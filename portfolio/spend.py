"""Spend review: budget against commitments, disbursements and expenditure, and what needs a look.

Every amount is converted to the reporting currency at the rate of its own date, by the same
rules as the budgets (portfolio.money). "Spent" is expenditure where a project reports any,
else disbursements. Flags are computed in SQL so the review can rank a large portfolio.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import duckdb
import numpy as np
import pandas as pd

from portfolio import rollups
from portfolio.filters import Filters
from portfolio.money import PERIOD_BUDGETS, PROJECT_AMOUNTS, SPENT, attributed, cents_to_decimal
from portfolio.queries import KEY_NAMES, NOT_RECORDED, REPORTING_CURRENCY, _facts, _frame, _over, _rows

# How far spending may run ahead of the time elapsed, and what "near the end" means.
AHEAD_BY = 0.25
NEAR_END = 0.8
LITTLE_SPENT = 0.5
ZERO = Decimal("0.00")
CONTRIBUTION_TOLERANCE = 0.005
FLAG_COLUMNS = ("ahead", "little_spent", "money_after_end", "contributions_off", "no_rate", "spent_negative")

# Why a review's amount is missing, as the pages and the command line say it in its place: never 0,
# which it is not, nor a bare 'None'. The headline figures say the same.
NO_BUDGET = "not recorded"
NO_RATE_FOR_BUDGET = "not converted"  # a budget is recorded, with no rate for its date
NO_TRANSACTION = "none recorded"
NO_RATE_FOR_TRANSACTIONS = "none with a rate"  # the project has transactions with no rate
BUDGET_AMOUNTS = ("budget", "remaining")
TRANSACTION_AMOUNTS = ("commitments", "disbursements", "expenditure", "spent")


def _per_project(con: duckdb.DuckDBPyConnection, currency: str) -> str:
    """The CTE per_project: each selected project's budget, commitments, disbursements,
    expenditure and spending in `currency` (cents), unconverted transactions and the facts the
    flags need; from the rollups where they hold `currency` (portfolio.rollups), else live."""
    if rollups.usable(con, currency):
        return rollups.ROLLUP_PER_PROJECT
    return f"""{PROJECT_AMOUNTS},
{SPENT},
{_facts(con)},
per_project AS (
    SELECT s.project_id, s.status, s.start_date, s.end_date, s.currency, s.budget, s.illustrative,
           pa.cents AS budget_cents, pa.project_id IS NOT NULL AND pa.cents IS NULL AS budget_unconverted,
           sp.commitment_cents, sp.disbursement_cents,
           sp.expenditure_cents, spent.cents AS spent_cents, sp.unconverted, sp.unconverted_currencies,
           f.after_end, f.contributions, f.contributions_comparable
    FROM selected s
    LEFT JOIN project_amounts pa USING (project_id)
    LEFT JOIN spend sp USING (project_id)
    LEFT JOIN spent USING (project_id)
    LEFT JOIN project_facts f USING (project_id)
)"""


REVIEW = f"""
{PERIOD_BUDGETS},
review AS (
    SELECT project_id, status, start_date, end_date, currency, coalesce(budget, pb.amount) AS own_budget,
           budget IS NULL AS budget_by_period, illustrative,
           budget_cents, coalesce(budget_unconverted, false) AS budget_unconverted, commitment_cents,
           disbursement_cents, expenditure_cents, spent_cents,
           coalesce(unconverted, 0) AS unconverted, unconverted_currencies,
           coalesce(after_end, 0) AS after_end, contributions, contributions_comparable,
           CASE WHEN start_date IS NOT NULL AND end_date > start_date THEN
               least(greatest(CAST($today - start_date AS DOUBLE)
                              / CAST(end_date - start_date + 1 AS DOUBLE), 0), 1)
           END AS elapsed
    FROM per_project LEFT JOIN period_budgets pb USING (project_id)
),
flagged AS (
    SELECT *,
        CASE WHEN budget_cents > 0 THEN CAST(coalesce(spent_cents, 0) AS DOUBLE) / budget_cents END AS burn,
        budget_cents > 0 AND spent_cents > 0 AND elapsed IS NOT NULL AND coalesce(status, '') <> 'cancelled'
            AND CAST(spent_cents AS DOUBLE) / budget_cents - elapsed > {AHEAD_BY} AS ahead,
        budget_cents > 0 AND elapsed >= {NEAR_END} AND coalesce(status, '') NOT IN ('pipeline', 'cancelled')
            AND CAST(coalesce(spent_cents, 0) AS DOUBLE) / budget_cents < {LITTLE_SPENT} AS little_spent,
        after_end > 0 AS money_after_end,
        coalesce(contributions_comparable AND own_budget IS NOT NULL
                 AND abs(contributions - own_budget) > {CONTRIBUTION_TOLERANCE} * own_budget, false)
            AS contributions_off,
        -- A budget with no rate is left out of the budget total: the officer must see which.
        unconverted > 0 OR budget_unconverted AS no_rate,
        -- Refunds or repayments beyond what was spent: the project lowers every spent total and its
        -- 'remaining' exceeds its budget (Spain's file has EUR -5.4m disbursed on a budget of 0).
        coalesce(spent_cents < 0, false) AS spent_negative
    FROM review
),
counted AS (
    SELECT *,
       coalesce(ahead, false)::INT + coalesce(little_spent, false)::INT + money_after_end::INT
           + contributions_off::INT + no_rate::INT + spent_negative::INT AS flags
    FROM flagged
)"""

# Only the projects with every flag in $flags (all of them when it is empty): chosen before the
# limit, so that a flag the most flagged 5,000 do not carry still lists its projects.
MATCHING = " AND ".join(
    f"(NOT list_contains($flags, '{flag}') OR coalesce({flag}, false))" for flag in FLAG_COLUMNS
)

# The most flagged first; only those shown are joined to their titles.
PROJECTS = f"""
WITH {{{{selected}}}}, {{per_project}}, {REVIEW},
matching AS (SELECT * FROM counted WHERE {MATCHING}),
top AS (SELECT * FROM matching ORDER BY flags DESC, budget_cents DESC NULLS LAST, project_id LIMIT $limit)
SELECT t.project_id, p.title, coalesce(rs.name, t.status) AS status, t.start_date, t.end_date, t.illustrative,
       {cents_to_decimal("budget_cents")} AS budget,
       {cents_to_decimal("commitment_cents")} AS commitments,
       {cents_to_decimal("disbursement_cents")} AS disbursements,
       {cents_to_decimal("expenditure_cents")} AS expenditure,
       {cents_to_decimal("budget_cents - coalesce(spent_cents, 0)")} AS remaining,
       {cents_to_decimal("spent_cents")} AS spent,
       burn, elapsed, t.currency, own_budget, budget_by_period, contributions, after_end, unconverted,
       unconverted_currencies,
       budget_unconverted,
       ahead, little_spent, money_after_end, contributions_off, no_rate, spent_negative, flags,
       (SELECT count(*) FROM selected) AS total_projects, (SELECT count(*) FROM matching) AS matching_projects
FROM top t JOIN projects p USING (project_id)
LEFT JOIN ref_activity_statuses rs ON rs.status = t.status
ORDER BY flags DESC, budget_cents DESC NULLS LAST, t.project_id
"""

# The review's figures over every filtered project, not only the rows a table shows.
TOTALS = f"""
WITH {{{{selected}}}}, {{per_project}}, {REVIEW}
SELECT count(*) AS projects, count(*) FILTER (WHERE flags > 0) AS flagged,
       {cents_to_decimal("sum(commitment_cents)")} AS commitments,
       {cents_to_decimal("sum(disbursement_cents)")} AS disbursements,
       {cents_to_decimal("sum(expenditure_cents)")} AS expenditure,
       {cents_to_decimal("sum(spent_cents)")} AS spent,
       CAST(sum(unconverted) AS BIGINT) AS unconverted,
       array_to_string(list_sort(list_distinct(flatten(
           list(string_split(unconverted_currencies, ', ')) FILTER (WHERE unconverted > 0)))), ', ')
           AS unconverted_currencies,
       {", ".join(f"count(*) FILTER (WHERE {flag})" for flag in FLAG_COLUMNS)}
FROM counted
"""


@dataclass(frozen=True)
class ReviewTotals:
    """Money committed, disbursed and spent by all the filtered projects, and how many are flagged
    (in all, and for each flag). `spent` is what the tables call spent: expenditure where a
    project reports any, else its disbursements. None where no such transaction is recorded.
    `unconverted` transactions (in `unconverted_currencies`) had no rate and are in no sum."""

    projects: int
    flagged: int
    commitments: Decimal | None
    disbursements: Decimal | None
    expenditure: Decimal | None
    spent: Decimal | None
    by_flag: dict[str, int]
    unconverted: int = 0
    unconverted_currencies: str = ""


@rollups.in_one_version
def review_totals(
    con: duckdb.DuckDBPyConnection,
    filters: Filters,
    currency: str = REPORTING_CURRENCY,
    today: date | None = None,
) -> ReviewTotals:
    sql = TOTALS.format(per_project=_per_project(con, currency))
    (row,) = _rows(con, *_over(sql, filters, currency=currency, today=today or date.today()))
    projects, flagged, commitments, disbursements, expenditure, spent, unconverted, currencies, *by_flag = row
    by_flag = dict(zip(FLAG_COLUMNS, by_flag, strict=True))
    return ReviewTotals(
        projects,
        flagged,
        commitments,
        disbursements,
        expenditure,
        spent,
        by_flag,
        unconverted or 0,
        currencies or "",
    )


@rollups.in_one_version
def project_review(
    con: duckdb.DuckDBPyConnection,
    filters: Filters,
    currency: str = REPORTING_CURRENCY,
    today: date | None = None,
    limit: int = 5000,
    flags: tuple[str, ...] = (),
) -> pd.DataFrame:
    """Per project: budget, commitments, disbursements, expenditure, remaining, burn rate against
    time elapsed, and each flag; the flagged first. With `flags` (names in FLAG_COLUMNS), only the
    projects with all of them. `total_projects` counts the filtered projects, `matching_projects`
    those with the flags."""
    unknown = set(flags) - set(FLAG_COLUMNS)
    if unknown:
        raise ValueError(f"No such flag: {', '.join(sorted(unknown))}")
    sql = PROJECTS.format(per_project=_per_project(con, currency))
    params = {"currency": currency, "today": today or date.today(), "limit": limit, "flags": list(flags)}
    frame = _frame(con, *_over(sql, filters, **params))
    frame["flag_text"] = ["; ".join(_flags(row, currency)) for row in frame.itertuples()]
    return frame


def no_transaction(totals: ReviewTotals) -> str:
    """What a missing sum of transactions reads over these projects: 'none recorded', or 'none with a
    rate' where some of their transactions have none."""
    return NO_RATE_FOR_TRANSACTIONS if totals.unconverted else NO_TRANSACTION


def why_missing(rows: pd.DataFrame) -> pd.DataFrame:
    """For rows of project_review(): in each amount column, why the amount is missing where it is
    ('not recorded', 'not converted', 'none recorded', 'none with a rate'), None where it is known."""
    budget = np.where(rows["budget_unconverted"].fillna(False).astype(bool), NO_RATE_FOR_BUDGET, NO_BUDGET)
    transactions = np.where(rows["unconverted"].fillna(0) > 0, NO_RATE_FOR_TRANSACTIONS, NO_TRANSACTION)
    reasons = {c: budget for c in BUDGET_AMOUNTS} | {c: transactions for c in TRANSACTION_AMOUNTS}
    return pd.DataFrame(
        {
            column: pd.Series(reason, index=rows.index, dtype=object).where(rows[column].isna(), None)
            for column, reason in reasons.items()
            if column in rows
        },
        index=rows.index,
    )


@rollups.in_one_version
def project_flags(
    con: duckdb.DuckDBPyConnection,
    project_id: str,
    currency: str = REPORTING_CURRENCY,
    today: date | None = None,
) -> list[str]:
    """What the spend review flags for one project, in its words; worked out for that project alone."""
    sql = PROJECTS.format(per_project=_per_project(con, currency))
    params = {"currency": currency, "today": today or date.today(), "limit": 1, "flags": []}
    frame = _frame(
        con, *_over(sql, Filters(), where="p.project_id = $project_id", project_id=project_id, **params)
    )
    return _flags(next(frame.itertuples()), currency) if len(frame) else []


def _no_date(row) -> bool:
    return not row.budget_by_period and (row.start_date is None or pd.isna(row.start_date))


def _flags(row, currency: str) -> list[str]:
    found = []
    if row.ahead:
        found.append(f"Spending ahead of time: {row.burn:.0%} spent, {row.elapsed:.0%} of the time elapsed")
    if row.little_spent and pd.isna(row.disbursements) and pd.isna(row.expenditure):
        found.append(
            f"Little spent near the end: no spending recorded, {row.elapsed:.0%} of the time elapsed"
        )
    elif row.little_spent:
        found.append(
            f"Little spent near the end: {row.burn:.0%} spent, {row.elapsed:.0%} of the time elapsed"
        )
    if row.money_after_end:
        found.append(f"Money after the end date: {_transaction_count(row.after_end)}")
    if row.contributions_off:
        found.append(
            f"Funder contributions add up to {row.contributions:,.2f} {row.currency}, "
            f"the budget is {row.own_budget:,.2f}"
            + (" (the sum of its budget periods)" if row.budget_by_period else "")
        )
    if row.budget_unconverted:
        # A budget's rate is taken on the project's start date (a period's, on its own start).
        why = "no start date to take a rate from" if _no_date(row) else "no rate for its date"
        found.append(f"Budget not converted to {currency}: {why}, left out of the total")
    if row.unconverted:
        found.append(
            f"{_transaction_count(row.unconverted)} in {row.unconverted_currencies} "
            "with no rate for their date"
        )
    if row.spent_negative:
        found.append(
            f"More came back than was spent: net {row.spent:,.2f} {currency} (refunds, repayments or "
            "corrections beyond the spending recorded); check the transactions"
        )
    return found


SPEND_BY = f"""
WITH {{selected}}, {{spend}},
amounts AS (SELECT project_id, cents FROM spent WHERE cents IS NOT NULL),
{{attributed}}
SELECT key, coalesce({{name}}, key, $not_recorded) AS name, {cents_to_decimal("sum(cents)")} AS spent
FROM attributed GROUP BY key
"""
TRANSACTIONS_BY_YEAR = f"""
WITH {{selected}}, {SPENT}
SELECT CAST(year(date) AS VARCHAR) AS key,
       {cents_to_decimal("sum(cents) FILTER (WHERE type = 'commitment')")} AS commitments,
       {cents_to_decimal("sum(cents) FILTER (WHERE type = 'disbursement')")} AS disbursements,
       {cents_to_decimal("sum(cents) FILTER (WHERE type = 'expenditure')")} AS expenditure
FROM cents_transaction_lines GROUP BY 1 ORDER BY 1
"""
# The same, from the sums per project and year the write path keeps.
ROLLED_TRANSACTIONS_BY_YEAR = f"""
WITH {{selected}}
SELECT year AS key,
       {cents_to_decimal("sum(commitment_cents)")} AS commitments,
       {cents_to_decimal("sum(disbursement_cents)")} AS disbursements,
       {cents_to_decimal("sum(expenditure_cents)")} AS expenditure
FROM rollup_spend_years SEMI JOIN selected USING (project_id) WHERE reporting_currency = $currency
GROUP BY 1 ORDER BY 1
"""


def _transaction_count(count: int) -> str:
    return f"{count:,} transaction" + ("" if count == 1 else "s")


@rollups.in_one_version
def review_by(
    con: duckdb.DuckDBPyConnection, by: str, filters: Filters, currency: str = REPORTING_CURRENCY
) -> pd.DataFrame:
    """Budget and spending per funder or implementer (split by the same shares as the budget),
    or per year (budgets by period, money by transaction date)."""
    from portfolio.queries import breakdown

    budget = breakdown(con, by, filters, currency)[["key", "name", "amount"]].rename(
        columns={"amount": "budget"}
    )
    rolled = rollups.usable(con, currency)
    if by == "year":
        sql = ROLLED_TRANSACTIONS_BY_YEAR if rolled else TRANSACTIONS_BY_YEAR
        money = _frame(con, *_over(sql, filters, currency=currency))
        # Spent, as the page's headline counts it, year by year: the rows add up to it.
        sql = SPENT_BY_YEAR.format(
            selected="{selected}", year_cents=ROLLED_YEAR_CENTS if rolled else YEAR_CENTS
        )
        money = money.merge(_frame(con, *_over(sql, filters, currency=currency)), on="key", how="outer")
        merged = budget.merge(money, on="key", how="outer")
        merged["name"] = merged["name"].fillna(merged["key"])
        # A year with no budget period or no transaction of a kind has none of it: 0.00, not a
        # blank that reads as not known.
        for column in merged.columns.drop(["key", "name"]):
            merged[column] = merged[column].fillna(ZERO)
        return merged.sort_values("key", na_position="last").reset_index(drop=True)
    sql = SPEND_BY.format(
        selected="{selected}",
        spend=rollups.ROLLUP_SPEND if rolled else SPENT,
        attributed=rollups.rollup_attributed(by, spent=True) if rolled else attributed(by),
        name=KEY_NAMES[by],
    )
    spent = _frame(con, *_over(sql, filters, currency=currency, not_recorded=NOT_RECORDED[by]))
    merged = budget.merge(spent.drop(columns="name"), on="key", how="outer")
    return merged.sort_values("budget", ascending=False, na_position="last").reset_index(drop=True)


BUDGET_BY_YEAR_AND = f"""
WITH {{selected}}, {{by_year}},
year_cents AS (SELECT project_id, key AS year, cents FROM attributed),
{{by_key}}
SELECT coalesce(year, 'Dates not recorded') AS year, key,
       coalesce({{name}}, key, $not_recorded) AS name, {cents_to_decimal("sum(cents)")} AS budget
FROM attributed_by_key GROUP BY ALL ORDER BY year, budget DESC
"""


@rollups.in_one_version
def budget_by_year_and(
    con: duckdb.DuckDBPyConnection, by: str, filters: Filters, currency: str = REPORTING_CURRENCY
) -> pd.DataFrame:
    """Each year's budget split again over funders or countries: (year, key, name, budget).
    Every project's year parts are split by its shares, so the cells add up to the total."""
    # The years' parts come from the rollups where they hold the currency; the second split is
    # worked out here, as it depends on both.
    rolled = rollups.usable(con, currency)
    sql = BUDGET_BY_YEAR_AND.format(
        selected="{selected}",
        by_year=rollups.rollup_attributed("year") if rolled else f"{PROJECT_AMOUNTS}, {attributed('year')}",
        by_key=attributed(by, amounts="year_cents", part="project_id, year", suffix="_by_key"),
        name=KEY_NAMES[by],
    )
    return _frame(con, *_over(sql, filters, currency=currency, not_recorded=NOT_RECORDED[by]))


SPENT_BY_YEAR_AND = f"""
WITH {{selected}}, {{year_cents}},
{{by_key}}
SELECT year, key, coalesce({{name}}, key, $not_recorded) AS name, {cents_to_decimal("sum(cents)")} AS spent
FROM attributed_by_key GROUP BY ALL ORDER BY year, spent DESC
"""
# Each project's spending per year: expenditure where it reports any, else disbursements.
YEAR_CENTS = f"""
{SPENT},
year_cents AS (
    SELECT l.project_id, CAST(year(l.date) AS VARCHAR) AS year, sum(l.cents) AS cents
    FROM cents_transaction_lines l JOIN spend sp USING (project_id)
    WHERE l.cents IS NOT NULL
      AND l.type = CASE WHEN sp.expenditures > 0 THEN 'expenditure' ELSE 'disbursement' END
    GROUP BY ALL
)"""
ROLLED_YEAR_CENTS = f"""
{rollups.ROLLUP_SPEND},
year_cents AS (
    SELECT * FROM (
        SELECT y.project_id, y.year,
               CASE WHEN sp.expenditures > 0 THEN y.expenditure_cents ELSE y.disbursement_cents END AS cents
        FROM rollup_spend_years y JOIN spend sp USING (project_id) WHERE y.reporting_currency = $currency
    ) WHERE cents IS NOT NULL
)"""

SPENT_BY_YEAR = f"""
WITH {{selected}}, {{year_cents}}
SELECT year AS key, {cents_to_decimal("sum(cents)")} AS spent FROM year_cents GROUP BY 1
"""


@rollups.in_one_version
def spent_by_year_and(
    con: duckdb.DuckDBPyConnection, by: str, filters: Filters, currency: str = REPORTING_CURRENCY
) -> pd.DataFrame:
    """Each year's spending (by transaction date) split over funders or countries."""
    sql = SPENT_BY_YEAR_AND.format(
        selected="{selected}",
        year_cents=ROLLED_YEAR_CENTS if rollups.usable(con, currency) else YEAR_CENTS,
        by_key=attributed(by, amounts="year_cents", part="project_id, year", suffix="_by_key"),
        name=KEY_NAMES[by],
    )
    return _frame(con, *_over(sql, filters, currency=currency, not_recorded=NOT_RECORDED[by]))
