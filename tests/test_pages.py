"""Pages, run from the entry point with AppTest on a fresh copy of the sample portfolio."""

from datetime import date
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from portfolio import store

ENTRY = str(Path(__file__).parents[1] / "dashboard.py")


def app(page: str | None = None, **query) -> AppTest:
    at = AppTest.from_file(ENTRY, default_timeout=60)
    for key, value in query.items():
        at.query_params[key] = value
    if page:
        at.switch_page(page)
    at.run()
    assert not at.exception, at.exception
    return at


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def markdown(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown) + "\n".join(c.value for c in at.caption)


def test_overview_shows_the_sample_portfolio(sample_db):
    at = app()
    assert metric(at, "Projects") == "43"
    assert metric(at, "Total budget") == "EUR 95.9m"
    assert metric(at, "Funders") == "8"
    assert [h.value for h in at.subheader][:2] == ["Budget by funder", "Budget by implementing agency"]
    assert "40 of 43 projects are **illustrative**" in "\n".join(i.value for i in at.info)
    assert "Parts add up to EUR 95,865,652.63." in markdown(at)


def test_overview_of_the_seed_page_alone(sample_db):
    at = app(illustrative="no")
    assert metric(at, "Projects") == "3"
    assert metric(at, "Total budget") == "EUR 1.0m"
    assert metric(at, "Beneficiary countries") == "1"
    assert "2 of 3 projects have no recorded budget" in "\n".join(i.value for i in at.info)


def test_choosing_a_funder_in_the_sidebar_narrows_every_figure_and_the_url(sample_db):
    at = app(illustrative="no")
    funder = next(m for m in at.sidebar.multiselect if m.label == "Funder")
    funder.select("Federal Republic of Germany").run()
    assert metric(at, "Projects") == "1"  # Countering Serious Crime, jointly financed by EU and Germany
    assert metric(at, "Total budget") == "not recorded"  # its one project has no budget
    assert at.query_params["funder"] == "DE"


def test_projects_page_lists_and_opens_a_seed_project(sample_db):
    at = app("pages/projects.py", project="SEED-EU-SRB-BM")
    table = at.dataframe[0].value
    assert len(table) == 43
    assert table.iloc[0]["project_id"].startswith("SEED-")
    assert (
        at.header[0].value
        == "EU Supports Serbia to Improve Border Management in the Context of the Migration Crisis"
    )
    text = markdown(at)
    assert "EUR 1,000,000.00" in text
    assert "1. To support Serbian border and migration management capabilities" in text
    organisations = at.dataframe[1].value
    assert list(organisations["name"]) == [
        "European Union",
        "International Organization for Migration",
        "Serbian Ministry of Interior",
    ]


def test_a_seed_project_with_numbered_aims_and_partners(sample_db):
    at = app("pages/projects.py", project="SEED-BSM-SERIES")
    assert (
        "1. To continue addressing the challenges in border security and management\n2. To identify"
        in markdown(at)
    )
    roles = at.dataframe[1].value.set_index("name")["role_name"].to_dict()
    assert roles == {
        "RACVIAC": "Implementing",
        "DCAF Office Ljubljana": "Partner",
        "OSCE Border Security and Management Unit": "Partner",
    }


def test_an_unknown_project_id_says_so(sample_db):
    at = app("pages/projects.py", project="NOPE")
    assert at.warning[0].value == "There is no project with the ID 'NOPE'."


def test_activities_page_shows_the_seed_events(sample_db):
    at = app("pages/activities.py", illustrative="no")
    events = at.dataframe[0].value.set_index("title")
    assert list(events.index) == [
        "Regional Risk Analysis Workshop",
        "Meeting of Border Police Chiefs",
        "Border Security and Management Seminar",
    ]
    assert events.loc["Meeting of Border Police Chiefs", "city"] == "Tirana"
    assert events.loc["Regional Risk Analysis Workshop", "city"] == "not recorded"
    assert "Not on the map for want of a place: 2 events." in markdown(at)


@pytest.mark.parametrize("page", ["pages/overview.py", "pages/projects.py", "pages/activities.py"])
def test_a_search_that_matches_nothing_is_said_plainly(sample_db, page):
    at = app(page, q="no such project anywhere")
    assert not at.exception


def test_the_reporting_currency_comes_from_the_url_and_matches_the_cli(sample_db):
    import json
    import subprocess
    import sys

    summary = subprocess.run(
        [sys.executable, "-m", "portfolio", "summary", "--db", str(sample_db), "--currency", "USD", "--json"],
        cwd=Path(ENTRY).parent,
        capture_output=True,
        text=True,
        check=True,
    )
    exact = json.loads(summary.stdout)["total"]
    at = app(currency="USD")  # after the CLI: the app keeps the database open
    assert metric(at, "Total budget").startswith("USD ")
    assert at.selectbox(key="reporting_currency").value == "USD"
    assert f"Parts add up to USD {float(exact):,.2f}." in markdown(at)


def test_choosing_a_currency_in_the_sidebar_puts_it_in_the_url(sample_db):
    at = app()
    at.selectbox(key="reporting_currency").select("GBP")
    at.run()
    assert at.query_params["currency"] == "GBP"
    assert metric(at, "Total budget").startswith("GBP ")


