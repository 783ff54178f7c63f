"""Trial as a donor officer who must sign off the numbers: every figure the Projects, Spend review,
What changed and Data quality pages show, reconciled with the raw tables, on a small portfolio
built for it: three currencies, funders split 80/20, a project in two countries 60/40, a budget
revised by a later import, a disbursement in a currency with no rate and one after the end date."""

import io
from datetime import date
from decimal import Decimal

import openpyxl
import pandas as pd
import pyarrow as pa
import pytest

from loaders import pipeline
from portfolio import imports, queries, rollups, spend, store
from portfolio.filters import Filters

from .test_pages import app, metric

D = date


def _workbook(db: store.Store, sheets: dict[str, list[tuple]]) -> bytes:
    """The template workbook with `sheets` filled in, as a programme manager sends it."""
    blank = io.BytesIO()
    pipeline.write_template(blank, db.connection)
    book = openpyxl.load_workbook(io.BytesIO(blank.getvalue()))
    for name, rows in sheets.items():
        for row in rows:
            book[name].append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _import(db: store.Store, name: str, sheets: dict[str, list[tuple]]) -> int:
    plan, _ = pipeline.preview_file(db, _workbook(db, sheets), name)
    import_id = imports.apply(db, plan, by="Programme manager")
    rollups.settle(db)
    return import_id


def _project(project_id, title, start, end, currency, budget=None):
    return (project_id, title, None, None, "implementation", start, end, currency, budget)


FIRST = {
    "Projects": [
        _project("OFF-1", "Border police training", D(2022, 1, 1), D(2024, 12, 31), "EUR"),
        _project("OFF-2", "Migration data system", D(2023, 1, 1), D(2025, 12, 31), "USD", 500000),
        _project("OFF-3", "Anti-corruption reform", D(2024, 1, 1), D(2026, 6, 30), "GBP", 300000),
    ],
    "Funding": [
        ("OFF-1", "European Union", "funding", 200000, "EUR"),
        ("OFF-1", "Germany", "funding", 50000, "EUR"),
        ("OFF-1", "International Organization for Migration", "implementing"),
        ("OFF-2", "Switzerland", "funding", 500000, "USD"),
        ("OFF-3", "United Kingdom", "funding", 300000, "GBP"),
    ],
    "Countries": [("OFF-1", "Serbia", 60), ("OFF-1", "Albania", 40), ("OFF-2", "North Macedonia", 100)]
    + [("OFF-3", "Kosovo", 100)],
    "Budgets": [
        ("OFF-1", D(2022, 1, 1), D(2022, 12, 31), "original", 100000, "EUR"),
        ("OFF-1", D(2023, 1, 1), D(2023, 12, 31), "original", 150000, "EUR"),
    ],
    "Transactions": [
        ("T1", "OFF-1", "commitment", D(2022, 1, 10), None, 250000, "EUR", "European Union"),
        ("T2", "OFF-1", "disbursement", D(2022, 3, 1), None, 100000, "EUR"),
        # The Serbian dinar has no ECB reference rate.
        ("T3", "OFF-1", "disbursement", D(2023, 2, 1), None, 2000000, "RSD"),
        ("T4", "OFF-1", "disbursement", D(2025, 2, 3), None, 50000, "EUR"),  # after the end date
        ("T5", "OFF-2", "expenditure", D(2023, 6, 15), None, 120000, "USD"),
        ("T6", "OFF-2", "expenditure", D(2024, 6, 15), None, 80000, "USD"),
        ("T7", "OFF-3", "disbursement", D(2024, 4, 2), None, 100000, "GBP"),
    ],
}
REVISION = {
    "Budgets": [
        ("OFF-1", D(2022, 1, 1), D(2022, 12, 31), "original", 100000, "EUR"),
        ("OFF-1", D(2023, 1, 1), D(2023, 12, 31), "original", 150000, "EUR"),
        ("OFF-1", D(2023, 1, 1), D(2023, 12, 31), "revised", 180000, "EUR"),
    ]
}


@pytest.fixture
def officer_db(tmp_path, monkeypatch):
    """Portfolio (c): three projects in EUR, USD and GBP, OFF-1's 2023 budget revised by a second import."""
    path = tmp_path / "officer.duckdb"
    db = store.open_store(path)
    _import(db, "portfolio.xlsx", FIRST)
    _import(db, "revised-budget.xlsx", REVISION)
    db.close()
    monkeypatch.setenv("AIDTRACK_DB", str(path))
    return path


