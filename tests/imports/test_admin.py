"""Spreadsheets in the desk: editors import (preview, then confirm) and export; nobody else."""

import csv
import datetime as dt
import io
import threading

import pytest
from django.contrib.auth.models import Permission
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from events.models import Event
from newsroom.models import ImportRecord, Status
from newsroom.tasks import progress_key

from ..factories import EventCitationFactory, EventFactory, UserFactory
from .conftest import csv_bytes, snapshot

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
ROWS = [
    ["date", "headline", "citations"],
    ["2010-04-07", "Protesters take the capital", "https://example.org/1"],
    ["2010-04-08", "The president leaves", "https://example.org/2"],
]
CHANGELISTS = [
    "admin:events_event_changelist",
    "admin:newsroom_story_changelist",
    "admin:sources_publisher_changelist",
    "admin:sources_source_changelist",
]


def upload(client, rows=ROWS, url="admin:events_event_import", **data):
    sheet = SimpleUploadedFile("april.csv", csv_bytes(rows), content_type="text/csv")
    return client.post(reverse(url), {"file": sheet, **data})


@pytest.mark.parametrize("changelist", CHANGELISTS)
def test_editors_see_import_and_export_buttons(client, editor, changelist):
    client.force_login(editor)

    page = client.get(reverse(changelist))

    assert b'class="import_link"' in page.content
    assert b'class="export_link"' in page.content


@pytest.mark.parametrize("changelist", CHANGELISTS)
def test_journalists_see_neither_and_cannot_import(client, journalist, changelist):
    client.force_login(journalist)

    page = client.get(reverse(changelist))

    assert b'class="import_link"' not in page.content
    assert b'class="export_link"' not in page.content
    import_url = reverse(changelist.replace("_changelist", "_import"))
    assert client.get(import_url).status_code == 403
    assert upload(client, url=changelist.replace("_changelist", "_import")).status_code == 403
    assert client.get(reverse(changelist.replace("_changelist", "_export"))).status_code == 403
    assert not ImportRecord.objects.exists()


def test_the_import_page_lists_the_columns_and_offers_templates(client, editor):
    client.force_login(editor)

    page = client.get(reverse("admin:events_event_import"))

    assert page.status_code == 200
    assert b"<code>citations</code>" in page.content
    template = client.get(reverse("admin:events_event_import_template", args=["csv"]))
    assert template["Content-Disposition"] == 'attachment; filename="events-template.csv"'
    header = next(csv.reader(io.StringIO(template.content.decode("utf-8-sig"))))
    assert header[:3] == ["date", "slug", "headline"]
    xlsx = client.get(reverse("admin:events_event_import_template", args=["xlsx"]))
    assert xlsx.content.startswith(b"PK")


def test_upload_previews_then_confirm_imports(client, editor):
    client.force_login(editor)
    before = snapshot()

    response = upload(client)

    preview = ImportRecord.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:newsroom_importrecord_change", args=[preview.pk])
    assert preview.state == ImportRecord.State.PREVIEWED
    assert preview.created_by == editor
    assert snapshot() == before
    page = client.get(response["Location"])
    assert b"Import these rows" in page.content
    assert page.content.count(b'class="outcome-created"') == 2

    confirmed = client.post(reverse("admin:newsroom_importrecord_confirm", args=[preview.pk]))

    record = ImportRecord.objects.exclude(pk=preview.pk).get()
    assert confirmed["Location"] == reverse("admin:newsroom_importrecord_change", args=[record.pk])
    assert record.state == ImportRecord.State.IMPORTED
    assert record.sha256 == preview.sha256
    assert Event.objects.count() == 2
    assert set(Event.objects.values_list("status", flat=True)) == {Status.DRAFT}
    done = client.get(confirmed["Location"])
    assert b"2 created, 0 updated" in done.content
    assert b"Import these rows" not in done.content


def test_a_preview_with_problems_lists_them_and_cannot_be_confirmed(client, editor):
    client.force_login(editor)
    rows = [*ROWS, ["April 9", "A third", ""]]

    upload(client, rows)

    record = ImportRecord.objects.get()
    assert record.state == ImportRecord.State.FAILED
    page = client.get(reverse("admin:newsroom_importrecord_change", args=[record.pk]))
    assert b"Problems (1)" in page.content
    assert b"<td>4</td><td><code>date</code></td>" in page.content
    assert b"Import these rows" not in page.content
    client.post(reverse("admin:newsroom_importrecord_confirm", args=[record.pk]))
    assert ImportRecord.objects.count() == 1
    assert not Event.objects.exists()


def test_an_editor_publishes_on_import_from_the_desk(client, editor):
    client.force_login(editor)

    upload(client, publish="on")
    preview = ImportRecord.objects.get()
    assert preview.publish
    client.post(reverse("admin:newsroom_importrecord_confirm", args=[preview.pk]))

    assert set(Event.objects.values_list("status", flat=True)) == {Status.PUBLISHED}


