"""Revisions (django-reversion): every save keeps a version with who and why; the history page
compares two versions field by field and reverts; deleted items can be recovered."""

import pytest
from django.urls import reverse
from reversion.models import Version

from events.models import Event, EventCitation
from newsroom import workflow
from newsroom.models import Status
from tests.admin_forms import add_row, admin_url, browser_data, form_errors, post
from tests.factories import EventFactory

pytestmark = pytest.mark.django_db


def versions_of(item):
    return list(Version.objects.get_for_object(item).select_related("revision__user"))


def save_form(client, item, **changes):
    url = admin_url(type(item), "change", item.pk)
    data = browser_data(client.get(url))
    data.update(changes)
    response = post(client, url, data)
    assert response.status_code == 302, form_errors(response)
    item.refresh_from_db()


@pytest.fixture
def edited_event(client, journalist):
    """An event added in the admin, then edited twice (three versions)."""
    client.force_login(journalist)
    url = admin_url(Event, "add")
    data = browser_data(client.get(url))
    data.update(date="2010-04-07", headline="Crowds gather in Bishkek", summary="Version one.")
    add_row(data, "citations", url="https://example.org/first")
    assert post(client, url, data).status_code == 302
    event = Event.objects.get()
    save_form(client, event, headline="Crowds storm the building", summary="Version two.")
    save_form(client, event, summary="Version three.")
    return event


def test_every_admin_save_keeps_a_version_with_who_and_why(edited_event, journalist):
    versions = versions_of(edited_event)
    assert len(versions) == 3
    assert {v.revision.user for v in versions} == {journalist}
    assert versions[-1].revision.get_comment().startswith("Added.")
    assert "Changed" in versions[0].revision.get_comment()
    assert versions[0].field_dict["summary"] == "Version three."


def test_a_transition_keeps_a_version_too(edited_event, editor):
    workflow.publish(edited_event, by=editor)
    newest = versions_of(edited_event)[0]
    assert (newest.revision.user, newest.revision.get_comment()) == (editor, "Published.")
    assert newest.field_dict["status"] == Status.PUBLISHED


def test_the_history_page_lists_versions_newest_first_with_compare_choices(client, edited_event):
    response = client.get(admin_url(Event, "history", edited_event.pk))

    assert response.status_code == 200
    html = response.content.decode()
    ids = [v.pk for v in versions_of(edited_event)]
    assert [a["version_id"] for a in response.context["action_list"]] == ids
    assert f'name="b" value="{ids[0]}" aria-label' in html
    assert "Compare selected versions" in html
    assert reverse("admin:events_event_compare", args=[edited_event.pk]) in html


def test_two_versions_are_compared_field_by_field(client, edited_event):
    newest, _, oldest = versions_of(edited_event)
    url = reverse("admin:events_event_compare", args=[edited_event.pk])

    response = client.get(url, {"a": newest.pk, "b": oldest.pk})  # either order

    assert response.status_code == 200
    changed = {row.label: (row.old, row.new) for row in response.context["rows"] if row.changed}
    assert changed["headline"] == ("Crowds gather in Bishkek", "Crowds storm the building")
    assert changed["summary"] == ("Version one.", "Version three.")
    assert "date" not in changed
    html = response.content.decode()
    assert "<del>Version one.</del>" in html
    assert "<ins>Version three.</ins>" in html


def test_comparing_a_version_of_another_item_is_not_found(client, edited_event):
    other = EventFactory()
    import reversion

    with reversion.create_revision():
        other.save()
    foreign = versions_of(other)[0]
    mine = versions_of(edited_event)[0]
    url = reverse("admin:events_event_compare", args=[edited_event.pk])
    assert client.get(url, {"a": mine.pk, "b": foreign.pk}).status_code == 404
    assert client.get(url, {"a": "x", "b": mine.pk}).status_code == 404


