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


def unavailable(reason: str) -> None:
    """Skip on a developer's machine; fail under CI, where the browser tests must run."""
    if os.environ.get("CI"):
        pytest.fail(f"CI must run the browser tests: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("the playwright package is missing: run `make install`")
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        unavailable(ENABLE_HINT)
    with sync_playwright() as playwright:
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


@pytest.fixture(scope="package", autouse=True)
def _database_before_playwright(django_db_setup):
    """Create the test database before Playwright starts, and let Django's ORM run meanwhile.

    Playwright's sync API leaves an event loop marked as running in this thread for as long as
    `browser` lives, so Django's async guard would refuse the database work pytest-django does
    around each test (flushing, restoring serialized data, fixtures such as `journalist`), not
    only what the test itself does between `page` calls. Requesting `django_db_setup` here makes
    the test database exist before the session-scoped `browser` starts.
    """
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield
