"""Preview links: signed, expiring, the readers' page with a banner; never another way in."""

import datetime as dt

import pytest
import time_machine
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from events.models import Event
from newsroom import preview, workflow
from newsroom.models import Status
from tests.admin_forms import admin_url
from tests.factories import (
    EntityFactory,
    EventCitationFactory,
    EventFactory,
    RelatedEventFactory,
    StoryFactory,
)

pytestmark = pytest.mark.django_db


def test_a_draft_event_is_previewed_as_readers_will_see_it(client, ready_event):
    ready_event.entities.add(EntityFactory(name="Roza Otunbayeva"))

    response = client.get(preview.preview_url(ready_event))

    assert response.status_code == 200
    html = response.content.decode()
    assert '<article class="event prose">' in html
    assert ready_event.headline in html
    assert "Roza Otunbayeva" in html
    assert '<p class="preview-banner" role="status"' in html
    assert "Preview" in html
    assert response["Cache-Control"] == "private, no-store"
    assert "noindex" in response["X-Robots-Tag"]


def test_the_public_address_of_a_draft_is_not_found(client, ready_event):
    assert client.get(ready_event.get_absolute_url()).status_code == 404
    story = StoryFactory()
    assert client.get(story.get_absolute_url()).status_code == 404


def test_a_draft_story_is_previewed_with_the_story_template(client):
    story = StoryFactory(headline="Markets reopen", body="## Banks\n\nQueues formed.")

    response = client.get(preview.preview_url(story))

    assert response.status_code == 200
    html = response.content.decode()
    assert '<article class="story prose">' in html
    assert "Markets reopen" in html
    assert "<h2>Banks</h2>" in html


def test_unpublished_related_events_stay_hidden_in_the_preview(client, ready_event):
    RelatedEventFactory(from_event=ready_event, to_event=EventFactory(headline="Secret draft"))
    RelatedEventFactory(
        from_event=ready_event, to_event=EventFactory(headline="Curfew", published=True)
    )

    html = client.get(preview.preview_url(ready_event)).content.decode()

    assert "Curfew" in html
    assert "Secret draft" not in html


def test_the_link_expires_after_48_hours_by_default(client, settings, ready_event):
    assert settings.NEWSROOM_PREVIEW_MAX_AGE == 48 * 60 * 60
    url = preview.preview_url(ready_event)
    with time_machine.travel(timezone.now() + dt.timedelta(hours=47, minutes=59)):
        assert client.get(url).status_code == 200
    with time_machine.travel(timezone.now() + dt.timedelta(hours=48, seconds=2)):
        assert client.get(url).status_code == 404


def test_the_lifetime_is_configurable(client, settings, ready_event):
    settings.NEWSROOM_PREVIEW_MAX_AGE = 60
    url = preview.preview_url(ready_event)
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=61)):
        assert client.get(url).status_code == 404


def test_the_link_stops_working_when_the_item_is_unpublished(client, editor, ready_event):
    url = preview.preview_url(ready_event)
    workflow.publish(ready_event, by=editor)
    assert client.get(url).status_code == 200

    workflow.unpublish(ready_event, by=editor)

    assert client.get(url).status_code == 404


@pytest.mark.parametrize(
    "token",
    [
        "nonsense",
        signing.TimestampSigner(salt="another.salt").sign_object(
            {"model": "events.event", "pk": 1}
        ),
        signing.TimestampSigner(salt=preview.SALT).sign_object({"model": "auth.user", "pk": 1}),
        signing.TimestampSigner(salt=preview.SALT).sign_object({"pk": 1}),
    ],
)
def test_forged_or_foreign_tokens_are_not_found(client, ready_event, token):
    assert client.get(reverse("preview", args=[token])).status_code == 404


def test_a_tampered_token_does_not_open_another_item(client, ready_event):
    other = EventFactory(headline="Another draft")
    token = preview.make_token(ready_event)
    payload, rest = token.split(":", 1)
    forged = signing.b64_encode(
        signing.JSONSerializer().dumps({"model": "events.event", "pk": other.pk})
    ).decode()
    assert client.get(reverse("preview", args=[f"{forged}:{rest}"])).status_code == 404
    assert payload != forged


def test_the_change_form_offers_the_preview_link(client, journalist, ready_event):
    client.force_login(journalist)
    response = client.get(admin_url(Event, "change", ready_event.pk))
    html = response.content.decode()
    assert 'id="preview-link"' in html
    assert "valid 48 hours" in html
    link = response.context["preview_url"]
    assert client.get(link).status_code == 200


def test_an_unpublished_item_offers_no_preview_link(client, editor, ready_event):
    EventCitationFactory(item=ready_event)
    workflow.publish(ready_event, by=editor)
    workflow.unpublish(ready_event, by=editor)
    client.force_login(editor)
    response = client.get(admin_url(Event, "change", ready_event.pk))
    assert response.context["preview_url"] is None
    assert ready_event.status == Status.UNPUBLISHED


# A preview link is bound to the item's publication state ------------------------------------


def test_a_link_killed_by_an_unpublication_stays_dead_after_back_to_draft(
    client, editor, journalist, ready_event
):
    old_link = preview.preview_url(ready_event)
    workflow.publish(ready_event, by=editor)
    workflow.unpublish(ready_event, by=editor)

    workflow.back_to_draft(ready_event, by=journalist)

    assert client.get(old_link).status_code == 404
    client.force_login(journalist)
    fresh_link = client.get(admin_url(Event, "change", ready_event.pk)).context["preview_url"]
    assert fresh_link != old_link
    client.logout()
    assert client.get(fresh_link).status_code == 200


def test_a_second_unpublication_kills_the_links_made_after_the_first(client, editor, ready_event):
    workflow.publish(ready_event, by=editor)
    workflow.unpublish(ready_event, by=editor)
    workflow.back_to_draft(ready_event, by=editor)
    link = preview.preview_url(ready_event)
    workflow.publish(ready_event, by=editor)
    assert client.get(link).status_code == 200

    workflow.unpublish(ready_event, by=editor)
    workflow.back_to_draft(ready_event, by=editor)

    assert client.get(link).status_code == 404


def test_verify_token_checks_the_item_and_its_publication_state(editor, ready_event):
    token = preview.make_token(ready_event)
    other = EventFactory()
    story = StoryFactory(pk=ready_event.pk)

    assert preview.verify_token(token, ready_event)
    assert not preview.verify_token(token, other)
    assert not preview.verify_token(token, story)
    assert not preview.verify_token("nonsense", ready_event)

    workflow.publish(ready_event, by=editor)
    assert preview.verify_token(token, ready_event)
    workflow.unpublish(ready_event, by=editor)
    assert not preview.verify_token(token, ready_event)
    workflow.back_to_draft(ready_event, by=editor)
    assert not preview.verify_token(token, ready_event)
    assert preview.verify_token(preview.make_token(ready_event), ready_event)


def test_unpublishing_records_when(editor, ready_event):
    workflow.publish(ready_event, by=editor)
    before = timezone.now()

    workflow.unpublish(ready_event, by=editor)

    ready_event.refresh_from_db()
    assert before <= ready_event.last_unpublished_at <= timezone.now()


def test_a_token_without_the_publication_state_is_not_found(client, ready_event):
    token = signing.TimestampSigner(salt=preview.SALT).sign_object(
        {"model": "events.event", "pk": ready_event.pk}
    )
    assert client.get(reverse("preview", args=[token])).status_code == 404
    assert not preview.verify_token(token, ready_event)
