"""The Markdown twins: every public day and event page at the same address ending in `.md`."""

import datetime as dt

import pytest
import time_machine
from django.urls import resolve, reverse

from events.models import Event
from sources.models import Citation
from tests.factories import (
    EntityFactory,
    EventCitationFactory,
    EventFactory,
    PublisherFactory,
    RelatedEventFactory,
    SourceFactory,
    invisible_states,
)

pytestmark = pytest.mark.django_db

APRIL_7 = dt.date(2010, 4, 7)
NOW = dt.datetime(2010, 4, 20, 12, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def day_md(day: dt.date) -> str:
    kwargs = {"year": day.year, "month": day.month, "day": day.day}
    return reverse("events:day_markdown", kwargs=kwargs)


def event_md(event: Event) -> str:
    day = event.date
    kwargs = {"year": day.year, "month": day.month, "day": day.day, "slug": event.slug}
    return reverse("events:event_markdown", kwargs=kwargs)


def cite(event: Event, publisher: str, url: str, role=Citation.Role.SOURCE, position=None):
    source = SourceFactory(url=url, publisher=PublisherFactory(name=publisher))
    return EventCitationFactory(
        item=event, source=source, role=role, **({"position": position} if position else {})
    )


@pytest.fixture
def bakiyev():
    return EntityFactory(name="Kurmanbek Bakiyev")


@pytest.fixture
def otunbayeva():
    return EntityFactory(name="Roza Otunbayeva")


def test_twin_addresses_sit_next_to_the_pages():
    event = Event(date=APRIL_7, slug="bakiyev-leaves")
    assert day_md(APRIL_7) == "/events/2010/04/07.md"
    assert event_md(event) == "/events/2010/04/07/bakiyev-leaves.md"
    assert resolve("/events/2010/04/07/bakiyev-leaves.md").url_name == "event_markdown"
    assert resolve("/events/2010/04/07/bakiyev-leaves/").url_name == "event"
    assert resolve("/events/2010/04/07/").url_name == "day"


def test_event_twin_in_the_archive_format(client, bakiyev, otunbayeva):
    topic = EntityFactory(name="2010 Kyrgyz revolution", kind="topic")
    event = EventFactory(
        published=True,
        headline="Bakiyev leaves Bishkek.",
        slug="bakiyev-leaves",
        summary="The opposition takes over.",
        topic=topic,
    )
    event.entities.add(bakiyev, otunbayeva)
    cite(event, "BBC", "http://news.bbc.co.uk/1.stm", position=1)
    cite(event, "Xinhua", "http://news.xinhuanet.com/2.htm", position=2)
    cite(event, "Al Jazeera", "http://www.aljazeera.com/", Citation.Role.IMAGE_CREDIT, 3)
    both = EventFactory(
        published=True, date=dt.date(2010, 4, 14), slug="trial", headline="Trial demanded."
    )
    both.entities.add(bakiyev, otunbayeva)
    one = EventFactory(published=True, date=dt.date(2010, 4, 8), slug="talks", headline="Talks.")
    one.entities.add(otunbayeva)
    RelatedEventFactory(from_event=event, to_event=one, position=1)
    RelatedEventFactory(from_event=event, to_event=both, position=2)

    response = client.get(event_md(event))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/markdown; charset=utf-8"
    assert response.content.decode() == (
        "### [2010-04-7](/events/2010/04/07.md)\n"
        "\n"
        "##### 2010 Kyrgyz revolution\n"
        "\n"
        "# Bakiyev leaves Bishkek.\n"
        "\n"
        "The opposition takes over.\n"
        "\n"
        "### Source:\n"
        "\n"
        "1. [BBC](http://news.bbc.co.uk/1.stm)\n"
        "2. [Xinhua](http://news.xinhuanet.com/2.htm)\n"
        "2. [Cover Image](http://www.aljazeera.com/)\n"
        "\n"
        "### Related:\n"
        "\n"
        "1. [Trial demanded.](/events/2010/04/14/trial.md)"
        " _Context: Kurmanbek Bakiyev, Roza Otunbayeva_\n"
        "2. [Talks.](/events/2010/04/08/talks.md) _Context: Roza Otunbayeva_\n"
    )


def test_day_twin_in_the_archive_format(client, bakiyev):
    EventFactory(published=True, date=dt.date(2010, 4, 1))
    EventFactory(date=dt.date(2010, 4, 5))  # a draft's day is no previous day
    topic = EntityFactory(name="2010 Kyrgyz revolution", kind="topic")
    EventFactory(
        published=True,
        slug="shooting",
        headline="Shooting.",
        summary="Many  hurt.\n\nMore.",
        category=None,
    )
    second = EventFactory(
        published=True, slug="curfew", headline="Curfew.", summary="", topic=topic, category=None
    )
    second.entities.add(bakiyev, EntityFactory(name="Bishkek"))
    EventFactory(headline="A draft nobody may see.")

    response = client.get(day_md(APRIL_7))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/markdown; charset=utf-8"
    assert response.content.decode() == (
        "## [2010-04-7](/events/2010/04/07.md)\n"
        "\n"
        "### [Shooting.](/events/2010/04/07/shooting.md)\n"
        "Many hurt. More.\n"
        "\n"
        "##### 2010 Kyrgyz revolution\n"
        "### [Curfew.](/events/2010/04/07/curfew.md)\n"
        "_Context: Bishkek, Kurmanbek Bakiyev_\n"
        "\n"
        "## [Previous Day...](/events/2010/04/01.md)\n"
    )


@pytest.mark.parametrize("invisible", invisible_states(NOW))
def test_invisible_events_have_no_twin(client, invisible):
    event = EventFactory(**invisible)

    assert client.get(event_md(event)).status_code == 404
    assert client.get(day_md(event.date)).status_code == 404


@pytest.mark.parametrize("invisible", invisible_states(NOW))
def test_invisible_related_events_are_left_out(client, invisible, bakiyev):
    event = EventFactory(published=True)
    hidden = EventFactory(headline="Hidden related event.", **invisible)
    hidden.entities.add(bakiyev)
    event.entities.add(bakiyev)
    RelatedEventFactory(from_event=event, to_event=hidden)

    text = client.get(event_md(event)).content.decode()

    assert "Hidden related event" not in text
    assert "### Related:" not in text


def test_no_twin_for_unknown_slugs_and_impossible_dates(client):
    event = EventFactory(published=True)

    assert client.get(f"/events/2010/04/07/{event.slug}-x.md").status_code == 404
    assert client.get(f"/events/2010/04/08/{event.slug}.md").status_code == 404
    assert client.get("/events/2010/02/30.md").status_code == 404
    assert client.get(f"/events/2010/02/30/{event.slug}.md").status_code == 404
    assert client.get("/events/2010/4/7.md").status_code == 404


def test_twins_answer_get_and_head_only(client):
    event = EventFactory(published=True)

    assert client.head(event_md(event)).status_code == 200
    assert client.post(event_md(event)).status_code == 405
    assert client.post(day_md(event.date)).status_code == 405


def test_an_imported_slug_that_is_not_clean_has_a_twin(client):
    event = EventFactory(published=True, slug="erdo\u011fan-visits-osh_2010")

    response = client.get(event_md(event))

    assert response.status_code == 200
    assert "# Event number" in response.content.decode()


def rich_event(*, citations: int, entities: int, related: int) -> Event:
    event = EventFactory(published=True)
    names = [EntityFactory() for _ in range(entities)]
    event.entities.add(*names)
    for n in range(citations):
        EventCitationFactory(item=event, position=n + 1)
    for n in range(related):
        other = EventFactory(published=True, date=dt.date(2010, 4, 8))
        other.entities.add(*names)
        RelatedEventFactory(from_event=event, to_event=other, position=n + 1)
    return event


def test_event_twin_query_count_does_not_grow(client, django_assert_num_queries):
    small = rich_event(citations=1, entities=1, related=1)
    large = rich_event(citations=9, entities=6, related=7)

    # event, citations with sources and publishers, entities, related links, their entities
    with django_assert_num_queries(5):
        assert client.get(event_md(small)).status_code == 200
    with django_assert_num_queries(5):
        assert client.get(event_md(large)).status_code == 200


def test_day_twin_query_count_does_not_grow(client, django_assert_num_queries):
    rich_event(citations=1, entities=1, related=0)
    EventFactory(published=True, date=dt.date(2010, 4, 6))
    # events with their topics and the nearest earlier day, then their entities
    with django_assert_num_queries(2):
        assert client.get(day_md(APRIL_7)).status_code == 200

    for _ in range(5):
        rich_event(citations=3, entities=4, related=1)
    with django_assert_num_queries(2):
        assert client.get(day_md(APRIL_7)).status_code == 200


def test_day_and_event_pages_point_to_their_twins(client):
    event = rich_event(citations=1, entities=1, related=0)
    alternate = '<link rel="alternate" type="text/markdown"'
    event_page = client.get(event.get_absolute_url()).content.decode()
    day_page = client.get(event.get_day_url()).content.decode()
    assert f'{alternate} title="This event in Markdown" href="{event_md(event)}">' in event_page
    assert f'{alternate} title="This day in Markdown" href="{day_md(event.date)}">' in day_page


def test_twins_are_cached_for_readers_like_the_pages(client, django_assert_num_queries):
    event = rich_event(citations=2, entities=2, related=1)
    first = client.get(event_md(event))
    with django_assert_num_queries(0):
        second = client.get(event_md(event))
    assert (first["X-Page-Cache"], second["X-Page-Cache"]) == ("miss", "hit")
    assert second.content == first.content
    assert second["Content-Type"] == "text/markdown; charset=utf-8"
