"""Save a full-page screenshot of a running aidtrack page: python scripts/screenshot.py URL OUT.png"""

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.browser import CHROMIUM, CHROMIUM_ARGS  # noqa: E402


def screenshot(url: str, out: str, width: int = 1400, height: int = 2600) -> None:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": width, "height": height})
        page.goto(url)
        page.wait_for_selector("[data-testid='stMainBlockContainer']", timeout=30000)
        page.wait_for_function(
            "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=30000
        )
        page.wait_for_timeout(2500)
        page.screenshot(path=out)
        browser.close()


if __name__ == "__main__":
    screenshot(sys.argv[1], sys.argv[2], *map(int, sys.argv[3:5]))
