"""Spend review: figures converted at their own dates, and each flag on a project built to trigger it."""

from datetime import date
from decimal import Decimal

import pandas as pd
import pytest

from portfolio import queries, spend
from portfolio.filters import Filters
from portfolio.store import add_records

from .test_pages import app, metric

TODAY = date(2026, 11, 27)


def project(pid, start, end, budget, currency="EUR", status="implementation"):
    return dict(
        project_id=pid,
        title=f"Project {pid}",
        status=status,
        start_date=start,
        end_date=end,
        currency=currency,
        budget=Decimal(budget),
    )


def money(pid, n, kind, when, amount, currency="EUR"):
    return dict(
        transaction_id=f"{pid}-{n}",
        project_id=pid,
        type=kind,
        date=when,
        amount=Decimal(amount),
        currency=currency,
    )


@pytest.fixture
def reviewed(empty_db):
    projects = [
        project("AHEAD", date(2026, 1, 1), date(2029, 12, 31), "100000"),
        project("LATE", date(2020, 1, 1), date(2026, 12, 31), "100000"),
        project("AFTER", date(2020, 1, 1), date(2021, 12, 31), "100000", status="closed"),
        project("CONTRIB", date(2025, 1, 1), date(2027, 12, 31), "100000"),
        project("NORATE", date(2025, 1, 1), date(2027, 12, 31), "100000"),
        project("FINE", date(2025, 1, 1), date(2027, 12, 31), "100000"),
        project("SILENT", date(2020, 1, 1), date(2021, 12, 31), "100000", status="closed"),
        project("BUDGETXAF", date(2025, 1, 1), date(2027, 12, 31), "100000", currency="XAF"),
    ]
    transactions = [
        money("AHEAD", 1, "disbursement", date(2026, 3, 1), "90000"),
        money("LATE", 1, "disbursement", date(2021, 3, 1), "10000"),
        money("AFTER", 1, "expenditure", date(2021, 3, 1), "90000"),
        money("AFTER", 2, "expenditure", date(2022, 6, 1), "5000"),
        money("NORATE", 1, "disbursement", date(2025, 6, 1), "50000", currency="XAF"),
        money("FINE", 1, "disbursement", date(2025, 6, 2), "40000"),
        money("FINE", 2, "commitment", date(2025, 1, 1), "100000"),
    ]
    orgs = pd.DataFrame([dict(org_id="F1", name="Funder one"), dict(org_id="F2", name="Funder two")])
    contributions = [
        dict(project_id="CONTRIB", org_id="F1", role="funding", amount=Decimal("60000"), currency="EUR"),
        dict(project_id="CONTRIB", org_id="F2", role="funding", amount=Decimal("30000"), currency="EUR"),
        dict(project_id="FINE", org_id="F1", role="funding", amount=Decimal("100000"), currency="EUR"),
    ]
    add_records(
        empty_db,
        {
            "organisations": orgs,
            "projects": pd.DataFrame(projects),
            "project_orgs": pd.DataFrame(contributions),
            "transactions": pd.DataFrame(transactions),
        },
        "built.xlsx",
        "test",
    )
    return spend.project_review(empty_db.connection, Filters(), "EUR", TODAY).set_index("project_id")


@pytest.mark.parametrize(
    "pid, flag, says",
    [
        ("AHEAD", "ahead", "Spending ahead of time: 90% spent"),
        ("LATE", "little_spent", "Little spent near the end: 10% spent"),
        ("AFTER", "money_after_end", "Money after the end date: 1 transaction"),
        (
            "CONTRIB",
            "contributions_off",
            "Funder contributions add up to 90,000.00 EUR, the budget is 100,000.00",
        ),
        ("NORATE", "no_rate", "1 transaction in XAF with no rate for their date"),
        ("SILENT", "little_spent", "no spending recorded, 100% of the time elapsed"),
        # Its budget is in no total: the officer must see which project is missing, and why.
        ("BUDGETXAF", "no_rate", "Budget not converted to EUR: no rate for its date"),
    ],
)
def test_each_flag_on_the_project_built_for_it(reviewed, pid, flag, says):
    row = reviewed.loc[pid]
    assert row[flag]
    assert row["flags"] == 1
    assert says in row["flag_text"]


