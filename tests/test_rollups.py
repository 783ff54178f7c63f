"""Rollups: the figures per project every write keeps are the figures the live reads compute,
and a write that changes a few projects leaves them as a rebuild from scratch would."""

from datetime import date
from decimal import Decimal

import pandas as pd
import pytest

from portfolio import quality, queries, rollups, spend, store, synthetic
from portfolio.filters import Filters
from portfolio.money import BREAKDOWNS

TODAY = date(2026, 11, 27)
FILTERS = [
    Filters(),
    Filters(include_illustrative=False),
    Filters(countries=("SRB",)),
    Filters(year_from=2022),
]


@pytest.fixture
def sample(sample_db):
    db = store.open_store(sample_db)
    yield db
    db.close()


def every_figure(con, filters: Filters, currency: str = "EUR") -> dict:
    """Everything a page reads that the rollups can serve, in `currency`."""
    figures = {
        "headline": queries.headline(con, filters, currency, TODAY),
        "review": spend.project_review(con, filters, currency, TODAY),
        "review totals": spend.review_totals(con, filters, currency, TODAY),
        "quality": quality.project_quality(con, filters, TODAY),
        "quality totals": quality.quality_totals(con, filters, TODAY),
        "rebased": queries.rebased(con, filters),
        "unconverted": queries.unconverted(con, filters, currency),
    }
    for by in BREAKDOWNS:
        figures[f"breakdown {by}"] = queries.breakdown(con, by, filters, currency)
    for by in ("funder", "implementer", "year"):
        figures[f"review by {by}"] = spend.review_by(con, by, filters, currency)
    for by in ("funder", "country"):
        figures[f"budget by year and {by}"] = spend.budget_by_year_and(con, by, filters, currency)
        figures[f"spent by year and {by}"] = spend.spent_by_year_and(con, by, filters, currency)
    return figures


def assert_same(left: dict, right: dict) -> None:
    assert left.keys() == right.keys()
    for name, value in left.items():
        if isinstance(value, pd.DataFrame):
            other = right[name]
            if " by year and " in name:  # ordered by amount within a year: equal amounts tie
                value, other = (f.sort_values(["year", "key"]).reset_index(drop=True) for f in (value, other))
            pd.testing.assert_frame_equal(value, other, check_dtype=False, obj=name)
        else:
            assert value == right[name], name


@pytest.mark.parametrize("filters", FILTERS, ids=["all", "seed-only", "serbia", "from-2022"])
def test_rollups_and_live_reads_give_the_same_figures(sample, monkeypatch, filters):
    assert rollups.fresh(sample.connection)
    rolled = every_figure(sample.connection, filters)
    monkeypatch.setattr(rollups, "fresh", lambda con: False)
    assert_same(rolled, every_figure(sample.connection, filters))


def rollup_rows(db: store.Store) -> dict[str, list]:
    return {
        table: db.cursor().execute(f"SELECT * FROM {table} ORDER BY ALL").fetchall()
        for table in rollups.FIGURES
    }


def rebuilt_from_scratch(db: store.Store) -> dict[str, list]:
    with db.write() as cur:
        cur.execute("UPDATE meta SET value = 'forget' WHERE key = 'rollup_settings'")
    return rollup_rows(db)


def test_a_write_redoes_only_the_projects_it_changed_and_ends_as_a_full_rebuild(sample):
    con = sample.connection
    before = rollup_rows(sample)
    with sample.write() as cur:
        cur.execute("UPDATE projects SET budget = budget * 2 WHERE project_id = 'ILL-0007'")
        cur.execute("DELETE FROM project_countries WHERE project_id = 'ILL-0008'")
        cur.execute("DELETE FROM transactions WHERE project_id = 'ILL-0009'")
        redone = rollups.rebuild(cur)  # what the write is about to do; it does it again, finding nothing
    assert redone == 3
    with sample.write() as cur:
        assert rollups.rebuild(cur) == 0
    after = rollup_rows(sample)
    assert after != before
    assert after == rebuilt_from_scratch(sample)
    assert queries.breakdown(con, "country", Filters(text="ILL-0008"))["not_recorded"].all()


