"""The desk's "View on site" (/admin/r/<content type>/<id>/) never gives away a draft's address.

A live item leads to its public page; an item readers cannot see leads to its preview, for
someone who may view it in the desk, and answers 404 to anyone else.
"""

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone

from events.models import Event
from newsroom import workflow
from newsroom.models import Section
from tests.admin_forms import admin_url
from tests.factories import (
    EntityFactory,
    EventCitationFactory,
    EventFactory,
    SectionFactory,
    StoryFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def view_on_site(obj) -> str:
    content_type = ContentType.objects.get_for_model(obj)
    return reverse("admin:view_on_site", args=[content_type.pk, obj.pk])


@pytest.fixture
def staff_without_permission(db):
    """A staff account given no group and no permission: it may log in to the desk, no more."""
    return UserFactory(username="intern")


@pytest.fixture
def draft(db):
    event = EventFactory(headline="Secret plans", slug="secret-plans", date=dt.date(2010, 4, 7))
    EventCitationFactory(item=event)
    return event


def test_a_staff_user_without_permission_learns_nothing_of_a_draft(
    client, staff_without_permission, draft
):
    client.force_login(staff_without_permission)

    response = client.get(view_on_site(draft))

    assert response.status_code == 404
    assert "secret-plans" not in response.text
    assert "Location" not in response


@pytest.mark.parametrize("item", ["event", "story"])
def test_a_journalist_is_sent_to_the_preview_of_a_draft(client, journalist, draft, item):
    obj = draft if item == "event" else StoryFactory(slug="secret-story")
    client.force_login(journalist)

    response = client.get(view_on_site(obj))

    assert response.status_code == 302
    location = response["Location"]
    assert location.startswith("/preview/")
    assert obj.slug not in location
    client.logout()
    assert client.get(location).status_code == 200


def test_the_change_form_links_to_it_and_it_leads_to_the_preview(client, journalist, draft):
    client.force_login(journalist)
    page = client.get(admin_url(Event, "change", draft.pk))
    assert view_on_site(draft) in page.text

    response = client.get(view_on_site(draft), follow=True)

    assert response.status_code == 200
    assert draft.headline in response.text
    assert response["X-Robots-Tag"].startswith("noindex")


def test_a_scheduled_item_leads_to_its_preview(client, editor, draft):
    workflow.schedule(draft, by=editor, at=timezone.now() + dt.timedelta(days=1))
    client.force_login(editor)

    response = client.get(view_on_site(draft))

    assert response["Location"].startswith("/preview/")


def test_a_live_item_leads_to_its_public_page_for_any_staff_user(
    client, editor, staff_without_permission, draft
):
    workflow.publish(draft, by=editor)
    client.force_login(staff_without_permission)

    response = client.get(view_on_site(draft))

    assert response.status_code == 302
    assert response["Location"] == draft.get_absolute_url()


def test_an_unpublished_item_has_nowhere_to_lead(client, editor, draft):
    workflow.publish(draft, by=editor)
    workflow.unpublish(draft, by=editor)
    client.force_login(editor)

    assert client.get(view_on_site(draft)).status_code == 404


def test_other_records_need_the_permission_to_view_them(client, editor, staff_without_permission):
    section = SectionFactory(slug="world")
    entity = EntityFactory(slug="roza-otunbayeva")
    client.force_login(staff_without_permission)
    assert client.get(view_on_site(section)).status_code == 404
    assert client.get(view_on_site(entity)).status_code == 404

    client.force_login(editor)
    response = client.get(view_on_site(section))
    assert response.status_code == 302
    assert response["Location"].endswith(section.get_absolute_url())


@pytest.mark.parametrize(
    "content_type, object_id",
    [("nonsense", "1"), ("999999", "1"), (None, "not-a-number"), (None, "999999")],
)
def test_odd_addresses_are_not_found(client, editor, content_type, object_id):
    content_type = content_type or str(ContentType.objects.get_for_model(Section).pk)
    client.force_login(editor)
    url = reverse("admin:view_on_site", args=[content_type, object_id])

    assert client.get(url).status_code == 404


def test_anonymous_visitors_are_asked_to_log_in(client, draft):
    response = client.get(view_on_site(draft))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