def test_a_project_in_order_has_no_flag_and_its_figures(reviewed):
    fine = reviewed.loc["FINE"]
    assert fine["flags"] == 0 and fine["flag_text"] == ""
    assert (fine["budget"], fine["commitments"], fine["disbursements"], fine["remaining"]) == (
        Decimal("100000.00"),
        Decimal("100000.00"),
        Decimal("40000.00"),
        Decimal("60000.00"),
    )


def test_spend_is_converted_at_the_rate_of_its_own_date(empty_db):
    add_records(
        empty_db,
        {
            "projects": pd.DataFrame(
                [project("USD", date(2020, 1, 1), date(2022, 12, 31), "1000", currency="USD")]
            ),
            "transactions": pd.DataFrame([money("USD", 1, "disbursement", date(2020, 3, 2), "1000", "USD")]),
        },
        "usd.xlsx",
        "test",
    )
    with empty_db.cursor() as cur:
        (rate,) = cur.execute(
            "SELECT per_eur FROM fx_rates WHERE currency = 'USD' AND rate_date <= '2020-03-02' "
            "ORDER BY rate_date DESC LIMIT 1"
        ).fetchone()
    row = spend.project_review(empty_db.connection, Filters(), "EUR", TODAY).iloc[0]
    assert row["disbursements"] == (Decimal("1000") / rate).quantize(Decimal("0.01"))


def test_by_funder_and_by_year_add_up_to_the_portfolio(sample_db):
    from portfolio import store

    db = store.open_store(sample_db)
    total = queries.headline(db.connection, Filters(), "EUR").total_budget
    for by in ("funder", "implementer", "year"):
        rows = spend.review_by(db.connection, by, Filters(), "EUR")
        assert rows["budget"].sum() == total
    projects = spend.project_review(db.connection, Filters(), "EUR", TODAY)
    by_funder = spend.review_by(db.connection, "funder", Filters(), "EUR")
    spent = projects.apply(
        lambda r: r["expenditure"] if pd.notna(r["expenditure"]) else r["disbursements"], axis=1
    )
    assert by_funder["spent"].sum() == spent[projects["budget"].notna()].dropna().sum()


def test_the_spend_review_page(sample_db):
    at = app("pages/spend.py")
    assert at.title[0].value == "Spend review"
    assert "of 43 projects need a look" in at.warning[0].value
    table = at.dataframe[0].value
    assert table["link"].iloc[0].startswith("/projects?project=")
    # Statuses read as on the Projects page, not as their codes.
    assert "Closed" in set(table["status"]) and "closed" not in set(table["status"])
    # The seed page's projects state no status: it read as a grey 'None'.
    assert table.set_index("project_id").loc["SEED-EU-SRB-BM", "status"] == "not recorded"
    at.segmented_control(key="spend_view").set_value("Year")
    at.run()
    assert not at.exception
    assert "2018" in at.dataframe[0].value["name"].tolist()
    labels = [b.label for b in at.get("download_button")]
    assert labels == ["Download this table (xlsx)"]


def test_every_converted_amount_traces_to_its_rate(empty_db):
    add_records(
        empty_db,
        {
            "projects": pd.DataFrame(
                [project("CHF", date(2020, 3, 7), date(2022, 12, 31), "1000", currency="CHF")]
            ),
            "transactions": pd.DataFrame(
                [
                    money("CHF", 1, "disbursement", date(2020, 3, 9), "500", "CHF"),
                    money("CHF", 2, "disbursement", date(2020, 3, 9), "100", "XAF"),
                ]
            ),
        },
        "chf.xlsx",
        "test",
    )
    trace = queries.conversion_trace(empty_db.connection, "CHF", "EUR").set_index("what")
    budget = trace.loc["Total budget"]
    # 7 March 2020 was a Saturday: the Friday's rate, and the trace says so.
    assert str(budget["rate_date"]) == "2020-03-06"
    assert "the nearest earlier one, of 2020-03-06, is used" in budget["note"]
    assert budget["converted"] == (Decimal("1000") / budget["rate_from_eur"]).quantize(Decimal("0.01"))
    assert budget["source"].startswith("ECB")
    no_rate = trace.loc["Disbursement CHF-2"]
    assert no_rate["converted"] is pd.NA or pd.isna(no_rate["converted"])
    assert "not converted" in no_rate["note"]


