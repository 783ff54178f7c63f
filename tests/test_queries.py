"""Reads: breakdowns that add up to the total to the cent, attribution, conversion, filters."""

from datetime import date
from decimal import Decimal

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portfolio import queries, rollups, store
from portfolio.filters import Filters
from portfolio.money import BREAKDOWNS
from tests.test_store import published_rate


def add(db, **tables):
    store.add_records(db, {t: pd.DataFrame(rows) for t, rows in tables.items()}, "test.xlsx", "test")


def amounts(frame: pd.DataFrame) -> dict:
    return {name: amount for name, amount in zip(frame["name"], frame["amount"], strict=True)}


@pytest.fixture
def sample(sample_db):
    db = store.open_store(sample_db)
    yield db
    db.close()


@pytest.mark.parametrize("by", BREAKDOWNS)
@pytest.mark.parametrize(
    "filters",
    [Filters(), Filters(include_illustrative=False), Filters(countries=("SRB",)), Filters(year_from=2020)],
    ids=["all", "seed-only", "serbia", "from-2020"],
)
def test_every_breakdown_adds_up_to_the_total_to_the_cent(sample, by, filters):
    total = queries.headline(sample.connection, filters).total_budget
    parts = queries.breakdown(sample.connection, by, filters)
    assert sum(parts["amount"], Decimal(0)) == total
    assert total > 0


def test_the_seed_page_alone_is_one_eur_1_million_grant(sample):
    seed = Filters(include_illustrative=False)
    head = queries.headline(sample.connection, seed, today=date(2026, 11, 27))
    assert (head.projects, head.total_budget, head.with_budget, head.without_budget) == (
        3,
        Decimal("1000000.00"),
        1,
        2,
    )
    assert (head.funders, head.implementers, head.countries, head.active) == (2, 2, 1, 0)
    assert amounts(queries.breakdown(sample.connection, "funder", seed)) == {"EU": Decimal("1000000.00")}
    assert amounts(queries.breakdown(sample.connection, "country", seed)) == {"Serbia": Decimal("1000000.00")}
    assert amounts(queries.breakdown(sample.connection, "year", seed)) == {
        "Dates not recorded": Decimal("1000000.00")
    }


def test_recorded_shares_split_a_budget_and_missing_ones_split_it_equally(empty_db):
    add(
        empty_db,
        projects=[
            {"project_id": "A", "title": "Shares", "currency": "EUR", "budget": Decimal("100.00")},
            {"project_id": "B", "title": "No shares", "currency": "EUR", "budget": Decimal("100.00")},
            {"project_id": "C", "title": "Nowhere", "currency": "EUR", "budget": Decimal("10.00")},
        ],
        project_countries=[
            {"project_id": "A", "country": "SRB", "share": Decimal("70")},
            {"project_id": "A", "country": "MNE", "share": Decimal("30")},
            {"project_id": "B", "country": "SRB", "share": None},
            {"project_id": "B", "country": "ALB", "share": None},
            {"project_id": "B", "country": "89", "share": None},
        ],
    )
    rows = queries.breakdown(empty_db.connection, "country", Filters())
    by_name = rows.set_index("name")
    assert amounts(rows) == {
        "Serbia": Decimal("103.33"),  # 70 from A, 33.33 from B
        "Montenegro": Decimal("30.00"),
        "Albania": Decimal("33.33"),
        "Europe, regional": Decimal("33.34"),  # on equal remainders the odd cent goes to the first code
        "Country not recorded": Decimal("10.00"),
    }
    assert by_name.loc["Montenegro", "estimated"] == False  # noqa: E712 (numpy bool)
    assert by_name.loc["Albania", "estimated"] == True  # noqa: E712
    assert by_name.loc["Serbia", "estimated_amount"] == Decimal("33.33")
    assert by_name.loc["Europe, regional", "is_region"] == True  # noqa: E712
    assert by_name.loc["Country not recorded", "not_recorded"] == True  # noqa: E712


def test_funders_split_by_their_contributions(empty_db):
    add(
        empty_db,
        organisations=[{"org_id": "EU", "name": "European Union"}, {"org_id": "DE", "name": "Germany"}],
        projects=[{"project_id": "A", "title": "Joint", "currency": "EUR", "budget": Decimal("1000.00")}],
        project_orgs=[
            {
                "project_id": "A",
                "org_id": "EU",
                "role": "funding",
                "amount": Decimal("600"),
                "currency": "EUR",
            },
            {
                "project_id": "A",
                "org_id": "DE",
                "role": "funding",
                "amount": Decimal("200"),
                "currency": "EUR",
            },
        ],
    )
    rows = queries.breakdown(empty_db.connection, "funder", Filters())
    # Contributions 600:200 split the EUR 1,000 budget 3:1; the budget, not the contributions, is counted.
    assert amounts(rows) == {"European Union": Decimal("750.00"), "Germany": Decimal("250.00")}
    assert not rows["estimated"].any()


def test_a_foreign_budget_is_converted_at_the_rate_of_its_start_date(empty_db):
    add(
        empty_db,
        projects=[
            {
                "project_id": "CH",
                "title": "Swiss",
                "currency": "CHF",
                "budget": Decimal("1000000.00"),
                "start_date": date(2019, 1, 2),
            }
        ],
    )
    rate = Decimal(published_rate("CHF", "2019-01-02"))
    expected = (Decimal("1000000.00") / rate).quantize(Decimal("0.01"))
    assert queries.headline(empty_db.connection, Filters()).total_budget == expected


