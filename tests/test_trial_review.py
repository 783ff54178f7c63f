"""Trial of the Projects list, the project page, Data quality and What changed, as a donor
officer reviewing a portfolio and a programme manager keeping it up to date."""

from datetime import date
from decimal import Decimal

import pytest

from portfolio import quality
from portfolio.filters import Filters
from portfolio.store import PROJECT_FIELDS

from .test_pages import app, metric
from .test_quality import TODAY, WHOLE, build


def test_the_projects_list_says_what_the_listed_budgets_add_up_to(sample_db):
    at = app("pages/projects.py")
    assert at.caption[0].value.startswith(
        "43 projects. Total budget EUR 95,865,652.63; 2 projects have no budget recorded. Search"
    )
    # One project with no budget: the total of nothing recorded is not a budget of EUR 0.00, and the
    # Overview said 'not recorded' beside it.
    seed = app("pages/projects.py", q="Countering Serious Crime", illustrative="no")
    assert seed.caption[0].value.startswith(
        "1 project. Total budget not recorded; 1 project has no budget recorded. Search"
    )


@pytest.mark.parametrize(
    "query", [{"q": "Countering Serious Crime"}, {"funder": "DE"}], ids=["one project", "a funder"]
)
def test_a_selection_with_no_budget_recorded_has_no_total_on_any_page(sample_db, query):
    # The seed page's Countering Serious Crime, the one project Germany funds there, states no budget.
    # The Overview said 'not recorded'; the Projects list 'Total budget EUR 0.00' and the Spend
    # review 'Budget EUR 0' for the same project.
    query = {**query, "illustrative": "no"}
    overview = app(**query)
    assert metric(overview, "Total budget") == "not recorded"
    projects = app("pages/projects.py", **query)
    assert projects.caption[0].value.startswith("1 project. Total budget not recorded; 1 project has no")
    review = app("pages/spend.py", **query)
    (budget,) = [m for m in review.metric if m.label == "Budget"]
    assert (budget.value, budget.help) == (
        "not recorded",
        "None of these projects has a budget that could be added up.",
    )
    assert next(m for m in overview.metric if m.label == "Total budget").help == budget.help
    assert "The project has no recorded budget." in [i.value for i in review.info]


def test_where_some_budgets_are_recorded_the_total_is_theirs_with_the_others_counted(sample_db):
    # The seed page: the EU grant's EUR 1,000,000.00, and two projects with no budget.
    overview, review = app(illustrative="no"), app("pages/spend.py", illustrative="no")
    assert metric(overview, "Total budget") == metric(review, "Budget") == "EUR 1.0m"
    (budget,) = [m for m in review.metric if m.label == "Budget"]
    assert budget.help == "Exactly EUR 1,000,000.00, over 1 project with a budget."
    missing = "2 of 3 projects have no recorded budget and add nothing to the total."
    assert missing in [i.value for i in overview.info] and missing in [i.value for i in review.info]
    assert (
        app("pages/projects.py", illustrative="no")
        .caption[0]
        .value.startswith("3 projects. Total budget EUR 1,000,000.00; 2 projects have no budget recorded.")
    )


def test_the_projects_list_says_not_recorded_for_a_missing_date(sample_db):
    table = app("pages/projects.py").dataframe[0].value.set_index("project_id")
    # The seed page states no dates for the EU grant: a grey 'None' read as a value.
    assert table.loc["SEED-EU-SRB-BM", ["start_date", "end_date"]].tolist() == ["not recorded"] * 2
    assert table.loc["ILL-0001", "start_date"] == "2017-06-10"


def _edit(sample_db, project_id: str, by: str, **changed):
    """What the project view's edit form does on Save."""
    from portfolio import imports, store

    db = store.open_store(sample_db)
    import_id = imports.apply(db, _edit_plan(db, project_id, **changed), by=by)
    return db, import_id


def _edit_plan(db, project_id: str, **changed):
    from loaders import pipeline

    project = db.connection.execute("SELECT * FROM projects WHERE project_id = ?", [project_id]).df()
    fields = project.iloc[0][list(PROJECT_FIELDS)].to_dict()
    fields["budget"] = str(project.iloc[0]["budget"])
    fields.update(changed)
    plan, _ = pipeline.preview_edit(db, project_id, fields)
    return plan


def test_what_changed_lists_a_renamed_project_with_who_renamed_it(sample_db):
    db, _ = _edit(sample_db, "ILL-0007", "Maria Manager", title="Firearms Control in Montenegro")
    db.close()
    at = app("pages/changes.py")
    # A title edited in the project view was listed nowhere, and no table said who changed what.
    other = next(d.value for d in at.dataframe if "Title" in set(d.value.get("field", ())))
    assert other[["project_id", "by", "field", "new"]].values.tolist() == [
        ["ILL-0007", "Maria Manager", "Title", "Firearms Control in Montenegro"]
    ]
    assert next(m.value for m in at.metric if m.label == "Other changes") == "1"