def test_the_project_view_shows_the_conversion_trace(sample_db):
    at = app("pages/projects.py", project="ILL-0002", currency="USD")
    assert any(e.label == "How the amounts were converted to USD" for e in at.expander)


def test_a_portfolios_own_monthly_rate_takes_precedence_and_is_traced(empty_db):
    from loaders import rates
    from portfolio import store

    add_records(
        empty_db,
        {
            "projects": pd.DataFrame(
                [project("USD", date(2020, 3, 10), date(2022, 12, 31), "1000", currency="USD")]
            )
        },
        "usd.xlsx",
        "test",
    )
    sheet = b"Currency;Month;Rate per EUR\nUSD;2020-03;1,250000\nXXZ;2020-03;2\n"
    found = rates.read_rates(sheet, "accounting-rates.csv", queries.currency_codes(empty_db.connection))
    assert found.rates.to_dict("records") == [
        {
            "currency": "USD",
            "valid_from": date(2020, 3, 1),
            "valid_to": date(2020, 3, 31),
            "per_eur": Decimal("1.25"),
        }
    ]
    assert "'XXZ' is not an ISO currency code" in found.problems[0].message
    assert found.problems[0].row == 3
    store.replace_user_rates(empty_db, found.rates, "accounting-rates.csv (your rates)")
    total = queries.headline(empty_db.connection, Filters(), "EUR").total_budget
    assert total == Decimal("800.00")  # 1,000 USD at 1.25 per EUR
    trace = queries.conversion_trace(empty_db.connection, "USD", "EUR").iloc[0]
    assert trace["source"] == "accounting-rates.csv (your rates)"
    assert str(trace["rate_date"]) == "2020-03-01"


def test_overlapping_rates_are_left_out_so_no_budget_is_converted_twice(empty_db):
    """A month's rate and a day's rate in it (in one file, or across two) both matched the budget's
    date: the budget was counted once at each rate, and the total was the two added together."""
    from loaders import rates
    from portfolio import store

    add_records(
        empty_db,
        {"projects": pd.DataFrame([project("USD", date(2020, 3, 10), date(2022, 12, 31), "1000", "USD")])},
        "usd.xlsx",
        "test",
    )
    codes = queries.currency_codes(empty_db.connection)
    sheet = b"Currency;Date;Rate per EUR\nUSD;2020-03;1,25\nUSD;2020-03-10;2\n"
    found = rates.read_rates(sheet, "month.csv", codes, store.user_rates(empty_db))
    assert len(found.rates) == 1
    [overlap] = found.problems
    assert (overlap.row, overlap.column) == (3, "Date")
    assert "overlaps the rate in row 2" in overlap.message
    store.replace_user_rates(empty_db, found.rates, "month.csv (your rates)")

    later = b"Currency;Date;Rate per EUR\nUSD;2020-03-10;2\n"
    found = rates.read_rates(later, "day.csv", codes, store.user_rates(empty_db))
    assert found.rates.empty
    assert "overlaps a rate already stored from month.csv (your rates)" in found.problems[0].message
    store.replace_user_rates(empty_db, found.rates, "day.csv (your rates)")
    assert queries.headline(empty_db.connection, Filters(), "EUR").total_budget == Decimal("800.00")


@pytest.mark.parametrize("method", ["monthly", "project"])
def test_the_portfolio_chooses_how_amounts_are_converted(empty_db, method):
    from portfolio import store

    add_records(
        empty_db,
        {
            "projects": pd.DataFrame(
                [project("USD", date(2020, 3, 10), date(2022, 12, 31), "1000", currency="USD")]
            ),
            "transactions": pd.DataFrame([money("USD", 1, "disbursement", date(2021, 6, 15), "1000", "USD")]),
        },
        "usd.xlsx",
        "test",
    )
    store.set_fx_method(empty_db, method)
    with empty_db.cursor() as cur:
        if method == "monthly":
            (rate,) = cur.execute(
                "SELECT CAST(avg(per_eur) AS DECIMAL(18, 6)) FROM fx_rates WHERE currency = 'USD' "
                "AND rate_date BETWEEN '2021-06-01' AND '2021-06-30'"
            ).fetchone()
        else:  # the project's start, 10 March 2020, for every amount
            (rate,) = cur.execute(
                "SELECT per_eur FROM fx_rates WHERE currency = 'USD' AND rate_date = '2020-03-10'"
            ).fetchone()
    row = spend.project_review(empty_db.connection, Filters(), "EUR", TODAY).iloc[0]
    assert row["disbursements"] == (Decimal("1000") / rate).quantize(Decimal("0.01"))


