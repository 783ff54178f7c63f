"""A programme manager brings in last quarter's sheet on their own, in a real browser.

One journey on a fresh sample portfolio: the template downloaded from the Import page and filled in
with openpyxl as a manager would, mistakes included (no title, end before start, 'tbc' as a budget,
an unknown country, a row twice); the preview read; the good rows imported; the rejected rows
downloaded, fixed and imported; the portfolio exported, three cells changed (a budget, an end date, a
new funder), the preview showing those three and nothing else; the new values on the Projects page at
once; that import undone; the same file uploaded twice; a Word document uploaded. Screenshots of each
step go to tests/artifacts/quarter-*.png. Run with `pytest -m browser`.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from playwright.sync_api import Page, expect

from .browser import metric_value, open_page, screenshot, serve, settle

pytestmark = pytest.mark.browser
expect.set_options(timeout=30_000)

D = dt.datetime


@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("quarter")
    with serve(tmp / "streamlit.log", AIDTRACK_DB=str(tmp / "aidtrack.duckdb")) as url:
        yield url


def open_project(page: Page, url: str, title: str) -> None:
    """A project's page; its title is also a cell of the Projects table, hidden from sight."""
    page.goto(url)
    expect(page.get_by_role("heading", name=title)).to_be_visible()
    settle(page)


def download(page: Page, button: str) -> openpyxl.Workbook:
    with page.expect_download() as file:
        page.get_by_role("button", name=button).click()
    return openpyxl.load_workbook(io.BytesIO(file.value.path().read_bytes()))


def save(wb: openpyxl.Workbook, path: Path) -> Path:
    wb.save(path)
    return path


def upload(page: Page, path: Path, shows: str = "what importing it will do") -> None:
    """Upload `path` and wait for the page to show `shows` about it ('<name>: what importing it will do')."""
    page.locator("input[type=file]").set_input_files(str(path))
    expect(page.get_by_text(f"{path.name}: {shows}").first).to_be_visible()
    settle(page)


def cells(page: Page, index: int = 0) -> list[str]:
    """The text of a table's cells, row by row, as the page shows them."""
    return page.get_by_test_id("stDataFrame").nth(index).locator("td").all_inner_texts()


def last_quarter(template: openpyxl.Workbook) -> openpyxl.Workbook:
    """The template filled in as a manager does it, with the mistakes people make."""
    rows = {
        "Projects": [
            ["Q3-01", "Border police training, Albania", None, None, "implementation", D(2024, 1, 1),
             D(2025, 12, 31), "EUR", 250000],
            ["Q3-02", None, "Radio network for the coast guard", None, "pipeline", D(2024, 6, 1),
             D(2026, 5, 31), "EUR", 120000],
            ["Q3-03", "Customs dialogue, Western Balkans", None, None, "implementation", D(2025, 3, 1),
             D(2024, 3, 1), "EUR", 80000],
            ["Q3-04", "Migration data sharing", None, None, "pipeline", D(2025, 1, 1), D(2026, 12, 31),
             "EUR", "tbc"],
            ["Q3-05", "Anti-trafficking hotline", None, None, "implementation", D(2023, 9, 1),
             D(2025, 8, 31), "USD", 400000],
            ["Q3-01", "Border police training, Albania", None, None, "implementation", D(2024, 1, 1),
             D(2025, 12, 31), "EUR", 250000],
        ],
        "Funding": [
            ["Q3-01", "EU", "funding", 200000, "EUR"],
            ["Q3-01", "Germany", "funding", 50000, "EUR"],
            ["Q3-03", "Sweden", "funding", 80000, "EUR"],
        ],
        "Countries": [["Q3-01", "Albania", 100], ["Q3-03", "Serbia"], ["Q3-05", "Westeros"]],
    }  # fmt: skip
    for sheet, lines in rows.items():
        for r, line in enumerate(lines, start=2):
            for c, value in enumerate(line, start=1):
                template[sheet].cell(r, c, value)
    return template


