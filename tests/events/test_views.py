"""The readers' event pages: a day of events and one event."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from events.models import Event, EventCorrection
from newsroom.models import Status
from newsroom.navigation import nav_sections
from tests.factories import (
    CategoryFactory,
    EntityFactory,
    EventCitationFactory,
    EventFactory,
    PublisherFactory,
    RelatedEventFactory,
    SectionFactory,
    SourceFactory,
    StoryFactory,
    image_file,
    invisible_states,
)

pytestmark = pytest.mark.django_db

APRIL_7 = dt.date(2010, 4, 7)
NOW = dt.datetime(2010, 4, 20, 12, 0, tzinfo=dt.UTC)

JSON_LD_SCRIPT = '<script type="application/ld+json">'


@pytest.fixture(autouse=True)
def clock():
    """Every test runs at noon UTC on 20 April 2010; `published=True` means an hour before."""
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def one_section():
    """The navigation lists sections; one exists on every page so that counts are stable."""
    return SectionFactory(name="World", slug="world")


def day_url(day: dt.date) -> str:
    return reverse("events:day", kwargs={"year": day.year, "month": day.month, "day": day.day})


def published_event(**kwargs) -> Event:
    return EventFactory(published=True, **kwargs)


def text_positions(html: str, *needles: str) -> list[int]:
    return [html.index(needle) for needle in needles]


# Day page ---------------------------------------------------------------------------------


def test_day_url_is_zero_padded():
    assert day_url(APRIL_7) == "/events/2010/04/07/"


def test_day_page_lists_published_events_grouped_by_category_in_category_order(client):
    politics = CategoryFactory(name="Politics and elections", slug="politics", position=2)
    conflicts = CategoryFactory(name="Armed conflicts and attacks", slug="conflicts", position=1)
    topic = EntityFactory(name="2010 Kyrgyz revolution", kind="topic")
    vote = published_event(headline="Parliament votes", category=politics, topic=topic)
    clash = published_event(headline="Troops clash with protesters", category=conflicts)
    EventFactory(headline="A draft event nobody may see", category=conflicts)

    response = client.get(day_url(APRIL_7))

    html = response.content.decode()
    assert response.status_code == 200
    assert '<h1>Events of <time datetime="2010-04-07">' in html
    assert "A draft event nobody may see" not in html
    conflicts_at, clash_at, politics_at, vote_at = text_positions(
        html, conflicts.name, clash.headline, politics.name, vote.headline
    )
    assert conflicts_at < clash_at < politics_at < vote_at
    assert f'href="{vote.get_absolute_url()}"' in html
    assert vote.summary in html
    assert f'<a href="{topic.get_absolute_url()}">2010 Kyrgyz revolution</a>' in html


def test_day_page_links_to_the_nearest_days_that_have_published_events(client):
    published_event(date=dt.date(2010, 4, 1))
    EventFactory(date=dt.date(2010, 4, 5))  # a draft: its day does not count
    published_event(date=dt.date(2010, 4, 6), status=Status.IN_REVIEW)
    published_event(date=APRIL_7)
    EventFactory(
        date=dt.date(2010, 4, 9), status=Status.PUBLISHED, publish_at=NOW + dt.timedelta(1)
    )
    published_event(date=dt.date(2010, 4, 14))

    html = client.get(day_url(APRIL_7)).content.decode()

    assert f'rel="prev" href="{day_url(dt.date(2010, 4, 1))}"' in html
    assert f'rel="next" href="{day_url(dt.date(2010, 4, 14))}"' in html
    assert day_url(dt.date(2010, 4, 5)) not in html
    assert day_url(dt.date(2010, 4, 6)) not in html
    assert day_url(dt.date(2010, 4, 9)) not in html


def test_first_and_last_days_have_no_link_beyond_them(client):
    published_event(date=APRIL_7)

    html = client.get(day_url(APRIL_7)).content.decode()

    assert 'rel="prev"' not in html
    assert 'rel="next"' not in html


@pytest.mark.parametrize("invisible", invisible_states(NOW))
def test_a_day_with_only_invisible_events_is_not_found(client, invisible):
    EventFactory(date=APRIL_7, **invisible)

    assert client.get(day_url(APRIL_7)).status_code == 404


def test_a_day_with_no_events_or_no_such_date_is_not_found(client):
    published_event(date=APRIL_7)

    assert client.get(day_url(dt.date(2010, 4, 8))).status_code == 404
    assert client.get("/events/2010/02/30/").status_code == 404
    assert client.get("/events/2010/4/7/").status_code == 404


def test_a_scheduled_day_appears_when_its_time_comes(client, clock):
    EventFactory(date=APRIL_7, status=Status.PUBLISHED, publish_at=NOW + dt.timedelta(hours=2))
    assert client.get(day_url(APRIL_7)).status_code == 404

    clock.shift(dt.timedelta(hours=3))

    assert client.get(day_url(APRIL_7)).status_code == 200


def test_day_page_query_count_is_fixed(client, django_assert_num_queries):
    published_event(date=APRIL_7)

    # sections (navigation); the day's events, each carrying the neighbouring days
    with django_assert_num_queries(2):
        assert client.get(day_url(APRIL_7)).status_code == 200


def test_day_page_query_count_does_not_grow_with_events(client, django_assert_num_queries):
    published_event(date=APRIL_7)
    with django_assert_num_queries(2):
        client.get(day_url(APRIL_7))

    topic = EntityFactory(name="A topic", kind="topic")
    for n in range(12):
        published_event(date=APRIL_7, category=CategoryFactory(position=n), topic=topic)
    published_event(date=dt.date(2010, 4, 2))
    published_event(date=dt.date(2010, 4, 12))

    with django_assert_num_queries(2):
        response = client.get(day_url(APRIL_7))
    assert response.content.decode().count('class="event-summary"') == 13


# Event page -------------------------------------------------------------------------------


def test_event_url_is_zero_padded():
    event = published_event(date=APRIL_7, headline="The president flees")
    assert event.get_absolute_url() == "/events/2010/04/07/the-president-flees/"


def test_event_page_shows_date_topic_headline_summary_and_body(client):
    topic = EntityFactory(name="2010 Kyrgyz revolution", kind="topic")
    event = published_event(
        headline="The president flees the capital",
        summary="Protesters hold the government building.",
        body="More **detail** here.",
        topic=topic,
    )

    response = client.get(event.get_absolute_url())

    html = response.content.decode()
    assert response.status_code == 200
    assert html.count("<h1") == 1
    assert "<h1>The president flees the capital</h1>" in html
    assert (
        f'<a href="{day_url(APRIL_7)}"><time datetime="2010-04-07">7 April 2010</time></a>' in html
    )
    assert f'href="{topic.get_absolute_url()}">2010 Kyrgyz revolution</a>' in html
    assert "Protesters hold the government building." in html
    assert "<strong>detail</strong>" in html
    assert f'<link rel="canonical" href="http://testserver{event.get_absolute_url()}">' in html


def test_event_citations_are_numbered_in_position_order_and_the_cover_credit_is_apart(client):
    event = published_event()
    al_jazeera = PublisherFactory(name="Al Jazeera")
    bbc = PublisherFactory(name="BBC")
    xinhua = PublisherFactory(name="Xinhua")
    EventCitationFactory(
        item=event,
        position=3,
        source=SourceFactory(url="https://xinhua.example/3", publisher=xinhua),
    )
    EventCitationFactory(
        item=event,
        position=1,
        source=SourceFactory(url="https://aj.example/1", publisher=al_jazeera),
    )
    EventCitationFactory(
        item=event, position=2, source=SourceFactory(url="https://bbc.example/2", publisher=bbc)
    )
    EventCitationFactory(
        item=event,
        position=4,
        role="image_credit",
        source=SourceFactory(url="https://aj.example/", publisher=al_jazeera),
    )

    html = client.get(event.get_absolute_url()).content.decode()

    def listed(position, publisher, url):
        return html.index(
            f'<li id="source-{position}"><a href="{publisher.get_absolute_url()}">'
            f'{publisher.name}</a>: <a href="{url}" rel="noopener">'
        )

    first, second, third = (
        listed(1, al_jazeera, "https://aj.example/1"),
        listed(2, bbc, "https://bbc.example/2"),
        listed(3, xinhua, "https://xinhua.example/3"),
    )
    assert first < second < third
    assert (
        f'Cover image: <a href="{al_jazeera.get_absolute_url()}">Al Jazeera</a>: '
        '<a href="https://aj.example/" rel="noopener">'
    ) in html
    assert 'id="source-4"' not in html


def test_event_cover_image_has_its_text_alternative_and_credit(client):
    event = published_event(
        cover_image=image_file(),
        cover_image_alt="Smoke over the government building",
        cover_image_credit="Al Jazeera",
    )

    html = client.get(event.get_absolute_url()).content.decode()

    rendition = event.cover_image.url.replace("/media/", "/media/renditions/")
    rendition = rendition.removesuffix(".png") + "-64w.jpg"
    assert f'<img src="{rendition}" srcset="{rendition} 64w"' in html
    assert 'width="64" height="48" alt="Smoke over the government building"' in html
    assert "Image: Al Jazeera" in html


def test_related_events_are_listed_in_order_with_exactly_the_entities_they_share(client):
    bakiyev = EntityFactory(name="Kurmanbek Bakiyev")
    otunbayeva = EntityFactory(name="Roza Otunbayeva")
    bishkek = EntityFactory(name="Bishkek", kind="place")
    moscow = EntityFactory(name="Moscow", kind="place")
    event = published_event()
    event.entities.add(bakiyev, otunbayeva, bishkek)
    trial = published_event(date=dt.date(2010, 4, 14), headline="Calls for a trial")
    trial.entities.add(otunbayeva, bakiyev, moscow)
    sworn_in = published_event(date=dt.date(2010, 7, 3), headline="Sworn in as president")
    sworn_in.entities.add(otunbayeva)
    RelatedEventFactory(from_event=event, to_event=sworn_in, position=2)
    RelatedEventFactory(from_event=event, to_event=trial, position=1)

    html = client.get(event.get_absolute_url()).content.decode()

    assert html.index("Calls for a trial") < html.index("Sworn in as president")
    trial_context = html[html.index("Calls for a trial") : html.index("Sworn in as president")]
    assert (
        f'Context: <a href="{bakiyev.get_absolute_url()}">Kurmanbek Bakiyev</a>, '
        f'<a href="{otunbayeva.get_absolute_url()}">Roza Otunbayeva</a></em>' in trial_context
    )
    assert "Moscow" not in trial_context
    sworn_context = html[html.index("Sworn in as president") :]
    assert f'Context: <a href="{otunbayeva.get_absolute_url()}">Roza Otunbayeva</a></em>' in (
        sworn_context
    )


@pytest.mark.parametrize("invisible", invisible_states(NOW))
def test_an_invisible_related_event_or_story_is_not_listed(client, invisible):
    event = published_event()
    RelatedEventFactory(
        from_event=event, to_event=EventFactory(headline="Hidden related event", **invisible)
    )
    RelatedEventFactory(from_event=event, to_event=published_event(headline="Visible related"))
    event.related_stories.add(
        StoryFactory(headline="Hidden related story", **invisible),
        StoryFactory(headline="Visible related story", published=True),
    )

    html = client.get(event.get_absolute_url()).content.decode()

    assert "Visible related" in html
    assert "Visible related story" in html
    assert "Hidden related event" not in html
    assert "Hidden related story" not in html


@pytest.mark.parametrize("invisible", invisible_states(NOW))
def test_an_invisible_event_is_not_found(client, invisible):
    event = EventFactory(**invisible)

    assert client.get(event.get_absolute_url()).status_code == 404


def test_an_event_at_an_impossible_date_is_not_found(client):
    published_event(date=APRIL_7, slug="vote")

    assert client.get("/events/2010/02/30/vote/").status_code == 404
    assert client.get("/events/2010/13/07/vote/").status_code == 404


def test_an_event_at_another_date_is_not_found(client):
    event = published_event(date=APRIL_7)
    wrong = reverse("events:event", kwargs={"year": 2010, "month": 4, "day": 8, "slug": event.slug})

    assert client.get(wrong).status_code == 404


def test_hostile_markdown_in_an_event_body_is_inert(client):
    event = published_event(
        body=(
            "<script>alert(1)</script>\n\n"
            "[click me](javascript:alert(1))\n\n"
            '<img src="x" onerror="alert(1)">\n\n'
            '<a href="#" onclick="alert(1)">tap</a>'
        )
    )

    html = client.get(event.get_absolute_url()).content.decode()
    body = html[html.index('<div class="body">') :]
    body = body[: body.index("</div>")]

    assert "<script" not in html.replace(JSON_LD_SCRIPT, "")  # our JSON-LD is the one script
    assert "javascript:" not in html
    assert "onerror" not in html
    assert "onclick" not in html
    assert "<img" not in body
    assert "click me" in body


def full_event(*, size: int) -> Event:
    """A published event with `size` citations, entities, related events, related stories and
    corrections."""
    event = published_event(summary="Summary.", body="Body.", topic=EntityFactory(kind="topic"))
    shared = [EntityFactory() for _ in range(size)]
    event.entities.add(*shared)
    for n in range(size):
        EventCitationFactory(item=event, position=n + 1)
        other = published_event(date=APRIL_7 + dt.timedelta(days=n + 1))
        other.entities.add(*shared[: n + 1], EntityFactory())
        RelatedEventFactory(from_event=event, to_event=other, position=n + 1)
        event.related_stories.add(StoryFactory(published=True))
        EventCorrection.objects.create(event=event, text=f"Correction {n + 1}.")
    return event


def test_event_page_query_count_is_fixed(client, django_assert_num_queries):
    event = full_event(size=1)

    # event; citations; related links; the entities of the event and of the related events;
    # related stories; corrections; sections
    with django_assert_num_queries(7):
        assert client.get(event.get_absolute_url()).status_code == 200


def test_an_event_without_corrections_or_related_stories_costs_no_query_for_them(
    client, django_assert_num_queries
):
    event = published_event()
    EventCitationFactory(item=event)

    # event (which says there are none); citations; related links; entities; sections
    with django_assert_num_queries(5):
        html = client.get(event.get_absolute_url()).content.decode()
    assert "Corrections" not in html
    assert 'id="related-stories-heading"' not in html


@pytest.mark.parametrize("invisible", invisible_states(NOW))
def test_an_event_whose_only_related_story_is_invisible_lists_no_stories(client, invisible):
    event = published_event()
    event.related_stories.add(StoryFactory(headline="Hidden related story", **invisible))

    html = client.get(event.get_absolute_url()).content.decode()

    assert "Hidden related story" not in html
    assert 'id="related-stories-heading"' not in html


def test_event_page_query_count_does_not_grow_with_its_relations(client, django_assert_num_queries):
    small = full_event(size=1)
    big = full_event(size=15)
    nav_sections()  # the navigation stays cached while nothing changes: not counted here

    with django_assert_num_queries(6):
        client.get(small.get_absolute_url())
    with django_assert_num_queries(6):
        response = client.get(big.get_absolute_url())
    html = response.content.decode()
    assert html.count('<li id="source-') == 15
    assert html.count("Context: ") == 15


def test_on_postgresql_the_event_page_queries_are_prepared_once_repeated(client, settings):
    """Planning cost more than running the event page's queries: a connection prepares each
    query it runs again (Django leaves preparing off unless told)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's (run with DATABASE_URL=postgres://…)")
    settings.NEWSROOM_PAGE_CACHE_SECONDS = 0  # every request renders the page
    event = published_event()
    EventCitationFactory(item=event)

    def prepared() -> set[str]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT statement FROM pg_prepared_statements")
            return {statement for (statement,) in cursor.fetchall()}

    before = prepared()
    for _ in range(3):
        assert client.get(event.get_absolute_url()).status_code == 200

    new = prepared() - before
    assert any('FROM "events_eventcitation"' in statement for statement in new)
    assert any('FROM "events_event"' in statement for statement in new)
