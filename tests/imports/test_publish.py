"""Imported items are drafts unless an editor publishes them, under the admin's rules."""

import datetime as dt

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from events.models import Event
from events.resources import EventImporter
from newsroom.models import ImportRecord, Status, Story
from newsroom.resources import StoryImporter

from ..factories import (
    EventCitationFactory,
    EventFactory,
    RelatedEventFactory,
    StoryFactory,
    UserFactory,
)
from .conftest import csv_bytes, import_file, problems, snapshot

pytestmark = pytest.mark.django_db

CITED = [
    ["date", "slug", "headline", "citations", "related_events"],
    ["2010-04-07", "first", "First", "https://example.org/1", "2010-04-08/second"],
    ["2010-04-08", "second", "Second", "https://example.org/2", ""],
]


def test_an_editor_publishes_on_import(editor):
    record = import_file(csv_bytes(CITED), user=editor, publish=True)

    assert record.state == ImportRecord.State.IMPORTED, record.errors
    for event in Event.objects.all():
        assert event.status == Status.PUBLISHED
        assert event.is_published
        assert event.first_published_at == event.publish_at == event.last_published_at
        assert event.modified_by == editor


def test_publishing_existing_drafts_counts_them_as_updated(editor):
    import_file(csv_bytes(CITED), user=editor)

    record = import_file(csv_bytes(CITED), user=editor, publish=True)

    assert (record.created, record.updated, record.unchanged) == (0, 2, 0)
    assert set(Event.objects.values_list("status", flat=True)) == {Status.PUBLISHED}
    assert import_file(csv_bytes(CITED), user=editor, publish=True).unchanged == 2


@pytest.mark.parametrize("who", ["journalist", "importer_without_publish"])
def test_only_editors_may_publish_on_import(request, who):
    if who == "journalist":
        user = request.getfixturevalue("journalist")
    else:
        user = UserFactory(username="importer")
        user.user_permissions.add(Permission.objects.get(codename="import_event"))
    before = snapshot()

    record = import_file(csv_bytes(CITED), user=user, publish=True)

    assert record.state == ImportRecord.State.FAILED
    assert record.message.startswith("Only editors can publish events on import")
    assert snapshot() == before


def test_an_event_without_citations_is_not_published(editor):
    rows = [["date", "headline", "citations"], ["2010-04-07", "A", ""], ["2010-04-08", "B", ""]]
    before = snapshot()

    record = import_file(csv_bytes(rows), user=editor, publish=True)

    assert problems(record) == [(2, "citations"), (3, "citations")]
    assert record.errors[0]["message"] == "Cannot publish: Cite at least one source."
    assert snapshot() == before


def test_related_items_must_be_published_or_published_with_it(editor):
    draft = EventFactory(date=dt.date(2010, 4, 1), slug="draft", headline="An old draft")
    rows = [
        ["date", "slug", "headline", "citations", "related_events"],
        ["2010-04-07", "a", "A", "https://example.org/1", "2010-04-01/draft"],
    ]

    record = import_file(csv_bytes(rows), user=editor, publish=True)

    assert problems(record) == [(2, "related_events")]
    assert "“An old draft” is not published" in record.errors[0]["message"]
    draft.status, draft.publish_at = Status.PUBLISHED, dt.datetime(2010, 4, 1, tzinfo=dt.UTC)
    draft.save()
    assert import_file(csv_bytes(rows), user=editor, publish=True).created == 1


def test_bulk_rules_say_what_publish_problems_says(editor, tmp_path):
    """The importer's set-wise rules agree with `Publishable.publish_problems()` item by item."""
    from ..factories import image_file

    cases = [
        EventFactory(),  # no citation
        EventCitationFactory().item,  # ready
        EventCitationFactory(item__headline="   ").item,  # blank headline
        EventCitationFactory(item__cover_image=image_file(), item__cover_image_alt="x").item,
        RelatedEventFactory(from_event=EventCitationFactory().item).from_event,
        RelatedEventFactory(
            from_event=EventFactory(), to_event=EventFactory(published=True)
        ).from_event,
        # Linked to an event scheduled for tomorrow: not visible when this one would go live.
        RelatedEventFactory(
            from_event=EventCitationFactory().item,
            to_event=EventFactory(published=True, publish_at=timezone.now() + dt.timedelta(days=1)),
        ).from_event,
    ]
    story_cases = [StoryFactory(), StoryFactory(lead_image=image_file(), lead_image_alt="x")]
    story_cases[0].related_stories.add(StoryFactory(headline="Unpublished neighbour"))
    for importer, items in ((EventImporter, cases), (StoryImporter, story_cases)):
        bulk = importer(user=editor).publication_problems([item.pk for item in items])
        for item in items:
            assert [message for _, message in bulk.get(item.pk, [])] == item.publish_problems()


