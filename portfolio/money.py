"""Money: converting budgets to the reporting currency and attributing them without double counting.

This is the one place that decides what a project's budget is worth in the reporting
currency and how it splits over funders, implementers, countries, sectors and years. All
arithmetic after conversion is in whole cents (integers), and each project's parts are
rounded by largest remainder, so every breakdown adds up to the portfolio total exactly.

Rules (DESIGN.md, "Money"):
- A project's budget is `projects.budget` at the project's start date; when that is not
  recorded, the sum of its budget periods, each at its own value date (or period start),
  where a revised budget for a period replaces the original.
- A rate is the portfolio's own rate for the date where it imported one, else the ECB
  reference rate: of the value date (or the month's average, or the project's start date,
  as the portfolio chose in meta.fx_method), else the nearest earlier one within
  RATE_WINDOW_DAYS. A line with no such rate, or no date at all
  in a foreign currency, is unconverted: the project is listed as such and left out of the
  sums, never counted as zero.
- Shares: funder contributions (when every funder's is recorded in one currency), country and
  sector percentages (when every one is recorded), budget periods by year (periods in several
  currencies weighed in the reporting currency; else days of the project's duration per year).
  Otherwise the split is equal and marked estimated. A project with no funders, countries, ...
  recorded goes to a visible "not recorded" part.
"""

from __future__ import annotations

# Budget lines of the selected projects, in their own currency, with their value date.
BUDGET_LINES = """
counted_budgets AS (
    -- A period's revised budget replaces its original. (An anti-join: a window over every
    -- budget line costs seconds at a million projects.)
    SELECT b.* FROM budgets b SEMI JOIN selected USING (project_id)
    WHERE b.type = 'revised' OR NOT EXISTS (
        SELECT 1 FROM budgets r
        WHERE r.type = 'revised' AND r.project_id = b.project_id
          AND r.period_start = b.period_start AND r.period_end = b.period_end)
),
budget_lines AS (
    SELECT project_id, budget AS amount, currency, start_date AS value_date
    FROM selected WHERE budget IS NOT NULL
    UNION ALL
    SELECT b.project_id, b.amount, coalesce(b.currency, s.currency),
           coalesce(b.value_date, b.period_start)
    FROM counted_budgets b JOIN selected s USING (project_id)
    WHERE s.budget IS NULL
)"""

# The own-currency budget of each selected project with no total of its own: what its periods add
# up to (a revised period replacing its original), where every one is in the project's currency.
# Funder contributions are compared with it as with a total budget.
PERIOD_BUDGETS = """
period_budgets AS (
    SELECT b.project_id,
           CASE WHEN bool_and(coalesce(b.currency, s.currency) = s.currency) THEN sum(b.amount) END AS amount
    FROM budgets b JOIN selected s USING (project_id)
    WHERE s.budget IS NULL AND (b.type = 'revised' OR NOT EXISTS (
        SELECT 1 FROM budgets r
        WHERE r.type = 'revised' AND r.project_id = b.project_id
          AND r.period_start = b.period_start AND r.period_end = b.period_end))
    GROUP BY b.project_id
)"""

# A day without a rate (a weekend, a holiday) takes the nearest earlier one, at most this many
# days older; an amount with no rate that recent is unconverted, never guessed.
RATE_WINDOW_DAYS = 7


