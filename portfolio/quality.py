"""Data quality: per project, what is missing or doubtful, and a completeness score.

Each check applies to a project or not; the score is the share of applicable checks passed.
The portfolio's score (the mean) is recorded with every import and undo, so it can be
followed over time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb
import pandas as pd

from portfolio import rollups
from portfolio.filters import Filters
from portfolio.money import PERIOD_BUDGETS
from portfolio.queries import _frame, _over, _rows
from portfolio.rollups import LIVE_PROJECT_ROWS

# How long a running project may go without a transaction or event before it is asked about.
QUIET_DAYS = 365

# The ways a project's dates can contradict its status: SQL true when one applies, and what it
# says (SQL, with the date). A project is told the one that applies to it, not all three.
DAY = "strftime({}, '%d %b %Y')"
DATE_CAUSES = {
    "status = 'closed' AND end_date > $today": (
        f"'closed, but ending in the future (' || {DAY.format('end_date')} || ')'"
    ),
    "status = 'implementation' AND start_date > $today": (
        f"'running, but not started (it starts ' || {DAY.format('start_date')} || ')'"
    ),
    "status = 'implementation' AND end_date < $today": (
        f"'running past its end date (' || {DAY.format('end_date')} || ')'"
    ),
}
DATES_CAUSE = (
    f"concat_ws(' and ', {', '.join(f'CASE WHEN {c} THEN {said} END' for c, said in DATE_CAUSES.items())})"
)

# Check name -> (what a failed check says, SQL that is true when the project fails it).
CHECKS = {
    "budget": ("No budget recorded", "NOT has_budget"),
    # A sheet's blank cost often arrives as 0: counted as a budget, it passed the check above.
    "zero_budget": ("Budget is 0", "budget = 0"),
    "dates": ("Start or end date missing", "start_date IS NULL OR end_date IS NULL"),
    "status": ("No status", "status IS NULL"),
    "funders": ("No funder recorded", "funders = 0"),
    "countries": ("No country or region recorded", "countries = 0"),
    "sectors": ("No sector recorded", "sectors = 0"),
    "country_shares": ("Country shares do not add up to 100%", "country_shares_off"),
    "sector_shares": ("Sector shares do not add up to 100%", "sector_shares_off"),
    "unknown_codes": (
        "A country or sector code is not on the reference lists (or withdrawn)",
        "unknown_codes > 0",
    ),
    "future_dates": (
        "Dates do not fit the status",
        " OR ".join(f"({condition})" for condition in DATE_CAUSES),
    ),
    "quiet": (
        f"Running, but no transaction or event for over {QUIET_DAYS} days",
        "status = 'implementation' "
        f"AND coalesce(last_activity, start_date) < $today - INTERVAL {QUIET_DAYS} DAY",
    ),
    "after_end": (
        "Money disbursed or spent after the end date",
        "after_end > 0",
    ),
    "contributions": (
        "Funder contributions do not add up to the budget",
        "contributions_comparable AND own_budget IS NOT NULL "
        "AND abs(contributions - own_budget) > 0.005 * own_budget",
    ),
}

# What the checks read: each project's own fields and facts (project_rows, portfolio.rollups).
FACTS = f"""
{PERIOD_BUDGETS},
facts AS (
    SELECT project_id, status, start_date, end_date, budget, coalesce(budget, pb.amount) AS own_budget,
           illustrative,
           has_budget, funders, countries, sectors,
           country_shares IS NOT NULL AND country_shares <> 100 AS country_shares_off,
           sector_shares IS NOT NULL AND sector_shares <> 100 AS sector_shares_off,
           unknown_codes, last_activity, contributions, contributions_comparable, after_end
    FROM project_rows LEFT JOIN period_budgets pb USING (project_id)
)"""


def _checked() -> str:
    failed = ",\n".join(f"coalesce({sql}, false) AS fails_{name}" for name, (_, sql) in CHECKS.items())
    return f"checked AS (SELECT *, {failed} FROM facts)"


FAILED = " + ".join(f"fails_{name}::INT" for name in CHECKS)
SCORED = f"""
scored AS (
    SELECT *, {FAILED} AS problems, round(100.0 * (1 - ({FAILED}) / {len(CHECKS)}), 0) AS score
    FROM checked
)"""
# The worst first; only those shown are joined to their titles.
REVIEW = f"""
WITH {{selected}}, {{rows}}, {FACTS}, {_checked()}, {SCORED},
worst AS (SELECT *, {DATES_CAUSE} AS dates_cause FROM scored
          WHERE problems >= $fewest ORDER BY score, project_id LIMIT $limit)