def _rates(path, currency: str, day: date) -> Decimal:
    """The ECB rate (units per euro) on `day` or the nearest earlier day, read straight from fx_rates."""
    con = store.open_store(path).connection
    ((rate,),) = con.execute(
        "SELECT per_eur FROM fx_rates WHERE currency = ? AND rate_date <= ? ORDER BY rate_date DESC LIMIT 1",
        [currency, day],
    ).fetchall()
    con.close()
    return rate


def _eur(amount: int, rate: Decimal) -> Decimal:
    return (Decimal(amount) / rate).quantize(Decimal("0.01"))


def test_spend_review_totals_match_the_transactions_and_say_what_has_no_rate(officer_db):
    usd = [_rates(officer_db, "USD", d) for d in (D(2023, 6, 15), D(2024, 6, 14))]
    gbp = _rates(officer_db, "GBP", D(2024, 4, 2))
    disbursed = Decimal(150000) + _eur(100000, gbp)  # the dinar tranche has no rate
    expenditure = _eur(120000, usd[0]) + _eur(80000, usd[1])
    at = app("pages/spend.py")
    assert metric(at, "Committed") == "EUR 250.0k"
    assert metric(at, "Disbursed") == f"EUR {disbursed / 1000:.1f}k"
    assert metric(at, "Expenditure") == f"EUR {expenditure / 1000:.1f}k"
    # The RSD 2,000,000 disbursement was left out of every figure without a word.
    assert (
        "1 transaction in RSD has no rate for EUR on its date: left out of Committed, Disbursed, "
        "Expenditure and Spent" in "\n".join(i.value for i in at.info)
    )
    totals = spend.review_totals(store.open_store(officer_db).connection, Filters(), "EUR")
    assert (totals.disbursements, totals.expenditure) == (disbursed, expenditure)
    assert (totals.unconverted, totals.unconverted_currencies) == (1, "RSD")


def test_spend_review_says_none_recorded_rather_than_zero(officer_db):
    # OFF-2 reports only expenditure: it has no commitment or disbursement.
    at = app("pages/spend.py", funder="CH")
    assert metric(at, "Expenditure").startswith("EUR ")
    # It showed 'EUR 0', as if the project had committed and disbursed nothing.
    assert metric(at, "Committed") == "none recorded"
    assert metric(at, "Disbursed") == "none recorded"


def test_projects_list_gives_the_own_budget_of_a_project_budgeted_by_period(officer_db):
    table = app("pages/projects.py").dataframe[0].value.set_index("project_id")
    # OFF-1 has no total of its own: its periods (100,000 and 180,000 revised from 150,000) are
    # its budget. The own-currency cell showed a grey 'None', read as no budget at all.
    assert table.loc["OFF-1", "budget"] == Decimal("280000.00")
    assert table.loc["OFF-1", "budget_reporting"] == Decimal("280000.00")
    assert table.loc["OFF-1", "budget_note"] == "the sum of its budget periods"
    rate = _rates(officer_db, "USD", D(2023, 1, 1))
    assert table.loc["OFF-2", "budget_reporting"] == _eur(500000, rate)
    assert table.loc["OFF-2", "budget_note"] == ""


def test_projects_list_says_why_a_budget_has_no_converted_figure(sample_db):
    # The seed page's EU grant (EUR 1m) states no dates: in USD it has no rate to take.
    table = app("pages/projects.py", currency="USD").dataframe[0].value.set_index("project_id")
    assert table.loc["SEED-EU-SRB-BM", "budget"] == Decimal("1000000.00")
    assert table.loc["SEED-EU-SRB-BM", "budget_note"] == (
        "not converted to USD: no start date to take a rate from"
    )
    assert table.loc["SEED-CSC-WB", "budget_note"] == "no budget recorded"


def test_what_changed_gives_a_revised_budget_as_its_total_before_and_after(officer_db):
    at = app("pages/changes.py")
    assert metric(at, "Budget revisions") == "1"
    revisions = next(d.value for d in at.dataframe if "budget_before" in d.value)
    row = revisions.set_index("project_id").loc["OFF-1"]
    # Before, only every period as logged text: '2022-01-01 2022-12-31 original 100000.00 EUR; ...'.
    assert (row["budget_before"], row["budget_after"]) == ("EUR 250,000.00", "EUR 280,000.00")
    assert row["source"] == "revised-budget.xlsx"


