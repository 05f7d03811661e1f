"""Running an import recorded in an `ImportRecord`, in the request or in the background.

Background work runs in a thread of the web process (the "in-process" default of DESIGN.md):
no worker or broker to run, and an import survives the editor closing the page. The thread
writes its progress to the cache (`CACHE_URL`; use Redis when several web processes serve the
desk, so that any of them can show it) because the import's own transaction is invisible to
other connections until it ends. A web server restart during an import loses the import: its
transaction rolls back, so nothing is half-written, and once its progress has been silent
for `STALLED_AFTER` its record says so (failed, nothing written); the editor imports the
file again. (Django 6.1's `django.tasks` with a worker-backed backend is
the step up when imports must survive restarts; the in-process thread needs no new service.)

Small files (up to `NEWSROOM_IMPORT_BACKGROUND_BYTES`) are imported within the request.
"""

import datetime as dt
import hashlib
import threading
from typing import IO

from django.conf import settings
from django.core.cache import cache
from django.db import close_old_connections, connection
from django.utils import timezone

from .models import ImportRecord
from .spreadsheets.engine import BulkImporter, ImportRefused, Report
from .spreadsheets.files import SpreadsheetError, open_sheet


def progress_key(pk: int) -> str:
    return f"newsroom:import-progress:{pk}"


#: A running import reports progress every chunk of rows (well under a second each); one
#: silent for this long died with its process (a restart), and its transaction rolled back.
STALLED_AFTER = dt.timedelta(minutes=10)


def read_progress(record: ImportRecord) -> dict:
    """{"processed", "total", "state", "at"} for a record, from the cache while it runs.

    A running record whose progress has been silent for `STALLED_AFTER` is marked failed.
    """
    progress = cache.get(progress_key(record.pk)) or {}
    if record.state == ImportRecord.State.RUNNING:
        last_sign = progress.get("at")
        last_sign = dt.datetime.fromisoformat(last_sign) if last_sign else record.started_at
        if last_sign is None or timezone.now() - last_sign > STALLED_AFTER:
            record.state, record.finished_at = ImportRecord.State.FAILED, timezone.now()
            record.message = (
                "The import stopped without finishing (the server was probably restarted); "
                "nothing was written. Import the file again."
            )
            record.save(update_fields=["state", "finished_at", "message"])
    return {
        "state": record.state,
        "processed": progress.get("processed", record.processed_rows),
        "total": progress.get("total", record.total_rows),
        "at": progress.get("at"),
    }


def sha256_of(file: IO[bytes]) -> str:
    digest = hashlib.sha256()
    for block in iter(lambda: file.read(1 << 20), b""):
        digest.update(block)
    return digest.hexdigest()


def run_import(
    record: ImportRecord,
    importer_class: type[BulkImporter],
    *,
    max_rows: int | None = None,
    opener=None,
    progress=None,
) -> Report | None:
    """Import `record`'s file (or what `opener()` returns) and store the outcome on it."""
    record.state, record.started_at = ImportRecord.State.RUNNING, timezone.now()
    record.save(update_fields=["state", "started_at"])
    opener = opener or (lambda: record.file.open("rb"))

    def report_progress(processed: int, total: int) -> None:
        cache.set(
            progress_key(record.pk),
            {"processed": processed, "total": total, "at": timezone.now().isoformat()},
            60 * 60 * 24,
        )
        if progress:
            progress(processed, total)

    report = None
    try:
        sheet = open_sheet(
            opener,
            size=record.file_size,
            max_bytes=settings.NEWSROOM_IMPORT_MAX_BYTES if max_rows is not None else None,
            max_rows=max_rows,
            max_unpacked_bytes=settings.NEWSROOM_IMPORT_MAX_UNPACKED_BYTES,
        )
        record.format = sheet.format
        record.total_rows = sheet.total_rows
        importer = importer_class(
            user=record.created_by,
            dry_run=record.dry_run,
            publish=record.publish,
            comment=f"Import #{record.pk}: {record.file_name}",
            progress=report_progress,
        )
        report = importer.run(sheet)
    except (SpreadsheetError, ImportRefused) as error:
        record.state, record.message = ImportRecord.State.FAILED, str(error)
    except Exception:
        record.state = ImportRecord.State.FAILED
        record.message = "The import stopped on an unexpected error; nothing was written."
        raise
    else:
        record.processed_rows = sheet.total_rows
        record.created = report.counts["created"]
        record.updated = report.counts["updated"]
        record.unchanged = report.counts["unchanged"]
        record.skipped = report.counts["skipped"]
        record.error_count = len(report.problems)
        record.errors = report.problems
        record.rows = report.outcomes
        record.revision = report.revision
        record.message = report.summary()
        if report.problems:
            record.state = ImportRecord.State.FAILED
        elif record.dry_run:
            record.state = ImportRecord.State.PREVIEWED
        else:
            record.state = ImportRecord.State.IMPORTED
    finally:
        record.finished_at = timezone.now()
        record.save()
        cache.delete(progress_key(record.pk))
    return report


def _run_in_thread(pk: int, importer_class: type[BulkImporter], max_rows: int | None) -> None:
    close_old_connections()
    try:
        record = ImportRecord.objects.select_related("created_by").get(pk=pk)
        run_import(record, importer_class, max_rows=max_rows)
    finally:
        # The thread's connection ends with it. Django never closes a connection to an
        # in-memory SQLite database (the test database), as that would drop it for everyone;
        # this thread's own handle to it is closed here, the database lives on in the others.
        if connection.vendor == "sqlite" and connection.is_in_memory_db() and connection.connection:
            connection.connection.close()
        connection.close()


def start_import(
    record: ImportRecord, importer_class: type[BulkImporter], *, max_rows: int | None
) -> threading.Thread | None:
    """Import now when the file is small; otherwise in a background thread (returned)."""
    if record.file_size <= settings.NEWSROOM_IMPORT_BACKGROUND_BYTES:
        run_import(record, importer_class, max_rows=max_rows)
        return None
    thread = threading.Thread(
        target=_run_in_thread,
        args=(record.pk, importer_class, max_rows),
        name=f"import-{record.pk}",
        daemon=True,
    )
    thread.start()
    return thread