def converted(lines: str) -> str:
    """SQL for `lines` (project_id, amount, currency, value_date) with their rates and cents.

    Rates are held as integers of a millionth (`per_eur` has six decimals), so the conversion
    `cents * to_rate / from_rate` is exact integer arithmetic, rounded half away from zero once.
    """
    return f"""
    fx_method_{lines} AS (
        SELECT coalesce(max(value), 'daily') AS method FROM meta WHERE key = 'fx_method'
    ),
    monthly_{lines} AS (
        SELECT currency, CAST(date_trunc('month', rate_date) AS DATE) AS month,
               CAST(avg(per_eur) AS DECIMAL(18, 6)) AS per_eur, min(source) AS source
        FROM fx_rates
        WHERE (SELECT method FROM fx_method_{lines}) = 'monthly'
        GROUP BY ALL
    ),
    dated_{lines} AS (
        -- The date whose rate applies: the amount's own, or its project's start.
        SELECT l.*, CASE WHEN m.method = 'project' THEN coalesce(s.start_date, l.value_date)
                         ELSE l.value_date END AS rate_for, m.method
        FROM {lines} l CROSS JOIN fx_method_{lines} m LEFT JOIN selected s USING (project_id)
    ),
    rate_keys_{lines} AS (
        -- Rates are looked up once per currency and day, not once per line: a million
        -- transactions fall on a few thousand (currency, day) pairs.
        SELECT DISTINCT currency, rate_for, method FROM dated_{lines}
    ),
    user_rates_{lines} AS (
        -- One of the portfolio's own rates per currency and day: where two overlap (a day's rate
        -- inside a month's, stored before overlaps were refused), the one starting latest applies,
        -- so no amount is converted, and counted, once for each.
        SELECT k.currency, k.rate_for, arg_max(u.per_eur, u.valid_from) AS per_eur,
               max(u.valid_from) AS valid_from, arg_max(u.source, u.valid_from) AS source
        FROM (SELECT currency, rate_for FROM rate_keys_{lines}
              UNION SELECT $currency, rate_for FROM rate_keys_{lines}) k
        JOIN fx_user_rates u ON u.currency = k.currency AND k.rate_for BETWEEN u.valid_from AND u.valid_to
        GROUP BY k.currency, k.rate_for
    ),
    rated_{lines} AS (
        SELECT k.*,
               coalesce(us.per_eur, CASE WHEN k.method = 'monthly' THEN ms.per_eur ELSE src.per_eur END)
                   AS from_rate,
               coalesce(us.valid_from, CASE WHEN k.method = 'monthly' THEN ms.month ELSE src.rate_date END)
                   AS from_rate_date,
               coalesce(us.source, CASE WHEN k.method = 'monthly' THEN 'monthly average of ' || ms.source
                                        ELSE src.source END) AS from_source,
               us.per_eur IS NOT NULL OR k.method = 'monthly' AS from_period_rate,
               coalesce(ud.per_eur, CASE WHEN k.method = 'monthly' THEN md.per_eur ELSE dst.per_eur END)
                   AS to_rate,
               coalesce(ud.valid_from, CASE WHEN k.method = 'monthly' THEN md.month ELSE dst.rate_date END)
                   AS to_rate_date,
               coalesce(ud.source, CASE WHEN k.method = 'monthly' THEN 'monthly average of ' || md.source
                                        ELSE dst.source END) AS to_source,
               ud.per_eur IS NOT NULL OR k.method = 'monthly' AS to_period_rate
        FROM rate_keys_{lines} k
        ASOF LEFT JOIN (
            -- Only the currencies in question: the join sorts what it is given.
            SELECT * FROM fx_rates WHERE currency IN (SELECT currency FROM rate_keys_{lines})
        ) src ON src.currency = k.currency AND k.rate_for >= src.rate_date
        ASOF LEFT JOIN fx_rates dst ON dst.currency = $currency AND k.rate_for >= dst.rate_date
        LEFT JOIN user_rates_{lines} us ON us.currency = k.currency AND us.rate_for = k.rate_for
        LEFT JOIN user_rates_{lines} ud ON ud.currency = $currency AND ud.rate_for = k.rate_for
        LEFT JOIN monthly_{lines} ms
            ON ms.currency = k.currency AND ms.month = CAST(date_trunc('month', k.rate_for) AS DATE)
        LEFT JOIN monthly_{lines} md
            ON md.currency = $currency AND md.month = CAST(date_trunc('month', k.rate_for) AS DATE)
    ),
    micro_{lines} AS (
        SELECT *,
            CASE WHEN currency = 'EUR' THEN 1000000
                 WHEN from_period_rate OR rate_for - from_rate_date <= {RATE_WINDOW_DAYS}
                     THEN CAST(from_rate * 1000000 AS HUGEINT)
            END AS from_micro,
            CASE WHEN $currency = 'EUR' THEN 1000000
                 WHEN to_period_rate OR rate_for - to_rate_date <= {RATE_WINDOW_DAYS}
                     THEN CAST(to_rate * 1000000 AS HUGEINT)
            END AS to_micro
        FROM rated_{lines}
    ),
    converted_{lines} AS (
        SELECT l.*, CAST(round(l.amount * 100) AS HUGEINT) AS amount_cents,
               r.* EXCLUDE (currency, rate_for, method)
        FROM dated_{lines} l JOIN micro_{lines} r
            ON r.currency IS NOT DISTINCT FROM l.currency AND r.rate_for IS NOT DISTINCT FROM l.rate_for
    ),
    cents_{lines} AS (
        SELECT *,
            CASE
                WHEN currency = $currency THEN amount_cents
                WHEN from_micro IS NOT NULL AND to_micro IS NOT NULL THEN
                    sign(amount_cents)
                    * ((2 * abs(amount_cents) * to_micro + from_micro) // (2 * from_micro))
            END AS cents
        FROM converted_{lines}
    )"""


