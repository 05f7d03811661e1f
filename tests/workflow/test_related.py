"""Linking related items: pickers that find items by headline, date or entity, and suggestions
of related events that share entities, one click to add."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from events.admin import related_suggestions
from events.models import Event, RelatedEvent
from newsroom.models import Status
from tests.admin_forms import admin_url, browser_data, post
from tests.factories import (
    EventCitationFactory,
    EventFactory,
    RelatedEventFactory,
    StoryFactory,
)

pytestmark = pytest.mark.django_db


def autocomplete(client, app_label, model_name, field_name, term):
    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": app_label, "model_name": model_name, "field_name": field_name, "term": term},
    )
    assert response.status_code == 200
    return sorted(r["text"] for r in response.json()["results"])


@pytest.fixture
def three_events():
    first = EventFactory(headline="Protests in Talas", date=dt.date(2010, 4, 6))
    first.entities.add("Kurmanbek Bakiyev", "Talas")
    second = EventFactory(headline="Government building stormed", date=dt.date(2010, 4, 7))
    second.entities.add("Kurmanbek Bakiyev", "Bishkek")
    third = EventFactory(headline="Interim government formed", date=dt.date(2010, 4, 8))
    third.entities.add("Roza Otunbayeva")
    return first, second, third


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("stormed", ["Government building stormed"]),
        ("2010-04-08", ["Interim government formed"]),
        ("7.4.2010", ["Government building stormed"]),
        ("bakiyev", ["Government building stormed", "Protests in Talas"]),
    ],
)
def test_the_related_event_picker_finds_by_headline_date_or_entity(
    client, journalist, three_events, term, expected
):
    client.force_login(journalist)
    assert autocomplete(client, "events", "relatedevent", "to_event", term) == expected


def test_the_related_story_picker_finds_by_date_and_entity(client, journalist):
    story = StoryFactory(headline="Analysis of the uprising", published=True)
    story.entities.add("Roza Otunbayeva")
    StoryFactory(headline="Unrelated")
    client.force_login(journalist)
    day = story.publish_at.date().isoformat()

    assert autocomplete(client, "events", "event", "related_stories", "otunbayeva") == [
        "Analysis of the uprising"
    ]
    assert autocomplete(client, "events", "event", "related_stories", day) == [
        "Analysis of the uprising"
    ]


def test_suggestions_share_entities_most_shared_first_in_one_query(three_events):
    first, second, _ = three_events
    event = EventFactory(headline="Bakiyev flees to the south")
    event.entities.add("Kurmanbek Bakiyev", "Bishkek", "Talas")
    EventFactory(headline="Nothing in common").entities.add("Floods")

    with CaptureQueriesContext(connection) as queries:
        suggestions = related_suggestions(event)

    assert len(queries) == 1
    assert [(s.event, s.shared) for s in suggestions] == [
        (second, ["Bishkek", "Kurmanbek Bakiyev"]),
        (first, ["Kurmanbek Bakiyev", "Talas"]),
    ]


def test_suggestions_leave_out_events_already_linked_and_are_limited(three_events):
    first, *_ = three_events
    event = EventFactory()
    event.entities.add("Kurmanbek Bakiyev")
    RelatedEventFactory(from_event=event, to_event=first)
    for _ in range(12):
        EventFactory().entities.add("Kurmanbek Bakiyev")

    suggestions = related_suggestions(event, limit=5)

    assert len(suggestions) == 5
    assert first not in [s.event for s in suggestions]


def test_one_click_adds_a_suggestion_and_keeps_what_was_typed(client, journalist, three_events):
    first, second, _ = three_events
    event = EventFactory(headline="Bakiyev flees")
    event.entities.add("Kurmanbek Bakiyev")
    RelatedEventFactory(from_event=event, to_event=first, position=1)
    client.force_login(journalist)
    url = admin_url(Event, "change", event.pk)
    page = client.get(url)
    html = page.content.decode()
    assert f'name="_add_related" value="{second.pk}"' in html
    assert "Context: Kurmanbek Bakiyev" in html
    data = browser_data(page)
    data.update(_add_related=str(second.pk), summary="Typed before clicking Add.")

    response = post(client, url, data)

    assert response.status_code == 302
    assert response["Location"] == url
    event.refresh_from_db()
    assert event.summary == "Typed before clicking Add."
    assert list(
        RelatedEvent.objects.filter(from_event=event).values_list("to_event", "position")
    ) == [(first.pk, 1), (second.pk, 2)]


@pytest.mark.parametrize("target", ["self", "missing", "junk"])
def test_adding_a_bad_suggestion_links_nothing(client, journalist, target):
    event = EventFactory()
    client.force_login(journalist)
    url = admin_url(Event, "change", event.pk)
    data = browser_data(client.get(url))
    data["_add_related"] = {"self": str(event.pk), "missing": "999999", "junk": "x"}[target]

    post(client, url, data)

    assert not RelatedEvent.objects.exists()


def test_a_published_event_cannot_be_linked_to_a_draft_by_a_suggestion(client, editor):
    live = EventCitationFactory(item__published=True).item
    draft = EventFactory(headline="Still a draft")
    client.force_login(editor)
    url = admin_url(Event, "change", live.pk)
    data = browser_data(client.get(url))
    data["_add_related"] = str(draft.pk)

    response = post(client, url, data, follow=True)

    assert not RelatedEvent.objects.exists()
    assert "Publish “Still a draft” first" in response.content.decode()


def test_a_published_event_offers_journalists_no_suggestions(client, journalist, three_events):
    first, *_ = three_events
    Event.objects.filter(pk=first.pk).update(status=Status.PUBLISHED, publish_at=first.created_at)
    client.force_login(journalist)
    response = client.get(admin_url(Event, "change", first.pk))
    assert "suggestions" not in response.context
