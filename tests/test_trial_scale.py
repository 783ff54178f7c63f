"""Found by trying the dashboard at 100,000 projects in a browser: what a page showed or left out
once the portfolio is larger than a table lists, here on small generated portfolios."""

import shutil
from datetime import date

import pytest

from portfolio import charts, queries, spend, store, synthetic
from portfolio.filters import Filters

from .test_pages import app, markdown

PROJECTS = 600
TODAY = date(2026, 11, 28)


@pytest.fixture(scope="module")
def _generated_template(tmp_path_factory):
    path = tmp_path_factory.mktemp("generated") / "generated.duckdb"
    db = store.open_store(path)
    store.add_records(
        db, synthetic.batches(PROJECTS, seed=11, prefix="TS", size=PROJECTS), "generated", "synthetic"
    )
    db.close()
    return path


@pytest.fixture
def generated_db(_generated_template, tmp_path, monkeypatch):
    path = tmp_path / "aidtrack.duckdb"
    shutil.copy(_generated_template, path)
    monkeypatch.setenv("AIDTRACK_DB", str(path))
    return path


def test_a_flag_is_looked_for_among_every_project_not_the_most_flagged_listed(generated_db):
    # At 100,000 projects the table lists the 5,000 most flagged; 'Amounts with no rate' then
    # filtered those 5,000 and showed an empty table, while 493 projects had no rate.
    db = store.open_store(generated_db)
    totals = spend.review_totals(db.connection, Filters(), "EUR", TODAY)
    listed = spend.project_review(db.connection, Filters(), "EUR", TODAY, limit=20)
    assert totals.by_flag["no_rate"] == 1 and not listed["no_rate"].any()
    for flag in ("no_rate", "ahead"):
        found = spend.project_review(db.connection, Filters(), "EUR", TODAY, limit=20, flags=(flag,))
        assert len(found) == totals.by_flag[flag] == found["matching_projects"].iloc[0]
        assert found[flag].all()
    both = spend.project_review(db.connection, Filters(), "EUR", TODAY, flags=("ahead", "little_spent"))
    assert (both["ahead"] & both["little_spent"]).all()
    with pytest.raises(ValueError, match="No such flag"):
        spend.project_review(db.connection, Filters(), "EUR", TODAY, flags=("budget; DROP TABLE projects",))
    db.close()


def test_the_spend_review_says_how_many_projects_have_the_chosen_flag(generated_db):
    at = app("pages/spend.py")
    (flags,) = [m for m in at.multiselect if m.label == "Show only projects flagged for"]
    flags.set_value(["no_rate"]).run()
    assert not at.exception
    assert len(at.dataframe[0].value) == 1
    assert f"1 of {PROJECTS:,} projects flagged for amounts with no rate." in markdown(at)
    flags.set_value(["money_after_end"]).run()
    assert len(at.dataframe[0].value) == 0
    assert f"None of the {PROJECTS:,} projects is flagged for money after the end date." in markdown(at)


def test_the_events_map_has_one_dot_per_place_counting_each_kind(generated_db):
    # At 100,000 projects the map drew a dot per place and kind: the six kinds' dots of similar
    # size lay exactly on top of each other, and each city showed one colour (Pristina's 14,897
    # events as one kind's 3,000).
    db = store.open_store(generated_db)
    counts = queries.activity_counts(db.connection, Filters())
    places = queries.events_by_place(db.connection, Filters())
    assert not places.duplicated(["city", "country"]).any()
    assert places["events"].sum() == counts.placed
    busiest = places.iloc[0]
    kinds = dict(part.rsplit(" ", 1) for part in busiest["kinds"].split("; "))
    assert len(kinds) > 1 and sum(int(n.replace(",", "")) for n in kinds.values()) == busiest["events"]
    spec = charts.events_per_place(places).to_dict()
    (dots,) = [layer for layer in spec["layer"] if layer["mark"]["type"] == "circle"]
    assert "color" not in dots["encoding"]
    assert len(spec["datasets"][dots["data"]["name"]]) == len(places)
    visits = queries.events_by_place(db.connection, Filters(), ("visit",))
    assert set(visits["kinds"].str.split(" ").str[0]) == {"visit"}
    (dots,) = [
        layer
        for layer in charts.events_per_place(visits).to_dict()["layer"]
        if layer["mark"]["type"] == "circle"
    ]
    assert dots["mark"]["color"] == charts.KIND_COLOURS.range[charts.KIND_COLOURS.domain.index("visit")]
    db.close()


def test_events_per_month_are_bars_a_month_wide(generated_db):
    # Drawn at a point in time, two hundred months of stacked bars were hairlines.
    db = store.open_store(generated_db)
    months = queries.events_by_month(db.connection, Filters())
    db.close()
    encoding = charts.events_per_month(months).to_dict()["encoding"]
    assert encoding["x"]["field"] == "month" and encoding["x2"]["field"] == "month_end"
