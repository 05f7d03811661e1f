"""Whole pages cached for anonymous readers: served without a query, forgotten when content
changes, never kept past the next scheduled publication, never for staff."""

import datetime as dt
import os

import pytest
from django.core.cache import caches
from django.http import HttpResponse

from events.models import EventCorrection
from newsroom.caching import NEXT_PUBLISH_KEY, invalidate_pages, is_cacheable_response
from newsroom.models import Status, Story
from tests.factories import (
    EntityFactory,
    EventCitationFactory,
    RelatedEventFactory,
    SectionFactory,
    StoryFactory,
)

from .conftest import NOW, published_event

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("one_section")]


def get(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return response


def test_an_anonymous_reader_gets_the_second_request_from_the_cache_without_a_query(
    client, django_assert_num_queries
):
    event = published_event(headline="Cached headline")
    first = get(client, event.get_absolute_url())
    assert first["X-Page-Cache"] == "miss"

    with django_assert_num_queries(0):
        second = get(client, event.get_absolute_url())

    assert second["X-Page-Cache"] == "hit"
    assert second.content == first.content
    assert second["Content-Type"] == "text/html; charset=utf-8"
    assert second["X-Frame-Options"] == "DENY"


def test_query_strings_are_cached_apart(client):
    event = published_event()
    get(client, event.get_absolute_url())
    assert get(client, event.get_absolute_url() + "?utm=1")["X-Page-Cache"] == "miss"


def change_headline(event):
    event.headline = "A new headline"
    event.save()
    return "A new headline"


def add_citation(event):
    EventCitationFactory(item=event, source__publisher__name="Freshly cited")
    return "Freshly cited"


def add_related_event(event):
    RelatedEventFactory(
        from_event=event, to_event=published_event(headline="Newly related"), position=9
    )
    return "Newly related"


def add_related_story(event):
    event.related_stories.add(StoryFactory(published=True, headline="A related story"))
    return "A related story"


def add_entity(event):
    event.entities.add(EntityFactory(name="Newly tagged person"))
    return "Newly tagged person"


def add_correction(event):
    EventCorrection.objects.create(event=event, text="We got the date wrong.")
    return "We got the date wrong."


@pytest.mark.parametrize(
    "change",
    [change_headline, add_citation, add_related_event, add_related_story, add_entity,
     add_correction],
)  # fmt: skip
def test_any_change_to_an_item_or_what_it_shows_is_seen_at_once(client, change):
    event = published_event()
    get(client, event.get_absolute_url())
    assert get(client, event.get_absolute_url())["X-Page-Cache"] == "hit"

    expected = change(event)

    response = get(client, event.get_absolute_url())
    assert response["X-Page-Cache"] == "miss"
    assert expected in response.content.decode()


def test_renaming_an_entity_changes_every_page_that_shows_it(client):
    entity = EntityFactory(name="Old name")
    event = published_event()
    event.entities.add(entity)
    assert "Old name" in get(client, event.get_absolute_url()).content.decode()

    entity.name = "New name"
    entity.save()

    assert "New name" in get(client, event.get_absolute_url()).content.decode()


def test_unpublishing_removes_the_page_at_once(client):
    event = published_event()
    get(client, event.get_absolute_url())

    event.status = Status.UNPUBLISHED
    event.save()

    assert client.get(event.get_absolute_url()).status_code == 404


def test_a_page_expires_when_the_next_scheduled_item_goes_live(client, clock):
    StoryFactory(published=True, headline="Already out")
    StoryFactory(
        status=Status.PUBLISHED,
        publish_at=NOW + dt.timedelta(minutes=30),
        headline="Scheduled for half past",
    )
    assert "Scheduled for half past" not in get(client, "/").content.decode()
    assert get(client, "/")["X-Page-Cache"] == "hit"

    clock.shift(dt.timedelta(minutes=31))  # no save happened: only expiry can help

    response = get(client, "/")
    assert response["X-Page-Cache"] == "miss"
    assert "Scheduled for half past" in response.content.decode()


def test_an_item_scheduled_by_a_bulk_writer_still_goes_live_on_time(client, clock):
    """Bulk writers (imports) send no signals; `invalidate_pages()` forgets the schedule too."""
    StoryFactory(published=True, headline="Already out")
    draft = StoryFactory(status=Status.DRAFT, headline="Scheduled in bulk")
    get(client, "/")  # cached, with nothing scheduled remembered
    Story.objects.filter(pk=draft.pk).update(
        status=Status.PUBLISHED, publish_at=NOW + dt.timedelta(minutes=5)
    )
    invalidate_pages()
    assert "Scheduled in bulk" not in get(client, "/").content.decode()

    clock.shift(dt.timedelta(minutes=6))  # well within the page cache's own lifetime

    assert "Scheduled in bulk" in get(client, "/").content.decode()


def test_the_next_publication_is_remembered_and_brought_forward_by_scheduling(client):
    cache = caches["default"]
    published_event()
    assert cache.get(NEXT_PUBLISH_KEY) == 0.0  # nothing scheduled

    later = NOW + dt.timedelta(hours=5)
    sooner = NOW + dt.timedelta(hours=2)
    StoryFactory(status=Status.PUBLISHED, publish_at=later)
    assert cache.get(NEXT_PUBLISH_KEY) == later.timestamp()
    StoryFactory(status=Status.PUBLISHED, publish_at=sooner)
    assert cache.get(NEXT_PUBLISH_KEY) == sooner.timestamp()
    StoryFactory(status=Status.DRAFT, publish_at=NOW + dt.timedelta(minutes=1))
    assert cache.get(NEXT_PUBLISH_KEY) == sooner.timestamp()


def test_staff_are_never_served_or_stored_in_the_cache(client, editor):
    event = published_event()
    get(client, event.get_absolute_url())  # cached for anonymous readers

    client.force_login(editor)
    response = get(client, event.get_absolute_url())
    assert not response.has_header("X-Page-Cache")
    client.logout()


def test_errors_and_not_found_pages_are_not_cached(client):
    assert client.get("/events/2010/04/07/nothing/").status_code == 404
    response = client.get("/events/2010/04/07/nothing/")
    assert not response.has_header("X-Page-Cache")


def test_responses_that_set_cookies_or_vary_are_not_cacheable():
    assert is_cacheable_response(HttpResponse("ok"))
    with_cookie = HttpResponse("ok")
    with_cookie.set_cookie("csrftoken", "x")
    assert not is_cacheable_response(with_cookie)
    assert not is_cacheable_response(HttpResponse("ok", headers={"Vary": "Cookie"}))
    assert not is_cacheable_response(HttpResponse("ok", headers={"Cache-Control": "private"}))
    assert not is_cacheable_response(HttpResponse("ok", status=302))


def test_the_admin_is_never_cached(client, editor):
    client.force_login(editor)
    client.get("/admin/")
    client.logout()
    response = client.get("/admin/login/")
    assert not response.has_header("X-Page-Cache")


def test_the_page_cache_works_on_redis(client, settings):
    """Against the real server; skipped where no Redis is configured."""
    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        pytest.skip("set TEST_REDIS_URL=redis://127.0.0.1:6379/15 to test against Redis")
    settings.CACHES = {
        **settings.CACHES,
        "pages": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url},
    }
    settings.NEWSROOM_PAGE_CACHE_ALIAS = "pages"
    caches["pages"].clear()
    event = published_event(headline="Stored in Redis")
    assert get(client, event.get_absolute_url())["X-Page-Cache"] == "miss"
    assert get(client, event.get_absolute_url())["X-Page-Cache"] == "hit"

    change_headline(event)

    response = get(client, event.get_absolute_url())
    assert response["X-Page-Cache"] == "miss"
    assert "A new headline" in response.content.decode()
    caches["pages"].clear()


def test_the_navigation_is_loaded_once_until_content_changes(
    client, settings, django_assert_num_queries
):
    settings.NEWSROOM_PAGE_CACHE_SECONDS = 0  # every request renders its page
    event = published_event()
    day = event.get_day_url()

    # the sections; the day's events
    with django_assert_num_queries(2):
        get(client, day)
    with django_assert_num_queries(1):
        get(client, day)

    SectionFactory(name="Weather", slug="weather")

    with django_assert_num_queries(2):
        html = get(client, day).content.decode()
    assert 'href="/sections/weather/">Weather</a>' in html
