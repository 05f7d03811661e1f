"""Unpublishing an item never blocks the live items that link to it.

The editor learns which live items link to what they unpublish (desk message, bulk action,
`manage.py publish`); readers' pages drop the link; the linking items keep being saved,
unpublished, republished, imported. Only links being added must point at visible items
(`Publishable.new_links()`), and `load_demo` leaves no live item linked to a hidden one.
"""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from events.models import Event, RelatedEvent
from newsroom import workflow
from newsroom.models import ImportRecord, Status, Story
from tests.admin_forms import add_row, browser_data, form_errors, post
from tests.factories import (
    EventCitationFactory,
    EventFactory,
    RelatedEventFactory,
    StoryFactory,
)
from tests.imports.conftest import csv_bytes, import_file

from .test_admin_paths import bulk, change_url, messages_of, press

pytestmark = pytest.mark.django_db


def live_event(headline: str, **kwargs) -> Event:
    event = EventFactory(headline=headline, published=True, **kwargs)
    EventCitationFactory(item=event)
    return event


@pytest.fixture
def curfew():
    """The event an editor is about to unpublish."""
    return live_event("Curfew declared in Bishkek")


@pytest.fixture
def storming(curfew):
    """A live event that links to it."""
    event = live_event("Protesters storm the government building")
    RelatedEventFactory(from_event=event, to_event=curfew)
    return event


def unpublish(item, editor):
    return workflow.unpublish(item, by=editor)


# The rule ------------------------------------------------------------------------------------


def test_new_links_only():
    past, future = timezone.now() - timedelta(days=1), timezone.now() + timedelta(days=1)
    draft = Event(status=Status.DRAFT)
    live = Event(status=Status.PUBLISHED, publish_at=past, first_published_at=past)
    reopened = Event(status=Status.DRAFT, first_published_at=past)
    scheduled = Event(status=Status.PUBLISHED, publish_at=future, first_published_at=future)

    # Going live: every link of an item readers never saw, none of one they did.
    assert draft.new_links(saved={1, 2}) == {1, 2}
    assert scheduled.new_links(saved={1, 2}) == {1, 2}
    assert reopened.new_links(saved={1, 2}) == set()
    assert live.new_links(saved={1, 2}) == set()
    # Saving: the links being added, once the item is published or has been live.
    assert draft.new_links(saved={1}, wanted={1, 3}) == set()
    assert scheduled.new_links(saved={1}, wanted={1, 3}) == {3}
    assert reopened.new_links(saved={1}, wanted={1, 3}) == {3}
    assert live.new_links(saved={1, 2}, wanted={2, 3}) == {3}


# The editor learns which live items link to what they unpublish -----------------------------


def test_the_live_items_linking_to_an_item_are_named(editor, curfew, storming):
    draft = EventFactory(headline="A draft that links too")
    RelatedEventFactory(from_event=draft, to_event=curfew)
    unpublished = live_event("Already unpublished")
    RelatedEventFactory(from_event=unpublished, to_event=curfew)
    unpublish(unpublished, editor)

    assert set(Event.objects.linking_to(curfew)) == {storming, draft, unpublished}
    assert workflow.live_items_linking_to(curfew) == [storming]
    assert workflow.live_items_linking_to(storming) == []


def test_stories_linked_from_stories_and_events_are_both_named(editor):
    story = StoryFactory(headline="Background: the north", published=True)
    other_story = StoryFactory(headline="An older story", published=True)
    other_story.related_stories.add(story)
    event = live_event("Talks resume")
    event.related_stories.add(story)

    assert workflow.live_items_linking_to(story) == [event, other_story]
    assert workflow.linking_notice(story) == (
        "2 live items link to “Background: the north”: “Talks resume” (event), "
        "“An older story” (story). Readers no longer see those links; edit the items if "
        "their text mentions it."
    )


def test_hidden_is_everything_readers_cannot_see(curfew):
    draft = EventFactory()
    scheduled = EventFactory(published=True, publish_at=timezone.now() + timedelta(days=1))
    unpublished = EventFactory(status=Status.UNPUBLISHED)

    assert set(Event.objects.hidden()) == {draft, scheduled, unpublished}
    assert set(Event.objects.hidden(at=scheduled.publish_at)) == {draft, unpublished}


def test_the_desk_says_which_live_items_link_to_an_unpublished_event(
    client, editor, curfew, storming
):
    client.force_login(editor)

    response = press(client, curfew, workflow.UNPUBLISH)

    assert messages_of(response) == [
        "“Curfew declared in Bishkek” unpublished.",
        "1 live item links to “Curfew declared in Bishkek”: “Protesters storm the government "
        "building” (event). Readers no longer see those links; edit the items if their text "
        "mentions it.",
    ]