def test_the_exchange_rates_page(sample_db):
    at = app("pages/rates.py")
    assert at.title[0].value == "Exchange rates"
    assert at.radio(key="fx_method").value == "daily"
    assert at.dataframe[0].value["source"].iloc[0].startswith("ECB")


from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

CURRENCIES = ["EUR", "USD", "CHF", "GBP", "SEK"]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    data=st.lists(
        st.tuples(
            st.decimals(1, 10**8, places=2),  # budget
            st.sampled_from(CURRENCIES),
            st.lists(
                st.tuples(st.decimals(-(10**6), 10**7, places=2), st.sampled_from(CURRENCIES)), max_size=4
            ),
            st.lists(st.one_of(st.none(), st.decimals(0, 10**7, places=2)), min_size=1, max_size=3),
        ),
        min_size=1,
        max_size=5,
    ),
    reporting=st.sampled_from(CURRENCIES),
)
def test_spending_by_funder_and_by_year_adds_up_for_random_portfolios(empty_db, data, reporting):
    with empty_db.write() as cur:  # through the write path, so the rollups forget them too
        for table in (
            "transactions",
            "project_orgs",
            "organisations",
            "projects",
            "imports",
            "import_projects",
        ):
            cur.execute(f"DELETE FROM {table}")
    projects, transactions, orgs = [], [], []
    for i, (budget, currency, moves, contributions) in enumerate(data):
        pid = f"P{i}"
        projects.append(project(pid, date(2019, 1, 1), date(2023, 12, 31), budget, currency))
        transactions += [
            money(pid, n, "disbursement", date(2020 + n % 3, 3, 2), amount, cur_)
            for n, (amount, cur_) in enumerate(moves)
        ]
        orgs += [
            dict(project_id=pid, org_id=f"F{j}", role="funding", amount=a, currency=currency if a else None)
            for j, a in enumerate(contributions)
        ]
    add_records(
        empty_db,
        {
            "organisations": pd.DataFrame([dict(org_id=f"F{j}", name=f"Funder {j}") for j in range(3)]),
            "projects": pd.DataFrame(projects),
            "project_orgs": pd.DataFrame(orgs),
            "transactions": pd.DataFrame(transactions, columns=list(money("x", 0, "x", TODAY, "0"))),
        },
        "random.xlsx",
        "test",
    )
    review = spend.project_review(empty_db.connection, Filters(), reporting, TODAY)
    total = queries.headline(empty_db.connection, Filters(), reporting).total_budget
    by_funder = spend.review_by(empty_db.connection, "funder", Filters(), reporting)
    by_year = spend.review_by(empty_db.connection, "year", Filters(), reporting)
    assert sum(by_funder["budget"].dropna(), Decimal(0)) == total
    assert sum(by_year["budget"].dropna(), Decimal(0)) == total
    spent = review.loc[review["budget"].notna(), "disbursements"].dropna()
    assert sum(by_funder["spent"].dropna(), Decimal(0)) == sum(spent, Decimal(0))
    assert sum(by_year["disbursements"].dropna(), Decimal(0)) == sum(
        review["disbursements"].dropna(), Decimal(0)
    )


def test_an_amount_whose_rate_is_removed_is_listed_as_unconverted(sample_db):
    from portfolio import store

    db = store.open_store(sample_db)
    before = queries.headline(db.connection, Filters(), "EUR")
    with db.write() as cur:
        cur.execute("DELETE FROM fx_rates WHERE currency = 'CHF'")
    after = queries.headline(db.connection, Filters(), "EUR")
    assert after.unconverted > before.unconverted
    assert after.total_budget < before.total_budget
    db.close()
    at = app()
    assert any(e.label.startswith("Not converted to EUR: ") for e in at.expander)
    assert "could not be converted to EUR" in "\n".join(i.value for i in at.info)