def cents_to_decimal(column: str) -> str:
    """SQL turning integer cents into an exact DECIMAL amount (a plain division would be DOUBLE)."""
    return f"CAST(CAST({column} AS DECIMAL(38, 0)) * 0.01 AS DECIMAL(38, 2))"


# Each selected project's budget in reporting-currency cents; `cents` is NULL when unconverted.
PROJECT_AMOUNTS = f"""
{BUDGET_LINES},
{converted("budget_lines")},
project_amounts AS (
    SELECT project_id,
           CASE WHEN bool_and(cents IS NOT NULL) THEN sum(cents) END AS cents
    FROM cents_budget_lines GROUP BY project_id
),
amounts AS (SELECT project_id, cents FROM project_amounts WHERE cents IS NOT NULL)"""

# One query per breakdown: (project_id, key, share), share NULL when not recorded.
SHARES = {
    "funder": """
        SELECT po.project_id, po.org_id AS key,
               -- Contributions are shares when all are in one currency (min = max: cheaper
               -- than counting distinct values over a window).
               CASE WHEN min(coalesce(po.currency, s.currency)) OVER (PARTITION BY po.project_id)
                         = max(coalesce(po.currency, s.currency)) OVER (PARTITION BY po.project_id)
                    THEN po.amount END AS share
        FROM project_orgs po JOIN selected s USING (project_id) WHERE po.role = 'funding'""",
    "implementer": """
        SELECT po.project_id, po.org_id AS key, NULL::DECIMAL(18, 2) AS share
        FROM project_orgs po JOIN selected s USING (project_id) WHERE po.role = 'implementing'""",
    "country": """
        SELECT pc.project_id, pc.country AS key, pc.share
        FROM project_countries pc JOIN selected s USING (project_id)""",
    "sector": """
        SELECT ps.project_id, ps.sector AS key, ps.share
        FROM project_sectors ps JOIN selected s USING (project_id)""",
    "status": """
        SELECT project_id, status AS key, NULL::DECIMAL(18, 2) AS share
        FROM selected WHERE status IS NOT NULL""",
    # Budget periods weigh the years by their amounts; periods in more than one currency are
    # weighed in the reporting currency, each at its own rate (EUR 100,000 for one year and
    # JPY 100,000 for the next are not two halves). Else the days of each year the project runs.
    "year": f"""
        WITH periods AS (
            SELECT b.project_id, year(b.period_start) AS y, b.amount,
                   coalesce(b.currency, s.currency) AS currency,
                   coalesce(b.value_date, b.period_start) AS value_date
            FROM counted_budgets b JOIN selected s USING (project_id)
        ),
        one_currency AS (
            SELECT project_id FROM periods GROUP BY project_id HAVING min(currency) = max(currency)
        ),
        mixed_periods AS (SELECT * FROM periods ANTI JOIN one_currency USING (project_id)),
        {converted("mixed_periods")}
        SELECT project_id, CAST(y AS VARCHAR) AS key, sum(amount) AS share
        FROM periods SEMI JOIN one_currency USING (project_id) GROUP BY ALL
        UNION ALL
        SELECT project_id, CAST(y AS VARCHAR) AS key,
               {cents_to_decimal("CASE WHEN bool_and(cents IS NOT NULL) THEN sum(cents) END")} AS share
        FROM cents_mixed_periods GROUP BY ALL
        UNION ALL
        SELECT project_id, CAST(y AS VARCHAR) AS key,
               CAST(least(coalesce(end_date, start_date), make_date(y, 12, 31))
                    - greatest(start_date, make_date(y, 1, 1)) + 1 AS DECIMAL(18, 2)) AS share
        FROM (SELECT *, unnest(range(year(start_date),
                                     year(coalesce(end_date, start_date)) + 1)) AS y
              FROM selected
              WHERE start_date IS NOT NULL
                AND project_id NOT IN (SELECT project_id FROM counted_budgets))""",
}
BREAKDOWNS = tuple(SHARES)