def test_a_published_item_keeps_its_status_when_imported_as_draft(editor):
    event = EventCitationFactory(item__published=True, item__slug="live").item
    rows = [["date", "slug", "headline"], [event.date.isoformat(), "live", "New headline"]]

    record = import_file(csv_bytes(rows), user=editor)

    assert record.updated == 1
    event.refresh_from_db()
    assert event.status == Status.PUBLISHED
    assert event.headline == "New headline"


def test_stories_published_on_import(editor):
    rows = [["slug", "headline"], ["a-story", "A story"]]

    record = import_file(csv_bytes(rows), "stories", user=editor, publish=True)

    assert record.state == ImportRecord.State.IMPORTED, record.errors
    assert Story.objects.get().is_published


def test_readers_see_an_imported_change_at_once_though_the_page_was_cached(client, editor):
    """The importer writes in bulk (no post_save), so it tells the page cache itself."""
    event = EventCitationFactory(item__published=True, item__headline="Before the import").item
    assert client.get(event.get_absolute_url())["X-Page-Cache"] == "miss"
    assert client.get(event.get_absolute_url())["X-Page-Cache"] == "hit"
    rows = [["date", "slug", "headline"], [event.date.isoformat(), event.slug, "After it"]]

    record = import_file(csv_bytes(rows), user=editor)

    assert record.updated == 1
    page = client.get(event.get_absolute_url())
    assert page["X-Page-Cache"] == "miss"
    assert "After it" in page.content.decode()


# Published items changed by an import ------------------------------------------------------


def live_event(**kwargs) -> Event:
    return EventCitationFactory(
        item__published=True, item__slug="live", item__date=dt.date(2010, 4, 7), **kwargs
    ).item


def test_who_cannot_publish_cannot_change_a_published_item_by_import():
    live_event()
    importer = UserFactory(username="importer")
    importer.user_permissions.add(Permission.objects.get(codename="import_event"))
    before = snapshot()
    rows = [["date", "slug", "headline", "citations"], ["2010-04-07", "live", "Rewritten", ""]]

    record = import_file(csv_bytes(rows), user=importer)

    assert record.state == ImportRecord.State.FAILED
    assert [(p["row"], p["column"], p["message"]) for p in record.errors] == [
        (
            2,
            "date",
            "“2010-04-07/live” is published: only an editor may change it. Leave this row "
            "out, or ask an editor to import the file.",
        )
    ]
    assert snapshot() == before


def test_an_editors_import_may_not_break_a_published_item(editor):
    event = live_event()
    before = snapshot()
    rows = [["date", "slug", "headline", "citations"], ["2010-04-07", "live", "Live", ""]]

    record = import_file(csv_bytes(rows), user=editor)

    assert record.state == ImportRecord.State.FAILED
    assert [(p["row"], p["column"], p["message"]) for p in record.errors] == [
        (2, "citations", "The published item would break: Cite at least one source.")
    ]
    assert snapshot() == before
    assert event.citations.count() == 1


def test_an_editors_change_to_a_live_item_moves_its_modified_date(editor):
    event = live_event(item__last_published_at=timezone.now() - dt.timedelta(days=2))
    rows = [["date", "slug", "headline"], ["2010-04-07", "live", "Better headline"]]

    record = import_file(csv_bytes(rows), user=editor)

    assert record.state == ImportRecord.State.IMPORTED, record.errors
    fresh = Event.objects.get(pk=event.pk)
    assert fresh.headline == "Better headline"
    assert fresh.is_published
    assert fresh.last_published_at > event.last_published_at
