"""Data quality: each check on a project built to fail it, and the score recorded over time."""

from datetime import date
from decimal import Decimal

import pandas as pd
import pytest

from loaders import pipeline
from portfolio import imports, quality
from portfolio.filters import Filters
from portfolio.store import add_records

from .test_import import messy_workbook
from .test_pages import app

TODAY = date(2026, 11, 27)
WHOLE = dict(
    status="implementation",
    start_date=date(2026, 1, 1),
    end_date=date(2027, 12, 31),
    currency="EUR",
    budget=Decimal("1000"),
)


def build(empty_db, pid: str, project: dict, countries=None, sectors=None, funders=None, transactions=None):
    orgs = pd.DataFrame([dict(org_id="F", name="Funder")])
    add_records(
        empty_db,
        {
            "organisations": orgs,
            "projects": pd.DataFrame([{"project_id": pid, "title": pid, **project}]),
            "project_orgs": pd.DataFrame(
                funders if funders is not None else [dict(project_id=pid, org_id="F", role="funding")]
            ),
            "project_countries": pd.DataFrame(countries or [dict(project_id=pid, country="SRB")]),
            "project_sectors": pd.DataFrame(sectors or [dict(project_id=pid, sector="15210")]),
            "transactions": pd.DataFrame(
                transactions
                or [
                    dict(
                        transaction_id=f"{pid}-1",
                        project_id=pid,
                        type="disbursement",
                        date=date(2026, 6, 1),
                        amount=Decimal("10"),
                    )
                ]
            ),
        },
        f"{pid}.xlsx",
        "test",
    )


@pytest.mark.parametrize(
    "change, says",
    [
        (dict(project={**WHOLE, "budget": None}), "No budget recorded"),
        (dict(project={**WHOLE, "end_date": None}), "Start or end date missing"),
        (dict(project={**WHOLE, "status": None}), "No status"),
        (dict(countries=[dict(project_id="P", country="SRB", share=Decimal("60"))]), "Country shares"),
        (dict(sectors=[dict(project_id="P", sector="99999")]), "not on the reference lists"),
        (dict(project={**WHOLE, "status": "closed"}), "Dates do not fit the status"),
        (
            dict(
                transactions=[
                    dict(
                        transaction_id="P-1",
                        project_id="P",
                        type="disbursement",
                        date=date(2024, 1, 1),
                        amount=Decimal("10"),
                    )
                ],
                project={**WHOLE, "start_date": date(2023, 1, 1)},
            ),
            "no transaction or event for over 365 days",
        ),
        (
            dict(
                funders=[
                    dict(project_id="P", org_id="F", role="funding", amount=Decimal("500"), currency="EUR")
                ]
            ),
            "Funder contributions do not add up",
        ),
    ],
)
def test_each_check_on_a_project_built_to_fail_it(empty_db, change, says):
    build(empty_db, "P", change.pop("project", WHOLE), **change)
    row = quality.project_quality(empty_db.connection, Filters(), TODAY).iloc[0]
    assert row["problems"] == 1, row["problem_text"]
    assert says in row["problem_text"]
    assert row["score"] == 93  # 13 of 14 checks passed


def test_a_complete_project_scores_100(empty_db):
    build(empty_db, "P", WHOLE)
    row = quality.project_quality(empty_db.connection, Filters(), TODAY).iloc[0]
    assert (row["score"], row["problems"], row["problem_text"]) == (100, 0, "")


def test_the_score_is_recorded_after_every_import_and_undo(sample_db):
    from portfolio import store

    db = store.open_store(sample_db)
    before = len(quality.score_history(db.connection))
    plan, _ = pipeline.preview_file(db, messy_workbook(), "q3.xlsx")
    import_id = imports.apply(db, plan)
    imports.undo(db, import_id)
    history = quality.score_history(db.connection)
    assert len(history) == before + 2
    assert history["score"].iloc[-1] == history["score"].iloc[before - 1]  # undo restores the score
    db.close()
    at = app("pages/quality.py")
    assert at.title[0].value == "Data quality"
    assert "The portfolio's score over time" in [s.value for s in at.subheader]
    assert at.dataframe[0].value["project_id"].iloc[0].startswith("SEED-")  # the seed states least


def test_the_page_lists_only_the_projects_with_a_problem(sample_db):
    # At 100,000 projects it sent 5,000 rows, most of them scoring 100 with nothing to fix.
    at = app("pages/quality.py")
    listed = at.dataframe[0].value
    with_problems, projects = at.metric[1].value.split(" of ")
    assert len(listed) == int(with_problems) < int(projects) and (listed["score"] < 100).all()
    passing = int(projects) - int(with_problems)
    assert (
        f"The projects with a problem, worst first; the {passing} that pass every check are not listed."
        in [c.value for c in at.caption]
    )
