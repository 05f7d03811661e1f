"""Every path of the workflow in the admin: the change form's buttons, the list's bulk actions,
corrections, and each way a journalist might try to publish (all refused)."""

import datetime as dt

import pytest
from django.contrib.messages import get_messages
from django.utils import timezone

from events.models import Event, EventCorrection
from newsroom.models import Status, Story
from tests.admin_forms import add_row, admin_url, browser_data, form_errors, post
from tests.factories import EventCitationFactory, EventFactory, StoryFactory

pytestmark = pytest.mark.django_db


def change_url(item) -> str:
    return admin_url(type(item), "change", item.pk)


def press(client, item, transition: str, **extra):
    """Open the change form and press a workflow button, touching nothing else."""
    url = change_url(item)
    data = browser_data(client.get(url))
    data.update(_transition=transition, **extra)
    return post(client, url, data, follow=True)


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def status_of(item) -> str:
    return type(item).objects.values_list("status", flat=True).get(pk=item.pk)


def publish_in_db(item, *, at=None):
    """Published a minute ago (or scheduled for `at`), set directly as a fixture."""
    at = at or timezone.now() - dt.timedelta(minutes=1)
    type(item).objects.filter(pk=item.pk).update(
        status=Status.PUBLISHED, publish_at=at, first_published_at=at, last_published_at=at
    )
    item.refresh_from_db()
    return item


# The change form's buttons -------------------------------------------------------------------


def test_a_journalist_sees_only_the_submit_button_on_a_draft(client, journalist, ready_event):
    client.force_login(journalist)
    html = client.get(change_url(ready_event)).content.decode()
    assert 'name="_transition" value="submit"' in html
    for forbidden in ("publish", "schedule", "unpublish", "request_changes"):
        assert f'name="_transition" value="{forbidden}"' not in html


def test_an_editor_sees_publish_and_schedule_buttons(client, editor, ready_event):
    client.force_login(editor)
    html = client.get(change_url(ready_event)).content.decode()
    for name in ("submit", "publish", "schedule"):
        assert f'name="_transition" value="{name}"' in html


def test_a_journalist_submits_from_the_form_saving_their_edits_first(
    client, journalist, ready_event
):
    client.force_login(journalist)

    response = press(client, ready_event, "submit", headline="Crowds storm the building")

    ready_event.refresh_from_db()
    assert (ready_event.status, ready_event.headline) == (
        Status.IN_REVIEW,
        "Crowds storm the building",
    )
    assert "“Crowds storm the building” submitted for review." in messages_of(response)


def test_a_journalist_adds_and_submits_a_story_in_one_go(client, journalist):
    client.force_login(journalist)
    url = admin_url(Story, "add")
    data = browser_data(client.get(url))
    assert 'value="submit"' in client.get(url).content.decode()
    data.update(headline="Markets reopen in Bishkek", slug="markets-reopen", _transition="submit")

    response = post(client, url, data)

    assert response.status_code == 302, form_errors(response)
    assert Story.objects.get().status == Status.IN_REVIEW


def test_the_editors_note_reaches_the_author(client, editor, journalist, ready_event):
    ready_event.status = Status.IN_REVIEW
    ready_event.save()
    client.force_login(editor)

    press(client, ready_event, "request_changes", _review_note="Add a second source, please.")

    assert status_of(ready_event) == Status.DRAFT
    client.force_login(journalist)
    html = client.get(change_url(ready_event)).content.decode()
    assert "The editor asked for changes" in html
    assert "Add a second source, please." in html


def test_requesting_changes_without_a_note_is_refused(client, editor, ready_event):
    ready_event.status = Status.IN_REVIEW
    ready_event.save()
    client.force_login(editor)

    response = press(client, ready_event, "request_changes", _review_note="")

    assert status_of(ready_event) == Status.IN_REVIEW
    assert any("Say what should change" in m for m in messages_of(response))


def test_an_editor_publishes_from_the_form(client, editor, ready_event):
    client.force_login(editor)

    response = press(client, ready_event, "publish")

    assert Event.objects.published().get() == ready_event
    assert f"“{ready_event.headline}” published." in messages_of(response)


def test_publishing_an_incomplete_event_says_what_is_missing(client, editor):
    event = EventFactory()
    client.force_login(editor)

    response = press(client, event, "publish", summary="Edited before trying to publish.")

    event.refresh_from_db()
    assert event.status == Status.DRAFT
    assert event.summary == "Edited before trying to publish."  # the save itself is kept
    assert messages_of(response) == ["Saved, but not “Publish now”: Cite at least one source."]


