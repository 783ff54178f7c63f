"""A portfolio larger than a table shows: every page lists at most 5,000 rows, says how many
there are in all, and adds up its figures over all of them."""

import shutil
from datetime import date

import pytest

from portfolio import quality, queries, spend, store, synthetic
from portfolio.filters import Filters

from .test_pages import app, markdown, metric

PROJECTS = 5_200
SHOWN = 5_000


@pytest.fixture(scope="module")
def _large_template(tmp_path_factory):
    path = tmp_path_factory.mktemp("large") / "large.duckdb"
    db = store.open_store(path)
    store.add_records(db, synthetic.batches(PROJECTS, seed=7, prefix="BIG", size=2_000), "large", "synthetic")
    db.close()
    return path


@pytest.fixture
def large_db(_large_template, tmp_path, monkeypatch):
    path = tmp_path / "aidtrack.duckdb"
    shutil.copy(_large_template, path)
    monkeypatch.setenv("AIDTRACK_DB", str(path))
    return path


def test_batches_make_the_same_portfolio_as_one_go():
    whole = synthetic.generate(50, seed=3, prefix="B")
    parts = list(synthetic.batches(50, seed=3, prefix="B", size=20))
    for table, frame in whole.items():
        rows = [part[table] for part in parts if table in part]
        assert sum(len(r) for r in rows) == len(frame), table
        assert list(rows[0].columns) == list(frame.columns), table
    assert parts[1]["projects"]["project_id"].iloc[0] == "B-0021"


def test_the_projects_table_says_it_lists_the_first_5000(large_db):
    at = app("pages/projects.py")
    assert len(at.dataframe[0].value) == SHOWN
    assert f"The first 5,000 of {PROJECTS:,} projects" in markdown(at)
    assert at.get("download_button")[0].label == f"Download these {PROJECTS:,} projects (xlsx)"


def test_spend_and_quality_figures_are_over_every_project(large_db):
    db = store.open_store(large_db)
    totals = spend.review_totals(db.connection, Filters(), "EUR", date(2026, 11, 27))
    review = spend.project_review(db.connection, Filters(), "EUR", date(2026, 11, 27), limit=100_000)
    assert totals.projects == PROJECTS == len(review)
    assert totals.flagged == int((review["flags"] > 0).sum())
    assert totals.commitments == review["commitments"].sum()
    checked = quality.quality_totals(db.connection, Filters(), date(2026, 11, 27))
    scores = quality.project_quality(db.connection, Filters(), date(2026, 11, 27), limit=100_000)
    assert (checked.projects, checked.problems) == (PROJECTS, int(scores["problems"].sum()))
    db.close()

    at = app("pages/spend.py")
    assert len(at.dataframe[0].value) == SHOWN
    assert f"of {PROJECTS:,} projects need a look" in at.warning[0].value
    assert f"The 5,000 most flagged of {PROJECTS:,} projects." in markdown(at)
    at = app("pages/quality.py")
    assert metric(at, "Projects with a problem").endswith(f"of {PROJECTS:,}")
    with_problems = int(metric(at, "Projects with a problem").split(" of ")[0].replace(",", ""))
    listed = at.dataframe[0].value
    assert len(listed) == min(with_problems, 5000) and (listed["score"] < 100).all()
    assert "that pass every check are not listed." in markdown(at)


def test_events_are_counted_in_all_and_charted_by_month_and_place(large_db):
    db = store.open_store(large_db)
    counts = queries.activity_counts(db.connection, Filters())
    by_month = queries.events_by_month(db.connection, Filters())
    by_place = queries.events_by_place(db.connection, Filters())
    assert counts.events > SHOWN
    assert by_month["events"].sum() == counts.dated
    assert by_place["events"].sum() == counts.placed
    db.close()

    at = app("pages/activities.py")
    assert len(at.dataframe[0].value) == SHOWN
    assert f"{counts.events:,} events of" in markdown(at)
    assert "The charts count the events per month and per place." in markdown(at)
    assert [s.value for s in at.main.subheader] == ["When", "Where", f"The first {SHOWN:,} events"]


def test_what_changed_counts_every_new_project(large_db):
    at = app("pages/changes.py")
    assert metric(at, "New projects") == f"{PROJECTS:,}"
    assert len(at.dataframe[0].value) == SHOWN
    assert f"The latest 5,000 of {PROJECTS:,}, newest first." in markdown(at)