def test_a_project_shows_its_budget_and_spending_over_time(sample_db):
    at = app("pages/projects.py", project="ILL-0005")
    assert "Budget and spending over time" in [s.value for s in at.subheader]


def test_a_project_budgeted_by_period_alone_shows_their_sum_as_its_budget(sample_db):
    db = store.open_store(sample_db)
    store.add_records(
        db,
        {
            "projects": pd.DataFrame([{"project_id": "P", "title": "By period", "currency": "EUR"}]),
            "budgets": pd.DataFrame(
                [
                    {
                        "project_id": "P",
                        "period_start": date(2020, 1, 1),
                        "period_end": date(2020, 12, 31),
                        "type": "original",
                        "amount": Decimal("120000.20"),
                    }
                ]
            ),
        },
        "periods.xml",
        "iati",
    )
    db.close()
    at = app("pages/projects.py", project="P")
    # Not "not recorded" beside the figure it has.
    assert "**Budget**  \nEUR 120,000.20  \nthe sum of its budget periods" in markdown(at)


def test_a_project_whose_budget_has_no_rate_says_it_is_not_converted(sample_db):
    db = store.open_store(sample_db)
    total = {"title": "Total in XAF", "currency": "XAF", "budget": 1000, "start_date": date(2021, 1, 4)}
    period = {"period_start": date(2021, 1, 1), "period_end": date(2021, 12, 31), "type": "original"}
    store.add_records(
        db,
        {
            "projects": pd.DataFrame(
                [{"project_id": "TOTAL", **total}, {"project_id": "P", "title": "Periods", "currency": "XAF"}]
            ),
            "budgets": pd.DataFrame([{"project_id": "P", **period, "amount": Decimal("5000")}]),
        },
        "xaf.xml",
        "iati",
    )
    db.close()
    # Neither budget is in the Overview's total: the project view says so beside the figure.
    at = app("pages/projects.py", project="TOTAL")
    assert "**Budget**  \nXAF 1,000.00  \nnot converted to EUR: no rate for its date" in markdown(at)
    at = app("pages/projects.py", project="P")
    assert "**Budget**  \nnot converted to EUR: no rate for its date" in markdown(at)


def test_the_captions_say_how_this_portfolio_converts(sample_db):
    db = store.open_store(sample_db)
    store.set_fx_method(db, "monthly")
    db.close()
    said = "converted at the average ECB rate of the month of each amount's date"
    assert said in markdown(app())
    assert "at the average ECB rate of the month" in markdown(app("pages/spend.py"))
    # The reporting currency's help says it too; it always said the rate of each amount's date.
    currency = next(s for s in app().selectbox if s.label == "Reporting currency")
    assert "at the average ECB rate of the month of each amount's date" in currency.help


def test_a_projects_transactions_name_their_provider_and_receiver(sample_db):
    # They showed the organisation's id ('DE') where the Funders table says its name.
    at = app("pages/projects.py", project="ILL-0007")
    transactions = next(d.value for d in at.dataframe if "provider_org" in d.value)
    commitment = transactions[transactions["type"] == "Outgoing Commitment"].iloc[0]
    assert commitment["provider_org"] == "Federal Republic of Germany"


def test_a_database_error_shows_its_path_as_written(tmp_path, monkeypatch):
    # A path holding '__x__' showed a bold 'x' where the folder's name should be.
    broken = tmp_path / "__x__" / "aidtrack.duckdb"
    broken.parent.mkdir()
    broken.write_bytes(b"not a database")
    monkeypatch.setenv("AIDTRACK_DB", str(broken))
    at = AppTest.from_file(ENTRY, default_timeout=60).run()
    assert r"\_\_x\_\_" in at.error[0].value, at.error[0].value


def test_the_overview_read_ahead_by_the_server_is_all_its_first_page_reads(sample_db, monkeypatch):
    import ui
    from portfolio import access, queries

    ui.read_ahead_overview()  # what serve.py does as the server starts
    read = []

    def counted(name, original):
        return lambda *args, **kwargs: read.append(name) or original(*args, **kwargs)

    for module, name in [
        (queries, "headline"),
        (queries, "breakdown"),
        (queries, "rebased"),
        (queries, "filter_choices"),
        (access, "internal_fields"),
    ]:
        monkeypatch.setattr(module, name, counted(name, getattr(module, name)))
    at = app()
    assert metric(at, "Projects") == "43"
    assert len(at.get("vega_lite_chart")) == 6  # the page was drawn whole, every chart
    assert read == []


def test_the_servers_read_ahead_writes_no_warnings_to_the_terminal(sample_db):
    # Every `make run` printed ten "Thread 'aidtrack-read-ahead': missing ScriptRunContext!" lines.
    import logging
    import threading

    import serve

    said = []
    handler = logging.Handler()
    handler.emit = said.append
    logger = logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context")
    logger.addHandler(handler)
    try:
        reading = threading.Thread(target=serve._read_ahead, name="aidtrack-read-ahead")
        reading.start()
        reading.join(60)
    finally:
        logger.removeHandler(handler)
    assert [r.getMessage() for r in said] == []
    assert logger.level == logging.NOTSET or logger.level < logging.ERROR