def test_the_form_lists_what_stops_a_draft_going_live(client, journalist):
    event = EventFactory()
    client.force_login(journalist)
    html = client.get(change_url(event)).content.decode()
    assert "Before this can go live" in html
    assert "Cite at least one source." in html


def test_an_editor_schedules_from_the_form(client, editor, ready_event):
    client.force_login(editor)
    at = timezone.localtime() + dt.timedelta(days=1)

    press(client, ready_event, "schedule", _publish_at=at.strftime("%Y-%m-%dT%H:%M"))

    ready_event.refresh_from_db()
    assert ready_event.is_scheduled
    assert ready_event.publish_at == at.replace(second=0, microsecond=0)


@pytest.mark.parametrize("value", ["", "yesterday", "2001-01-01T10:00"])
def test_scheduling_without_a_future_time_is_refused(client, editor, ready_event, value):
    client.force_login(editor)

    response = press(client, ready_event, "schedule", _publish_at=value)

    assert status_of(ready_event) == Status.DRAFT
    assert any(m.startswith("Saved, but not “Schedule”") for m in messages_of(response))


def test_an_editor_unpublishes_and_sends_back_to_draft(client, editor, ready_event):
    publish_in_db(ready_event)
    client.force_login(editor)

    press(client, ready_event, "unpublish")
    assert status_of(ready_event) == Status.UNPUBLISHED
    press(client, ready_event, "back_to_draft")
    assert status_of(ready_event) == Status.DRAFT


def test_an_unknown_transition_is_refused(client, editor, ready_event):
    client.force_login(editor)
    assert press(client, ready_event, "correct").status_code == 403
    assert press(client, ready_event, "explode").status_code == 403


# A journalist cannot publish through any path -------------------------------------------------


