"""What the browser tests share: Debian's Chromium, a served dashboard, signing in, screenshots.
scripts/bench.py and scripts/screenshot.py start Chromium and check the server the same way.

The `browser` and `page` fixtures reach every test through tests/conftest.py.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, expect, sync_playwright

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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
            return response.read().decode().strip() == "ok"
    except OSError:
        return False


def _tail(path: Path, lines: int = 40) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


@contextmanager
def serve(log_path: Path, **env: str) -> Iterator[str]:
    """`streamlit run serve.py` (as `make run`) on a free port with `env` added (AIDTRACK_DB, AIDTRACK_USERS);
    yields its base URL once it answers, stops it afterwards."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        "serve.py",
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
    ]
    with log_path.open("w") as log:
        process = subprocess.Popen(
            command, cwd=ROOT, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            deadline = time.monotonic() + START_TIMEOUT_S
            while not healthy(url):
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


def settle(page: Page) -> None:
    """Wait for the script run to finish and the page to draw."""
    page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for()
    page.wait_for_timeout(1500)


def sign_in(page: Page, url: str, name: str, password: str) -> None:
    """Open `url`, sign in on the form it shows, and wait for the page the link asked for."""
    page.goto(url)
    expect(page.get_by_text("Sign in to aidtrack")).to_be_visible()
    settle(page)
    page.get_by_label("User name").fill(name)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text(f"Signed in as {name}")).to_be_visible()
    settle(page)


def screenshot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)


def metric_value(page: Page, label: str) -> Locator:
    """The value shown by the metric whose label is exactly `label`."""
    label_locator = page.get_by_test_id("stMetricLabel").get_by_text(label, exact=True)
    return page.get_by_test_id("stMetric").filter(has=label_locator).get_by_test_id("stMetricValue")