def test_the_spend_review_lists_the_budgets_it_could_not_convert(sample_db):
    from portfolio import store

    db = store.open_store(sample_db)
    with db.write() as cur:
        cur.execute("DELETE FROM fx_rates WHERE currency = 'CHF'")
        (chf,) = cur.execute("SELECT count(*) FROM projects WHERE currency = 'CHF'").fetchone()
    db.close()
    at = app("pages/spend.py")
    assert f"{chf} projects could not be converted to EUR" in "\n".join(i.value for i in at.info)
    table = at.dataframe[0].value
    # Beside its blank budget the table says it is not converted, where it showed a grey 'None' alone.
    unconverted = table[table["budget"].isna() & table["flag_text"].str.contains("Budget not converted")]
    assert len(unconverted) == chf
    # Their CHF transactions have no rate either: not 'none recorded', but for ILL-0006 (cancelled) with none.
    assert dict(zip(unconverted["project_id"], unconverted["blank"], strict=True)) == {
        "ILL-0001": "Budget, Remaining: not converted; Committed, Disbursed, Expenditure: none with a rate",
        "ILL-0006": "Budget, Remaining: not converted; Committed, Disbursed, Expenditure: none recorded",
        "ILL-0020": "Budget, Remaining: not converted; Committed, Disbursed, Expenditure: none with a rate",
    }


def test_spent_is_one_figure_on_the_spend_review(sample_db):
    from portfolio import store

    db = store.open_store(sample_db)
    add_records(
        db,
        {
            "projects": pd.DataFrame([project("DISB", date(2024, 1, 1), date(2027, 12, 31), "100000")]),
            "transactions": pd.DataFrame([money("DISB", 1, "disbursement", date(2024, 6, 3), "40000")]),
        },
        "disbursed.xlsx",
        "test",
    )
    by_funder = spend.review_by(db.connection, "funder", Filters(), "EUR")
    expenditure = spend.review_totals(db.connection, Filters(), "EUR", TODAY).expenditure
    db.close()
    at = app("pages/spend.py")
    helps = {m.label: m.help for m in at.metric}
    # The funder and implementer views' Spent column (disbursements where a project reports no
    # expenditure) adds up to the headline called Spent, not to expenditure alone.
    assert helps["Spent"].startswith(f"EUR {sum(by_funder['spent'].dropna()):,.2f}")
    assert helps["Expenditure"] == f"EUR {expenditure:,.2f}"


@pytest.mark.parametrize("by", ["funder", "country"])
def test_years_split_by_funder_or_country_add_up(sample_db, by):
    from portfolio import store

    db = store.open_store(sample_db)
    total = queries.headline(db.connection, Filters(), "EUR").total_budget
    budget = spend.budget_by_year_and(db.connection, by, Filters(), "EUR")
    assert sum(budget["budget"], Decimal(0)) == total
    by_year = spend.review_by(db.connection, "year", Filters(), "EUR").set_index("key")["budget"]
    per_year = budget.groupby("year")["budget"].sum()
    assert per_year["2018"] == by_year["2018"]
    spent = spend.spent_by_year_and(db.connection, by, Filters(), "EUR")
    review = spend.project_review(db.connection, Filters(), "EUR", TODAY)
    spent_total = sum(
        (r.expenditure if pd.notna(r.expenditure) else r.disbursements)
        for r in review.itertuples()
        if pd.notna(r.expenditure) or pd.notna(r.disbursements)
    )
    assert sum(spent["spent"], Decimal(0)) == spent_total


AMOUNTS = ["budget", "commitments", "disbursements", "expenditure", "remaining"]