def test_a_filtered_page_names_its_filter_and_says_projects_count_whole(officer_db):
    at = app("pages/spend.py", funder="DE")
    info = "\n".join(i.value for i in at.info)
    # Germany funds 20% of OFF-1; the review shows OFF-1 whole, and said nothing of the filter.
    assert "Filtered: Funder: Federal Republic of Germany." in info
    assert "Each project is counted whole" in info
    assert metric(at, "Budget") == "EUR 280.0k"
    at.segmented_control(key="spend_view").set_value("Funder").run()
    by_funder = at.dataframe[0].value.set_index("name")
    assert by_funder.loc["Federal Republic of Germany", "budget"] == Decimal("56000.00")
    assert by_funder.loc["EU", "budget"] == Decimal("224000.00")
    for page in ("pages/projects.py", "pages/quality.py"):
        shown = app(page, country="ALB")
        assert "Filtered: Beneficiary country or region: Albania." in "\n".join(i.value for i in shown.info)


def test_contributions_are_checked_against_a_budget_revised_by_period(officer_db):
    # EU 200,000 and Germany 50,000 made OFF-1's budget of 250,000; the revision to 280,000 left
    # 30,000 no funder pays, and the breakdowns silently scaled the 80/20 split to it. Nothing said
    # so: the check compared contributions with a total budget only, and OFF-1 has periods.
    at = app("pages/spend.py")
    flags = at.dataframe[0].value.set_index("project_id")["flag_text"]
    assert (
        "Funder contributions add up to 250,000.00 EUR, the budget is 280,000.00 "
        "(the sum of its budget periods)" in flags["OFF-1"]
    )
    assert "Funder contributions" not in flags["OFF-2"]
    quality = app("pages/quality.py").dataframe[0].value.set_index("project_id")["problem_text"]
    assert "Funder contributions do not add up to the budget" in quality["OFF-1"]
    rebased = queries.rebased(store.open_store(officer_db).connection, Filters())
    assert rebased[["project_id", "recorded"]].values.tolist() == [["OFF-1", Decimal("89.29")]]


def test_spend_by_year_has_a_spent_column_adding_up_to_the_headline(officer_db):
    at = app("pages/spend.py")
    at.segmented_control(key="spend_view").set_value("Year").run()
    years = at.dataframe[0].value.set_index("name")
    # OFF-2 spends by expenditure, OFF-3 by disbursements: 2024 is both. The table had no Spent
    # column and the chart labelled expenditure alone 'Spent' (EUR 74.9k, not 191.8k).
    usd = _rates(officer_db, "USD", D(2024, 6, 15))
    gbp = _rates(officer_db, "GBP", D(2024, 4, 2))
    assert years.loc["2024", "spent"] == _eur(80000, usd) + _eur(100000, gbp)
    assert years.loc["2025", "spent"] == Decimal("50000.00")  # after OFF-1's end date, still spent
    total = spend.review_totals(store.open_store(officer_db).connection, Filters(), "EUR").spent
    assert sum(years["spent"].dropna()) == total
    (chart,) = at.get("vega_lite_chart")
    bars = pa.ipc.open_stream(chart.proto.datasets[0].data.data).read_all().to_pandas()
    spent_bars = bars[bars["series"] == "Spent"].set_index("key")["value"]
    assert spent_bars["2024"] == float(years.loc["2024", "spent"])


def test_exchange_rates_page_names_the_currency_no_rate_converts(officer_db):
    at = app("pages/rates.py")
    # The dinar disbursement was in no figure and the page where rates are fixed never said so.
    assert (
        "No rate at all, so left out of every total and never counted as zero: Serbian Dinar (RSD), "
        "1 amount in 1 project. Import your own rates for it below." in [w.value for w in at.warning]
    )
    db = store.open_store(officer_db)
    rate = pd.DataFrame(
        [
            {
                "currency": "RSD",
                "valid_from": D(2023, 2, 1),
                "valid_to": D(2023, 2, 28),
                "per_eur": Decimal("117.2"),
            }
        ]
    )
    store.replace_user_rates(db, rate, "accounting rates.xlsx (your rates)")
    db.close()
    at = app("pages/rates.py")
    assert not at.warning
    spent = app("pages/spend.py")
    disbursed = spend.review_totals(store.open_store(officer_db).connection, Filters(), "EUR").disbursements
    gbp = _rates(officer_db, "GBP", D(2024, 4, 2))
    assert disbursed == Decimal(150000) + _eur(100000, gbp) + _eur(2000000, Decimal("117.2"))
    assert not any("no rate" in i.value for i in spent.info)
