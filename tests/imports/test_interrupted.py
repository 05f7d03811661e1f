"""An import cut off by a restart is marked failed without anyone opening it: its runner
(`host:pid`) is gone, or its heartbeat is older than `NEWSROOM_IMPORT_STALE_SECONDS`."""

import csv
import datetime as dt
import http.client
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from newsroom.models import ImportRecord, this_runner

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
HOST = socket.gethostname()
RUNNING, FAILED = ImportRecord.State.RUNNING, ImportRecord.State.FAILED


def running(**fields) -> ImportRecord:
    values = {
        "resource": "events",
        "file_name": "big.csv",
        "sha256": "0" * 64,
        "state": RUNNING,
        "started_at": timezone.now() - dt.timedelta(minutes=1),
    }
    return ImportRecord.objects.create(**values | fields)


def dead_pid() -> int:
    """The number of a process of this machine that ran and ended."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def state(record: ImportRecord) -> str:
    record.refresh_from_db()
    return record.state


# --- who counts as interrupted --------------------------------------------------------------


def test_a_runner_of_this_machine_that_ended_is_interrupted_at_once():
    record = running(runner=f"{HOST}:{dead_pid()}", heartbeat_at=timezone.now())

    assert ImportRecord.objects.mark_interrupted() == 1

    record.refresh_from_db()
    assert record.state == FAILED
    assert record.message == (
        "Interrupted: the process running it stopped (a restart or a crash); nothing was "
        "written. Import the file again."
    )
    assert record.finished_at is not None


def test_a_live_runner_of_this_machine_goes_on_whatever_its_heartbeat_says():
    """Its heartbeat may not get through SQLite's write lock during a long import."""
    now = timezone.now()
    record = running(runner=this_runner(), started_at=now, heartbeat_at=now)

    assert ImportRecord.objects.mark_interrupted(now=now + dt.timedelta(minutes=10)) == 0
    assert state(record) == RUNNING


def test_a_process_that_took_the_number_of_a_dead_runner_does_not_keep_it_running():
    long_ago = dt.datetime(2001, 1, 1, tzinfo=dt.UTC)  # before this process started
    record = running(runner=this_runner(), started_at=long_ago, heartbeat_at=timezone.now())

    ImportRecord.objects.mark_interrupted()

    assert state(record) == FAILED


def test_a_runner_elsewhere_is_judged_by_its_heartbeat(settings):
    settings.NEWSROOM_IMPORT_STALE_SECONDS = 30
    now = timezone.now()
    beating = running(runner="web-2:4242", heartbeat_at=now - dt.timedelta(seconds=20))
    silent = running(runner="web-2:4343", heartbeat_at=now - dt.timedelta(seconds=31))

    assert ImportRecord.objects.mark_interrupted(now=now) == 1

    assert (state(beating), state(silent)) == (RUNNING, FAILED)
    assert ImportRecord.objects.mark_interrupted(now=now + dt.timedelta(seconds=11)) == 1
    assert state(beating) == FAILED


def test_a_queued_import_that_never_started_is_interrupted_once_stale(settings):
    settings.NEWSROOM_IMPORT_STALE_SECONDS = 30
    fresh = running(state=ImportRecord.State.QUEUED, started_at=None)
    stale = running(
        state=ImportRecord.State.QUEUED,
        started_at=None,
        created_at=timezone.now() - dt.timedelta(minutes=1),
    )

    ImportRecord.objects.mark_interrupted()

    assert (state(fresh), state(stale)) == (ImportRecord.State.QUEUED, FAILED)


def test_finished_imports_are_left_as_they_are():
    long_ago = timezone.now() - dt.timedelta(days=1)
    done = running(state=ImportRecord.State.IMPORTED, runner=f"{HOST}:{dead_pid()}")
    done.heartbeat_at = long_ago
    done.save()

    assert ImportRecord.objects.mark_interrupted() == 0
    assert state(done) == ImportRecord.State.IMPORTED


def test_a_running_import_writes_its_runner_and_a_heartbeat(settings):
    from tests.imports.conftest import EVENT_HEADER, csv_bytes, import_file

    record = import_file(csv_bytes([EVENT_HEADER, ["2010-04-07", "", "Quiet.", "", "", ""]]))

    assert record.runner == this_runner()
    assert record.heartbeat_at is not None
    assert record.state == ImportRecord.State.IMPORTED


# --- where it is checked --------------------------------------------------------------------


def test_the_command_marks_them_for_cron():
    record = running(runner=f"{HOST}:{dead_pid()}")
    out = StringIO()

    call_command("mark_interrupted_imports", stdout=out)

    assert out.getvalue() == "1 interrupted import marked failed.\n"
    assert state(record) == FAILED


def test_the_desk_lists_recent_imports_with_their_state(client, editor):
    cut_off = running(file_name="cut-off.csv", runner=f"{HOST}:{dead_pid()}")
    running(file_name="done.csv", state=ImportRecord.State.IMPORTED)
    client.force_login(editor)

    page = client.get(reverse("admin:index")).content.decode()

    assert 'id="desk-imports"' in page
    assert "cut-off.csv" in page
    assert "done.csv" in page
    assert '<strong class="import-state" data-state="failed">Failed (nothing written)' in page
    assert '<strong class="import-state" data-state="imported">Imported' in page
    assert state(cut_off) == FAILED


