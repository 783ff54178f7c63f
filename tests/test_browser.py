"""End-to-end browser test: the dashboard as a user sees it in headless Chromium.

Starts `streamlit run dashboard.py` on a free port with a fresh database in a temporary
directory (the app fills it with the sample portfolio on first load), then checks that:

- the overview shows the headline metrics (43 projects, a total budget) and the budget charts, and
  reads its conversions table when that is opened;
- a project opened by its link (`/projects?project=...`) shows its title, budget and organisations;
- the activities page renders its table of all events;
- filters given in the URL apply (`?illustrative=no` leaves the seed page's 3 real projects).

Each page is saved as a screenshot in tests/artifacts/ for a human to look at.
Run with `pytest -m browser`; needs Chromium at /usr/bin/chromium.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from .browser import metric_value, open_page, screenshot, serve

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Run the dashboard against a fresh database; yield its base URL."""
    tmp = tmp_path_factory.mktemp("aidtrack")
    with serve(tmp / "streamlit.log", AIDTRACK_DB=str(tmp / "aidtrack.duckdb")) as url:
        yield url


def test_a_page_opened_first_on_a_fresh_server_has_the_whole_app(page: Page, app_url: str) -> None:
    # Runs first: the server has not yet shown any page.
    open_page(page, f"{app_url}/imports", "Upload a spreadsheet")
    nav = page.get_by_test_id("stSidebarNav")
    expect(nav.get_by_text("Overview", exact=True)).to_be_visible()
    expect(nav.get_by_text("imports", exact=True)).to_have_count(0)  # the folder-based listing
    expect(page.get_by_test_id("stSidebar").get_by_text("Funder").first).to_be_visible()


def test_overview(page: Page, app_url: str) -> None:
    open_page(page, f"{app_url}/", "Portfolio overview")
    expect(page.get_by_test_id("stMetricValue").first).to_be_visible()
    expect(page.locator(".vega-embed").first).to_be_visible()
    expect(page.locator(".vega-embed canvas, .vega-embed svg").first).to_be_visible()
    page.wait_for_timeout(2000)
    screenshot(page, "overview.png")

    expect(metric_value(page, "Projects")).to_have_text("43")
    expect(metric_value(page, "Total budget")).to_be_visible()
    for heading in ["Budget by funder", "Budget by beneficiary country"]:
        expect(page.get_by_role("heading", name=heading)).to_be_visible()

    # The conversions table is read only when its expander is opened.
    conversions = page.get_by_test_id("stExpander").filter(has_text="How every budget was converted to EUR")
    expect(conversions.get_by_test_id("stDataFrame")).to_have_count(0)
    conversions.get_by_text("How every budget was converted to EUR").click()
    expect(conversions.get_by_test_id("stDataFrame")).to_be_visible()
    expect(conversions.get_by_text("the rate it was converted at")).to_be_visible()
    screenshot(page, "overview-conversions.png")


def test_project_detail(page: Page, app_url: str) -> None:
    title = "EU Supports Serbia to Improve Border Management in the Context of the Migration Crisis"
    open_page(page, f"{app_url}/projects?project=SEED-EU-SRB-BM", title)
    screenshot(page, "project.png")

    expect(page.get_by_role("heading", name=title)).to_be_visible()
    for text in [
        "EUR 1,000,000.00",
        "International Organization for Migration",
        "Serbian Ministry of Interior",
    ]:
        expect(page.get_by_text(text).first).to_be_attached()


def test_activities(page: Page, app_url: str) -> None:
    open_page(page, f"{app_url}/activities", "All events")
    screenshot(page, "activities.png")

    expect(page.get_by_role("heading", name="All events")).to_be_visible()


def test_illustrative_filter_from_url(page: Page, app_url: str) -> None:
    open_page(page, f"{app_url}/?illustrative=no", "Portfolio overview")
    screenshot(page, "overview-seed-only.png")

    expect(metric_value(page, "Projects")).to_have_text("3")


def test_import_preview_confirm_and_undo(page: Page, app_url: str, tmp_path: Path) -> None:
    from .test_import import messy_workbook

    sheet = tmp_path / "portfolio-q3.xlsx"
    sheet.write_bytes(messy_workbook())
    open_page(page, f"{app_url}/imports", "Upload a spreadsheet")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the template").click()
    assert download.value.suggested_filename == "aidtrack-template.xlsx"
    page.locator("input[type=file]").set_input_files(str(sheet))
    expect(metric_value(page, "New projects")).to_have_text("3")
    expect(metric_value(page, "Rows rejected")).to_have_text("2")
    page.wait_for_timeout(1500)
    screenshot(page, "import-preview.png")

    page.get_by_role("button", name="Import 3 new and 0 changed projects").click()
    expect(page.get_by_text("Saved as import 3").first).to_be_visible()
    page.wait_for_timeout(1500)
    screenshot(page, "import-done.png")

    open_page(page, f"{app_url}/", "Portfolio overview")
    expect(metric_value(page, "Projects")).to_have_text("46")

    open_page(page, f"{app_url}/imports", "Upload a spreadsheet")
    page.get_by_role("combobox", name="See what an import changed, or undo it").click()
    page.get_by_role("option", name="Import 3: portfolio-q3.xlsx (done)").click()
    page.get_by_role("button", name="Undo import 3").click()
    expect(page.get_by_text("Import 3 undone").first).to_be_visible()
    open_page(page, f"{app_url}/", "Portfolio overview")
    expect(metric_value(page, "Projects")).to_have_text("43")