# Split each part's cents over its keys by weight; the largest remainders get the odd cents.
# A part is a project, or (for splits of splits) a project and a year.
ATTRIBUTED = """
shares{suffix} AS ({shares}),
share_stats{suffix} AS (
    SELECT project_id, count(*) AS n, count(share) AS n_recorded, sum(share) AS total
    FROM shares{suffix} GROUP BY project_id
),
weights{suffix} AS (
    -- w: a key's weight; whole: the part's, the sum of its keys' weights (shares have two
    -- decimals, so a hundred times their total; else one per key, or one for no key at all).
    SELECT a.*, s.key,
        CASE WHEN st.n_recorded = st.n AND st.total > 0
             THEN CAST(s.share * 100 AS HUGEINT) ELSE 1 END AS w,
        CASE WHEN st.n_recorded = st.n AND st.total > 0
             THEN CAST(st.total * 100 AS HUGEINT) ELSE greatest(coalesce(st.n, 0), 1) END AS whole,
        coalesce(st.n > 1 AND NOT (st.n_recorded = st.n AND st.total > 0), false) AS estimated,
        coalesce(st.n, 0) AS n
    FROM {amounts} a
    LEFT JOIN shares{suffix} s USING (project_id)
    LEFT JOIN share_stats{suffix} st USING (project_id)
),
floored{suffix} AS (
    -- Split the size and keep the sign: net spending can be negative (refunds, corrections).
    SELECT *, (abs(cents) * w) // whole AS base, (abs(cents) * w) % whole AS remainder
    FROM weights{suffix} WHERE n > 1
),
attributed{suffix} AS (
    -- A part with one key (or none) keeps its cents whole: only the others need the window,
    -- which sorts what it is given.
    SELECT {part}, key, estimated, cents FROM weights{suffix} WHERE n <= 1
    UNION ALL
    SELECT {part}, key, estimated,
        sign(cents) * (base + CASE WHEN row_number() OVER (
                        PARTITION BY {part} ORDER BY remainder DESC, key NULLS LAST)
                    <= abs(cents) - sum(base) OVER (PARTITION BY {part})
               THEN 1 ELSE 0 END) AS cents
    FROM floored{suffix}
)"""


def attributed(by: str, amounts: str = "amounts", part: str = "project_id", suffix: str = "") -> str:
    """The CTEs that end in `attributed{suffix}(part..., key, estimated, cents)`: the cents of
    `amounts` (project_id, [year,] cents) split over one breakdown's keys, per `part`."""
    if by not in SHARES:
        raise ValueError(f"no breakdown by {by!r}; choose one of {', '.join(BREAKDOWNS)}")
    return ATTRIBUTED.format(shares=SHARES[by], amounts=amounts, part=part, suffix=suffix)


# The money lines of the selected projects, each in its own currency and at its value date.
TRANSACTION_LINES = """
transaction_lines AS (
    SELECT t.project_id, t.transaction_id, t.type, t.date, t.amount,
           coalesce(t.currency, s.currency) AS currency,
           coalesce(t.value_date, t.date) AS value_date
    FROM transactions t JOIN selected s USING (project_id)
    WHERE t.type IN ('commitment', 'disbursement', 'expenditure')
)"""

# The selected projects' transactions, each converted: cents_transaction_lines.
TRANSACTION_CENTS = f"""
{TRANSACTION_LINES},
{converted("transaction_lines")}"""

# Each selected project's commitments, disbursements and expenditure in reporting-currency cents,
# and what it has spent: expenditure where it reports any, else disbursements.
SPEND_PER_PROJECT = """
spend AS (
    SELECT project_id,
        sum(cents) FILTER (WHERE type = 'commitment') AS commitment_cents,
        sum(cents) FILTER (WHERE type = 'disbursement') AS disbursement_cents,
        sum(cents) FILTER (WHERE type = 'expenditure') AS expenditure_cents,
        count(*) FILTER (WHERE type = 'expenditure') AS expenditures,
        count(*) FILTER (WHERE cents IS NULL) AS unconverted,
        string_agg(DISTINCT currency, ', ') FILTER (WHERE cents IS NULL) AS unconverted_currencies
    FROM cents_transaction_lines GROUP BY project_id
),
spent AS (
    SELECT project_id,
           CASE WHEN expenditures > 0 THEN expenditure_cents ELSE disbursement_cents END AS cents
    FROM spend
)"""
SPENT = f"{TRANSACTION_CENTS},\n{SPEND_PER_PROJECT}"

# Where each project's converted budget comes from, for the breakdowns' tooltips.
PROVENANCE = """
provenance AS (
    SELECT project_id, list(DISTINCT currency) AS currencies,
           min(value_date) AS first_date, max(value_date) AS last_date,
           -- Both rates' sources, as the conversion trace names them: a CHF budget at the
           -- portfolio's own CHF rate and the ECB's USD rate named only the former.
           list_distinct(flatten(list(
               CASE WHEN currency <> $currency THEN [CASE WHEN currency <> 'EUR' THEN from_source END,
                                                    CASE WHEN $currency <> 'EUR' THEN to_source END]
                    WHEN $currency <> 'EUR' THEN [to_source] END))) AS sources
    FROM cents_budget_lines GROUP BY project_id
)"""