def test_the_desk_shows_no_imports_to_who_may_not_see_them(client, journalist):
    running(file_name="cut-off.csv", runner=f"{HOST}:{dead_pid()}")
    client.force_login(journalist)

    page = client.get(reverse("admin:index")).content.decode()

    assert "desk-imports" not in page
    assert "cut-off.csv" not in page


def test_the_imports_list_marks_them(client, editor):
    record = running(runner=f"{HOST}:{dead_pid()}")
    client.force_login(editor)

    client.get(reverse("admin:newsroom_importrecord_changelist"))

    assert state(record) == FAILED


def test_the_upload_page_lists_recent_imports_after_marking_them(client, editor):
    record = running(file_name="cut-off.csv", runner=f"{HOST}:{dead_pid()}")
    client.force_login(editor)

    page = client.get(reverse("admin:events_event_import"))

    assert page.status_code == 200
    assert "cut-off.csv" in page.content.decode()
    assert state(record) == FAILED


def test_the_import_page_shows_it_failed_and_offers_to_import_again(client, editor):
    record = running(file_name="cut-off.csv", runner=f"{HOST}:{dead_pid()}")
    client.force_login(editor)

    page = client.get(reverse("admin:newsroom_importrecord_change", args=[record.pk]))

    text = page.content.decode()
    assert 'data-state="failed"' in text
    assert "Interrupted: the process running it stopped" in text
    assert f'href="{reverse("admin:events_event_import")}"' in text
    assert 'id="import-progress"' not in text  # no progress bar waiting forever


# --- a real import process killed midway ----------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SharedDatabase:
    """A database that other processes reach: the test database itself on PostgreSQL, a
    migrated file on SQLite (the test database lives in this process's memory there)."""

    def __init__(self, tmp_path: Path, env: dict) -> None:
        self.vendor = connection.vendor
        if self.vendor == "postgresql":
            s = connection.settings_dict
            user = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
            self.url = f"postgres://{user}@{s['HOST']}:{s['PORT']}/{s['NAME']}"
        else:
            self.path = tmp_path / "shared.sqlite3"
            self.url = f"sqlite:///{self.path}"
            manage(["migrate", "-v0"], env | {"DATABASE_URL": self.url}).check_returncode()

    def one(self, sql: str) -> tuple:
        if self.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(sql)
                return cursor.fetchone()
        with closing(sqlite3.connect(self.path, timeout=30)) as db:
            return db.execute(sql).fetchone()

    def wait_for(self, sql: str, expected: tuple, *, timeout: float) -> tuple:
        deadline = time.monotonic() + timeout
        while (found := self.one(sql)) != expected and time.monotonic() < deadline:
            time.sleep(0.1)
        return found


def manage(args: list[str], env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, timeout=120
    )


@pytest.fixture
def env(tmp_path) -> dict:
    return os.environ | {
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "MEDIA_ROOT": str(tmp_path / "media"),
        "CACHE_URL": "dummy://",
        "CONN_MAX_AGE": "0",
        "NEWSROOM_IMPORT_STALE_SECONDS": "30",
        "NEWSROOM_IMPORT_CHECK_ON_START": "0",
    }


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # groups survive a flush
def test_an_import_killed_midway_is_failed_by_the_first_request_of_a_web_process(tmp_path, env):
    database = SharedDatabase(tmp_path, env)
    env["DATABASE_URL"] = database.url
    sheet = tmp_path / "big.csv"
    with sheet.open("w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["date", "slug", "headline", "summary", "entities", "citations"])
        for n in range(40_000):
            writer.writerow(["2010-04-07", f"event-{n}", f"Event {n} happens.", "", "", ""])
    record_sql = "SELECT state, runner, message FROM newsroom_importrecord"

    importer = subprocess.Popen(
        [sys.executable, "manage.py", "import_items", str(sheet), "--model", "events"],
        cwd=ROOT,
        env=env | {"NEWSROOM_IMPORT_STALE_SECONDS": "3"},  # a heartbeat every half second
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        runner = f"{HOST}:{importer.pid}"
        assert database.wait_for(record_sql, ("running", runner, ""), timeout=60) == (
            "running",
            runner,
            "",
        )
        if database.vendor == "postgresql":  # on SQLite the import's write lock holds it back
            beat = "SELECT heartbeat_at > started_at FROM newsroom_importrecord"
            assert database.wait_for(beat, (True,), timeout=10) == (True,)
        time.sleep(1)
        assert importer.poll() is None, "the import ended before it could be cut off"
    finally:
        importer.send_signal(signal.SIGKILL)
        importer.wait()

    # Nothing was written, and nothing has looked at the record yet.
    assert database.one("SELECT COUNT(*) FROM events_event") == (0,)
    assert database.one(record_sql) == ("running", runner, "")

    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "newsroom.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
        ],
        cwd=ROOT,
        env=env | {"NEWSROOM_IMPORT_CHECK_ON_START": "1"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:  # a reader's request, not the import's page; any answer will do
            reader = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            try:
                reader.request("GET", "/robots.txt")
                reader.getresponse().read()
                break
            except OSError:
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.2)
            finally:
                reader.close()
        found = database.wait_for(
            record_sql, ("failed", runner, ImportRecord.INTERRUPTED), timeout=10
        )
    finally:
        server.terminate()
        server.wait(timeout=30)

    assert found == ("failed", runner, ImportRecord.INTERRUPTED)
    assert database.one("SELECT COUNT(*) FROM events_event") == (0,)
    assert django_settings.NEWSROOM_IMPORT_CHECK_ON_START is False  # off in this process
