"""A reader in a real browser: day page to event, sources, context, accessibility, phone width,
what must not be visible, the front page, and the pages without JavaScript."""

import datetime as dt

import pytest
from django.utils import timezone

from newsroom.models import Entity, Status
from tests.factories import (
    EntityFactory,
    EventCitationFactory,
    EventFactory,
    PublisherFactory,
    RelatedEventFactory,
    SourceFactory,
    StoryFactory,
)

# Live-server tests flush the database afterwards; serialized rollback puts back what the
# migrations created (the roles), so later transactional tests still find them.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

DAY = dt.date(2010, 4, 7)
PHONE = {"width": 390, "height": 844}
# Publisher names in the order the sources must be listed (by citation position).
PUBLISHERS = ["Reuters", "Al Jazeera", "BBC News"]


def cited_event():
    """A published event with three citations (created out of order), two entities, and a
    published related event sharing exactly one of them."""
    otunbayeva = EntityFactory(name="Roza Otunbayeva", kind=Entity.Kind.PERSON)
    bishkek = EntityFactory(name="Bishkek", kind=Entity.Kind.PLACE)
    bakiyev = EntityFactory(name="Kurmanbek Bakiyev", kind=Entity.Kind.PERSON)
    event = EventFactory(
        published=True,
        date=DAY,
        headline="Protesters take over government buildings in Bishkek",
        summary="Opposition supporters stormed the government headquarters.",
    )
    event.entities.add(otunbayeva, bishkek)
    for position in (3, 1, 2):  # created out of order: the page must follow the positions
        name = PUBLISHERS[position - 1]
        EventCitationFactory(
            item=event,
            position=position,
            source=SourceFactory(
                publisher=PublisherFactory(name=name),
                title=f"Report number {position}",
            ),
        )
    related = EventFactory(
        published=True,
        date=DAY - dt.timedelta(days=1),
        headline="Opposition leaders arrested in Talas",
    )
    related.entities.add(otunbayeva, bakiyev)
    RelatedEventFactory(from_event=event, to_event=related, position=1)
    return event


def source_items(page):
    return page.locator("ol.source-list > li")


def expect_sources_in_order(page):
    items = source_items(page)
    assert items.count() == 3
    for index, name in enumerate(PUBLISHERS):
        item = items.nth(index)
        assert item.get_attribute("id") == f"source-{index + 1}"
        assert item.get_by_role("link").first.inner_text() == name  # the publisher's page
        assert f"Report number {index + 1}" in item.inner_text()


def test_day_page_to_event_with_sources_context_and_accessibility(live_server, page, screenshot):
    event = cited_event()

    response = page.goto(f"{live_server.url}/events/2010/04/07/")
    assert response.status == 200
    page.get_by_role("link", name=event.headline).click()
    page.wait_for_url(f"{live_server.url}{event.get_absolute_url()}")

    # One h1, the headline; the landmarks of the page.
    assert page.locator("h1").count() == 1
    assert page.locator("h1").inner_text() == event.headline
    assert page.get_by_role("banner").count() == 1
    assert page.get_by_role("navigation").count() >= 1
    assert page.get_by_role("main").count() == 1
    assert page.get_by_role("contentinfo").count() == 1

    # Numbered sources, in citation order, each naming its publisher.
    expect_sources_in_order(page)

    # The related event, with the one entity the two events share as its context.
    related = page.locator("ol.related-events > li")
    assert related.count() == 1
    assert related.get_by_role("link").first.inner_text() == "Opposition leaders arrested in Talas"
    context = related.locator(".context")
    assert context.inner_text() == "Context: Roza Otunbayeva"
    assert context.get_by_role("link").all_inner_texts() == ["Roza Otunbayeva"]

    screenshot("desktop")

    # The first Tab lands on the skip link; following it moves focus to main.
    page.keyboard.press("Tab")
    focused = page.evaluate(
        "() => [document.activeElement.textContent.trim(), document.activeElement.tagName]"
    )
    assert focused == ["Skip to content", "A"]
    screenshot("skip-link-focused")
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.activeElement.id === 'content'")
    assert page.url.endswith("#content")
    assert page.evaluate("() => document.activeElement.tagName") == "MAIN"

    # Phone width: the same page, no sideways scrolling.
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}{event.get_absolute_url()}")
    expect_sources_in_order(page)
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth"), (
        page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    )
    screenshot("phone")


