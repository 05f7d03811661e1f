"""Month and year archives of events, and corrections on event pages."""

import datetime as dt

import pytest
from django.urls import reverse

from events.models import EventCorrection
from tests.factories import CategoryFactory, EventFactory, StoryFactory, invisible_states

from .conftest import APRIL_7, NOW, published_event

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("one_section")]


def month_url(year: int, month: int) -> str:
    return reverse("events:month", kwargs={"year": year, "month": month})


def year_url(year: int) -> str:
    return reverse("events:year", kwargs={"year": year})


def test_archive_urls_are_zero_padded():
    assert month_url(2010, 4) == "/events/2010/04/"
    assert year_url(2010) == "/events/2010/"


def test_month_lists_each_day_with_its_events_by_category(client):
    politics = CategoryFactory(name="Politics", slug="politics", position=2)
    conflicts = CategoryFactory(name="Conflicts", slug="conflicts", position=1)
    vote = published_event(date=APRIL_7, headline="Parliament votes", category=politics)
    clash = published_event(date=APRIL_7, headline="Troops clash", category=conflicts)
    later = published_event(date=dt.date(2010, 4, 14), headline="A later day")
    EventFactory(date=dt.date(2010, 4, 9), headline="A draft of the ninth")

    response = client.get(month_url(2010, 4))

    html = response.content.decode()
    assert response.status_code == 200
    assert '<h1>Events of <time datetime="2010-04">April 2010</time></h1>' in html
    assert html.index("Wednesday 7 April") < html.index(clash.headline)
    assert html.index(clash.headline) < html.index(vote.headline) < html.index(later.headline)
    assert 'href="/events/2010/04/07/"' in html
    assert "A draft of the ninth" not in html
    assert "/events/2010/04/09/" not in html


def test_month_links_to_the_nearest_months_with_published_events(client):
    published_event(date=APRIL_7)
    published_event(date=dt.date(2009, 12, 31))
    EventFactory(date=dt.date(2010, 2, 1))  # a draft month does not count
    published_event(date=dt.date(2010, 7, 1))

    html = client.get(month_url(2010, 4)).content.decode()

    assert f'rel="prev" href="{month_url(2009, 12)}"' in html
    assert f'rel="next" href="{month_url(2010, 7)}"' in html
    assert month_url(2010, 2) not in html


@pytest.mark.parametrize("invisible", invisible_states(NOW))
def test_a_month_or_year_with_only_invisible_events_is_not_found(client, invisible):
    EventFactory(date=APRIL_7, **invisible)

    assert client.get(month_url(2010, 4)).status_code == 404
    assert client.get(year_url(2010)).status_code == 404


def test_impossible_months_and_years_are_not_found(client):
    published_event(date=APRIL_7)

    assert client.get("/events/2010/13/").status_code == 404
    assert client.get("/events/2010/00/").status_code == 404
    assert client.get("/events/0000/").status_code == 404
    assert client.get("/events/2010/4/").status_code == 404


def test_year_lists_months_with_counts_and_links_years_around(client):
    for day in (1, 2, 7):
        published_event(date=dt.date(2010, 4, day))
    published_event(date=dt.date(2010, 6, 12))
    EventFactory(date=dt.date(2010, 5, 1))  # draft
    published_event(date=dt.date(2008, 1, 1))

    html = client.get(year_url(2010)).content.decode()

    assert "<h1>Events of 2010</h1>" in html
    assert f'<a href="{month_url(2010, 4)}"><time datetime="2010-04">April</time></a>' in html
    assert '<span class="count">3 events</span>' in html
    assert '<span class="count">1 event</span>' in html
    assert month_url(2010, 5) not in html
    assert f'rel="prev" href="{year_url(2008)}"' in html
    assert 'rel="next"' not in html


def test_archive_query_counts_do_not_grow_with_events(client, django_assert_num_queries):
    published_event(date=APRIL_7)
    # sections; the month's events carrying the neighbouring months
    with django_assert_num_queries(2):
        client.get(month_url(2010, 4))
    # the months and their counts; the neighbouring years (the navigation is cached)
    with django_assert_num_queries(2):
        client.get(year_url(2010))

    for n in range(20):
        published_event(date=dt.date(2010, 4, 1 + n % 28), category=CategoryFactory())
        published_event(date=dt.date(2010, 5 + n % 8, 3))

    # sections (new content: the navigation is loaded again); the month's events
    with django_assert_num_queries(2):
        response = client.get(month_url(2010, 4))
    assert response.content.decode().count('class="event-summary"') == 21
    # the months and their counts; the neighbouring years (the navigation is cached)
    with django_assert_num_queries(2):
        client.get(year_url(2010))


def test_event_page_shows_its_corrections_in_date_order(client):
    event = published_event()
    EventCorrection.objects.create(
        event=event, text="The vote was on Tuesday.", published_at=NOW - dt.timedelta(hours=2)
    )
    EventCorrection.objects.create(
        event=event, text="A <b>name</b> was misspelt.", published_at=NOW - dt.timedelta(hours=1)
    )

    html = client.get(event.get_absolute_url()).content.decode()

    assert '<h2 id="corrections-heading">Corrections</h2>' in html
    assert html.index("The vote was on Tuesday.") < html.index("was misspelt")
    assert "A &lt;b&gt;name&lt;/b&gt; was misspelt." in html


def test_event_page_without_corrections_has_no_corrections_section(client):
    assert "Corrections" not in client.get(published_event().get_absolute_url()).content.decode()


@pytest.mark.parametrize("invisible", invisible_states(NOW))
def test_drafts_linked_from_published_pages_never_appear(client, invisible):
    """A published story and event linking to invisible items: links and pages stay hidden."""
    hidden_event = EventFactory(headline="Hidden event", date=APRIL_7, **invisible)
    hidden_story = StoryFactory(headline="Hidden story", **invisible)
    event = published_event(headline="Visible event")
    event.related_stories.add(hidden_story)
    story = StoryFactory(headline="Visible story", published=True)
    story.related_stories.add(hidden_story)

    for url in (
        event.get_absolute_url(),
        story.get_absolute_url(),
        "/",
        month_url(2010, 4),
        year_url(2010),
        APRIL_7.strftime("/events/%Y/%m/%d/"),
        story.section.get_absolute_url(),
    ):
        html = client.get(url).content.decode()
        assert "Hidden event" not in html, url
        assert "Hidden story" not in html, url
    assert client.get(hidden_event.get_absolute_url()).status_code == 404
    assert client.get(hidden_story.get_absolute_url()).status_code == 404
