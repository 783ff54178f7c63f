"""Trial of the Projects list, the project page, Data quality and What changed, as a donor
officer reviewing a portfolio and a programme manager keeping it up to date."""

from .test_pages import app


def test_the_projects_list_says_what_the_listed_budgets_add_up_to(sample_db):
    at = app("pages/projects.py")
    assert at.caption[0].value.startswith(
        "43 projects. Total budget EUR 95,865,652.63; 2 projects have no budget recorded. Search"
    )
    seed = app("pages/projects.py", q="Countering Serious Crime", illustrative="no")
    assert seed.caption[0].value.startswith(
        "1 project. Total budget EUR 0.00; 1 project has no budget recorded. Search"
    )


def test_the_projects_list_says_not_recorded_for_a_missing_date(sample_db):
    table = app("pages/projects.py").dataframe[0].value.set_index("project_id")
    # The seed page states no dates for the EU grant: a grey 'None' read as a value.
    assert table.loc["SEED-EU-SRB-BM", ["start_date", "end_date"]].tolist() == ["not recorded"] * 2
    assert table.loc["ILL-0001", "start_date"] == "2017-06-10"