def test_the_spend_reviews_blank_amounts_say_why_and_sort_and_download_as_numbers(sample_db, monkeypatch):
    # The seed page: the EU grant has a budget and no transaction, the other two projects neither. Each
    # missing amount showed a grey 'None' alone, where the headline above says 'none recorded'.
    import io

    import streamlit as st

    downloads = []
    monkeypatch.setattr(st, "download_button", lambda label, data, **kwargs: downloads.append(data))
    at = app("pages/spend.py", illustrative="no")
    table = at.dataframe[0].value.set_index("project_id")
    assert table.loc["SEED-EU-SRB-BM", "budget"] == Decimal("1000000.00")
    assert table.loc["SEED-EU-SRB-BM", "blank"] == "Committed, Disbursed, Expenditure: none recorded"
    assert table.loc["SEED-CSC-WB", "blank"] == (
        "Budget, Remaining: not recorded; Committed, Disbursed, Expenditure: none recorded"
    )
    assert metric(at, "Committed") == "none recorded"
    # The workbook keeps numbers: a missing amount is an empty cell, not text, nor 0.
    sheet = pd.read_excel(io.BytesIO(downloads[-1]()), header=1, engine="openpyxl").set_index("ID")
    columns = ["Budget (EUR)", "Committed (EUR)", "Remaining (EUR)"]
    assert sheet.loc["SEED-EU-SRB-BM", "Budget (EUR)"] == 1_000_000
    assert sheet.loc["SEED-CSC-WB", columns].isna().all()
    assert all(pd.api.types.is_numeric_dtype(sheet[c]) for c in columns)
    # By funder: the EU's grant, with no spending recorded.
    at.segmented_control(key="spend_view").set_value("Funder")
    at.run()
    assert at.dataframe[0].value[["name", "budget", "blank"]].values.tolist() == [
        ["EU", Decimal("1000000.00"), "Spent: none recorded"]
    ]
    sheet = pd.read_excel(io.BytesIO(downloads[-1]()), header=1, engine="openpyxl")
    assert sheet[["Budget (EUR)", "Spent (EUR)"]].values.tolist()[0][0] == 1_000_000
    assert sheet["Spent (EUR)"].isna().all()
    # In USD the grant has no date to take a rate from: its budget is recorded, not converted.
    usd = app("pages/spend.py", illustrative="no", currency="USD").dataframe[0].value.set_index("project_id")
    assert usd.loc["SEED-EU-SRB-BM", "blank"].startswith("Budget, Remaining: not converted; ")
    assert usd.loc["SEED-CSC-WB", "blank"].startswith("Budget, Remaining: not recorded; ")


def test_the_spend_reviews_amounts_are_numbers_that_sort_by_size(sample_db):
    # Shown as text so that a blank could say why, they sorted as text: 972,000.00 above 8,977,000.00.
    budgets = app("pages/spend.py").dataframe[0].value["budget"].dropna()
    assert all(isinstance(b, Decimal) for b in budgets)
    assert sorted(budgets, reverse=True)[:2] == [Decimal("13767280.05"), Decimal("8977000.00")]


def test_blank_amounts_say_why_for_each_row():
    from ui.format import blank_amounts

    why = pd.DataFrame(
        {"budget": [None, "not converted", None], "spent": [None, "none recorded", "none recorded"]}
    )
    assert blank_amounts(why, {"budget": "Budget", "spent": "Spent"}) == [
        None,
        "Budget: not converted; Spent: none recorded",
        "Spent: none recorded",
    ]


