"""The editorial workflow in a real browser, end to end.

A journalist drafts an event with two citations and an entity and submits it; an editor
requests changes; the journalist fixes it and resubmits; the editor schedules it; a reader gets
404 before the time and the page after. Each step leaves a screenshot in
test-artifacts/screenshots/. The clock moves with time-machine (in this process, so the live
server sees it too); nothing sleeps and nothing is mocked.
"""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from events.models import Event
from newsroom.models import Status

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PASSWORD = "correct horse battery staple"
HEADLINE = "Opposition forms an interim government in Bishkek"
SOURCES = [
    "https://www.bbc.co.uk/news/world-asia-10001?utm_source=x",
    "https://www.aljazeera.com/news/2010/4/8/kyrgyz-interim",
]


def log_in(page, live_server, user):
    page.goto(f"{live_server.url}/admin/login/?next=/admin/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server.url}/admin/")


def new_page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, page


def press(page, name: str):
    page.get_by_role("button", name=name, exact=True).click()
    page.wait_for_load_state()


def success_message(page) -> str:
    return page.locator(".messagelist .success").inner_text()


def test_an_event_goes_from_draft_to_scheduled_to_live(
    live_server, browser, page, screenshot, journalist, editor
):
    # 1. The journalist drafts the event: two citations and an entity, then submits it.
    log_in(page, live_server, journalist)
    page.goto(f"{live_server.url}/admin/events/event/add/")
    page.fill("#id_date", "2010-04-08")
    page.fill("#id_headline", HEADLINE)
    page.fill("#id_entities", "Roza Otunbayeva, Bishkek")
    page.fill("#id_citations-0-url", SOURCES[0])
    page.locator("#citations-group").get_by_text("Add another Citation").click()
    page.fill("#id_citations-1-url", SOURCES[1])
    screenshot("1-journalist-drafts")
    page.locator("input[name=_continue]").click()
    page.wait_for_load_state()
    event = Event.objects.get(headline=HEADLINE)
    assert (event.status, event.citations.count()) == (Status.DRAFT, 2)
    assert sorted(e.name for e in event.entities.all()) == ["Bishkek", "Roza Otunbayeva"]
    assert page.get_by_role("button", name="Publish now").count() == 0  # not for journalists
    # The preview link shows the draft as readers will see it, with a banner.
    preview_address = page.locator("#preview-link").get_attribute("href")
    preview_context, preview_page = new_page(browser)
    try:
        assert preview_page.goto(preview_address).status == 200
        assert "Preview" in preview_page.locator(".preview-banner").inner_text()
        assert preview_page.locator("h1").inner_text() == HEADLINE
        screenshot("1b-draft-preview", target=preview_page)
    finally:
        preview_context.close()
    press(page, "Submit for review")
    assert "submitted for review" in success_message(page)
    screenshot("2-journalist-submitted")
    event.refresh_from_db()
    assert event.status == Status.IN_REVIEW

    # 2. The editor finds it on the desk and requests changes.
    editor_context, editor_page = new_page(browser)
    try:
        log_in(editor_page, live_server, editor)
        waiting = editor_page.locator("#desk-review")
        assert HEADLINE in waiting.inner_text()
        screenshot("3-editor-desk", target=editor_page)
        waiting.get_by_role("link", name=HEADLINE).click()
        editor_page.fill("#id__review_note", "Add a summary: who is in the new cabinet?")
        screenshot("4-editor-requests-changes", target=editor_page)
        press(editor_page, "Request changes")
        assert "sent back to its author" in success_message(editor_page)
        event.refresh_from_db()
        assert event.status == Status.DRAFT

        # 3. The journalist reads the note, fixes the event and submits it again.
        page.reload()
        note = page.locator(".desk-review-note")
        assert "who is in the new cabinet?" in note.inner_text()
        page.fill("#id_summary", "Roza Otunbayeva leads a caretaker cabinet of opposition figures.")
        screenshot("5-journalist-fixes")
        press(page, "Submit for review")
        assert "submitted for review" in success_message(page)
        event.refresh_from_db()
        assert (event.status, event.summary[:15]) == (Status.IN_REVIEW, "Roza Otunbayeva")

        # 4. The editor schedules it for a minute from now.
        go_live = timezone.localtime().replace(microsecond=0) + dt.timedelta(minutes=1)
        editor_page.reload()
        assert editor_page.locator(".desk-review-note").count() == 0  # in review: no note shown
        editor_page.fill("#id__publish_at", go_live.strftime("%Y-%m-%dT%H:%M:%S"))
        press(editor_page, "Schedule")
        assert f"scheduled for {go_live:%Y-%m-%d %H:%M}" in success_message(editor_page)
        screenshot("6-editor-scheduled", target=editor_page)
        event.refresh_from_db()
        assert (event.status, event.publish_at) == (Status.PUBLISHED, go_live)
    finally:
        editor_context.close()

    # 5. A reader: not found before the time, the page after it.
    reader_context, reader = new_page(browser)
    try:
        address = f"{live_server.url}{event.get_absolute_url()}"
        assert reader.goto(address).status == 404
        screenshot("7-reader-before", target=reader)
        with time_machine.travel(go_live + dt.timedelta(seconds=1)):
            response = reader.goto(address)
            assert response.status == 200
            assert reader.locator("h1").inner_text() == HEADLINE
            assert reader.locator(".preview-banner").count() == 0
            screenshot("8-reader-after", target=reader)
    finally:
        reader_context.close()
