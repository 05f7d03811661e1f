"""The readers' publisher page: who they are, and what we published citing them."""

import datetime as dt

import pytest
import time_machine

from newsroom.models import Status
from tests.factories import (
    EventCitationFactory,
    EventFactory,
    PublisherDomainFactory,
    PublisherFactory,
    SectionFactory,
    SourceFactory,
    StoryCitationFactory,
    StoryFactory,
)

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2010, 4, 20, 12, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def al_jazeera():
    publisher = PublisherFactory(
        name="Al Jazeera", homepage="https://www.aljazeera.com/", country="Qatar"
    )
    PublisherDomainFactory(publisher=publisher, domain="aljazeera.com")
    PublisherDomainFactory(publisher=publisher, domain="aljazeera.net")
    return publisher


def cite(publisher, item, *, role: str = "source") -> None:
    factory = EventCitationFactory if item._meta.model_name == "event" else StoryCitationFactory
    factory(item=item, source=SourceFactory(publisher=publisher), role=role)


def test_publisher_url():
    assert PublisherFactory(name="RIA Novosti").get_absolute_url() == "/sources/ria-novosti/"


def test_publisher_page_shows_the_publisher_and_its_domains(client, al_jazeera):
    cite(al_jazeera, EventFactory(published=True))

    response = client.get(al_jazeera.get_absolute_url())

    html = response.content.decode()
    assert response.status_code == 200
    assert html.count("<h1") == 1
    assert "<h1>Al Jazeera</h1>" in html
    assert "Qatar" in html
    assert "aljazeera.com, aljazeera.net" in html
    assert '<a href="https://www.aljazeera.com/" rel="noopener">' in html


def test_a_publisher_nothing_published_cites_has_no_page(client, al_jazeera):
    """A publisher added with a draft reaches readers only with an item an editor published."""
    cite(al_jazeera, EventFactory(status=Status.DRAFT))
    cite(al_jazeera, EventFactory(status=Status.PUBLISHED, publish_at=NOW + dt.timedelta(hours=1)))

    assert client.get(al_jazeera.get_absolute_url()).status_code == 404


def test_publisher_page_lists_published_events_and_stories_that_cite_it(client, al_jazeera):
    event = EventFactory(published=True, headline="The president flees")
    story = StoryFactory(published=True, headline="How the government fell")
    cite(al_jazeera, event)
    cite(al_jazeera, event, role="image_credit")  # cited twice: listed once
    cite(al_jazeera, story)
    cite(PublisherFactory(name="BBC"), EventFactory(published=True, headline="Only the BBC"))
    for status in (Status.DRAFT, Status.IN_REVIEW, Status.UNPUBLISHED):
        cite(al_jazeera, EventFactory(status=status, headline=f"Hidden {status}"))
    cite(
        al_jazeera,
        StoryFactory(
            status=Status.PUBLISHED,
            publish_at=NOW + dt.timedelta(hours=1),
            headline="Scheduled story",
        ),
    )

    html = client.get(al_jazeera.get_absolute_url()).content.decode()

    assert html.count("The president flees") == 1
    assert html.index("How the government fell") < html.index("The president flees")
    assert f'href="{event.get_absolute_url()}"' in html
    assert f'href="{story.get_absolute_url()}"' in html
    assert "Only the BBC" not in html
    assert "Hidden" not in html
    assert "Scheduled story" not in html


def test_an_unknown_publisher_is_not_found(client):
    assert client.get("/sources/nobody/").status_code == 404


def test_publisher_page_is_paginated(client, al_jazeera):
    for n in range(25):
        cite(al_jazeera, EventFactory(published=True, date=dt.date(2010, 3, 1) + dt.timedelta(n)))

    first = client.get(al_jazeera.get_absolute_url()).content.decode()
    second = client.get(al_jazeera.get_absolute_url(), {"page": 2}).content.decode()

    assert first.count('class="timeline-entry') == 20
    assert second.count('class="timeline-entry') == 5
    assert "25 March 2010" in first
    assert "1 March 2010" in second


def test_publisher_page_query_count_does_not_grow_with_what_cites_it(
    client, al_jazeera, django_assert_num_queries
):
    SectionFactory()
    cite(al_jazeera, EventFactory(published=True))
    cite(al_jazeera, StoryFactory(published=True))
    # publisher; domains; count; page rows; events; stories; sections
    with django_assert_num_queries(7):
        client.get(al_jazeera.get_absolute_url())

    for n in range(12):
        cite(al_jazeera, EventFactory(published=True, date=dt.date(2010, 4, 1) + dt.timedelta(n)))
        cite(al_jazeera, StoryFactory(published=True, section=SectionFactory()))
        PublisherDomainFactory(publisher=al_jazeera)
    with django_assert_num_queries(7):
        response = client.get(al_jazeera.get_absolute_url())
    assert response.content.decode().count('class="timeline-entry') == 20
