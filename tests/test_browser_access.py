"""Sign-in in a real browser: what a viewer cannot see or reach, and an editor's change in the history.

Starts `streamlit run dashboard.py` with AIDTRACK_USERS pointing at a users file with a viewer and
an editor, on the sample portfolio with exact amounts marked internal. Screenshots of each step
go to tests/artifacts/ for a human to look at. Run with `pytest -m browser`.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from loaders import sample
from portfolio import access, store

from .browser import screenshot, serve, settle, sign_in

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
    with serve(
        portfolio["tmp"] / "streamlit.log",
        AIDTRACK_DB=str(portfolio["db"]),
        AIDTRACK_USERS=str(portfolio["users"]),
    ) as url:
        yield url


def test_a_viewer_sees_neither_internal_projects_nor_internal_fields_nor_the_import_page(
    page: Page, app_url: str, portfolio: dict
) -> None:
    page.goto(app_url)
    expect(page.get_by_text("Sign in to aidtrack")).to_be_visible()
    settle(page)
    screenshot(page, "access-sign-in.png")

    sign_in(page, f"{app_url}/imports", "vera", PASSWORDS["vera"])
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

    sign_in(page, f"{app_url}/projects?project={internal_id}", "vera", PASSWORDS["vera"])
    expect(page.get_by_text(f"There is no project with the ID '{internal_id}'.")).to_be_visible()
    expect(page.get_by_role("heading", name=internal_title)).to_have_count(0)

    public_id, public_title = portfolio["public"]
    sign_in(page, f"{app_url}/projects?project={public_id}", "vera", PASSWORDS["vera"])
    expect(page.get_by_role("heading", name=public_title)).to_be_visible()
    budget = page.get_by_test_id("stMarkdownContainer").filter(has_text="Budget").filter(has_text="withheld")
    expect(budget.first).to_be_visible()
    expect(page.get_by_text("Edit this project")).to_have_count(0)
    screenshot(page, "access-viewer-project.png")


def test_an_editors_change_shows_in_the_history(page: Page, app_url: str, portfolio: dict) -> None:
    public_id, public_title = portfolio["public"]
    sign_in(page, f"{app_url}/projects?project={public_id}", "ed", PASSWORDS["ed"])
    expect(page.get_by_role("heading", name=public_title)).to_be_visible()
    page.get_by_text("Edit this project").click()
    title = page.get_by_label("Title", exact=True)
    title.fill(public_title + " (phase II)")
    title.press("Tab")  # as a person leaves the field: the form has the new value before saving
    page.get_by_role("button", name="Save changes").click()
    settle(page)
    expect(page.get_by_text(f"Saved. title: {public_title} → {public_title} (phase II)")).to_be_visible()
    expect(page.get_by_role("heading", name=public_title + " (phase II)")).to_be_visible()
    page.get_by_text("History (").click()
    settle(page)
    screenshot(page, "access-editor-history.png")
    history = page.get_by_test_id("stExpander").filter(has_text="History (2 changes)")
    expect(history.get_by_test_id("stDataFrame")).to_be_visible()
