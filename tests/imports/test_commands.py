"""`import_items` and `export_items`: the importer from the command line, with no row limit."""

import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from events.models import Event
from newsroom.models import ImportRecord, Status

from .conftest import csv_bytes, snapshot

pytestmark = pytest.mark.django_db

ROWS = [
    ["date", "headline", "citations"],
    ["2010-04-07", "Protesters take the capital", "https://example.org/1"],
    ["2010-04-08", "The president leaves", "https://example.org/2"],
]


@pytest.fixture
def sheet(tmp_path):
    path = tmp_path / "april.csv"
    path.write_bytes(csv_bytes(ROWS))
    return path


def run(*args, **options) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_items", *args, stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


def test_import_shows_progress_and_counts_and_is_idempotent(sheet):
    out, err = run(str(sheet), model="events")

    assert "Imported: 2 created, 0 updated, 0 unchanged." in out
    assert "rows/s" in out
    assert "2/2" in err and " rows/s]" in err  # the progress bar, with its rate and ETA
    assert Event.objects.filter(status=Status.DRAFT).count() == 2
    record = ImportRecord.objects.get()
    assert (record.file_name, record.dry_run, record.created_by) == ("april.csv", False, None)

    out, _ = run(str(sheet), model="events", no_progress=True)
    assert "Nothing changed: every row matches what is stored" in out


def test_dry_run_writes_nothing(sheet):
    before = snapshot()

    out, _ = run(str(sheet), model="events", dry_run=True, no_progress=True)

    assert "Preview only, nothing was written. The import would give: 2 created" in out
    assert snapshot() == before


def test_problems_are_listed_with_row_and_column_and_nothing_is_written(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(csv_bytes([*ROWS, ["9 April 2010", "A third", ""]]))

    with pytest.raises(CommandError, match="Nothing was imported: 1 problem"):
        call_command("import_items", str(path), model="events", stderr=(err := io.StringIO()))

    assert "row 4, column date: “9 April 2010” is not a date" in err.getvalue()
    assert not Event.objects.exists()


def test_the_command_has_no_row_limit(sheet, settings):
    settings.NEWSROOM_IMPORT_MAX_ROWS = 1
    settings.NEWSROOM_IMPORT_MAX_BYTES = 10

    out, _ = run(str(sheet), model="events", no_progress=True)

    assert "2 created" in out


def test_publishing_needs_an_editor(sheet, editor, journalist):
    with pytest.raises(CommandError, match="--publish needs --user"):
        run(str(sheet), model="events", publish=True)
    with pytest.raises(CommandError, match="Only editors can publish events"):
        run(str(sheet), model="events", publish=True, user="jo", no_progress=True)
    assert not Event.objects.exists()

    run(str(sheet), model="events", publish=True, user="ed", no_progress=True)

    assert set(Event.objects.values_list("status", flat=True)) == {Status.PUBLISHED}
    assert ImportRecord.objects.filter(state="imported").get().created_by == editor


def test_export_writes_a_file_the_import_reads_back(sheet, tmp_path):
    run(str(sheet), model="events", no_progress=True)
    target = tmp_path / "events.xlsx"

    call_command("export_items", model="events", format="xlsx", output=target, stdout=io.StringIO())
    out, _ = run(str(target), model="events", no_progress=True)

    assert "0 created, 0 updated, 2 unchanged" in out


def test_a_missing_file(tmp_path):
    with pytest.raises(CommandError, match="is not a file"):
        run(str(tmp_path / "nothing.csv"), model="events")


def test_prune_imports_deletes_old_files_and_keeps_the_records(editor, settings):
    import datetime as dt

    from django.core.files.base import ContentFile
    from django.utils import timezone

    old = ImportRecord.objects.create(
        resource="events", file_name="old.csv", sha256="0" * 64, state="previewed",
        created_at=timezone.now() - dt.timedelta(days=40),
    )  # fmt: skip
    old.file.save("old.csv", ContentFile(b"date,headline\n"))
    recent = ImportRecord.objects.create(resource="events", file_name="new.csv", sha256="1" * 64)
    recent.file.save("new.csv", ContentFile(b"date,headline\n"))
    stored = old.file.path

    call_command("prune_imports", days=30, stdout=(out := io.StringIO()))

    assert "Deleted the files of 1 import(s)" in out.getvalue()
    old.refresh_from_db()
    assert old.file.name == "" and old.file_name == "old.csv"
    assert not Path(stored).exists()
    recent.refresh_from_db()
    assert recent.file.storage.exists(recent.file.name)