SELECT w.project_id, p.title, w.status, w.illustrative, w.problems, w.score,
       {", ".join(f"w.fails_{name}" for name in CHECKS)}, w.dates_cause
FROM worst w JOIN projects p USING (project_id)
ORDER BY w.score, w.project_id
"""


@rollups.in_one_version
def project_quality(
    con: duckdb.DuckDBPyConnection,
    filters: Filters,
    today: date | None = None,
    limit: int = 5000,
    with_problems_only: bool = False,
) -> pd.DataFrame:
    """Per project: its score (0-100), how many checks it fails, and what they say; worst first.
    `with_problems_only` leaves out the projects that pass every check."""
    sql = REVIEW.replace("{rows}", rollups.project_rows(con))
    fewest = 1 if with_problems_only else 0
    frame = _frame(con, *_over(sql, filters, today=today or date.today(), limit=limit, fewest=fewest))
    # The dates check says which of DATE_CAUSES applies, not all three.
    frame["problem_text"] = [
        "; ".join(
            f"{text}: {row.dates_cause}" if name == "future_dates" else text
            for name, (text, _) in CHECKS.items()
            if getattr(row, f"fails_{name}")
        )
        for row in frame.itertuples()
    ]
    return frame.drop(columns="dates_cause")


TOTALS = f"""
WITH {{selected}}, {{rows}}, {FACTS}, {_checked()}, {SCORED}
SELECT count(*), avg(score), count(*) FILTER (WHERE problems > 0), coalesce(sum(problems), 0) FROM scored
"""


@dataclass(frozen=True)
class QualityTotals:
    """The filtered portfolio's quality in a few figures, over every project (not only those listed)."""

    projects: int
    average_score: float | None
    with_problems: int
    problems: int


@rollups.in_one_version
def quality_totals(
    con: duckdb.DuckDBPyConnection, filters: Filters, today: date | None = None
) -> QualityTotals:
    sql = TOTALS.replace("{rows}", rollups.project_rows(con))
    (row,) = _rows(con, *_over(sql, filters, today=today or date.today()))
    return QualityTotals(*row)


PORTFOLIO_SCORE = f"""
WITH selected AS (SELECT * FROM projects WHERE NOT illustrative), {LIVE_PROJECT_ROWS}, {FACTS}, {_checked()}
SELECT coalesce(round(avg(100.0 * (1 - ({FAILED}) / {len(CHECKS)})), 1), 100), count(*)
FROM checked
"""


def record_score(cur: duckdb.DuckDBPyConnection, import_id: int | None, today: date | None = None) -> None:
    """Keep the portfolio's score (real projects only) as it stands after a write, inside it."""
    ((score, projects),) = cur.execute(PORTFOLIO_SCORE, {"today": today or date.today()}).fetchall()
    cur.execute(
        "INSERT INTO quality_scores (import_id, score, projects) VALUES (?, ?, ?)",
        [import_id, score, projects],
    )


def score_history(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The portfolio's score after each import and undo, oldest first."""
    return _frame(
        con,
        """SELECT q."at", q.score, q.projects, i.file_name, i.import_id
           FROM quality_scores q LEFT JOIN imports i USING (import_id) ORDER BY q."at" """,
    )