def test_what_changed_says_which_imports_it_leaves_out_as_undone(sample_db):
    from portfolio import imports

    db, import_id = _edit(sample_db, "ILL-0007", "Maria Manager", status="closed")
    imports.undo(db, import_id)
    db.close()
    at = app("pages/changes.py")
    assert next(m.value for m in at.metric if m.label == "Status changes") == "0"
    (note,) = [i.value for i in at.info]
    assert note.startswith("Left out because undone: Edited in the app\\: ILL-0007 (imported ")
    assert "by Maria Manager)" in note


@pytest.mark.parametrize(
    "change, says",
    [
        # The World Bank sheet's 59 projects costing 0: counted as 'budget recorded', no problem.
        (dict(project={**WHOLE, "budget": Decimal("0")}), "Budget is 0"),
        # The Spend review flagged it; Data quality, where a manager looks for what to fix, did not.
        (
            dict(
                transactions=[
                    dict(
                        transaction_id="P-1",
                        project_id="P",
                        type="disbursement",
                        date=date(2026, 10, 1),
                        amount=Decimal("10"),
                    )
                ],
                project={**WHOLE, "status": "finalisation", "end_date": date(2026, 9, 30)},
            ),
            "Money disbursed or spent after the end date",
        ),
    ],
)
def test_data_quality_asks_about_a_zero_budget_and_money_after_the_end(empty_db, change, says):
    build(empty_db, "P", change.pop("project", WHOLE), **change)
    row = quality.project_quality(empty_db.connection, Filters(), TODAY).iloc[0]
    assert (row["problems"], row["problem_text"]) == (1, says)


def test_data_quality_says_where_to_fix_and_labels_its_time_axis_readably(sample_db):
    from portfolio import imports, store

    db = store.open_store(sample_db)
    imports.undo(db, imports.apply(db, _edit_plan(db, "ILL-0007", status="closed")))
    db.close()
    at = app("pages/quality.py")
    assert any(c.value.startswith("Where to fix it: a budget, dates or status") for c in at.caption)
    (chart,) = at.get("vega_lite_chart")
    # Scores recorded seconds apart: Vega labelled every tick '.800' (milliseconds).
    assert '"format": "%H:%M:%S"' in chart.proto.spec


def test_the_project_page_leaves_no_grey_none_and_no_contribution_for_an_implementer(sample_db):
    at = app("pages/projects.py", project="ILL-0008")
    organisations = at.dataframe[1].value.set_index("role_name")
    # An implementer makes no contribution: 'not recorded' there read as missing data.
    assert organisations.loc["Funding", "contribution"] == "EUR 518,000.00"
    assert set(organisations.loc["Implementing", "contribution"]) == {""}
    transactions = next(d.value for d in at.dataframe if "provider_org" in d.value)
    expenditure = transactions[transactions["type"] == "Expenditure"].iloc[0]
    assert (expenditure["provider_org"], expenditure["receiver_org"], expenditure["description"]) == (
        "DCAF",
        "not recorded",
        "",
    )
    events = next(d.value for d in at.dataframe if "kind" in d.value)
    assert set(events["description"]) == {""}


def test_data_quality_asks_about_a_project_still_running_after_its_end_date(empty_db):
    # 276 projects of the IATI and World Bank files are 'Implementation' years after their end
    # date; only 'closed but ending in the future' and 'running but not started' were asked about.
    build(empty_db, "P", {**WHOLE, "end_date": date(2026, 6, 30)})
    row = quality.project_quality(empty_db.connection, Filters(), TODAY).iloc[0]
    assert (row["problems"], row["problem_text"]) == (
        1,
        "Dates do not fit the status: running past its end date (30 Jun 2026)",
    )


def test_a_projects_history_leaves_before_and_after_blank_for_project_added(sample_db):
    at = app("pages/projects.py", project="ILL-0001")
    history = next(d.value for d in at.dataframe if "field" in d.value)
    # A grey 'None' in Before and After read as a value that was changed.
    assert history[["field", "old", "new"]].values.tolist() == [["project added", "", ""]]


def test_what_changed_shows_a_budget_revision_with_thousands_separators(sample_db):
    _edit(sample_db, "ILL-0007", "Maria Manager", budget="2500000")[0].close()
    at = app("pages/changes.py")
    revised = next(d.value for d in at.dataframe if "Total budget" in set(d.value.get("field", ())))
    assert revised[["old", "new"]].values.tolist() == [["1,547,000.00", "2,500,000.00"]]


def test_one_project_alone_is_not_counted_as_one_of_one_projects(sample_db):
    # 'None of the 1 projects is flagged.' and 'Download these 1 project (xlsx)'.
    query = {"q": "Countering Serious Crime", "illustrative": "no"}
    review = app("pages/spend.py", **query)
    assert "The project is not flagged." in [s.value for s in review.success]
    projects = app("pages/projects.py", **query)
    assert projects.get("download_button")[0].label == "Download this project (xlsx)"
