"""`manage.py publish`: the same transitions from the shell, refused to journalists."""

import datetime as dt

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from events.models import Event
from newsroom.models import Status, Story
from tests.factories import EventFactory, StoryFactory

pytestmark = pytest.mark.django_db


def test_an_editor_publishes_an_event_from_the_shell(editor, ready_event, capsys):
    call_command("publish", "events.event", str(ready_event.pk), "--user", "ed")

    assert Event.objects.published().get() == ready_event
    assert "Publish now: done" in capsys.readouterr().out


def test_an_editor_schedules_a_story_from_the_shell(editor):
    story = StoryFactory()
    at = timezone.localtime() + dt.timedelta(days=1)

    call_command("publish", "newsroom.story", str(story.pk), "--user", "ed", "--at", at.isoformat())

    story.refresh_from_db()
    assert story.is_scheduled


@pytest.mark.parametrize("action", ["publish", "schedule", "unpublish"])
def test_a_journalist_cannot_publish_from_the_shell(journalist, ready_event, action):
    extra = ["--at", (timezone.localtime() + dt.timedelta(days=1)).isoformat()]
    with pytest.raises(CommandError, match="Only editors"):
        call_command(
            "publish",
            "events.event",
            str(ready_event.pk),
            "--user",
            "jo",
            "--action",
            action,
            *(extra if action == "schedule" else []),
        )
    ready_event.refresh_from_db()
    assert (ready_event.status, ready_event.publish_at) == (Status.DRAFT, None)


def test_the_command_reports_what_is_missing(editor):
    event = EventFactory()
    with pytest.raises(CommandError, match="Cite at least one source"):
        call_command("publish", "events.event", str(event.pk), "--user", "ed")


def test_a_journalist_submits_from_the_shell(journalist, ready_event):
    call_command(
        "publish", "events.event", str(ready_event.pk), "--user", "jo", "--action", "submit"
    )
    ready_event.refresh_from_db()
    assert ready_event.status == Status.IN_REVIEW


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["auth.user", "1", "--user", "ed"], "does not go through the desk"),
        (["nowhere.thing", "1", "--user", "ed"], "No model"),
        (["events.event", "999999", "--user", "ed"], "No event with id"),
        (["events.event", "1", "--user", "nobody"], "No active user"),
        (["newsroom.story", "1", "--user", "ed", "--at", "soon"], "Cannot read the time"),
    ],
)
def test_bad_arguments_are_explained(editor, args, message):
    StoryFactory(pk=1)
    EventFactory(pk=1)
    with pytest.raises(CommandError, match=message):
        call_command("publish", *args)
    assert not Story.objects.published().exists()