def test_new_and_removed_projects_are_rolled_up_and_dropped(sample):
    store.add_records(sample, synthetic.generate(3, seed=5, prefix="NEW"), "more.xlsx", "test")
    assert sample.value("SELECT count(DISTINCT project_id) FROM rollup_projects") == 46
    with sample.write() as cur:
        for table in ("transactions", "budgets", "activities", "project_aims", "project_sectors"):
            cur.execute(f"DELETE FROM {table} WHERE project_id = 'NEW-0001'")
        cur.execute("DELETE FROM project_countries WHERE project_id = 'NEW-0001'")
        cur.execute("DELETE FROM project_orgs WHERE project_id = 'NEW-0001'")
        cur.execute("DELETE FROM import_projects WHERE project_id = 'NEW-0001'")
        cur.execute("DELETE FROM projects WHERE project_id = 'NEW-0001'")
    for table in rollups.TABLES:
        assert sample.value(f"SELECT count(*) FROM {table} WHERE project_id = 'NEW-0001'") == 0
    assert rollup_rows(sample) == rebuilt_from_scratch(sample)


def test_changing_how_amounts_are_converted_redoes_every_project(sample, monkeypatch):
    eur = queries.headline(sample.connection, Filters(), "EUR", TODAY).total_budget
    store.set_fx_method(sample, "monthly")
    monthly = every_figure(sample.connection, Filters())
    assert monthly["headline"].total_budget != eur
    monkeypatch.setattr(rollups, "fresh", lambda con: False)
    assert_same(monthly, every_figure(sample.connection, Filters()))


def test_other_currencies_are_read_live_and_add_up(sample):
    assert not rollups.usable(sample.connection, "USD")
    total = queries.headline(sample.connection, Filters(), "USD").total_budget
    assert (
        sum(queries.breakdown(sample.connection, "sector", Filters(), "USD")["amount"], Decimal(0)) == total
    )


def live_and_kept(db: store.Store, currency: str, monkeypatch, filters: Filters | None = None) -> tuple:
    filters = filters or Filters()
    with monkeypatch.context() as live:
        live.setattr(rollups, "fresh", lambda con: False)
        computed = every_figure(db.connection, filters, currency)
    return computed, every_figure(db.connection, filters, currency)


@pytest.mark.parametrize("filters", FILTERS[:3], ids=["all", "seed-only", "serbia"])
def test_a_kept_currency_gives_the_figures_a_live_read_gives(sample, monkeypatch, filters):
    version = sample.data_version()
    assert rollups.keep(sample, "USD")
    assert rollups.kept(sample.connection) == ["EUR", "USD"]
    assert rollups.usable(sample.connection, "USD")
    assert sample.data_version() == version  # no data changed: cached pages stay valid
    live, kept = live_and_kept(sample, "USD", monkeypatch, filters)
    assert_same(live, kept)
    assert kept["headline"].total_budget != every_figure(sample.connection, filters)["headline"].total_budget


def test_writes_keep_every_kept_currency_in_step(sample, monkeypatch):
    rollups.keep(sample, "USD")
    rollups.keep(sample, "CHF")
    with sample.write() as cur:
        cur.execute("UPDATE projects SET budget = budget * 2 WHERE project_id = 'ILL-0007'")
        cur.execute("DELETE FROM transactions WHERE project_id = 'ILL-0009'")
    store.add_records(sample, synthetic.generate(3, seed=5, prefix="NEW"), "more.xlsx", "test")
    for currency in ("USD", "CHF"):
        assert_same(*live_and_kept(sample, currency, monkeypatch))
    assert sample.value("SELECT count(*) FROM rollup_projects WHERE reporting_currency = 'CHF'") == 46
    # Kept in step project by project, the rows are those of working the currency out afresh.
    in_step = rollup_rows(sample)
    with sample.write(figures_only=True) as cur:
        for table in rollups.FIGURES:
            cur.execute(f"DELETE FROM {table} WHERE reporting_currency = 'CHF'")
        cur.execute("UPDATE meta SET value = 'EUR,USD' WHERE key = 'rollup_currencies'")
    rollups.keep(sample, "CHF")
    assert rollup_rows(sample) == in_step