def test_a_manager_brings_in_last_quarters_sheet_without_help(
    page: Page, app_url: str, tmp_path: Path
) -> None:
    open_page(page, f"{app_url}/imports", "Upload a spreadsheet")
    sheet = save(last_quarter(download(page, "Download the template")), tmp_path / "q3-portfolio.xlsx")

    # The preview: what comes in, and each problem with its sheet, row and column, in full.
    upload(page, sheet)
    expect(metric_value(page, "New projects")).to_have_text("3")
    expect(metric_value(page, "Rows rejected")).to_have_text("5")
    problems = cells(page)
    rows = [problems[i : i + 5] for i in range(0, len(problems), 5)]
    assert [row[:4] for row in rows] == [
        ["error", "Projects", "3", "Title"],
        ["error", "Projects", "4", "End date"],
        ["warning", "Projects", "5", "Total budget"],
        ["error", "Projects", "7", "Project ID"],
        ["error", "Countries", "4", "Country"],
        ["error", "Funding", "4", "Project ID"],
    ], rows
    assert rows[1][4] == "The end 01 Mar 2024 is before the start 01 Mar 2025. Correct one of them."
    assert rows[5][4].startswith("Q3-03 is neither a project this file imports from its Projects sheet")
    screenshot(page, "quarter-1-preview.png")

    # The good rows go in; the page then offers the rejected ones without reading the file again.
    page.get_by_role("button", name="Import 3 new and 0 changed projects").click()
    expect(page.get_by_text("Saved as import 3").first).to_be_visible()
    expect(page.get_by_text("5 rows of q3-portfolio.xlsx were not imported")).to_be_visible()
    expect(page.get_by_text("what importing it will do")).to_have_count(0)
    settle(page)
    screenshot(page, "quarter-2-saved.png")

    to_fix = download(page, "Download the rejected rows to fix")
    projects = to_fix["Projects"]
    assert projects["L1"].value == "Problems"
    for row in projects.iter_rows(min_row=2):
        if row[0].value == "Q3-02":
            row[1].value = "Coast guard radio network"
        if row[0].value == "Q3-03":
            row[6].value = D(2026, 3, 1)
    duplicate = next(r for r in projects.iter_rows(min_row=2) if r[0].value == "Q3-01" and r[11].value)
    projects.delete_rows(duplicate[0].row)
    next(r for r in to_fix["Countries"].iter_rows(min_row=2) if r[1].value == "Westeros")[1].value = "Kosovo"
    fixed = save(to_fix, tmp_path / "q3-portfolio-to-fix.xlsx")
    upload(page, fixed)
    expect(metric_value(page, "New projects")).to_have_text("2")
    expect(metric_value(page, "Rows rejected")).to_have_text("0")
    page.get_by_role("button", name="Import 2 new and 1 changed projects").click()
    expect(page.get_by_text("Saved as import 4").first).to_be_visible()
    settle(page)

    # The same file again: nothing to import, and the page says when it came in.
    upload(page, fixed)
    expect(page.get_by_text("Nothing to import: this file was imported before (import 4,")).to_be_visible()

    # A Word document is refused in words, not with a red mark alone.
    word = tmp_path / "minutes.docx"
    with io.BytesIO() as out:
        import zipfile

        with zipfile.ZipFile(out, "w") as z:
            z.writestr("[Content_Types].xml", "<Types/>")
            z.writestr("word/document.xml", "<document/>")
        word.write_bytes(out.getvalue())
    upload(page, word, "is a Word document, not a spreadsheet")
    screenshot(page, "quarter-3-word.png")

    # The portfolio exported, three cells changed: the preview shows those three, old -> new.
    open_page(page, f"{app_url}/imports", "Upload a spreadsheet")
    export = download(page, "Download all 48 projects to edit")
    for row in export["Projects"].iter_rows(min_row=2):
        if row[0].value == "Q3-01":
            row[8].value = 275000
        if row[0].value == "Q3-03":
            row[6].value = D(2026, 9, 30)
    export["Funding"].append(
        ["Q3-04", "Swiss Agency for Development and Cooperation", "funding", 90000, "EUR"]
    )
    edited = save(export, tmp_path / "aidtrack-portfolio.xlsx")
    upload(page, edited)
    expect(metric_value(page, "Changed projects")).to_have_text("3")
    expect(metric_value(page, "New projects")).to_have_text("0")
    expect(metric_value(page, "Rows rejected")).to_have_text("0")
    page.get_by_role("tab", name="Changes (3)").click()
    changes = page.get_by_test_id("stDataFrame").filter(has_text="After the import")
    expect(changes).to_be_visible()
    shown = changes.locator("td").all_inner_texts()
    assert shown == [
        *["Q3-01", "Border police training, Albania", "Total budget", "", "250,000.00", "275,000.00"],
        *["Q3-03", "Customs dialogue, Western Balkans", "End date", "", "2026-03-01", "2026-09-30"],
        *["Q3-04", "Migration data sharing", "Organisations",
          "adds Swiss Agency for Development and Cooperation funding 90000.00 EUR", "(blank)",
          "Swiss Agency for Development and Cooperation funding 90000.00 EUR"],
    ], shown  # fmt: skip
    screenshot(page, "quarter-4-changes.png")
    page.get_by_role("button", name="Import 0 new and 3 changed projects").click()
    expect(page.get_by_text("Saved as import 5").first).to_be_visible()

    # Every page shows the new values at once.
    open_project(page, f"{app_url}/projects?project=Q3-03", "Customs dialogue, Western Balkans")
    expect(page.get_by_text("01 Mar 2025 – 30 Sep 2026")).to_be_visible()
    open_project(page, f"{app_url}/projects?project=Q3-01", "Border police training, Albania")
    expect(page.get_by_text("EUR 275,000.00").first).to_be_visible()
    open_project(page, f"{app_url}/projects?project=Q3-04", "Migration data sharing")
    expect(page.get_by_text("Swiss Agency for Development and Cooperation").first).to_be_attached()
    screenshot(page, "quarter-5-project.png")

    # Undone, everything is back.
    open_page(page, f"{app_url}/imports", "Upload a spreadsheet")
    page.get_by_role("combobox", name="See what an import changed, or undo it").click()
    page.get_by_role("option", name="Import 5: aidtrack-portfolio.xlsx (done)").click()
    page.get_by_role("button", name="Undo import 5").click()
    expect(
        page.get_by_text("Import 5 undone: the 3 projects it changed are back as before it.")
    ).to_be_visible()
    settle(page)
    screenshot(page, "quarter-6-undone.png")
    open_project(page, f"{app_url}/projects?project=Q3-03", "Customs dialogue, Western Balkans")
    expect(page.get_by_text("01 Mar 2025 – 01 Mar 2026")).to_be_visible()
    open_project(page, f"{app_url}/projects?project=Q3-01", "Border police training, Albania")
    expect(page.get_by_text("EUR 250,000.00").first).to_be_visible()
    open_project(page, f"{app_url}/projects?project=Q3-04", "Migration data sharing")
    expect(page.get_by_text("Swiss Agency for Development and Cooperation")).to_have_count(0)