@pytest.mark.parametrize("transition", ["publish", "schedule"])
def test_a_journalist_pressing_a_hidden_publish_button_changes_nothing_for_readers(
    client, journalist, ready_event, transition
):
    client.force_login(journalist)
    tomorrow = (timezone.localtime() + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")

    response = press(client, ready_event, transition, _publish_at=tomorrow)

    ready_event.refresh_from_db()
    assert (ready_event.status, ready_event.publish_at) == (Status.DRAFT, None)
    assert any("Only editors can publish" in m for m in messages_of(response))


def test_a_journalist_cannot_publish_by_editing_status_in_the_post(client, journalist):
    story = StoryFactory()
    client.force_login(journalist)
    url = change_url(story)
    data = browser_data(client.get(url))
    data.update(
        status="published",
        publish_at="2010-04-07 10:00:00",
        first_published_at="2010-04-07 10:00:00",
        review_note="",
    )

    assert post(client, url, data).status_code == 302

    story.refresh_from_db()
    assert (story.status, story.publish_at, story.first_published_at) == (
        Status.DRAFT,
        None,
        None,
    )


@pytest.mark.parametrize("scheduled", [False, True])
def test_a_published_item_is_read_only_to_a_journalist(client, journalist, ready_event, scheduled):
    at = timezone.now() + dt.timedelta(hours=3) if scheduled else None
    publish_in_db(ready_event, at=at)
    client.force_login(journalist)
    url = change_url(ready_event)

    page = client.get(url)

    assert page.status_code == 200
    assert not page.context["has_change_permission"]
    assert 'name="_save"' not in page.content.decode()
    assert 'name="_transition"' not in page.content.decode()
    data = {
        "headline": "Rewritten by a journalist",
        "date": "2010-04-07",
        "loaded_version": str(ready_event.version),
    }
    assert client.post(url, data).status_code == 403
    ready_event.refresh_from_db()
    assert ready_event.headline != "Rewritten by a journalist"


def test_an_editor_edits_a_live_item_and_it_goes_live_at_once(client, editor, ready_event):
    publish_in_db(ready_event)
    before = ready_event.last_published_at
    client.force_login(editor)
    url = change_url(ready_event)
    data = browser_data(client.get(url))
    data["headline"] = "Updated headline"

    assert post(client, url, data).status_code == 302

    ready_event.refresh_from_db()
    assert ready_event.headline == "Updated headline"
    assert ready_event.last_published_at > before


# Bulk actions --------------------------------------------------------------------------------


def bulk(client, model, action: str, items, **extra):
    return client.post(
        admin_url(model, "changelist"),
        {"action": action, "_selected_action": [i.pk for i in items], **extra},
        follow=True,
    )


def test_an_editor_publishes_several_events_and_learns_why_one_was_refused(client, editor):
    ready = EventFactory.create_batch(2)
    for event in ready:
        EventCitationFactory(item=event)
    uncited = EventFactory(headline="No sources yet")
    client.force_login(editor)

    response = bulk(client, Event, "publish_selected", [*ready, uncited])

    assert set(Event.objects.published()) == set(ready)
    assert messages_of(response) == [
        "Publish now: done for 2 events.",
        "Publish now: not done for “No sources yet”: Cite at least one source.",
    ]


def test_an_editor_schedules_several_stories(client, editor):
    stories = StoryFactory.create_batch(2)
    client.force_login(editor)
    at = timezone.localtime() + dt.timedelta(hours=5)

    bulk(client, Story, "schedule_selected", stories, publish_at=at.strftime("%Y-%m-%dT%H:%M"))

    assert all(s.is_scheduled for s in Story.objects.all())


def test_bulk_scheduling_without_a_time_does_nothing(client, editor):
    story = StoryFactory()
    client.force_login(editor)
    response = bulk(client, Story, "schedule_selected", [story])
    assert status_of(story) == Status.DRAFT
    assert "Give the time to schedule for in “Go live at”." in messages_of(response)


def test_a_journalist_submits_several_drafts_from_the_list(client, journalist):
    drafts = EventFactory.create_batch(3)
    client.force_login(journalist)

    bulk(client, Event, "submit_selected", drafts)

    assert set(Event.objects.values_list("status", flat=True)) == {Status.IN_REVIEW}


def test_the_list_offers_a_journalist_no_publishing_action(client, journalist):
    client.force_login(journalist)
    form = client.get(admin_url(Event, "changelist")).context["action_form"]
    names = [name for name, _ in form.fields["action"].choices if name]
    assert names == ["submit_selected", "back_to_draft_selected"]


@pytest.mark.parametrize("action", ["publish_selected", "schedule_selected", "unpublish_selected"])
def test_a_journalist_posting_a_publishing_action_changes_nothing(
    client, journalist, ready_event, action
):
    live = publish_in_db(EventFactory())
    client.force_login(journalist)
    tomorrow = (timezone.localtime() + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")

    response = bulk(client, Event, action, [ready_event, live], publish_at=tomorrow)

    assert response.status_code == 200
    assert status_of(ready_event) == Status.DRAFT
    assert status_of(live) == Status.PUBLISHED
    assert "No action selected." in messages_of(response)


def test_a_bulk_action_from_the_wrong_state_is_refused_item_by_item(client, editor):
    live = publish_in_db(EventFactory(headline="Already out"))
    client.force_login(editor)

    response = bulk(client, Event, "submit_selected", [live])

    assert status_of(live) == Status.PUBLISHED
    assert messages_of(response) == [
        "Submit for review: not done for “Already out”: “Already out” is published: "
        "“Submit for review” is not possible from there."
    ]


# Corrections ---------------------------------------------------------------------------------


def correction_row(data, text="An earlier version named the wrong square."):
    add_row(data, "corrections", published_at_0="2010-04-08", published_at_1="09:30:00", text=text)


def test_an_editor_appends_a_correction_to_a_live_event(client, editor, ready_event):
    publish_in_db(ready_event)
    before = ready_event.last_published_at
    client.force_login(editor)
    url = change_url(ready_event)
    data = browser_data(client.get(url))
    correction_row(data)

    response = post(client, url, data)

    assert response.status_code == 302, form_errors(response)
    correction = EventCorrection.objects.get()
    assert (correction.event, correction.created_by, correction.text) == (
        ready_event,
        editor,
        "An earlier version named the wrong square.",
    )
    assert timezone.localtime(correction.published_at).date() == dt.date(2010, 4, 8)
    ready_event.refresh_from_db()
    assert ready_event.last_published_at > before


def test_a_journalist_sees_the_corrections_of_a_published_event_read_only(
    client, editor, journalist, ready_event
):
    from newsroom import workflow

    publish_in_db(ready_event)
    workflow.correct(ready_event, by=editor, text="The vote was on Sunday.")
    client.force_login(journalist)

    page = client.get(change_url(ready_event))

    groups = {i.formset.prefix: i for i in page.context["inline_admin_formsets"]}
    assert not groups["corrections"].has_add_permission
    assert not groups["corrections"].has_change_permission
    assert "The vote was on Sunday." in page.content.decode()


def test_corrections_are_append_only(client, editor, ready_event):
    publish_in_db(ready_event)
    client.force_login(editor)
    from newsroom import workflow

    workflow.correct(ready_event, by=editor, text="First correction.")
    url = change_url(ready_event)
    data = browser_data(client.get(url))
    data.update({"corrections-0-text": "Rewritten", "corrections-0-DELETE": "on"})

    assert post(client, url, data).status_code == 302

    assert list(EventCorrection.objects.values_list("text", flat=True)) == ["First correction."]


def test_no_correction_on_a_draft_nor_by_a_journalist(client, editor, journalist, ready_event):
    client.force_login(editor)
    page = client.get(change_url(ready_event))
    groups = {i.formset.prefix for i in page.context["inline_admin_formsets"]}
    assert "corrections" not in groups  # nothing to show, nothing may be added on a draft
    data = browser_data(page)
    data.update(
        {
            "corrections-TOTAL_FORMS": "1",
            "corrections-0-text": "Sneaked in",
            "corrections-0-published_at_0": "2010-04-08",
            "corrections-0-published_at_1": "09:30:00",
        }
    )
    post(client, change_url(ready_event), data)
    assert not EventCorrection.objects.exists()

    publish_in_db(ready_event)
    client.force_login(journalist)
    page = client.get(change_url(ready_event))
    groups = {i.formset.prefix for i in page.context["inline_admin_formsets"]}
    assert "corrections" not in groups
    data["loaded_version"] = str(ready_event.version)
    assert post(client, change_url(ready_event), data).status_code == 403
    assert not EventCorrection.objects.exists()


# A live item stays publishable when an editor edits it ------------------------------------------


def test_an_editor_cannot_remove_the_last_citation_of_a_live_event(client, editor, ready_event):
    publish_in_db(ready_event)
    client.force_login(editor)
    url = change_url(ready_event)
    data = browser_data(client.get(url))
    data["citations-0-DELETE"] = "on"

    response = post(client, url, data)

    assert response.status_code == 200
    assert any("must cite at least one source" in e for e in form_errors(response))
    assert ready_event.citations.count() == 1


def test_a_live_event_cannot_link_a_draft(client, editor, ready_event):
    publish_in_db(ready_event)
    draft = EventFactory(headline="Still a draft")
    draft_story = StoryFactory(headline="Draft story")
    client.force_login(editor)
    url = change_url(ready_event)
    data = browser_data(client.get(url))
    add_row(data, "related_links", to_event=str(draft.pk))
    data["related_stories"] = [str(draft_story.pk)]

    response = post(client, url, data)

    assert response.status_code == 200
    errors = form_errors(response)
    assert "Publish this event first: this one is published." in errors
    assert "Not published by the time this item is: “Draft story”. Publish it first." in errors
    assert not ready_event.related_links.exists()
    assert not ready_event.related_stories.exists()


def test_a_live_event_keeps_the_credit_of_its_cover_image(client, editor, ready_event):
    from tests.factories import image_file

    ready_event.cover_image = image_file()
    ready_event.cover_image_alt = "The square"
    ready_event.cover_image_credit = "Reuters"
    ready_event.save()
    publish_in_db(ready_event)
    client.force_login(editor)
    url = change_url(ready_event)
    data = browser_data(client.get(url))
    data["cover_image_credit"] = ""

    response = post(client, url, data)

    assert response.status_code == 200
    assert "A published picture needs a credit." in form_errors(response)
    ready_event.refresh_from_db()
    assert ready_event.cover_image_credit == "Reuters"


def test_an_event_with_a_stored_cover_image_can_be_edited_again(client, journalist):
    from tests.factories import image_file

    event = EventFactory(cover_image=image_file(), cover_image_alt="A crowd")
    client.force_login(journalist)
    url = change_url(event)
    data = browser_data(client.get(url))
    data["summary"] = "Edited after the picture was stored."

    response = post(client, url, data)

    assert response.status_code == 302, form_errors(response)
    event.refresh_from_db()
    assert event.summary == "Edited after the picture was stored."
    assert event.cover_image.name
