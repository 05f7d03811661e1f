"""Running an import recorded in an `ImportRecord`, in the request or in the background.

Background work runs in a thread of the web process (the "in-process" default of DESIGN.md): no
worker or broker to run, and an import survives the editor closing the page. The thread writes
its progress to the cache (`CACHE_URL`, shared by every process on the machine by default; Redis
across machines, so that any web process can show it) because the import's own transaction is
invisible to other connections until it ends. A web server restart during an import loses the
import: its transaction rolls back, so nothing is half-written. The record names its runner
(`host:pid`) and a heartbeat thread stamps `heartbeat_at` on a connection of its own every few
seconds, so that `ImportRecord.objects.mark_interrupted()` can tell a cut-off import from a long
one without anyone opening it: on the first request of every web process (`on_first_request`),
on the desk, and from cron with `manage.py mark_interrupted_imports`. The editor imports the
file again. (Django 6.1's `django.tasks` with a worker-backed backend is the step up when
imports must survive restarts; the in-process thread needs no new service.)

Small files (up to `NEWSROOM_IMPORT_BACKGROUND_BYTES`) are imported within the request.
"""

import hashlib
import logging
import threading
from typing import IO

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, close_old_connections, connection
from django.utils import timezone

from .models import ImportRecord, this_runner
from .spreadsheets.engine import BulkImporter, ImportRefused, Report
from .spreadsheets.files import SpreadsheetError, open_sheet

logger = logging.getLogger(__name__)


def progress_key(pk: int) -> str:
    return f"newsroom:import-progress:{pk}"


def read_progress(record: ImportRecord) -> dict:
    """{"processed", "total", "state", "at"} for a record, from the cache while it runs.

    An unfinished record whose runner stopped is marked failed first.
    """
    if record.state in ImportRecord.UNFINISHED and (
        ImportRecord.objects.filter(pk=record.pk).mark_interrupted()
    ):
        record.refresh_from_db()
    progress = cache.get(progress_key(record.pk)) or {}
    return {
        "state": record.state,
        "processed": progress.get("processed", record.processed_rows),
        "total": progress.get("total", record.total_rows),
        "at": progress.get("at"),
    }


def close_thread_connection() -> None:
    """End a thread's database connection with the thread. Django never closes a connection
    to an in-memory SQLite database (the test database), as that would drop it for everyone;
    the thread's own handle to it is closed here, the database lives on in the others."""
    if connection.vendor == "sqlite" and connection.is_in_memory_db() and connection.connection:
        connection.connection.close()
    connection.close()


class Heartbeat(threading.Thread):
    """Stamps a running record's `heartbeat_at` every `every` seconds until stopped, on its own
    connection (the import's transaction would hide it). A stamp that cannot be written (the
    import holds SQLite's write lock) is skipped; a local runner is judged by its process."""

    def __init__(self, pk: int, *, every: float) -> None:
        super().__init__(name=f"import-{pk}-heartbeat", daemon=True)
        self.pk, self.every, self.stopped = pk, every, threading.Event()

    def run(self) -> None:
        try:
            while not self.stopped.wait(self.every):
                try:
                    ImportRecord.objects.filter(
                        pk=self.pk, state=ImportRecord.State.RUNNING
                    ).update(heartbeat_at=timezone.now())
                except DatabaseError as error:
                    logger.debug("Import #%s: heartbeat skipped: %s", self.pk, error)
        finally:
            close_thread_connection()

    def stop(self) -> None:
        self.stopped.set()
        self.join()


def heartbeat_interval() -> float:
    return max(settings.NEWSROOM_IMPORT_STALE_SECONDS / 6, 0.5)


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
    record.runner, record.heartbeat_at = this_runner(), record.started_at
    record.save(update_fields=["state", "started_at", "runner", "heartbeat_at"])
    heartbeat = Heartbeat(record.pk, every=heartbeat_interval())
    heartbeat.start()
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
        heartbeat.stop()
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
        close_thread_connection()


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


_first_request = threading.Lock()
FIRST_REQUEST_UID = "newsroom-interrupted-imports"


def on_first_request(**kwargs) -> None:
    """`request_started` receiver: on a web process's first request, mark the imports that a
    restart cut off (so none waits for a visit), then disconnect. A failure is logged, never
    raised: the request goes on."""
    from django.core.signals import request_started

    if not _first_request.acquire(blocking=False):
        return  # another thread of this process does it
    request_started.disconnect(dispatch_uid=FIRST_REQUEST_UID)
    try:
        if count := ImportRecord.objects.mark_interrupted():
            logger.warning("%s imports cut off by a restart were marked failed.", count)
    except Exception:
        logger.exception("Could not check for imports cut off by a restart.")