def test_new_rates_keep_eur_only_until_another_currency_is_shown(sample):
    rollups.keep(sample, "USD")
    store.set_fx_method(sample, "monthly")
    assert rollups.kept(sample.connection) == ["EUR"]
    assert sample.value("SELECT count(*) FROM rollup_projects WHERE reporting_currency = 'USD'") == 0


def test_only_so_many_currencies_are_kept(sample):
    others = ["USD", "CHF", "GBP", "NOK", "SEK", "JPY"]
    kept = [rollups.keep(sample, currency) for currency in others]
    assert kept == [True] * rollups.MORE_CURRENCIES + [False] * (len(others) - rollups.MORE_CURRENCIES)
    assert rollups.kept(sample.connection) == ["EUR", *others[: rollups.MORE_CURRENCIES]]


def test_a_database_without_rollups_is_read_live_and_gets_them_on_opening(sample_db, monkeypatch):
    db = store.open_store(sample_db)
    live = every_figure(db.connection, Filters())
    with db.write():
        pass
    db.cursor().execute("UPDATE meta SET value = 'none' WHERE key = 'rollups'")
    assert not rollups.fresh(db.connection)
    assert_same(live, every_figure(db.connection, Filters()))
    db.close()
    reopened = store.open_store(sample_db)
    assert rollups.fresh(reopened.connection)
    assert_same(live, every_figure(reopened.connection, Filters()))
    reopened.close()


def test_showing_the_portfolio_in_a_currency_keeps_its_figures(sample_db):
    from .test_pages import app, metric

    at = app(currency="USD")
    total = metric(at, "Total budget")
    assert total.startswith("USD ")
    db = store.open_store(sample_db)
    assert rollups.kept(db.connection) == ["EUR", "USD"]
    db.close()
    at.run()
    assert metric(at, "Total budget") == total


def test_imports_and_undo_that_name_their_projects_leave_the_rollups_a_full_rebuild_would(sample):
    from loaders import pipeline
    from portfolio import imports

    rollups.keep(sample, "USD")
    first = store.add_records(sample, synthetic.generate(4, seed=9, prefix="NEW"), "more.xlsx", "test")
    title = sample.value("SELECT title FROM projects WHERE project_id = 'ILL-0007'")
    plan, _ = pipeline.preview_edit(
        sample, "ILL-0007", {"title": title, "budget": 2_000_000, "currency": "EUR"}
    )
    second = imports.apply(sample, plan, "editor")
    assert plan.counts["updated"] == 1
    in_step = rollup_rows(sample)
    assert in_step == rebuilt_with(sample, ["USD"])
    imports.undo(sample, second)
    imports.undo(sample, first)
    assert rollup_rows(sample) == rebuilt_with(sample, ["USD"])


def rebuilt_with(db: store.Store, currencies: list[str]) -> dict[str, list]:
    """The rollups worked out from scratch, in EUR and `currencies`."""
    rebuilt_from_scratch(db)
    for currency in currencies:
        rollups.keep(db, currency)
    return rollup_rows(db)


SHEET = b"""Project ID,Project title,Donor(s),Beneficiary countries,Total budget (EUR),Start,End
LATER-1,Border crossing equipment for Montenegro,European Union,Montenegro,"250,000",2024-01-01,2026-12-31
ILL-0007,Renamed by the rollup test,Germany,Serbia; Albania,"125,000",2024-03-01,2025-02-28
"""