def test_unpublishing_an_item_nothing_links_to_says_nothing_more(client, editor, curfew):
    client.force_login(editor)

    response = press(client, curfew, workflow.UNPUBLISH)

    assert messages_of(response) == ["“Curfew declared in Bishkek” unpublished."]


def test_a_bulk_unpublication_names_the_linking_items_of_each(client, editor, curfew, storming):
    mourning = live_event("A day of mourning")
    RelatedEventFactory(from_event=storming, to_event=mourning, position=2)
    client.force_login(editor)

    response = bulk(client, Event, "unpublish_selected", [curfew, mourning])

    assert messages_of(response) == [
        "Unpublish: done for 2 events.",
        "1 live item links to “Curfew declared in Bishkek”: “Protesters storm the government "
        "building” (event). Readers no longer see those links; edit the items if their text "
        "mentions it.",
        "1 live item links to “A day of mourning”: “Protesters storm the government "
        "building” (event). Readers no longer see those links; edit the items if their text "
        "mentions it.",
    ]


def test_the_command_names_the_linking_items(editor, curfew, storming):
    out = StringIO()

    call_command(
        "publish",
        "events.event",
        str(curfew.pk),
        "--user",
        "ed",
        "--action",
        "unpublish",
        stdout=out,
    )

    assert out.getvalue().splitlines() == [
        "Unpublish: done for “Curfew declared in Bishkek”.",
        "1 live item links to “Curfew declared in Bishkek”: “Protesters storm the government "
        "building” (event). Readers no longer see those links; edit the items if their text "
        "mentions it.",
    ]


# Readers no longer see the link ---------------------------------------------------------------


def test_readers_lose_the_link_but_keep_the_linking_page(client, editor, curfew, storming):
    page, twin = storming.get_absolute_url(), storming.get_absolute_url().rstrip("/") + ".md"
    assert curfew.headline in client.get(page).text
    assert curfew.headline in client.get(twin).text

    unpublish(curfew, editor)

    for address in (page, twin):
        response = client.get(address)
        assert response.status_code == 200
        assert storming.headline in response.text
        assert curfew.headline not in response.text
        assert curfew.slug not in response.text
    assert client.get(curfew.get_absolute_url()).status_code == 404


# The linking items are never blocked by the links they have -----------------------------------


def test_an_editor_saves_the_linking_event_through_the_desk(client, editor, curfew, storming):
    unpublish(curfew, editor)
    client.force_login(editor)
    url = change_url(storming)
    data = browser_data(client.get(url))
    data["headline"] = "Protesters storm and burn the government building"

    response = post(client, url, data)

    assert response.status_code == 302, form_errors(response)
    storming.refresh_from_db()
    assert storming.headline == "Protesters storm and burn the government building"
    assert storming.is_published
    assert list(storming.related_events.all()) == [curfew]  # the link stays, hidden


def test_an_editor_saves_a_live_story_whose_related_story_was_unpublished(client, editor):
    background = StoryFactory(headline="Background: the north", published=True)
    story = StoryFactory(headline="A caretaker cabinet takes over", published=True)
    story.related_stories.add(background)
    unpublish(background, editor)
    client.force_login(editor)
    url = change_url(story)
    data = browser_data(client.get(url))
    data["dek"] = "The cabinet meets for the first time."

    response = post(client, url, data)

    assert response.status_code == 302, form_errors(response)
    assert list(story.related_stories.all()) == [background]


def test_the_linking_event_is_unpublished_republished_and_rescheduled(editor, curfew, storming):
    unpublish(curfew, editor)

    unpublish(storming, editor)
    workflow.publish(storming, by=editor)
    assert storming.is_published
    unpublish(storming, editor)
    workflow.schedule(storming, by=editor, at=timezone.now() + timedelta(hours=2))
    assert storming.is_scheduled


def test_a_reopened_linking_event_goes_through_the_desk_again(
    client, editor, journalist, curfew, storming
):
    unpublish(curfew, editor)
    unpublish(storming, editor)
    workflow.back_to_draft(storming, by=journalist)
    client.force_login(journalist)
    url = change_url(storming)
    data = browser_data(client.get(url))
    data["summary"] = "Rewritten while it was off the site."
    data["_transition"] = workflow.SUBMIT

    response = post(client, url, data, follow=True)

    assert messages_of(response) == [
        "“Protesters storm the government building” submitted for review."
    ]
    storming.refresh_from_db()
    assert storming.summary == "Rewritten while it was off the site."
    client.force_login(editor)
    assert messages_of(press(client, storming, workflow.PUBLISH))[-1] == (
        "“Protesters storm the government building” published."
    )
    assert Event.objects.published().filter(pk=storming.pk).exists()


def test_the_command_republishes_the_linking_event(editor, curfew, storming):
    unpublish(curfew, editor)
    unpublish(storming, editor)
    out = StringIO()

    call_command("publish", "events.event", str(storming.pk), "--user", "ed", stdout=out)

    assert "Publish now: done" in out.getvalue()


