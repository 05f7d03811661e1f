"""No lost updates: two people save the same item; the second save is refused, shows what the
first changed, and keeps the second person's text in the form. Two real logged-in sessions."""

import threading

import pytest
import reversion
from django.db import connection
from django.test import Client

from events.models import Event
from newsroom.roles import JOURNALIST
from tests.admin_forms import add_row, admin_url, browser_data, form_errors, post
from tests.factories import EventCitationFactory, EventFactory, UserFactory

pytestmark = pytest.mark.django_db


def logged_in_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def two_desks(journalist, editor):
    return logged_in_client(journalist), logged_in_client(editor)


def test_the_second_save_is_refused_and_keeps_its_text(two_desks):
    with reversion.create_revision():  # as the admin keeps one of every save
        event = EventFactory(headline="Crowds gather", summary="First summary.")
    first, second = two_desks
    url = admin_url(Event, "change", event.pk)
    first_form, second_form = browser_data(first.get(url)), browser_data(second.get(url))
    assert first_form["loaded_version"] == second_form["loaded_version"] == str(event.version)

    first_form["headline"] = "Crowds storm the building"
    assert post(first, url, first_form).status_code == 302
    second_form["summary"] = "The editor's careful new summary."
    response = post(second, url, second_form)

    assert response.status_code == 200
    event.refresh_from_db()
    assert (event.headline, event.summary) == ("Crowds storm the building", "First summary.")
    errors = form_errors(response)
    assert len(errors) == 1
    assert errors[0].startswith("Not saved: jo saved this event at ")
    # The second person's text is still in the form they see.
    html = response.content.decode()
    assert "The editor&#x27;s careful new summary." in html
    # What the first person changed, field by field, against the version the form was opened at.
    conflict = response.context["conflict"]
    assert [(row.label, row.old, row.new) for row in conflict["rows"]] == [
        ("headline", "Crowds gather", "Crowds storm the building")
    ]
    assert "Crowds storm the building" in html


def test_without_a_revision_of_the_opened_version_the_conflict_compares_with_the_form(
    two_desks,
):
    event = EventFactory(headline="Crowds gather", summary="First summary.")
    first, second = two_desks
    url = admin_url(Event, "change", event.pk)
    first_form, second_form = browser_data(first.get(url)), browser_data(second.get(url))
    first_form["headline"] = "Crowds storm the building"
    post(first, url, first_form)
    second_form["summary"] = "A new summary."

    conflict = post(second, url, second_form).context["conflict"]

    assert conflict["against"] == "in your form"
    assert [(row.label, row.old, row.new) for row in conflict["rows"]] == [
        ("headline", "Crowds gather", "Crowds storm the building"),
        ("summary", "A new summary.", "First summary."),
    ]


def test_saving_again_after_seeing_the_conflict_keeps_the_second_version(two_desks):
    event = EventFactory(headline="Crowds gather")
    first, second = two_desks
    url = admin_url(Event, "change", event.pk)
    first_form, second_form = browser_data(first.get(url)), browser_data(second.get(url))
    first_form["headline"] = "First person's headline"
    post(first, url, first_form)
    second_form["headline"] = "Second person's headline"
    refused = post(second, url, second_form)
    assert refused.status_code == 200

    again = browser_data(refused)  # the re-rendered form, as the browser would resubmit it
    assert again["headline"] == "Second person's headline"
    assert post(second, url, again).status_code == 302

    event.refresh_from_db()
    assert event.headline == "Second person's headline"


def test_a_conflict_lists_citation_changes_too(two_desks):
    event = EventFactory()
    EventCitationFactory(item=event)
    first, second = two_desks
    url = admin_url(Event, "change", event.pk)
    # Keep a revision of the version both open (as every admin save does).
    post(first, url, browser_data(first.get(url)))
    first_form, second_form = browser_data(first.get(url)), browser_data(second.get(url))
    add_row(first_form, "citations", url="https://example.org/new-source")
    assert post(first, url, first_form).status_code == 302

    response = post(second, url, second_form)

    rows = {row.label: row for row in response.context["conflict"]["rows"]}
    assert "https://example.org/new-source" in rows["citations"].new
    assert "https://example.org/new-source" not in rows["citations"].old


def test_a_post_without_the_loaded_version_is_refused(client, journalist):
    event = EventFactory(headline="Original")
    client.force_login(journalist)
    url = admin_url(Event, "change", event.pk)
    data = browser_data(client.get(url))
    del data["loaded_version"]
    data["headline"] = "Blind overwrite"

    assert post(client, url, data).status_code == 200
    event.refresh_from_db()
    assert event.headline == "Original"


def test_a_transition_button_on_a_stale_form_is_refused_too(two_desks, ready_event):
    first, second = two_desks
    url = admin_url(Event, "change", ready_event.pk)
    first_form, second_form = browser_data(first.get(url)), browser_data(second.get(url))
    first_form["headline"] = "Changed first"
    post(first, url, first_form)
    second_form["_transition"] = "publish"

    assert post(second, url, second_form).status_code == 200

    ready_event.refresh_from_db()
    assert (ready_event.headline, ready_event.status) == ("Changed first", "draft")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # groups survive a flush
def test_two_saves_racing_from_the_same_version_cannot_both_win():
    """Two threads, two connections: the row lock lets exactly one save through."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers on its own (transaction_mode IMMEDIATE)")
    users = [UserFactory(username=f"racer{i}", groups=[JOURNALIST]) for i in range(2)]
    event = EventFactory(headline="Start")
    url = admin_url(Event, "change", event.pk)
    clients = [logged_in_client(user) for user in users]
    forms = [browser_data(c.get(url)) for c in clients]
    results = []
    barrier = threading.Barrier(2)

    def save(index):
        forms[index]["headline"] = f"Racer {index}"
        barrier.wait()
        try:
            results.append(post(clients[index], url, forms[index]).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=save, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(results) == [200, 302]
    event.refresh_from_db()
    assert event.version == 2
