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


# Package scope, not session: while Playwright's sync API is open, this thread has an event
# loop marked as running, and Django then refuses ORM calls in tests outside this folder that
# pytest runs afterwards (see _django_alongside_playwright).
@pytest.fixture(scope="package")
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


@pytest.fixture(scope="session", autouse=True)
def _test_database(django_db_setup):
    """The test database, created before `browser` starts; what it holds after migrations.

    Django refuses its synchronous database setup in a thread with a running event loop, and
    Playwright's sync API leaves one marked as running in this thread while `browser` lives.
    Returns the serialized migration data (the roles) that `serialized_rollback` restores.
    """
    from django.db import connections

    return {
        alias: connections[alias]._test_serialized_contents
        for alias in connections
        if hasattr(connections[alias], "_test_serialized_contents")
    }


@pytest.fixture(scope="package", autouse=True)
def _django_alongside_playwright(_test_database, browser, django_db_blocker):
    """Let the ORM work, before, during and after each test, while Playwright's loop "runs".

    With a running loop, asgiref hands this thread new, context-local connection objects,
    which lack the serialized data `serialized_rollback` restores (so the groups the
    migrations made would vanish after the first live-server test): copy it over. And
    Django's async guard would refuse the database work pytest-django does around each test
    (flush, restore, fixtures like `journalist`), not only the test's own: lift it meanwhile.
    """
    from django.db import connections

    for alias, contents in _test_database.items():
        connections[alias]._test_serialized_contents = contents
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield
        # Live-server tests leave the database flushed, and serialized rollback only restores
        # it when the next such test starts: put the migrations' data back for the tests
        # outside this folder that pytest runs afterwards.
        with django_db_blocker.unblock():
            for alias, contents in _test_database.items():
                connections[alias].creation.deserialize_db_from_string(contents)
            # The connection objects made under the loop are closed here, while they can still
            # be reached: left open, PostgreSQL would refuse to drop the test database.
            connections.close_all()
