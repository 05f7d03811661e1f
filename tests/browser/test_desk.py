"""A journalist at the desk, in the Django admin in a real browser: writing an event with
pasted citation links, a refused link, and no way to delete."""

import datetime as dt

import pytest

from events.models import Event
from newsroom.models import Status
from sources.models import Source
from tests.factories import EventFactory

# Live-server tests flush the database afterwards; serialized rollback puts back what the
# migrations created (the Journalist and Editor groups), so every test finds them.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PASSWORD = "correct horse battery staple"
HEADLINE = "Roza Otunbayeva heads an interim government"
REUTERS = "https://www.Reuters.com/article/kyrgyz-unrest-idUS1?utm_source=x&utm_medium=social"
ALJAZEERA = "https://www.aljazeera.com/news/2010/4/7/kyrgyz?id=5&utm_campaign=y#top"


def log_in(page, live_server, user):
    page.goto(f"{live_server.url}/admin/login/?next=/admin/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server.url}/admin/")


def open_add_event(page, live_server):
    page.goto(f"{live_server.url}/admin/events/event/")
    page.get_by_role("link", name="Add event").click()
    page.wait_for_url(f"{live_server.url}/admin/events/event/add/")


def save(page):
    page.locator("input[type=submit][name=_save]").click()
    page.wait_for_load_state()


def test_journalist_adds_an_event_with_pasted_citations(live_server, page, screenshot, journalist):
    log_in(page, live_server, journalist)
    open_add_event(page, live_server)

    page.fill("#id_date", "2010-04-07")
    page.fill("#id_headline", HEADLINE)
    page.fill("#id_summary", "The opposition named a caretaker cabinet after the uprising.")
    page.fill("#id_entities", "Roza Otunbayeva, Bishkek")
    page.fill("#id_citations-0-url", REUTERS)
    # The inline starts with one empty row; the admin's script adds the second.
    page.locator("#citations-group").get_by_text("Add another Citation").click()
    page.fill("#id_citations-1-url", ALJAZEERA)
    screenshot("filled-form")

    save(page)
    page.wait_for_url(f"{live_server.url}/admin/events/event/")
    assert page.locator(".messagelist .success").count() == 1
    row = page.locator("#result_list tbody tr", has_text=HEADLINE)
    assert row.count() == 1
    assert row.locator("td.field-citation_count").inner_text() == "2"
    assert row.locator("td.field-status_column").inner_text() == "Draft"
    screenshot("changelist")

    event = Event.objects.get(headline=HEADLINE)
    assert event.status == Status.DRAFT
    assert event.date == dt.date(2010, 4, 7)
    assert event.created_by == journalist
    citations = list(event.citations.order_by("position").select_related("source"))
    assert [(c.position, c.source.url) for c in citations] == [
        (1, "https://www.reuters.com/article/kyrgyz-unrest-idUS1"),
        (2, "https://www.aljazeera.com/news/2010/4/7/kyrgyz?id=5"),
    ]
    assert not Source.objects.filter(url__contains="utm").exists()
    assert sorted(event.entities.names()) == ["Bishkek", "Roza Otunbayeva"]


def test_a_javascript_link_is_refused_on_the_page_and_nothing_is_created(
    live_server, page, screenshot, journalist
):
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    log_in(page, live_server, journalist)
    open_add_event(page, live_server)

    page.fill("#id_date", "2010-04-07")
    page.fill("#id_headline", HEADLINE)
    page.fill("#id_citations-0-url", "javascript:alert(1)")
    save(page)

    # The form comes back with the row's error; nothing ran, nothing was saved.
    assert page.url == f"{live_server.url}/admin/events/event/add/"
    assert page.locator(".errornote").is_visible()
    error = page.locator("#citations-group .errorlist")
    assert "only http:// and https:// links can be cited" in error.inner_text()
    assert page.input_value("#id_citations-0-url") == "javascript:alert(1)"
    assert page.input_value("#id_headline") == HEADLINE
    assert dialogs == []
    screenshot("refused-link")

    assert not Event.objects.exists()
    assert not Source.objects.exists()


def test_journalist_cannot_delete_events_but_an_editor_can(
    live_server, browser, page, journalist, editor
):
    event = EventFactory(headline="An event the desk is working on")
    change_url = f"{live_server.url}/admin/events/event/{event.pk}/change/"

    log_in(page, live_server, journalist)
    page.goto(change_url)
    assert page.locator("#id_headline").input_value() == event.headline
    assert page.locator("a.deletelink").count() == 0
    assert page.get_by_role("link", name="Delete").count() == 0
    page.goto(f"{live_server.url}/admin/events/event/")
    assert page.locator("select[name=action] option[value=delete_selected]").count() == 0
    response = page.goto(f"{live_server.url}/admin/events/event/{event.pk}/delete/")
    assert response.status == 403

    # The same page for an editor has the link, so the selectors above do find it when it is
    # there.
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    try:
        editor_page = context.new_page()
        log_in(editor_page, live_server, editor)
        editor_page.goto(change_url)
        assert editor_page.locator("a.deletelink").count() == 1
        assert editor_page.get_by_role("link", name="Delete").count() == 1
    finally:
        context.close()
    assert Event.objects.filter(pk=event.pk).exists()