def test_reverting_restores_the_text_and_citations_but_not_the_status(client, editor, edited_event):
    oldest = versions_of(edited_event)[-1]
    save_form(client, edited_event, **{"citations-0-url": "https://example.org/replaced"})
    workflow.publish(edited_event, by=editor)
    client.force_login(editor)
    url = reverse("admin:events_event_revision", args=[edited_event.pk, oldest.pk])

    form = client.get(url)
    assert form.status_code == 200
    assert form.context["adminform"].form["headline"].value() == "Crowds gather in Bishkek"
    assert Event.objects.get().headline == "Crowds storm the building"  # the GET changed nothing
    response = post(client, url, browser_data(form))

    assert response.status_code == 302, form_errors(response)
    edited_event.refresh_from_db()
    assert edited_event.headline == "Crowds gather in Bishkek"
    assert edited_event.status == Status.PUBLISHED  # reverting never unpublishes
    assert [c.source.url for c in EventCitation.objects.all()] == ["https://example.org/first"]


def test_reverting_never_takes_back_a_public_correction(client, editor, edited_event):
    workflow.publish(edited_event, by=editor)
    published_version = versions_of(edited_event)[0]
    workflow.correct(edited_event, by=editor, text="The crowd was smaller than we said.")
    client.force_login(editor)
    url = reverse("admin:events_event_revision", args=[edited_event.pk, published_version.pk])

    response = post(client, url, browser_data(client.get(url)))

    assert response.status_code == 302, form_errors(response)
    assert [c.text for c in edited_event.corrections.all()] == [
        "The crowd was smaller than we said."
    ]


def test_reverting_a_draft_never_publishes_it(client, editor, edited_event):
    workflow.publish(edited_event, by=editor)
    published_version = versions_of(edited_event)[0]
    workflow.unpublish(edited_event, by=editor)
    client.force_login(editor)
    url = reverse("admin:events_event_revision", args=[edited_event.pk, published_version.pk])

    post(client, url, browser_data(client.get(url)))

    edited_event.refresh_from_db()
    assert edited_event.status == Status.UNPUBLISHED
    assert not Event.objects.published().exists()


def test_a_journalist_cannot_revert_a_published_item(client, editor, journalist, edited_event):
    oldest = versions_of(edited_event)[-1]
    workflow.publish(edited_event, by=editor)
    client.force_login(journalist)
    url = reverse("admin:events_event_revision", args=[edited_event.pk, oldest.pk])

    assert client.get(url).status_code == 403
    assert client.post(url, {"headline": "x"}).status_code == 403
    edited_event.refresh_from_db()
    assert edited_event.headline == "Crowds storm the building"


def test_a_deleted_event_is_recovered_as_a_draft(client, editor, edited_event):
    workflow.publish(edited_event, by=editor)
    client.force_login(editor)
    delete_url = admin_url(Event, "delete", edited_event.pk)
    assert client.post(delete_url, {"post": "yes"}).status_code == 302
    assert not Event.objects.exists()

    listing = client.get(reverse("admin:events_event_recoverlist"))
    assert listing.status_code == 200
    assert "Crowds storm the building" in listing.content.decode()
    deleted = Version.objects.get_deleted(Event).first()
    url = reverse("admin:events_event_recover", args=[deleted.pk])
    response = post(client, url, browser_data(client.get(url)))

    assert response.status_code == 302, form_errors(response)
    recovered = Event.objects.get()
    assert recovered.headline == "Crowds storm the building"
    assert recovered.status == Status.DRAFT  # comes back as a draft, not straight to readers
    assert recovered.citations.count() == 1
    assert not Event.objects.published().exists()


@pytest.mark.parametrize("model", ["event", "story"])
def test_the_change_list_links_to_recovering_deleted_items(client, editor, model):
    app = "events" if model == "event" else "newsroom"
    changelist = reverse(f"admin:{app}_{model}_changelist")
    client.force_login(editor)
    page = client.get(changelist).content.decode()
    assert reverse(f"admin:{app}_{model}_recoverlist") in page
    assert reverse(f"admin:{app}_{model}_import") in page
