"""Journeys in a real browser, with sign-in on, as each kind of user walks them.

- A programme manager downloads the template, fills it in, uploads it, reviews the preview,
  confirms, finds the new project, and undoes the import.
- A donor officer filters by funder and country and downloads the table.
- (A viewer who opens the Import page's URL gets the Overview: tests/test_browser_access.py.)

Screenshots of each step go to tests/artifacts/journey-*.png for a human to look at.
Run with `pytest -m browser`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from playwright.sync_api import Page, expect

from loaders import sample
from portfolio import access, store

from .browser import metric_value, screenshot, serve, settle, sign_in

pytestmark = pytest.mark.browser
expect.set_options(timeout=20_000)

PASSWORDS = {"pm": "programme-manager-1", "do": "donor-officer-1"}
NEW_ID, NEW_TITLE = "BSP-2026-07", "Joint border patrol training, Drina valley"


@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("journeys")
    db = store.open_store(tmp / "aidtrack.duckdb")
    sample.install(db)
    db.close()
    users = tmp / "users.json"
    access.add_user(users, "pm", "editor", PASSWORDS["pm"])
    access.add_user(users, "do", "editor", PASSWORDS["do"])
    with serve(
        tmp / "streamlit.log", AIDTRACK_DB=str(tmp / "aidtrack.duckdb"), AIDTRACK_USERS=str(users)
    ) as url:
        yield url


def go(page: Page, title: str) -> None:
    page.get_by_test_id("stSidebarNav").get_by_text(title, exact=True).click()
    settle(page)


def fill_template(path: Path) -> None:
    """What a programme manager types into the template: one project, its funder and countries."""
    book = openpyxl.load_workbook(path)
    book["Projects"].append(
        [NEW_ID, NEW_TITLE, "Five joint trainings", "Border Security Programme", "implementation",
         dt.date(2026, 3, 1), dt.date(2027, 2, 28), "EUR", 480000, None, "public"]
    )  # fmt: skip
    book["Funding"].append([NEW_ID, "European Union", "funding", 480000, "EUR"])
    book["Countries"].append([NEW_ID, "Bosnia and Herzegovina", 50])
    book["Countries"].append([NEW_ID, "Serbia", 50])
    book.save(path)


def choose(page: Page, label: str, option: str) -> None:
    box = page.get_by_test_id("stMultiSelect").filter(has_text=label)
    box.locator("input").click()
    # Long lists are drawn a screenful at a time: type to bring the option up.
    page.keyboard.type(option)
    page.get_by_role("option", name=option, exact=True).click()
    page.keyboard.press("Escape")
    settle(page)


def test_a_programme_manager_imports_the_filled_template_finds_the_project_and_undoes_it(
    page: Page, app_url: str, tmp_path: Path
) -> None:
    sign_in(page, app_url, "pm", PASSWORDS["pm"])
    go(page, "Import")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the template").click()
    template = tmp_path / "aidtrack-template.xlsx"
    download.value.save_as(template)
    screenshot(page, "journey-1-import-page.png")

    fill_template(template)
    page.locator("input[type=file]").set_input_files(str(template))
    expect(metric_value(page, "New projects")).to_have_text("1")
    expect(metric_value(page, "Rows rejected")).to_have_text("0")
    settle(page)
    screenshot(page, "journey-2-preview.png")

    page.get_by_role("button", name="Import 1 new and 0 changed projects").click()
    saved = page.get_by_text(re.compile(r"Saved as import \d+: 1 new and 0 changed projects")).first
    expect(saved).to_be_visible()
    number = re.search(r"import (\d+)", saved.inner_text()).group(1)
    settle(page)
    screenshot(page, "journey-3-saved.png")

    go(page, "Projects")
    page.get_by_label("Search titles, descriptions, organisations").fill("Drina valley")
    page.keyboard.press("Enter")
    settle(page)
    expect(
        page.get_by_text(re.compile(r"^1 project\. Total budget .*Search with the sidebar"))
    ).to_be_visible()
    screenshot(page, "journey-4-found.png")
    sign_in(page, f"{app_url}/projects?project={NEW_ID}", "pm", PASSWORDS["pm"])
    expect(page.get_by_role("heading", name=NEW_TITLE)).to_be_visible()
    for text in ("EUR 480,000.00", "European Union", "Bosnia and Herzegovina"):
        expect(page.get_by_text(text).first).to_be_attached()
    screenshot(page, "journey-5-project.png")

    go(page, "Import")
    page.get_by_role("combobox", name="See what an import changed, or undo it").click()
    page.get_by_role("option", name=f"Import {number}: aidtrack-template.xlsx (done)").click()
    settle(page)
    page.get_by_role("button", name=f"Undo import {number}").click()
    expect(page.get_by_text(f"Import {number} undone: removed the 1 project it added.").first).to_be_visible()
    settle(page)
    screenshot(page, "journey-6-undone.png")
    go(page, "Overview")
    expect(metric_value(page, "Projects")).to_have_text("43")


def test_a_donor_officer_filters_by_funder_and_country_and_downloads_the_table(
    page: Page, app_url: str, tmp_path: Path
) -> None:
    sign_in(page, f"{app_url}/projects", "do", PASSWORDS["do"])
    choose(page, "Funder", "EU")
    choose(page, "Beneficiary country or region", "Serbia")
    expect(
        page.get_by_text(re.compile(r"\d projects\. Total budget .*Search with the sidebar"))
    ).to_be_visible()
    screenshot(page, "journey-7-filtered.png")
    button = page.get_by_role("button", name="Download these")
    shown = int(button.inner_text().split("these ")[1].split(" ")[0])
    with page.expect_download() as download:
        button.click()
    table = tmp_path / "filtered.xlsx"
    download.value.save_as(table)

    book = openpyxl.load_workbook(table, read_only=True)
    projects = [r[0] for r in list(book["Projects"].iter_rows(values_only=True))[1:]]
    funding = list(book["Funding"].iter_rows(values_only=True))[1:]
    countries = list(book["Countries"].iter_rows(values_only=True))[1:]
    assert len(projects) == shown > 0
    for project in projects:
        assert any(r[0] == project and r[1] == "European Union" and r[2] == "funding" for r in funding)
        assert any(r[0] == project and r[1] == "Serbia" for r in countries)
    assert "funder=" in page.url and "country=SRB" in page.url
