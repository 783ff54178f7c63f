"""The sample portfolio holds the seed page's facts; the CLI reconciles with the dashboard;
portfolio/ and loaders/ never import streamlit."""

import json
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from loaders.sample import read_seed
from portfolio import store, synthetic
from portfolio.money import BREAKDOWNS

from .test_import import run_cli

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def db(sample_db):
    opened = store.open_store(sample_db)
    yield opened
    opened.close()


def rows(db, sql):
    return db.cursor().execute(sql).fetchall()


def test_the_seed_projects_and_their_organisations(db):
    assert rows(db, "SELECT project_id, title FROM projects WHERE NOT illustrative ORDER BY 1") == [
        ("SEED-BSM-SERIES", "Border Security and Management event series"),
        ("SEED-CSC-WB", "Countering Serious Crime in the Western Balkans"),
        (
            "SEED-EU-SRB-BM",
            "EU Supports Serbia to Improve Border Management in the Context of the Migration Crisis",
        ),
    ]
    assert rows(
        db,
        "SELECT project_id, role, o.name, amount FROM project_orgs JOIN organisations o USING (org_id) "
        "WHERE project_id LIKE 'SEED-%' ORDER BY 1, 2, 3",
    ) == [
        ("SEED-BSM-SERIES", "implementing", "RACVIAC", None),
        ("SEED-BSM-SERIES", "partner", "DCAF Office Ljubljana", None),
        ("SEED-BSM-SERIES", "partner", "OSCE Border Security and Management Unit", None),
        ("SEED-CSC-WB", "funding", "European Union", None),
        ("SEED-CSC-WB", "funding", "Federal Republic of Germany", None),
        ("SEED-EU-SRB-BM", "beneficiary", "Serbian Ministry of Interior", None),
        ("SEED-EU-SRB-BM", "funding", "European Union", Decimal("1000000.00")),
        ("SEED-EU-SRB-BM", "implementing", "International Organization for Migration", None),
    ]


def test_what_the_page_does_not_state_stays_unknown(db):
    assert rows(
        db,
        "SELECT project_id, budget, start_date, end_date, status FROM projects "
        "WHERE NOT illustrative ORDER BY 1",
    ) == [
        ("SEED-BSM-SERIES", None, None, None, None),
        ("SEED-CSC-WB", None, None, None, None),
        ("SEED-EU-SRB-BM", Decimal("1000000.00"), None, None, None),
    ]
    assert rows(db, "SELECT count(*) FROM project_sectors WHERE project_id LIKE 'SEED-%'") == [(0,)]


def test_the_seed_events_with_their_dates_and_places(db):
    assert rows(
        db,
        "SELECT project_id, title, kind, start_date, end_date, city, country FROM activities "
        "WHERE project_id LIKE 'SEED-%' ORDER BY start_date NULLS LAST",
    ) == [
        (
            "SEED-CSC-WB",
            "Regional Risk Analysis Workshop",
            "workshop",
            date(2018, 6, 4),
            date(2018, 6, 5),
            None,
            None,
        ),
        (
            "SEED-CSC-WB",
            "Meeting of Border Police Chiefs",
            "meeting",
            date(2018, 7, 18),
            date(2018, 7, 19),
            "Tirana",
            "ALB",
        ),
        ("SEED-BSM-SERIES", "Border Security and Management Seminar", "seminar", None, None, None, None),
    ]


def test_the_seminar_series_aims_are_numbered_as_on_the_page(db):
    aims = rows(db, "SELECT seq, aim FROM project_aims WHERE project_id = 'SEED-BSM-SERIES' ORDER BY seq")
    assert [seq for seq, _ in aims] == [1, 2, 3]
    assert aims[1][1] == "To identify current and future challenges"


def test_illustrative_projects_are_marked_and_the_generator_is_deterministic(db):
    assert rows(db, "SELECT count(*) FROM projects WHERE illustrative") == [(40,)]
    assert rows(db, "SELECT count(*) FROM projects WHERE illustrative AND title LIKE 'ILL%'") == [(0,)]
    first, again, other = (
        synthetic.generate(40, 2018),
        synthetic.generate(40, 2018),
        synthetic.generate(40, 7),
    )
    for table in first:
        assert first[table].equals(again[table]), table
    assert not first["projects"].equals(other["projects"])
    assert set(read_seed()) <= set(store.PORTFOLIO_TABLES)


