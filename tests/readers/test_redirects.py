"""Old addresses keep working: an item whose slug or date changed answers 301 at the addresses
readers knew, for its page and its Markdown twin, in one hop, and only while readers may see it.
"""

import datetime as dt
from io import StringIO
from urllib.parse import quote

import pytest
from django.core.management import call_command
from django.test import Client, RequestFactory

from events.models import Event
from newsroom import workflow
from newsroom.models import ItemRedirect, Status, Story
from newsroom.redirects import redirect_for
from tests.admin_forms import admin_url, browser_data, form_errors, post
from tests.factories import EventCitationFactory, EventFactory, StoryFactory, invisible_states
from tests.imports.conftest import csv_bytes, import_file

from .conftest import NOW

pytestmark = pytest.mark.django_db

INLINE = "newsroom-itemredirect-content_type-object_id"


@pytest.fixture
def reader():
    return Client()


def live_event(**kwargs) -> Event:
    event = EventFactory(published=True, **kwargs)
    EventCitationFactory(item=event)
    return event


def twin(url: str) -> str:
    return url.removesuffix("/") + ".md"


def desk_change(client, user, item, **changes):
    """Post the item's change form as `user`, with `changes` typed in."""
    client.force_login(user)
    url = admin_url(type(item), "change", item.pk)
    data = browser_data(client.get(url))
    data.update(changes)
    response = post(client, url, data)
    assert response.status_code == 302, form_errors(response)
    client.logout()
    item.refresh_from_db()
    return item


def assert_moved(reader, old: str, new: str) -> None:
    response = reader.get(old)
    assert response.status_code == 301, old
    assert response["Location"] == new
    assert reader.get(new).status_code == 200


def test_an_event_renamed_in_the_desk_leads_readers_from_its_old_page_and_twin(
    client, reader, editor
):
    event = live_event(slug="crowds-gather")
    old = event.get_absolute_url()
    desk_change(client, editor, event, slug="crowds-storm-the-square")

    assert event.get_absolute_url() == "/events/2010/04/07/crowds-storm-the-square/"
    assert_moved(reader, old, event.get_absolute_url())
    assert_moved(reader, twin(old), event.get_twin_url())
    assert reader.get(twin(old)).get("Cache-Control") == "public, max-age=600"


def test_an_event_moved_to_another_day_in_the_desk_leads_readers_there(client, reader, editor):
    event = live_event(slug="the-vote")
    old = event.get_absolute_url()
    desk_change(client, editor, event, date="2010-04-08")

    assert event.get_absolute_url() == "/events/2010/04/08/the-vote/"
    assert_moved(reader, old, event.get_absolute_url())
    assert_moved(reader, twin(old), event.get_twin_url())


def test_a_story_renamed_in_the_desk_leads_readers_to_its_new_address(client, reader, editor):
    story = StoryFactory(published=True, slug="old-words")
    old = story.get_absolute_url()
    desk_change(client, editor, story, slug="new-words")

    assert story.get_absolute_url() == "/stories/2010/04/20/new-words/"
    assert_moved(reader, old, story.get_absolute_url())
    assert reader.get(twin(old)).status_code == 404  # stories have no Markdown twin


def test_a_story_published_again_on_another_day_keeps_its_first_address(clock, reader, editor):
    story = StoryFactory(published=True, slug="the-talks")
    old = story.get_absolute_url()
    workflow.unpublish(story, by=editor)
    clock.move_to(NOW + dt.timedelta(days=3))
    workflow.publish(story, by=editor)

    assert story.get_absolute_url() == "/stories/2010/04/23/the-talks/"
    assert ItemRedirect.objects.get().old_path == old
    assert_moved(reader, old, story.get_absolute_url())


def test_a_spreadsheet_that_publishes_a_story_again_keeps_its_old_address(clock, reader, editor):
    story = StoryFactory(published=True, slug="the-talks", headline="The talks")
    old = story.get_absolute_url()
    workflow.unpublish(story, by=editor)
    clock.move_to(NOW + dt.timedelta(days=2))

    record = import_file(
        csv_bytes([["slug", "headline"], ["the-talks", "The talks"]]),
        "stories",
        user=editor,
        publish=True,
    )

    assert record.state == record.State.IMPORTED, record.errors
    story.refresh_from_db()
    assert story.get_absolute_url() == "/stories/2010/04/22/the-talks/"
    assert_moved(reader, old, story.get_absolute_url())