def test_a_budget_without_a_rate_is_reported_not_counted_as_zero(empty_db):
    add(
        empty_db,
        projects=[
            {"project_id": "EUR", "title": "Euro", "currency": "EUR", "budget": Decimal("500.00")},
            {"project_id": "XAF", "title": "No ECB rate", "currency": "XAF", "budget": Decimal("900.00")},
            {"project_id": "USD", "title": "No date", "currency": "USD", "budget": Decimal("900.00")},
        ],
    )
    head = queries.headline(empty_db.connection, Filters())
    assert (head.total_budget, head.unconverted, head.with_budget) == (Decimal("500.00"), 2, 1)
    table = queries.project_table(empty_db.connection, Filters()).set_index("project_id")
    assert table.loc["XAF", "unconverted"] == True  # noqa: E712
    assert pd.isna(table.loc["XAF", "budget_reporting"])


def test_a_revised_budget_replaces_the_original_for_its_period(empty_db):
    period = {"project_id": "R", "period_start": date(2020, 1, 1), "period_end": date(2020, 12, 31)}
    add(
        empty_db,
        projects=[{"project_id": "R", "title": "Revised", "currency": "EUR", "start_date": date(2020, 1, 1)}],
        budgets=[
            {**period, "type": "original", "amount": Decimal("100.00")},
            {**period, "type": "revised", "amount": Decimal("120.00")},
            {
                **period,
                "period_start": date(2021, 1, 1),
                "period_end": date(2021, 12, 31),
                "type": "original",
                "amount": Decimal("50.00"),
            },
        ],
    )
    assert queries.headline(empty_db.connection, Filters()).total_budget == Decimal("170.00")
    assert amounts(queries.breakdown(empty_db.connection, "year", Filters())) == {
        "2020": Decimal("120.00"),
        "2021": Decimal("50.00"),
    }


@pytest.mark.parametrize("read", ["kept figures", "live"])
def test_budget_periods_in_two_currencies_weigh_their_years_in_the_reporting_currency(
    empty_db, monkeypatch, read
):
    add(
        empty_db,
        projects=[
            {"project_id": "Y", "title": "Two years", "currency": "EUR", "start_date": date(2020, 1, 1)}
        ],
        budgets=[
            {
                "project_id": "Y",
                "period_start": date(2020, 1, 1),
                "period_end": date(2020, 12, 31),
                "type": "original",
                "amount": Decimal("100000.00"),
                "value_date": date(2020, 1, 2),
            },
            {
                "project_id": "Y",
                "period_start": date(2021, 1, 1),
                "period_end": date(2021, 12, 31),
                "type": "original",
                "amount": Decimal("100000.00"),
                "currency": "JPY",
                "value_date": date(2021, 1, 4),
            },
        ],
    )
    if read == "live":
        monkeypatch.setattr(rollups, "usable", lambda con, currency: False)
        monkeypatch.setattr(rollups, "fresh", lambda con: False)
    # JPY 100,000 at the ECB's 126.62 of 4 January 2021 is EUR 789.76, not half the budget.
    assert amounts(queries.breakdown(empty_db.connection, "year", Filters())) == {
        "2020": Decimal("100000.00"),
        "2021": Decimal("789.76"),
    }


@pytest.mark.parametrize(
    "filters, expected",
    [
        (Filters(funders=("EU",), include_illustrative=False), {"SEED-CSC-WB", "SEED-EU-SRB-BM"}),
        (Filters(implementers=("RACVIAC",), include_illustrative=False), {"SEED-BSM-SERIES"}),
        (Filters(text="ministry of interior", include_illustrative=False), {"SEED-EU-SRB-BM"}),
        (Filters(text="IOM", include_illustrative=False), {"SEED-EU-SRB-BM"}),
        (Filters(countries=("SRB",), include_illustrative=False), {"SEED-EU-SRB-BM"}),
        (Filters(year_from=2018, include_illustrative=False), set()),  # the seed states no project dates
    ],
)
def test_filters_select_the_projects_a_user_expects(sample, filters, expected):
    assert set(queries.project_table(sample.connection, filters)["project_id"]) == expected


def test_filter_text_is_data_not_sql(sample):
    hostile = Filters(text="x'); DROP TABLE projects; --")
    assert queries.project_table(sample.connection, hostile).empty
    assert sample.value("SELECT count(*) FROM projects") == 43


shares = st.lists(st.one_of(st.none(), st.decimals(0, 100, places=2)), min_size=1, max_size=5)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    budgets=st.lists(st.decimals(0, 10**9, places=2), min_size=1, max_size=6),
    splits=st.lists(shares, min_size=6, max_size=6),
)
def test_random_portfolios_always_add_up(empty_db, budgets, splits):
    with empty_db.write() as cur:  # through the write path, so the rollups forget them too
        for table in ("project_countries", "projects", "imports"):
            cur.execute(f"DELETE FROM {table}")
    codes = ["SRB", "ALB", "MNE", "MKD", "BIH"]
    add(
        empty_db,
        projects=[
            {"project_id": f"P{i}", "title": "t", "currency": "EUR", "budget": b}
            for i, b in enumerate(budgets)
        ],
        project_countries=[
            {"project_id": f"P{i}", "country": codes[j], "share": s}
            for i in range(len(budgets))
            for j, s in enumerate(splits[i])
        ],
    )
    total = queries.headline(empty_db.connection, Filters()).total_budget
    assert total == sum(budgets, Decimal(0))
    assert sum(queries.breakdown(empty_db.connection, "country", Filters())["amount"], Decimal(0)) == total