def test_who_may_import_but_not_publish_cannot_tick_publish(client):
    importer = UserFactory(username="importer")
    importer.user_permissions.add(
        *Permission.objects.filter(codename__in=["import_event", "view_event"])
    )
    client.force_login(importer)

    response = upload(client, publish="on")

    assert response.status_code == 200
    assert b"Only editors can publish on import" in response.content
    assert not ImportRecord.objects.exists()


def test_a_file_over_the_limit_is_refused_at_upload(client, editor, settings):
    settings.NEWSROOM_IMPORT_MAX_BYTES = 50
    client.force_login(editor)

    response = upload(client)

    assert b"more than the limit of 50" in response.content
    assert not ImportRecord.objects.exists()


def test_imports_are_listed_for_editors_only(client, editor, journalist):
    client.force_login(editor)
    upload(client)
    url = reverse("admin:newsroom_importrecord_changelist")

    assert b"april.csv" in client.get(url).content
    client.force_login(journalist)
    assert client.get(url).status_code == 403
    record = ImportRecord.objects.get()
    assert (
        client.get(reverse("admin:newsroom_importrecord_progress", args=[record.pk])).status_code
        == 403
    )


def test_progress_is_readable_while_and_after_it_runs(client, editor):
    client.force_login(editor)
    upload(client)
    record = ImportRecord.objects.get()

    progress = client.get(reverse("admin:newsroom_importrecord_progress", args=[record.pk])).json()

    assert progress == {"state": "previewed", "processed": 2, "total": 2, "at": None}


def test_an_import_cut_off_by_a_restart_is_reported_failed_not_running_forever(client, editor):
    record = ImportRecord.objects.create(
        resource="events",
        file_name="big.csv",
        sha256="0" * 64,
        state=ImportRecord.State.RUNNING,
        started_at=timezone.now() - dt.timedelta(minutes=11),
        created_by=editor,
    )
    client.force_login(editor)

    progress = client.get(reverse("admin:newsroom_importrecord_progress", args=[record.pk])).json()

    assert progress["state"] == "failed"
    record.refresh_from_db()
    assert record.state == ImportRecord.State.FAILED
    assert "nothing was written" in record.message


def test_a_running_import_with_a_recent_heartbeat_is_left_running(client, editor):
    record = ImportRecord.objects.create(
        resource="events",
        file_name="big.csv",
        sha256="0" * 64,
        state=ImportRecord.State.RUNNING,
        started_at=timezone.now() - dt.timedelta(minutes=30),
        runner="another-web-server:4242",
        heartbeat_at=timezone.now() - dt.timedelta(seconds=5),
        created_by=editor,
    )
    cache.set(
        progress_key(record.pk),
        {"processed": 5000, "total": 90000, "at": timezone.now().isoformat()},
    )
    client.force_login(editor)

    progress = client.get(reverse("admin:newsroom_importrecord_progress", args=[record.pk])).json()

    assert (progress["state"], progress["processed"]) == ("running", 5000)
    cache.delete(progress_key(record.pk))


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # groups survive a flush
def test_large_files_import_in_the_background(client, settings):
    from newsroom.roles import EDITOR

    settings.NEWSROOM_IMPORT_BACKGROUND_BYTES = 10
    editor = UserFactory(username="ed", groups=[EDITOR])
    client.force_login(editor)

    response = upload(client)

    record = ImportRecord.objects.get()
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert page.status_code == 200
    for thread in threading.enumerate():
        if thread.name == f"import-{record.pk}":
            thread.join()
    record.refresh_from_db()
    assert record.state == ImportRecord.State.PREVIEWED
    assert record.total_rows == 2
    assert not Event.objects.exists()
    client.post(reverse("admin:newsroom_importrecord_confirm", args=[record.pk]))
    for thread in threading.enumerate():
        if thread.name.startswith("import-"):
            thread.join()
    assert Event.objects.count() == 2


def test_export_from_the_desk_escapes_formulas(client, editor):
    EventCitationFactory(item=EventFactory(headline="=HYPERLINK(1)"))
    client.force_login(editor)

    response = client.post(
        reverse("admin:events_event_export"),
        {
            "format": "0",
            "resource": "0",
            "eventresource_date": "on",
            "eventresource_headline": "on",
        },
    )

    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows == [["date", "headline"], ["2010-04-07", "'=HYPERLINK(1)"]]


def test_the_desk_export_costs_the_same_queries_for_more_events(client, editor):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from ..factories import EntityFactory, RelatedEventFactory

    def add_event():
        event = EventCitationFactory().item
        EventCitationFactory(item=event)
        event.entities.add(EntityFactory(), EntityFactory())
        RelatedEventFactory(from_event=event)

    client.force_login(editor)
    fields = {f"eventresource_{name}": "on" for name in ("date", "headline", "entities")}
    fields |= {"eventresource_citations": "on", "eventresource_related_events": "on"}
    form = {"format": "0", "resource": "0", **fields}
    add_event()
    with CaptureQueriesContext(connection) as few:
        client.post(reverse("admin:events_event_export"), form)
    for _ in range(4):
        add_event()
    with CaptureQueriesContext(connection) as many:
        response = client.post(reverse("admin:events_event_export"), form)

    assert len(response.content.decode("utf-8-sig").splitlines()) > 10
    assert len(many) == len(few)
