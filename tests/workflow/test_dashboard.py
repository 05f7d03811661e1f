"""The desk dashboard: the admin index for staff."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from newsroom import workflow
from tests.factories import EventCitationFactory, EventFactory, StoryFactory

pytestmark = pytest.mark.django_db


def desk(client):
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    return response


def section(response, name: str) -> str:
    html = response.content.decode()
    start = html.index(f'id="desk-{name}"')
    return html[start : html.index("</div>", start)]


def test_my_drafts_lists_only_my_drafts_and_flags_requested_changes(client, journalist, editor):
    mine = EventFactory(headline="My draft about the square", created_by=journalist)
    StoryFactory(headline="Someone else's draft", created_by=editor)
    sent_back = StoryFactory(headline="Sent back to me", created_by=journalist)
    sent_back.review_note = "Shorter, please."
    sent_back.save()
    client.force_login(journalist)

    drafts = section(desk(client), "drafts")

    assert mine.headline in drafts
    assert "Sent back to me" in drafts
    assert "changes requested" in drafts
    assert "Someone else" not in drafts


def test_awaiting_review_shows_how_long_each_has_waited_oldest_first(client, editor, journalist):
    old = EventFactory(headline="Waiting since morning", created_by=journalist)
    workflow.submit(old, by=journalist)
    type(old).objects.filter(pk=old.pk).update(modified_at=timezone.now() - dt.timedelta(hours=3))
    new = StoryFactory(headline="Just submitted")
    workflow.submit(new, by=journalist)
    client.force_login(editor)

    review = section(desk(client), "review")

    assert review.index("Waiting since morning") < review.index("Just submitted")
    assert "submitted 3\xa0hours ago" in review
    assert "submitted now" in review  # not "0 minutes"
    assert "from jo" in review


def test_scheduled_items_show_their_time(client, editor, ready_event):
    at = timezone.now() + dt.timedelta(days=1)
    workflow.schedule(ready_event, by=editor, at=at)
    client.force_login(editor)

    scheduled = section(desk(client), "scheduled")

    assert ready_event.headline in scheduled
    assert f"{timezone.localtime(at):%Y-%m-%d %H:%M}" in scheduled
    assert "from now)" in scheduled  # how long until it goes live


def test_recently_published_and_corrections(client, editor, ready_event):
    workflow.publish(ready_event, by=editor)
    workflow.correct(ready_event, by=editor, text="The square was misnamed.")
    client.force_login(editor)

    response = desk(client)

    assert ready_event.headline in section(response, "published")
    assert "The square was misnamed." in section(response, "corrections")
    assert ready_event.headline not in section(response, "scheduled")


def _queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        desk(client)
    return len(queries)


def test_the_dashboard_costs_the_same_queries_however_full_the_desk(client, editor, journalist):
    client.force_login(editor)
    EventFactory(created_by=editor)
    empty = _queries(client)
    for n in range(6):
        draft = EventFactory(created_by=editor)
        review = StoryFactory(created_by=journalist)
        workflow.submit(review, by=journalist)
        live = EventFactory()
        EventCitationFactory(item=live)
        workflow.publish(live, by=editor)
        workflow.correct(live, by=editor, text=f"Correction {n}")
        later = StoryFactory()
        workflow.schedule(later, by=editor, at=timezone.now() + dt.timedelta(hours=n + 1))
        assert draft.pk

    assert _queries(client) == empty


def test_anonymous_visitors_are_sent_to_the_login(client):
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