def test_an_address_no_reader_saw_is_not_kept(client, editor):
    draft = EventFactory(slug="first-try")
    EventCitationFactory(item=draft)
    desk_change(client, editor, draft, slug="second-try")

    assert not ItemRedirect.objects.exists()


def test_two_renames_lead_from_both_old_addresses_in_one_hop(client, reader, editor):
    event = live_event(slug="first")
    first = event.get_absolute_url()
    desk_change(client, editor, event, slug="second")
    second = event.get_absolute_url()
    desk_change(client, editor, event, slug="third")

    for old in (first, second):
        assert_moved(reader, old, event.get_absolute_url())
        assert_moved(reader, twin(old), event.get_twin_url())


def test_moving_back_to_an_old_address_leaves_no_redirect_on_it(client, reader, editor):
    event = live_event(slug="first")
    first = event.get_absolute_url()
    desk_change(client, editor, event, slug="second")
    second = event.get_absolute_url()
    desk_change(client, editor, event, slug="first")

    assert list(ItemRedirect.objects.values_list("old_path", flat=True)) == [second]
    assert reader.get(first).status_code == 200
    assert_moved(reader, second, first)


@pytest.mark.parametrize("state", invisible_states(NOW))
def test_an_old_address_of_an_item_readers_may_not_see_answers_404(client, reader, editor, state):
    event = live_event(slug="before")
    story = StoryFactory(published=True, slug="before")
    old_event, old_story = event.get_absolute_url(), story.get_absolute_url()
    desk_change(client, editor, event, slug="after")
    desk_change(client, editor, story, slug="after")
    Event.objects.filter(pk=event.pk).update(**state)
    Story.objects.filter(pk=story.pk).update(**state)

    for old in (old_event, twin(old_event), old_story):
        assert reader.get(old).status_code == 404, old


def test_a_new_item_at_an_old_address_wins(client, reader, editor):
    event = live_event(slug="the-vote")
    old = event.get_absolute_url()
    desk_change(client, editor, event, slug="the-first-vote")
    newcomer = live_event(slug="the-vote", headline="A second vote is called")

    page = reader.get(old)
    assert page.status_code == 200
    assert "A second vote is called" in page.content.decode()
    assert reader.get(twin(old)).status_code == 200
    # Hidden again, the newcomer gives the address back to the item that left it.
    workflow.unpublish(newcomer, by=editor)
    assert_moved(reader, old, event.get_absolute_url())


def test_a_page_cached_at_the_old_address_is_not_served_after_the_move(client, reader, editor):
    event = live_event(slug="cached")
    old = event.get_absolute_url()
    assert reader.get(old).status_code == 200
    assert reader.get(old)["X-Page-Cache"] == "hit"
    desk_change(client, editor, event, slug="moved")

    assert_moved(reader, old, event.get_absolute_url())
    assert reader.get(old).status_code == 301  # a redirect is never stored as a page


def test_the_location_of_a_renamed_item_in_another_script_is_percent_encoded(
    client, reader, editor
):
    event = live_event(slug="рынок")
    old = event.get_absolute_url()
    desk_change(client, editor, event, slug="ош-рынок-снова-открыт")

    response = reader.get(old)
    assert response.status_code == 301
    assert response["Location"] == quote("/events/2010/04/07/ош-рынок-снова-открыт/")
    assert response["Location"] == event.get_absolute_url()
    assert_moved(reader, quote(twin("/events/2010/04/07/рынок/")), event.get_twin_url())


def test_the_query_string_comes_along(client, reader, editor):
    event = live_event(slug="before")
    old = event.get_absolute_url()
    desk_change(client, editor, event, slug="after")

    assert reader.get(old, {"utm_source": "feed"})["Location"] == (
        "/events/2010/04/07/after/?utm_source=feed"
    )


def test_a_revert_in_the_desk_keeps_the_address_it_leaves(client, reader, editor):
    event = live_event(slug="first")
    first = event.get_absolute_url()
    desk_change(client, editor, event)  # a version to go back to
    desk_change(client, editor, event, slug="second")
    second = event.get_absolute_url()
    version = event_version(event, slug="first")

    client.force_login(editor)
    url = admin_url(Event, "revision", event.pk, version.pk)
    response = post(client, url, browser_data(client.get(url)))
    assert response.status_code == 302, form_errors(response)
    event.refresh_from_db()

    assert event.get_absolute_url() == first
    assert_moved(reader, second, first)


