"""Playwright driving Debian's chromium (Playwright's own browser download does not work here)."""

import contextlib
import os
import shutil
import threading
import time
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-dev-shm-usage",
]


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"chromium is missing at {CHROMIUM}; CI must install it")
        pytest.skip(f"chromium is not installed at {CHROMIUM} (apt-get install chromium fonts-noto-cjk)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        yield browser
        browser.close()


def _requests_in_flight():
    return [
        t
        for t in threading.enumerate()
        if getattr(getattr(t, "_target", None), "__name__", "") == "process_request_thread"
    ]


@pytest.fixture(autouse=True)
def _contexts_closed_before_the_flush(request):
    """Every browser context a test opened is closed when it ends, failed or not, and the live
    server has answered its last request before the database is flushed: a context left open
    (its service worker still warming pages) would otherwise reach into the next test's database."""
    if "live_server" not in request.fixturenames:
        yield
        return
    browser = request.getfixturevalue("browser")
    request.getfixturevalue("live_server")
    request.getfixturevalue("transactional_db")
    yield
    for context in list(browser.contexts):
        # Closing what is left; the test's own failure, if any, is what gets reported.
        with contextlib.suppress(Exception):
            context.close()
    deadline = time.monotonic() + 10
    while _requests_in_flight() and time.monotonic() < deadline:
        time.sleep(0.05)


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 860})
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


@pytest.fixture
def phone_page(browser):
    context = browser.new_context(
        locale="zh-CN",
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


@pytest.fixture
def screenshot():
    ARTIFACTS.mkdir(exist_ok=True)

    def take(page, name):
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


def log_in(page, live_server, username, password):
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
