"""What a ten-second look at the Overview and Activities found: a stakeholder must see how much money,
from whom, to where, for what, over which years and what happened, on an empty portfolio, a single
project, projects without budgets, an IATI import and the sample, with the filters said on the page."""

import shutil
from pathlib import Path

import pandas as pd
import pytest

from loaders import __main__ as loaders_cli
from portfolio import store

from .conftest import SHARED
from .test_pages import app, metric

IATI_EXAMPLE = SHARED / "realworld" / "iati_standard_activity_example_v2.03.xml"


@pytest.fixture
def new_db(_empty_template, tmp_path, monkeypatch) -> Path:
    """A database with reference data and no project, as a new installation's import leaves it."""
    path = tmp_path / "new.duckdb"
    shutil.copy(_empty_template, path)
    monkeypatch.setenv("AIDTRACK_DB", str(path))
    return path


def add_projects(path: Path, projects: list[dict], **tables: list[dict]) -> None:
    db = store.open_store(path)
    store.add_records(
        db,
        {"projects": pd.DataFrame(projects), **{name: pd.DataFrame(rows) for name, rows in tables.items()}},
        "trial.xlsx",
        "xlsx",
    )
    db.close()


def infos(at) -> list[str]:
    return [i.value for i in at.info]


def test_a_new_portfolio_says_it_has_no_projects_yet_and_where_to_add_them(new_db):
    # It showed six zeros, 'EUR 0' and the warning 'No project matches the filters.' with no
    # filter on; Activities said 'No activities match the filters.'
    at = app()
    assert not at.metric
    assert not at.warning
    assert infos(at) == [
        "The portfolio has no projects yet. Add them on the Import page: a spreadsheet, "
        "aidtrack's template or an IATI file."
    ]
    at = app("pages/activities.py")
    assert infos(at) == [
        "No meetings, workshops or seminars are recorded yet. They are imported from the "
        "Activities sheet of aidtrack's template (Import page)."
    ]


def test_projects_without_a_budget_or_funders_show_not_recorded_rather_than_zero(new_db):
    # Three projects with no budget and no funder: the Overview said 'Total budget EUR 0' and
    # 'Funders 0', as if the money and the donors were known to be nothing.
    add_projects(
        new_db,
        [
            {"project_id": f"NB-{n}", "title": f"Project {n}", "currency": "EUR", "budget": None}
            for n in range(3)
        ],
    )
    at = app()
    assert metric(at, "Projects") == "3"
    assert metric(at, "Total budget") == "not recorded"
    assert metric(at, "Funders") == "not recorded"
    assert metric(at, "Implementing agencies") == "not recorded"
    assert "Nothing to chart: none of these projects has a recorded budget." in infos(at)


def test_a_filtered_page_names_its_filters_on_the_page(sample_db):
    # A shared link opened on a phone (the sidebar folded away) said only 'the filtered portfolio'.
    at = app(funder="DE", sector="15210", **{"from": "2018", "to": "2020"})
    (note,) = [i for i in infos(at) if i.startswith("Filtered")]
    assert note == (
        "Filtered: Funder: Federal Republic of Germany; Sector: Security system management and reform; "
        "running in 2018 to 2020."
    )
    at = app("pages/activities.py", country="XKX", q="border")
    assert "Filtered: Beneficiary country or region: Kosovo; matching 'border'." in infos(at)
    assert not [i for i in infos(app()) if i.startswith("Filtered")]


def test_an_iati_import_counts_one_project_in_words(new_db, capsys):
    # 'Shares scaled to 100% (1 projects)'.
    assert loaders_cli.main(["import", str(IATI_EXAMPLE), "--db", str(new_db)]) == 0
    at = app()
    assert "Shares scaled to 100% (1 project)" in [e.label for e in at.expander]