def test_an_import_that_keeps_the_links_of_a_live_event_is_not_blocked(editor, curfew, storming):
    unpublish(curfew, editor)
    rows = [
        ["date", "slug", "headline", "related_events"],
        [
            storming.date.isoformat(),
            storming.slug,
            "Protesters storm the building, then leave",
            f"{curfew.date.isoformat()}/{curfew.slug}",
        ],
    ]

    record = import_file(csv_bytes(rows), user=editor)

    assert record.state == ImportRecord.State.IMPORTED, record.errors
    storming.refresh_from_db()
    assert storming.headline == "Protesters storm the building, then leave"
    assert storming.is_published


def test_an_import_republishes_an_unpublished_linking_event(editor, curfew, storming):
    unpublish(curfew, editor)
    unpublish(storming, editor)
    rows = [["date", "slug", "headline"], [storming.date.isoformat(), storming.slug, "Back"]]

    record = import_file(csv_bytes(rows), user=editor, publish=True)

    assert record.state == ImportRecord.State.IMPORTED, record.errors
    assert Event.objects.published().get() == storming


# Links being added must still point at visible items ------------------------------------------


def test_a_live_event_cannot_gain_a_link_to_an_unpublished_one(client, editor, curfew):
    unpublish(curfew, editor)
    other = live_event("Talks resume")
    client.force_login(editor)
    url = change_url(other)
    data = browser_data(client.get(url))
    add_row(data, "related_links", to_event=str(curfew.pk))

    response = post(client, url, data)

    assert response.status_code == 200
    assert "Publish this event first: this one is published." in form_errors(response)
    assert not other.related_links.exists()


def test_the_add_button_of_a_suggestion_refuses_a_hidden_event(client, editor, curfew, storming):
    unpublish(curfew, editor)
    other = live_event("Talks resume")
    RelatedEventFactory(from_event=other, to_event=storming)
    client.force_login(editor)
    url = change_url(other)
    data = browser_data(client.get(url))
    data["_add_related"] = str(curfew.pk)

    response = post(client, url, data, follow=True)

    assert any("Publish “Curfew declared in Bishkek” first" in m for m in messages_of(response))
    assert list(other.related_events.all()) == [storming]


def test_a_reopened_item_cannot_gain_a_link_to_a_hidden_one(client, editor, journalist, storming):
    unpublish(storming, editor)
    workflow.back_to_draft(storming, by=editor)
    draft = StoryFactory(headline="Still a draft")
    client.force_login(journalist)
    url = change_url(storming)
    data = browser_data(client.get(url))
    data["related_stories"] = [str(draft.pk)]

    response = post(client, url, data)

    assert response.status_code == 200
    assert "Not published by the time this item is: “Still a draft”. Publish it first." in (
        form_errors(response)
    )


def test_a_draft_may_link_to_drafts_but_cannot_go_live_before_them(client, editor, curfew):
    unpublish(curfew, editor)
    draft = EventFactory(headline="A first report")
    EventCitationFactory(item=draft)
    client.force_login(editor)
    url = change_url(draft)
    data = browser_data(client.get(url))
    add_row(data, "related_links", to_event=str(curfew.pk))
    assert post(client, url, data).status_code == 302

    with pytest.raises(workflow.TransitionRefused) as refusal:
        workflow.publish(draft, by=editor)

    assert refusal.value.messages == [
        "Related item “Curfew declared in Bishkek” is not published by then; publish it first "
        "or remove the link."
    ]


def test_an_import_adding_a_link_to_a_hidden_event_is_refused(editor, curfew):
    unpublish(curfew, editor)
    other = live_event("Talks resume")
    rows = [
        ["date", "slug", "headline", "related_events"],
        [
            other.date.isoformat(),
            other.slug,
            other.headline,
            f"{curfew.date.isoformat()}/{curfew.slug}",
        ],
    ]

    record = import_file(csv_bytes(rows), user=editor)

    assert record.state == ImportRecord.State.FAILED
    assert [error["message"] for error in record.errors] == [
        "The published item would break: Related item “Curfew declared in Bishkek” is not "
        "published by then; publish it first or remove the link."
    ]
    assert not RelatedEvent.objects.filter(from_event=other).exists()


# The demo ---------------------------------------------------------------------------------------


def test_the_demo_links_no_live_item_to_a_hidden_one_and_republishes(settings, editor):
    settings.DEBUG = True
    call_command("load_demo", stdout=StringIO())

    for model in (Event, Story):
        for hidden in model.objects.hidden():
            assert workflow.live_items_linking_to(hidden) == [], hidden
    live = list(Event.objects.published())
    assert len(live) >= 8
    for event in live:
        workflow.unpublish(event, by=editor)
        workflow.publish(event, by=editor)
    assert Event.objects.published().count() == len(live)
