"""End-to-end browser test: the dashboard as a user sees it in headless Chromium.

Starts `streamlit run dashboard.py` on a free port with a fresh database in a temporary
directory (the app fills it with the sample portfolio on first load), then checks that:

- the overview shows the headline metrics (43 projects, a total budget) and the budget charts;
- a project opened by its link (`/projects?project=...`) shows its title, budget and organisations;
- the activities page renders its table of all events;
- filters given in the URL apply (`?illustrative=no` leaves the seed page's 3 real projects).

Each page is saved as a screenshot in tests/artifacts/ for a human to look at.
Run with `pytest -m browser`; needs Chromium at /usr/bin/chromium.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, expect, sync_playwright

pytestmark = pytest.mark.browser

ROOT = Path(__file__).parents[1]
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
START_TIMEOUT_S = 60
PAGE_TIMEOUT_MS = 60_000


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
            return response.read().decode().strip() == "ok"
    except OSError:
        return False


def _tail(path: Path, lines: int = 40) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Run the dashboard against a fresh database; yield its base URL."""
    tmp = tmp_path_factory.mktemp("aidtrack")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log_path = tmp / "streamlit.log"
    env = {**os.environ, "AIDTRACK_DB": str(tmp / "aidtrack.duckdb")}
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        "dashboard.py",
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
    ]
    with log_path.open("w") as log:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + START_TIMEOUT_S
            while not _healthy(url):
                if process.poll() is not None or time.monotonic() > deadline:
                    reason = (
                        f"exited with code {process.returncode}"
                        if process.returncode is not None
                        else f"did not answer 'ok' within {START_TIMEOUT_S} s"
                    )
                    pytest.fail(f"streamlit {reason}; last output:\n{_tail(log_path)}")
                time.sleep(0.5)
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        message = f"Chromium not found at {CHROMIUM}"
        if os.environ.get("CI"):
            pytest.fail(f"{message}; the browser tests must run in CI, install the chromium package.")
        pytest.skip(message)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1400, "height": 2600})
    context.set_default_timeout(PAGE_TIMEOUT_MS)
    page = context.new_page()
    yield page
    context.close()


def open_page(page: Page, url: str, text: str) -> None:
    """Go to `url`, wait for `text` and for the script run to finish and the page to settle."""
    page.goto(url)
    expect(page.get_by_text(text, exact=True).first).to_be_visible()
    page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for()
    page.wait_for_timeout(2000)


def screenshot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)


def metric_value(page: Page, label: str) -> Locator:
    """The value shown by the metric whose label is exactly `label`."""
    label_locator = page.get_by_test_id("stMetricLabel").get_by_text(label, exact=True)
    return page.get_by_test_id("stMetric").filter(has=label_locator).get_by_test_id("stMetricValue")


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
