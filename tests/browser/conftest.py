"""Real-browser tests: Playwright driving Debian's chromium against a live test server.

Without /usr/bin/chromium these tests skip with a message saying how to enable them; under CI
(CI=true) a missing browser is a failure, so a green CI run always includes them.
"""

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARTIFACTS = Path(os.environ.get("TEST_ARTIFACTS", "test-artifacts")) / "screenshots"
ENABLE_HINT = (
    "browser tests need Debian's chromium: run `apt-get install chromium` "
    "(as root; .ci/run does this) or set CHROMIUM_PATH"
)


@pytest.fixture(scope="session")
def browser():
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the browser tests: {ENABLE_HINT}")
        pytest.skip(ENABLE_HINT)
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, monkeypatch):
    # Playwright's sync API runs an event loop in this thread; the ORM calls a test makes
    # around it are ordinary synchronous calls, so Django's async guard is lifted meanwhile.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def screenshot(page, request):
    """`screenshot("step-name")` saves a full-page PNG under test-artifacts/screenshots/."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def take(name: str, *, target=None) -> Path:
        path = ARTIFACTS / f"{request.node.name}--{name}.png"
        (target or page).screenshot(path=str(path), full_page=True)
        return path

    return take
