"""The workflow's transitions (newsroom.workflow): who may run each, from which states, what
publishing requires, and the revision each one keeps."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from reversion.models import Version

from events.models import Event
from newsroom import workflow
from newsroom.models import Status, Story
from tests.factories import (
    EventCitationFactory,
    EventFactory,
    RelatedEventFactory,
    StoryFactory,
    image_file,
)

pytestmark = pytest.mark.django_db

IN_AN_HOUR = dt.timedelta(hours=1)


def test_a_journalist_submits_a_draft_and_the_revision_says_who_and_why(journalist, ready_event):
    workflow.submit(ready_event, by=journalist)

    ready_event.refresh_from_db()
    assert ready_event.status == Status.IN_REVIEW
    assert ready_event.modified_by == journalist
    version = Version.objects.get_for_object(ready_event).first()
    assert version.revision.user == journalist
    assert version.revision.get_comment() == "Submitted for review."


def test_an_editor_requests_changes_with_a_note_the_author_sees(editor, ready_event):
    ready_event.status = Status.IN_REVIEW
    ready_event.save()

    workflow.request_changes(ready_event, by=editor, note="Name the second source.")

    ready_event.refresh_from_db()
    assert (ready_event.status, ready_event.review_note) == (
        Status.DRAFT,
        "Name the second source.",
    )
    comment = Version.objects.get_for_object(ready_event).first().revision.get_comment()
    assert comment == "Changes requested: Name the second source."


def test_requesting_changes_needs_a_note(editor, ready_event):
    ready_event.status = Status.IN_REVIEW
    ready_event.save()

    with pytest.raises(workflow.TransitionRefused, match="Say what should change"):
        workflow.request_changes(ready_event, by=editor, note="  ")

    ready_event.refresh_from_db()
    assert ready_event.status == Status.IN_REVIEW


def test_an_editor_publishes_now_and_readers_see_it(editor, ready_event):
    ready_event.review_note = "Old note"
    ready_event.save()

    workflow.publish(ready_event, by=editor)

    ready_event.refresh_from_db()
    assert ready_event.status == Status.PUBLISHED
    assert ready_event.publish_at <= timezone.now()
    assert ready_event.first_published_at == ready_event.publish_at
    assert ready_event.review_note == ""
    assert list(Event.objects.published()) == [ready_event]
    assert ready_event.is_published


def test_a_scheduled_event_appears_at_its_time_with_no_worker(editor, ready_event):
    at = timezone.now() + IN_AN_HOUR

    workflow.schedule(ready_event, by=editor, at=at)

    ready_event.refresh_from_db()
    assert ready_event.is_scheduled and not ready_event.is_published
    assert not Event.objects.published().exists()
    with time_machine.travel(at + dt.timedelta(seconds=1)):
        assert list(Event.objects.published()) == [ready_event]
        assert Event.objects.get().is_published


@pytest.mark.parametrize("offset", [dt.timedelta(0), -IN_AN_HOUR])
def test_scheduling_needs_a_future_time(editor, ready_event, offset):
    with pytest.raises(workflow.TransitionRefused, match="must be in the future"):
        workflow.schedule(ready_event, by=editor, at=timezone.now() + offset)
    ready_event.refresh_from_db()
    assert ready_event.status == Status.DRAFT


def test_a_scheduled_item_can_be_published_now_or_unpublished(editor, ready_event):
    workflow.schedule(ready_event, by=editor, at=timezone.now() + IN_AN_HOUR)
    workflow.publish(ready_event, by=editor)
    assert ready_event.is_published

    workflow.unpublish(ready_event, by=editor)

    ready_event.refresh_from_db()
    assert ready_event.status == Status.UNPUBLISHED
    assert not Event.objects.published().exists()


def test_a_schedule_that_never_came_to_pass_is_not_the_first_publication(editor, ready_event):
    workflow.schedule(ready_event, by=editor, at=timezone.now() + IN_AN_HOUR)
    before = timezone.now()

    workflow.publish(ready_event, by=editor)

    ready_event.refresh_from_db()
    assert before <= ready_event.first_published_at == ready_event.publish_at <= timezone.now()


def test_republishing_keeps_the_first_publication_time(editor, ready_event):
    workflow.publish(ready_event, by=editor)
    first = ready_event.first_published_at
    workflow.unpublish(ready_event, by=editor)
    workflow.back_to_draft(ready_event, by=editor)

    workflow.publish(ready_event, by=editor)

    assert ready_event.first_published_at == first
    assert ready_event.last_published_at >= first


@pytest.mark.parametrize("name", [workflow.PUBLISH, workflow.SCHEDULE, workflow.UNPUBLISH])
def test_a_journalist_can_never_publish_schedule_or_unpublish(journalist, ready_event, name):
    if name == workflow.UNPUBLISH:
        Event.objects.filter(pk=ready_event.pk).update(
            status=Status.PUBLISHED, publish_at=timezone.now()
        )
        ready_event.refresh_from_db()
    kwargs = {"at": timezone.now() + IN_AN_HOUR} if name == workflow.SCHEDULE else {}
    before = Event.objects.values("status", "publish_at").get()

    with pytest.raises(PermissionDenied, match="Only editors"):
        workflow.run(name, ready_event, by=journalist, **kwargs)

    assert Event.objects.values("status", "publish_at").get() == before


def test_a_journalist_cannot_request_changes_or_correct(journalist, ready_event):
    ready_event.status = Status.IN_REVIEW
    ready_event.save()
    with pytest.raises(PermissionDenied):
        workflow.request_changes(ready_event, by=journalist, note="Looks good to me")
    with pytest.raises(PermissionDenied):
        workflow.correct(ready_event, by=journalist, text="Wrong date")


def test_a_user_without_a_role_cannot_even_submit(ready_event):
    from tests.factories import UserFactory

    with pytest.raises(PermissionDenied):
        workflow.submit(ready_event, by=UserFactory(username="visitor"))


@pytest.mark.parametrize(
    ("status", "name"),
    [
        (Status.IN_REVIEW, workflow.SUBMIT),
        (Status.PUBLISHED, workflow.SUBMIT),
        (Status.DRAFT, workflow.REQUEST_CHANGES),
        (Status.DRAFT, workflow.UNPUBLISH),
        (Status.UNPUBLISHED, workflow.UNPUBLISH),
        (Status.DRAFT, workflow.BACK_TO_DRAFT),
        (Status.PUBLISHED, workflow.BACK_TO_DRAFT),
        (Status.PUBLISHED, workflow.PUBLISH),
        (Status.DRAFT, workflow.CORRECT),
    ],
)
def test_each_transition_is_refused_from_the_wrong_state(editor, ready_event, status, name):
    Event.objects.filter(pk=ready_event.pk).update(
        status=status, publish_at=timezone.now() if status == Status.PUBLISHED else None
    )
    ready_event.refresh_from_db()
    kwargs = {"note": "x"} if name == workflow.REQUEST_CHANGES else {}
    kwargs = {"text": "x"} if name == workflow.CORRECT else kwargs

    with pytest.raises(workflow.TransitionRefused, match="not possible from there"):
        workflow.run(name, ready_event, by=editor, **kwargs)

    ready_event.refresh_from_db()
    assert ready_event.status == status


def test_a_stale_expected_version_is_refused(editor, ready_event):
    loaded = ready_event.version
    ready_event.headline = "Changed meanwhile"
    ready_event.save()

    with pytest.raises(workflow.TransitionRefused, match="changed by someone else"):
        workflow.publish(ready_event, by=editor, expected_version=loaded)


def test_available_transitions_follow_role_and_state(journalist, editor, ready_event):
    names = lambda user: [t.name for t in workflow.available(user, ready_event)]  # noqa: E731
    assert names(journalist) == ["submit"]
    assert names(editor) == ["submit", "publish", "schedule"]
    workflow.submit(ready_event, by=journalist)
    assert names(journalist) == ["back_to_draft"]
    assert names(editor) == ["request_changes", "publish", "schedule", "back_to_draft"]
    workflow.publish(ready_event, by=editor)
    assert names(journalist) == []
    assert names(editor) == ["unpublish"]


def test_journalists_may_not_edit_published_items(journalist, editor, ready_event):
    assert workflow.can_edit(journalist, ready_event)
    workflow.schedule(ready_event, by=editor, at=timezone.now() + IN_AN_HOUR)
    assert not workflow.can_edit(journalist, ready_event)
    assert workflow.can_edit(editor, ready_event)


# Validation at publish time -------------------------------------------------------------------


def test_a_draft_may_be_incomplete_but_publishing_lists_everything_missing(editor):
    event = EventFactory(headline=" ", cover_image=image_file(), cover_image_alt="A square")
    RelatedEventFactory(from_event=event, to_event=EventFactory(headline="Curfew declared"))
    event.related_stories.add(StoryFactory(headline="Background: the north"))

    with pytest.raises(workflow.TransitionRefused) as refusal:
        workflow.publish(event, by=editor)

    assert refusal.value.messages == [
        "Write a headline.",
        "Credit the cover image: say who made the picture.",
        "Related item “Curfew declared” is not published by then; "
        "publish it first or remove the link.",
        "Related item “Background: the north” is not published by then; "
        "publish it first or remove the link.",
        "Cite at least one source.",
    ]
    event.refresh_from_db()
    assert event.status == Status.DRAFT


def test_scheduling_checks_the_same_rules(editor):
    event = EventFactory()
    with pytest.raises(workflow.TransitionRefused, match="Cite at least one source"):
        workflow.schedule(event, by=editor, at=timezone.now() + IN_AN_HOUR)


def test_a_story_needs_a_credit_for_its_lead_image_and_published_related_stories(editor):
    story = StoryFactory(lead_image=image_file(), lead_image_alt="A crowd")
    other = StoryFactory(headline="Earlier report")
    story.related_stories.add(other)
    assert story.publish_problems() == [
        "Credit the lead image: say who made the picture.",
        "Related item “Earlier report” is not published by then; "
        "publish it first or remove the link.",
    ]

    story.lead_image_credit = "Jane Doe / AP"
    story.save()
    workflow.publish(other, by=editor)

    assert story.publish_problems() == []
    workflow.publish(story, by=editor)
    assert Story.objects.published().filter(pk=story.pk).exists()


def test_a_related_event_that_is_only_scheduled_does_not_count_as_published(editor, ready_event):
    later = EventFactory(headline="Vote count")
    EventCitationFactory(item=later)
    workflow.schedule(later, by=editor, at=timezone.now() + IN_AN_HOUR)
    RelatedEventFactory(from_event=ready_event, to_event=later)

    assert ready_event.publish_problems() == [
        "Related item “Vote count” is not published by then; publish it first or remove the link."
    ]


def test_an_event_may_be_scheduled_after_its_scheduled_related_event(editor, ready_event):
    later = EventFactory(headline="Vote count")
    EventCitationFactory(item=later)
    at = timezone.now() + IN_AN_HOUR
    workflow.schedule(later, by=editor, at=at)
    RelatedEventFactory(from_event=ready_event, to_event=later)

    with pytest.raises(workflow.TransitionRefused, match="Vote count"):
        workflow.schedule(ready_event, by=editor, at=at - dt.timedelta(minutes=5))
    workflow.schedule(ready_event, by=editor, at=at + dt.timedelta(minutes=5))

    assert ready_event.is_scheduled


def test_an_event_with_a_citation_and_published_relations_is_ready(editor, ready_event):
    other = EventFactory(published=True)
    RelatedEventFactory(from_event=ready_event, to_event=other)
    ready_event.related_stories.add(StoryFactory(published=True))

    assert ready_event.publish_problems() == []


# Corrections ----------------------------------------------------------------------------------


def test_an_editor_appends_a_dated_correction_that_bumps_the_modified_dates(editor, ready_event):
    workflow.publish(ready_event, by=editor)
    before = Event.objects.values("last_published_at", "modified_at").get()

    with time_machine.travel(timezone.now() + IN_AN_HOUR, tick=False):
        correction = workflow.correct(ready_event, by=editor, text="The square was Ala-Too.")
        now = timezone.now()

    ready_event.refresh_from_db()
    assert (correction.event, correction.created_by, correction.published_at) == (
        ready_event,
        editor,
        now,
    )
    assert ready_event.last_published_at == now > before["last_published_at"]
    assert ready_event.modified_at == now > before["modified_at"]
    revision = Version.objects.get_for_object(ready_event).first().revision
    assert revision.get_comment() == "Correction: The square was Ala-Too."
    assert revision.version_set.filter(object_id=str(correction.pk)).exists()


def test_a_story_correction_goes_to_the_story(editor, ready_story):
    workflow.publish(ready_story, by=editor)
    correction = workflow.correct(ready_story, by=editor, text="Misspelt name.")
    assert list(ready_story.corrections.all()) == [correction]


def test_a_correction_needs_text_and_a_live_item(editor, ready_event):
    with pytest.raises(workflow.TransitionRefused):
        workflow.correct(ready_event, by=editor, text="Too early")
    workflow.publish(ready_event, by=editor)
    with pytest.raises(workflow.TransitionRefused, match="Write the correction"):
        workflow.correct(ready_event, by=editor, text="")
    assert not ready_event.corrections.exists()