def test_the_spend_review_from_the_terminal_says_why_an_amount_is_missing(sample_db):
    import subprocess
    import sys

    from .conftest import ROOT

    def run(*args):
        done = subprocess.run(
            [sys.executable, "-m", "portfolio", "spend", "--db", str(sample_db), "--no-illustrative", *args],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    # It printed '<NA>' for each of them.
    text = run("--currency", "USD")
    assert "<NA>" not in text
    grant = next(line for line in text.splitlines() if line.strip().startswith("SEED-EU-SRB-BM"))
    assert grant.split()[1:8] == ["not", "converted"] + ["none", "recorded"] * 2 + ["none"]
    csc = next(line for line in text.splitlines() if line.strip().startswith("SEED-CSC-WB")).split()
    assert csc[1:3] == ["not", "recorded"] and csc[-2:] == ["not", "recorded"]
    funders = run("--by", "funder").splitlines()
    assert funders[-1].split() == ["EU", "1000000.00", "none", "recorded"]


def test_the_year_view_stacks_by_funder(sample_db):
    at = app("pages/spend.py")
    at.segmented_control(key="spend_view").set_value("Year")
    at.run()
    at.segmented_control(key="stack_by").set_value("Funder")
    at.run()
    assert not at.exception
    assert "**Budget by year and funder**" in [m.value for m in at.markdown]


def test_spend_review_and_rates_from_the_terminal(sample_db, tmp_path):
    import json
    import subprocess
    import sys

    from .conftest import ROOT

    def run(*args):
        return subprocess.run(
            [sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, timeout=120
        )

    review = run("portfolio", "spend", "--db", str(sample_db), "--by", "funder", "--json")
    assert review.returncode == 0, review.stderr
    rows = json.loads(review.stdout)
    assert {"name", "budget", "spent"} <= set(rows[0])
    sheet = tmp_path / "rates.csv"
    sheet.write_text("Currency,Month,Rate per EUR\nCHF,2019-05,1.111111\nZZZ,2019-05,1\n", encoding="utf-8")
    stored = run("loaders", "rates", str(sheet), "--db", str(sample_db))
    assert stored.returncode == 0, stored.stderr
    assert "Stored 1 rates from rates.csv" in stored.stdout
    assert "'ZZZ' is not an ISO currency code" in stored.stdout


@pytest.mark.parametrize("currency", ["EUR", "USD", "CHF"])
def test_the_overviews_total_is_the_sum_of_its_traced_conversions(sample_db, currency):
    from portfolio import store

    db = store.open_store(sample_db)
    conversions = queries.budget_conversions(db.connection, Filters(), currency)
    assert (
        sum(conversions["converted"].dropna(), Decimal(0))
        == queries.headline(db.connection, Filters(), currency).total_budget
    )
    converted = conversions["converted"].notna()
    assert conversions.loc[converted, "source"].notna().all()
    # The seed's EUR 1 million grant states no date: in another currency it stays unconverted, saying why.
    assert conversions.loc[~converted, "note"].str.contains("not converted").all()
    db.close()
    at = app(currency=currency)
    assert any(e.label == f"How every budget was converted to {currency}" for e in at.expander)
    shown = len(at.dataframe)
    # The table is read and sent only once the expander is opened.
    at.session_state["overview_conversions"] = True
    at.run()
    assert len(at.dataframe) == shown + 1
    assert len(at.dataframe[-1].value) == len(conversions)


@pytest.mark.parametrize("view", ["Project", "Funder", "Year"])
def test_the_spend_tables_download_with_the_headers_shown(sample_db, monkeypatch, view):
    import io

    import streamlit as st

    downloads = []
    monkeypatch.setattr(st, "download_button", lambda label, data, **kwargs: downloads.append(data))
    at = app("pages/spend.py")
    if view != "Project":
        at.segmented_control(key="spend_view").set_value(view)
        at.run()
    sheet = pd.read_excel(io.BytesIO(downloads[-1]()), header=1, engine="openpyxl")
    # A donor officer's workbook reads as the page does: no query column names, amounts in EUR.
    assert "Budget (EUR)" in sheet.columns
    assert not {"key", "name", "project_id", "flag_text", "burn", "budget"} & set(sheet.columns)
    assert view in sheet.columns or view == "Project"


def test_overlapping_rates_stored_before_they_were_refused_convert_an_amount_once(empty_db):
    """A database from before overlapping rates were refused may hold a month's rate and a day's
    inside it: the day's applies, once."""
    add_records(
        empty_db,
        {"projects": pd.DataFrame([project("USD", date(2020, 3, 10), date(2022, 12, 31), "1000", "USD")])},
        "usd.xlsx",
        "test",
    )
    with empty_db.write() as cur:
        cur.execute(
            "INSERT INTO fx_user_rates (currency, valid_from, valid_to, per_eur, source) VALUES "
            "('USD', '2020-03-01', '2020-03-31', 1.25, 'month.csv'), "
            "('USD', '2020-03-10', '2020-03-10', 2, 'day.csv')"
        )
    assert queries.headline(empty_db.connection, Filters(), "EUR").total_budget == Decimal("500.00")
    trace = queries.conversion_trace(empty_db.connection, "USD", "EUR")
    assert len(trace) == 1 and "day.csv" in trace.iloc[0].to_string()


def test_a_budget_with_no_start_date_is_flagged_for_that_not_for_a_missing_rate(sample_db):
    # The seed page's EU grant has no dates: in USD the flag said 'no rate for its date', where the
    # Projects list says what is missing, the start date to take a rate from.
    at = app("pages/spend.py", illustrative="no", currency="USD")
    table = at.dataframe[0].value.set_index("project_id")
    assert table.loc["SEED-EU-SRB-BM", "flag_text"] == (
        "Budget not converted to USD: no start date to take a rate from, left out of the total"
    )