def summary(*args):
    return subprocess.run(
        [sys.executable, "-m", "portfolio", "summary", *args], capture_output=True, text=True, cwd=ROOT
    )


@pytest.mark.parametrize("by", BREAKDOWNS)
def test_cli_summary_parts_add_up_to_its_total(sample_db, by):
    done = summary("--by", by, "--db", str(sample_db), "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["total"] == "95865652.63"
    assert sum(Decimal(r["amount"]) for r in report["rows"]) == Decimal(report["total"])


def test_cli_summary_as_a_table(sample_db):
    done = summary("--by", "country", "--db", str(sample_db), "--no-illustrative")
    assert done.returncode == 0, done.stderr
    assert "Serbia" in done.stdout
    assert "Total" in done.stdout and "1,000,000.00" in done.stdout


def test_cli_summary_of_nothing_converted_is_not_a_total_of_zero(sample_db):
    # The seed page in USD: two projects have no budget and the EUR 1 million grant has no date to take
    # a rate from. The pages say 'not recorded'; the command said "total": "0.00" and 'Total 0.00'.
    args = ("--db", str(sample_db), "--no-illustrative", "--currency", "USD")
    done = summary(*args, "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["total"] is None
    assert report["total_not_known"] == "None of these projects has a budget that could be added up in USD."
    assert report["unconverted_currencies"] == ["EUR"]
    assert (report["projects"], report["projects_with_budget"], report["rows"]) == (3, 0, [])
    done = summary(*args)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[1].split() == ["Total", "not", "recorded", "0"]
    assert "0.00" not in done.stdout
    assert "Not convertible to USD: budgets in EUR, no rate for their date." in lines
    assert "Total: not recorded. None of these projects has a budget that could be added up in USD." in lines


def test_cli_summary_of_projects_with_no_budget_recorded_has_no_total(sample_db):
    # Germany's one seed project states no budget: not a total of 0.00, as on the Overview.
    args = ("--db", str(sample_db), "--no-illustrative", "--funder", "DE")
    report = json.loads(summary(*args, "--json").stdout)
    assert (report["total"], report["total_not_known"], report["unconverted_currencies"]) == (
        None,
        "None of these projects has a budget that could be added up.",
        [],
    )
    text = summary(*args).stdout
    assert "1 project; 1 without a recorded budget, 0 not convertible to EUR (left out of the total)." in text
    assert "Total: not recorded. None of these projects has a budget that could be added up." in text
    # Where some budgets convert, the total is theirs, with the others counted apart.
    report = json.loads(summary("--db", str(sample_db), "--currency", "USD", "--json").stdout)
    assert (report["total"], report["total_not_known"], report["unconverted_currencies"]) == (
        "106611051.29",
        None,
        ["EUR"],
    )
    assert (
        report["projects_with_budget"],
        report["projects_without_budget"],
        report["projects_unconverted"],
    ) == (
        40,
        2,
        1,
    )


def test_cli_summary_without_a_database_says_what_to_do(tmp_path):
    done = summary("--db", str(tmp_path / "missing.duckdb"))
    assert done.returncode == 2
    assert "No database at" in done.stderr


def test_portfolio_and_loaders_never_import_streamlit():
    code = (
        "import sys, pkgutil, importlib, portfolio, loaders\n"
        "for pkg in (portfolio, loaders):\n"
        "    for m in pkgutil.iter_modules(pkg.__path__):\n"
        "        importlib.import_module(f'{pkg.__name__}.{m.name}')\n"
        "print('streamlit' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"


def test_cli_json_report_shows_a_value_not_set_before_as_null(sample_db, tmp_path):
    sheet = tmp_path / "dates.csv"
    sheet.write_text("Project ID,Title,End\nSEED-CSC-WB,Countering Serious Crime,2019-12-31\n")
    done = run_cli("import", str(sheet), "--dry-run", "--json", env_db=sample_db)
    assert done.returncode == 0, done.stderr

    def no_nan(token):
        raise AssertionError(f"{token} is not JSON")

    report = json.loads(done.stdout, parse_constant=no_nan)
    assert sorted((c["field"], c["old"], c["new"]) for c in report["changes"]) == [
        ("end_date", None, "2019-12-31"),
        ("title", "Countering Serious Crime in the Western Balkans", "Countering Serious Crime"),
    ]
    text = run_cli("import", str(sheet), "--dry-run", env_db=sample_db)
    assert "SEED-CSC-WB End date: (blank) -> 2019-12-31" in text.stdout
