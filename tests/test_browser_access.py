"""Sign-in in a real browser: what a viewer cannot see or reach, and an editor's change in the history.

Starts `streamlit run dashboard.py` with AIDTRACK_USERS pointing at a users file with a viewer and
an editor, on the sample portfolio with exact amounts marked internal. Screenshots of each step
go to tests/artifacts/ for a human to look at. Run with `pytest -m browser`.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from loaders import sample
from portfolio import access, store

from .test_browser import ROOT, START_TIMEOUT_S, _free_port, _healthy, _tail, browser, screenshot  # noqa: F401

pytestmark = pytest.mark.browser
expect.set_options(timeout=20_000)

PASSWORDS = {"vera": "viewer-password-1", "ed": "editor-password-1"}


@pytest.fixture(scope="module")
def portfolio(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The sample portfolio with amounts internal, and a users file with a viewer and an editor."""
    tmp = tmp_path_factory.mktemp("signed")
    db = store.open_store(tmp / "aidtrack.duckdb")
    sample.install(db)
    access.set_internal_fields(db, {"amounts"})
    with db.cursor() as cur:
        internal = cur.execute(
            "SELECT project_id, title FROM projects WHERE visibility = 'internal' ORDER BY 1 LIMIT 1"
        ).fetchall()[0]
        public = cur.execute(
            "SELECT project_id, title FROM projects WHERE visibility = 'public' AND budget IS NOT NULL "
            "AND NOT illustrative ORDER BY 1 LIMIT 1"
        ).fetchall()[0]
    db.close()
    users = tmp / "users.json"
    access.add_user(users, "vera", "viewer", PASSWORDS["vera"])
    access.add_user(users, "ed", "editor", PASSWORDS["ed"])
    return {"db": tmp / "aidtrack.duckdb", "users": users, "internal": internal, "public": public, "tmp": tmp}


@pytest.fixture(scope="module")
def app_url(portfolio: dict) -> Iterator[str]:
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log_path = portfolio["tmp"] / "streamlit.log"
    env = {**os.environ, "AIDTRACK_DB": str(portfolio["db"]), "AIDTRACK_USERS": str(portfolio["users"])}
    command = [sys.executable, "-m", "streamlit", "run", "dashboard.py", "--server.port", str(port)]
    with log_path.open("w") as log:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + START_TIMEOUT_S
            while not _healthy(url):
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"streamlit did not start; last output:\n{_tail(log_path)}")
                time.sleep(0.5)
            yield url
        finally:
            process.terminate()
            process.wait(timeout=10)


@pytest.fixture
def page(browser) -> Iterator[Page]:  # noqa: F811
    context = browser.new_context(viewport={"width": 1400, "height": 1800})
    context.set_default_timeout(60_000)
    page = context.new_page()
    yield page
    context.close()


def settle(page: Page) -> None:
    page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for()
    page.wait_for_timeout(1500)


def sign_in(page: Page, url: str, name: str) -> None:
    page.goto(url)
    expect(page.get_by_text("Sign in to aidtrack")).to_be_visible()
    page.get_by_label("User name").fill(name)
    page.get_by_label("Password", exact=True).fill(PASSWORDS[name])
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text(f"Signed in as {name}")).to_be_visible()
    settle(page)


def test_a_viewer_sees_neither_internal_projects_nor_internal_fields_nor_the_import_page(
    page: Page, app_url: str, portfolio: dict
) -> None:
    page.goto(app_url)
    expect(page.get_by_text("Sign in to aidtrack")).to_be_visible()
    settle(page)
    screenshot(page, "access-sign-in.png")

    sign_in(page, f"{app_url}/imports", "vera")
    # The Import page's URL gives a viewer the Overview, and the navigation does not list it.
    expect(page.get_by_role("heading", name="Portfolio overview")).to_be_visible()
    nav = page.get_by_test_id("stSidebarNav")
    expect(nav.get_by_text("Overview", exact=True)).to_be_visible()
    expect(nav.get_by_text("Import", exact=True)).to_have_count(0)
    expect(page.get_by_text("Upload a spreadsheet")).to_have_count(0)
    expect(
        page.get_by_text("amounts are withheld, so the charts show numbers of projects", exact=False)
    ).to_be_visible()
    screenshot(page, "access-viewer-overview.png")

    internal_id, internal_title = portfolio["internal"]
    page.get_by_label("Search titles, descriptions, organisations").fill(internal_id)
    page.keyboard.press("Enter")
    settle(page)
    expect(page.get_by_test_id("stMetricValue").first).to_have_text("0")

    sign_in(page, f"{app_url}/projects?project={internal_id}", "vera")
    expect(page.get_by_text(f"There is no project with the ID '{internal_id}'.")).to_be_visible()
    expect(page.get_by_role("heading", name=internal_title)).to_have_count(0)

    public_id, public_title = portfolio["public"]
    sign_in(page, f"{app_url}/projects?project={public_id}", "vera")
    expect(page.get_by_role("heading", name=public_title)).to_be_visible()
    budget = page.get_by_test_id("stMarkdownContainer").filter(has_text="Budget").filter(has_text="withheld")
    expect(budget.first).to_be_visible()
    expect(page.get_by_text("Edit this project")).to_have_count(0)
    screenshot(page, "access-viewer-project.png")


def test_an_editors_change_shows_in_the_history(page: Page, app_url: str, portfolio: dict) -> None:
    public_id, public_title = portfolio["public"]
    sign_in(page, f"{app_url}/projects?project={public_id}", "ed")
    expect(page.get_by_role("heading", name=public_title)).to_be_visible()
    page.get_by_text("Edit this project").click()
    page.get_by_label("Title", exact=True).fill(public_title + " (phase II)")
    page.get_by_role("button", name="Save changes").click()
    settle(page)
    expect(page.get_by_text(f"Saved. title: {public_title} → {public_title} (phase II)")).to_be_visible()
    expect(page.get_by_role("heading", name=public_title + " (phase II)")).to_be_visible()
    page.get_by_text("History (").click()
    settle(page)
    screenshot(page, "access-editor-history.png")
    history = page.get_by_test_id("stExpander").filter(has_text="History (2 changes)")
    expect(history.get_by_test_id("stDataFrame")).to_be_visible()