def test_a_file_import_leaves_its_figures_for_later_and_pages_show_it_at_once(sample, monkeypatch):
    from loaders import pipeline
    from portfolio import imports

    rollups.keep(sample, "USD")
    plan, _ = pipeline.preview_file(sample, SHEET, "q3.csv")
    imports.apply(sample, plan, "manager")
    con = sample.connection
    # Saved, but the figures of its two projects are not worked out: every read is live.
    assert rollups.pending(con) and not rollups.fresh(con)
    assert sample.value("SELECT count(*) FROM rollup_pending") == 2
    assert sample.value("SELECT count(*) FROM rollup_projects WHERE project_id = 'LATER-1'") == 0
    live = {currency: every_figure(con, Filters(), currency) for currency in ("EUR", "USD")}
    assert "LATER-1" in set(live["EUR"]["review"]["project_id"])

    assert rollups.settle(sample) == 2
    assert rollups.fresh(con) and not rollups.pending(con)
    assert sample.value("SELECT count(*) FROM rollup_pending") == 0
    for currency, figures in live.items():
        assert_same(figures, every_figure(con, Filters(), currency))
    assert rollup_rows(sample) == rebuilt_with(sample, ["USD"])
    assert rollups.settle(sample) == 0


def test_figures_left_for_later_are_worked_out_by_the_next_write_or_on_opening(sample_db):
    from loaders import pipeline
    from portfolio import imports

    db = store.open_store(sample_db)
    plan, _ = pipeline.preview_file(db, SHEET, "q3.csv")
    import_id = imports.apply(db, plan, "manager")
    imports.undo(db, import_id)  # a write of its own: it brings them in step
    assert rollups.fresh(db.connection)
    assert rollup_rows(db) == rebuilt_from_scratch(db)

    plan, _ = pipeline.preview_file(db, SHEET, "q4.csv")
    imports.apply(db, plan, "manager")
    assert rollups.pending(db.connection)
    version = db.data_version()
    db.close()
    reopened = store.open_store(sample_db)  # as after `python -m loaders import`
    assert rollups.fresh(reopened.connection)
    assert reopened.data_version() == version  # figures only: the data is as the import left it
    assert rollup_rows(reopened) == rebuilt_from_scratch(reopened)
    reopened.close()


@pytest.mark.parametrize(
    "statement",
    [
        "INSERT INTO project_countries SELECT project_id, country, share FROM project_countries "
        "WHERE project_id = 'ILL-0003' LIMIT 1",
        "INSERT INTO projects BY NAME SELECT * FROM projects WHERE project_id = 'ILL-0003'",
        "INSERT INTO transactions BY NAME SELECT * REPLACE ('ILL-0004' AS project_id) FROM transactions "
        "WHERE project_id = 'ILL-0003' LIMIT 1",
    ],
    ids=["country twice", "project twice", "transaction id of another project"],
)
def test_a_write_that_would_repeat_a_key_saves_nothing(sample, statement):
    before = rollup_rows(sample), sample.value("SELECT count(*) FROM transactions"), sample.data_version()
    with pytest.raises(store.StoreError, match="two rows with the same key"), sample.write() as cur:
        cur.execute(statement)
    assert (
        rollup_rows(sample),
        sample.value("SELECT count(*) FROM transactions"),
        sample.data_version(),
    ) == before


def test_the_app_caps_duckdbs_memory_before_it_works_out_any_figures(sample_db, monkeypatch):
    # Working out every project's figures again (an older database's, on opening it) ran before
    # the cap was set: 3.5 GB at a million projects, against 1.2 GB with it.
    from ui import db as ui_db

    seen = []

    def fresh(con):
        seen.append(con.execute("SELECT current_setting('memory_limit')").fetchone()[0])
        return True

    monkeypatch.setattr(rollups, "fresh", fresh)
    ui_db._store(str(sample_db))
    assert seen == ["953.6 MiB"]  # DuckDB's words for 1 GB


def test_the_app_caps_duckdbs_memory_before_it_upgrades_a_database(sample_db, monkeypatch):
    # An upgrade's backup and migrations run as the database opens, before open_store's other work.
    from ui import db as ui_db

    seen = []

    def migrate(self):
        seen.append(self.connection.execute("SELECT current_setting('memory_limit')").fetchone()[0])

    monkeypatch.setattr(store.Store, "_migrate", migrate)
    ui_db._store(str(sample_db))
    assert seen == ["953.6 MiB"]
