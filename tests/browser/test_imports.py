"""An editor imports a spreadsheet of events in a real browser: preview in the background,
progress, confirm, and the counts; a journalist finds no import button."""

import pytest

from events.models import Event
from newsroom.models import ImportRecord, Status
from newsroom.roles import EDITOR
from tests.factories import UserFactory
from tests.imports.conftest import csv_bytes

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PASSWORD = "correct horse battery staple"
ROWS = [
    ["date", "headline", "entities", "citations"],
    ["2010-04-07", "Protesters take the government building in Bishkek",
     "person: Roza Otunbayeva; place: Bishkek", "Al Jazeera | https://english.aljazeera.net/a"],
    ["2010-04-08", "The president leaves the capital", "Kurmanbek Bakiyev",
     "https://www.bbc.co.uk/news/b"],
]  # fmt: skip


def log_in(page, live_server, user):
    page.goto(f"{live_server.url}/admin/login/?next=/admin/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server.url}/admin/")


def test_an_editor_previews_then_imports_a_sheet(page, live_server, screenshot, settings, tmp_path):
    settings.NEWSROOM_IMPORT_BACKGROUND_BYTES = 0  # even this small file goes to the background
    sheet = tmp_path / "april.csv"
    sheet.write_bytes(csv_bytes(ROWS))
    log_in(page, live_server, UserFactory(username="ed", groups=[EDITOR]))

    page.goto(f"{live_server.url}/admin/events/event/")
    page.get_by_role("link", name="Import", exact=True).click()
    page.set_input_files("#id_file", str(sheet))
    screenshot("import-form")
    page.get_by_role("button", name="Preview the import").click()

    page.get_by_role("button", name="Import these rows").wait_for()
    assert page.locator("#import-rows tbody tr").count() == 2
    assert not Event.objects.exists()
    screenshot("preview")
    page.get_by_role("button", name="Import these rows").click()

    page.locator("#import-counts").wait_for()
    assert "2 created, 0 updated, 0 unchanged" in page.locator("#import-counts").inner_text()
    screenshot("imported")
    assert set(Event.objects.values_list("status", flat=True)) == {Status.DRAFT}
    assert ImportRecord.objects.filter(state=ImportRecord.State.IMPORTED).count() == 1


def test_a_journalist_has_no_import_button(page, live_server, journalist):
    log_in(page, live_server, journalist)

    page.goto(f"{live_server.url}/admin/events/event/")

    assert page.get_by_role("link", name="Import", exact=True).count() == 0