def event_version(event: Event, **fields):
    from reversion.models import Version

    for version in Version.objects.get_for_object(event):
        if all(version.field_dict[name] == value for name, value in fields.items()):
            return version
    raise AssertionError(f"no version with {fields}")


def test_an_editor_sees_and_deletes_an_items_old_address_in_the_desk(client, reader, editor):
    event = live_event(slug="before")
    old = event.get_absolute_url()
    desk_change(client, editor, event, slug="after")

    client.force_login(editor)
    url = admin_url(Event, "change", event.pk)
    page = client.get(url)
    assert old in page.content.decode()
    data = browser_data(page)
    assert data[f"{INLINE}-TOTAL_FORMS"] == "1"
    data[f"{INLINE}-0-DELETE"] = "on"
    response = post(client, url, data)

    assert response.status_code == 302, form_errors(response)
    assert not ItemRedirect.objects.exists()
    assert reader.get(old).status_code == 404


def test_a_journalist_sees_old_addresses_but_cannot_delete_them(client, reader, editor, journalist):
    event = live_event(slug="before")
    old = event.get_absolute_url()
    desk_change(client, editor, event, slug="after")
    workflow.unpublish(event, by=editor)  # a journalist may edit it again
    workflow.back_to_draft(event, by=editor)

    client.force_login(journalist)
    url = admin_url(Event, "change", event.pk)
    page = client.get(url)
    assert old in page.content.decode()
    data = browser_data(page)
    assert f"{INLINE}-0-DELETE" not in data
    data[f"{INLINE}-0-DELETE"] = "on"
    post(client, url, data)

    assert ItemRedirect.objects.get().old_path == old
    event.status = Status.PUBLISHED
    event.save()
    assert_moved(reader, old, event.get_absolute_url())


def test_deleting_an_item_deletes_its_old_addresses(client, editor):
    event = live_event(slug="before")
    desk_change(client, editor, event, slug="after")
    assert ItemRedirect.objects.count() == 1

    event.delete()

    assert not ItemRedirect.objects.exists()


def test_finding_an_old_address_costs_one_query_and_leading_to_the_item_one_more(
    client, editor, django_assert_num_queries
):
    event = live_event(slug="before")
    desk_change(client, editor, event, slug="after")
    requests = RequestFactory()

    with django_assert_num_queries(2):
        assert redirect_for(requests.get("/events/2010/04/07/before/")).status_code == 301
    with django_assert_num_queries(2):
        assert redirect_for(requests.get("/events/2010/04/07/before.md")).status_code == 301
    with django_assert_num_queries(1):
        assert redirect_for(requests.get("/events/2010/04/07/never-was/")) is None
    with django_assert_num_queries(0):
        assert redirect_for(requests.get("/favicon.ico")) is None


def test_an_address_no_slug_can_have_is_not_looked_up(client, django_assert_num_queries):
    """A NUL byte or another control character (which PostgreSQL refuses in a query) and an
    address longer than any stored one answer 404 without a query."""
    requests = RequestFactory()

    for path in ("/events/2010/04/07/a%00b/", "/sections/%1F/", "/events/" + "x" * 500 + "/"):
        with django_assert_num_queries(0):
            assert redirect_for(requests.get(path)) is None
        assert client.get(path).status_code == 404


def test_imports_match_items_by_address_so_a_new_slug_makes_a_new_item(tmp_path, reader, editor):
    event = live_event(slug="the-vote", headline="The vote")
    sheet = csv_bytes([["date", "slug", "headline"], ["2010-04-07", "the-new-vote", "The vote"]])
    assert import_file(sheet, "events", user=editor).state == "imported"
    day = tmp_path / "news" / "2010" / "04" / "7"
    day.mkdir(parents=True)
    (day / "the-vote-again.md").write_text("### [2010-04-7](/news/2010/04/7/index.md)\n\n# Again\n")
    call_command("import_archive", str(tmp_path), stdout=StringIO())

    assert set(Event.objects.values_list("slug", flat=True)) == {
        "the-vote",
        "the-new-vote",
        "the-vote-again",
    }
    assert not ItemRedirect.objects.exists()
    assert reader.get(event.get_absolute_url()).status_code == 200


def test_only_reading_requests_are_redirected(client, reader, editor):
    event = live_event(slug="before")
    old = event.get_absolute_url()
    desk_change(client, editor, event, slug="after")

    assert reader.head(old).status_code == 301
    assert reader.post(old).status_code == 405  # the page reads only; never a redirect