def test_day_page_at_phone_width_does_not_scroll_sideways(live_server, page, screenshot):
    cited_event()
    page.set_viewport_size(PHONE)
    response = page.goto(f"{live_server.url}/events/2010/04/07/")
    assert response.status == 200
    assert page.locator("h1").count() == 1
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    screenshot("phone")


def test_draft_and_scheduled_events_are_not_found(live_server, page, screenshot):
    draft = EventFactory(date=DAY, headline="A draft nobody may read yet")
    scheduled = EventFactory(
        date=DAY,
        headline="An event scheduled for tomorrow",
        status=Status.PUBLISHED,
        publish_at=timezone.now() + dt.timedelta(days=1),
    )
    # The day itself has nothing visible, so it is missing too.
    for path in (draft.get_absolute_url(), scheduled.get_absolute_url(), draft.get_day_url()):
        response = page.goto(f"{live_server.url}{path}")
        assert response.status == 404, path
        assert "A draft nobody may read yet" not in page.content()
        assert "An event scheduled for tomorrow" not in page.content()
    screenshot("not-found")


def test_front_page_shows_latest_story_and_todays_events(live_server, page, screenshot):
    now = timezone.now()
    StoryFactory(
        published=True,
        headline="An older story from last week",
        publish_at=now - dt.timedelta(days=7),
    )
    StoryFactory(
        published=True,
        headline="Interim government promises elections within six months",
        publish_at=now - dt.timedelta(minutes=10),
    )
    StoryFactory(headline="A draft story nobody may read yet")
    today = EventFactory(
        published=True, date=timezone.localdate(), headline="Interim government sworn in"
    )
    EventFactory(published=True, date=DAY, headline="An event of an earlier day")

    response = page.goto(f"{live_server.url}/")
    assert response.status == 200
    assert page.locator("h1").count() == 1

    stories = page.locator("section.front-stories .card-headline")
    assert stories.first.inner_text() == "Interim government promises elections within six months"
    assert stories.all_inner_texts() == [
        "Interim government promises elections within six months",
        "An older story from last week",
    ]

    events = page.locator("section.front-events")
    assert events.get_by_role("heading", level=2).inner_text() == "Today’s events"
    assert events.locator(".card-headline").all_inner_texts() == [today.headline]
    screenshot("desktop")

    page.set_viewport_size(PHONE)
    page.reload()
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    screenshot("phone")


def test_front_page_falls_back_to_the_latest_day_with_events(live_server, page, screenshot):
    StoryFactory(published=True, headline="A story of the week")
    EventFactory(published=True, date=DAY - dt.timedelta(days=1), headline="The day before")
    EventFactory(published=True, date=DAY, headline="The latest day’s event")
    EventFactory(date=DAY + dt.timedelta(days=1), headline="A later draft")

    page.goto(f"{live_server.url}/")
    events = page.locator("section.front-events")
    assert events.get_by_role("heading", level=2).inner_text() == "Events of 7 April 2010"
    assert events.locator(".card-headline").all_inner_texts() == ["The latest day’s event"]
    events.get_by_role("link", name="All events of 7 April 2010").click()
    page.wait_for_url(f"{live_server.url}/events/2010/04/07/")
    screenshot("latest-day")


def test_pages_work_without_javascript(live_server, browser, screenshot):
    event = cited_event()
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="en-GB", java_script_enabled=False
    )
    try:
        page = context.new_page()
        page.set_default_timeout(15_000)
        assert page.goto(f"{live_server.url}/").status == 200
        page.goto(f"{live_server.url}/events/2010/04/07/")
        page.get_by_role("link", name=event.headline).click()
        page.wait_for_url(f"{live_server.url}{event.get_absolute_url()}")
        expect_sources_in_order(page)
        assert page.locator(".context").inner_text() == "Context: Roza Otunbayeva"
        screenshot("no-js", target=page)
    finally:
        context.close()
