"""The Content-Security-Policy in a real browser: readers' pages and the desk load without a
single violation, and the desk's scripts (inlines, actions, autocomplete, slugs) still work."""

import pytest
from django.urls import reverse
from django.utils import timezone

from events.models import Event
from newsroom.models import ImportRecord
from newsroom.preview import preview_url
from tests.factories import EventFactory, StoryFactory
from tests.readers.pages import build_newsroom

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PASSWORD = "correct horse battery staple"
# Recorded in the page itself: a violation fires this event whatever the console says.
RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__violations.push(`${e.violatedDirective} blocked ${e.blockedURI || "inline"}`);
});
"""


@pytest.fixture
def watched(page):
    """The page, with every CSP violation it reports (event or console) collected."""
    console = []
    page.on(
        "console",
        lambda message: (
            console.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.add_init_script(RECORD_VIOLATIONS)

    def violations() -> list[str]:
        return [*page.evaluate("window.__violations || []"), *console]

    page.violations = violations
    return page


def visit(page, url: str, status: int = 200) -> None:
    response = page.goto(url)
    page.wait_for_load_state("load")
    assert response.status == status, url
    assert response.headers.get("content-security-policy"), url
    assert page.violations() == [], url


def test_readers_pages_load_without_a_violation(live_server, watched):
    newsroom = build_newsroom()
    for name, path in newsroom.pages.items():
        visit(watched, live_server.url + path, 404 if name == "not-found" else 200)
        if name == "event":
            # Second visit: the cached page, served from the page cache.
            visit(watched, live_server.url + path)

    draft = EventFactory(headline="A draft shown only to its preview link")
    visit(watched, live_server.url + preview_url(draft))
    banner = watched.locator(".preview-banner")
    assert banner.is_visible()
    # Its look comes from the stylesheet now, not from an inline style attribute.
    assert banner.evaluate("b => getComputedStyle(b).backgroundColor") == "rgb(255, 216, 77)"


def log_in(page, live_server, user) -> None:
    visit(page, f"{live_server.url}/admin/login/?next=/admin/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server.url}/admin/")
    assert page.violations() == []


def test_the_desk_works_under_the_policy(live_server, watched, editor):
    build_newsroom()
    event = Event.objects.filter(status="published").first()
    StoryFactory(headline="A story for the slug field")
    log_in(watched, live_server, editor)
    admin = live_server.url

    # The change list: the action checkboxes are the admin's script.
    visit(watched, admin + reverse("admin:events_event_changelist"))
    watched.locator("#action-toggle").check()
    rows = watched.locator("#result_list tbody input.action-select")
    assert rows.count() >= 1
    assert all(rows.nth(i).is_checked() for i in range(rows.count()))
    assert "selected" in watched.locator(".action-counter").inner_text()

    # An event's form: inline rows are added by script, autocompletes are select2.
    visit(watched, admin + reverse("admin:events_event_change", args=[event.pk]))
    citations = watched.locator("#citations-group tbody tr.form-row:not(.empty-form)")
    before = citations.count()
    watched.locator("#citations-group").get_by_text("Add another Citation").click()
    assert citations.count() == before + 1
    watched.locator("#id_category").locator("xpath=..").locator(".select2-selection").click()
    watched.locator(".select2-results__option", has_text="Politics").first.wait_for()
    watched.keyboard.press("Escape")
    assert watched.violations() == []

    # A new story: the slug fills itself from the headline (prepopulated fields).
    visit(watched, admin + reverse("admin:newsroom_story_add"))
    watched.fill("#id_headline", "Talks resume in Bishkek")
    watched.locator("#id_headline").blur()
    assert watched.input_value("#id_slug") == "talks-resume-in-bishkek"

    for url in [
        reverse("admin:index"),
        reverse("admin:newsroom_story_changelist"),
        reverse("admin:events_event_history", args=[event.pk]),
        reverse("admin:axes_accessattempt_changelist"),
        reverse("admin:events_event_import"),
    ]:
        visit(watched, admin + url)

    # The export page's "select all" box, wired by a static script instead of onchange=.
    visit(watched, admin + reverse("admin:events_event_export"))
    fields = watched.locator(".selectable-field-export-row input[type=checkbox]")
    assert fields.count() > 3
    watched.locator("#select-all-toggle").uncheck()
    assert not any(fields.nth(i).is_checked() for i in range(fields.count()))
    watched.locator("#select-all-toggle").check()
    assert all(fields.nth(i).is_checked() for i in range(fields.count()))
    assert watched.violations() == []


def test_a_locked_out_login_reads_as_the_desk_and_says_why(
    live_server, watched, screenshot, settings, editor
):
    settings.AXES_FAILURE_LIMIT = 2
    for attempt in range(2):
        visit(watched, f"{live_server.url}/admin/login/?next=/admin/")
        watched.fill("#id_username", editor.username)
        watched.fill("#id_password", f"not the password {attempt}")
        with watched.expect_navigation() as navigation:
            watched.get_by_role("button", name="Log in").click()

    assert navigation.value.status == 429
    assert watched.get_by_role("heading", name="Login paused").is_visible()
    alert = watched.get_by_role("alert").inner_text()
    assert f"Too many failed logins for “{editor.username}” from your address" in alert
    assert "Try again in 30 minutes" in watched.locator("#content-main").inner_text()
    assert watched.locator("#site-name").inner_text() == "Newsroom desk"
    assert watched.violations() == []
    screenshot("locked-out")


def test_a_running_imports_page_follows_its_progress_by_script(live_server, watched, editor):
    record = ImportRecord.objects.create(
        resource="events",
        file_name="big.csv",
        sha256="0" * 64,
        format="csv",
        state=ImportRecord.State.RUNNING,
        started_at=timezone.now(),
        total_rows=1000,
        processed_rows=250,
        created_by=editor,
    )
    log_in(watched, live_server, editor)
    visit(
        watched, live_server.url + reverse("admin:newsroom_importrecord_change", args=[record.pk])
    )
    text = watched.locator(".import-progress-text")
    assert text.inner_text().startswith("250 of 1,000 rows")

    ImportRecord.objects.filter(pk=record.pk).update(processed_rows=600)
    watched.wait_for_function(
        "() => document.querySelector('.import-progress-text').textContent.includes('600 of')"
    )
    assert "s left" in text.inner_text()
    assert watched.locator("#import-progress progress").get_attribute("value") == "600"

    ImportRecord.objects.filter(pk=record.pk).update(
        state=ImportRecord.State.IMPORTED, processed_rows=1000, created=1000
    )
    watched.locator("#import-counts").wait_for()  # the script reloaded the finished page
    assert "1,000 created" in watched.locator("#import-counts").inner_text()
    assert watched.violations() == []
