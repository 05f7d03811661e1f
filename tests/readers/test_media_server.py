"""Pictures through the production setup itself: gunicorn with two workers on the project's
own settings (DEBUG off, static files collected, an SQLite file, media on disk), a live and a
draft event made with the camera's photo. Nothing here runs in the test process but the HTTP
client."""

import io
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from PIL import Image

from .test_media import camera_jpeg, carries_personal_metadata

ROOT = Path(__file__).resolve().parents[2]

MAKE_EVENTS = """
import datetime as dt, json, sys
import django
django.setup()
from django.core.files.base import ContentFile
from django.utils import timezone
from events.models import Category, Event
from newsroom.models import Status

photo = open(sys.argv[1], "rb").read()
category = Category.objects.create(name="Politics", slug="politics")
names = {}
for state in ("live", "draft"):
    event = Event(
        date=dt.date(2010, 4, 7), headline=f"A {state} event", summary="Crowds gathered.",
        category=category, cover_image_alt="A crowd", cover_image_credit="Jane Doe",
    )
    if state == "live":
        event.status, event.publish_at = Status.PUBLISHED, timezone.now() - dt.timedelta(hours=1)
    event.cover_image.save("IMG_0001.jpg", ContentFile(photo), save=False)
    event.save()
    names[state] = event.cover_image.name
    names[f"{state} page"] = event.get_absolute_url()
print(json.dumps(names))
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(url: str) -> tuple[int, dict, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """(base URL, {"live": name, "draft": name}) of a running gunicorn on a fresh database."""
    folder = tmp_path_factory.mktemp("production")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "newsroom.settings",
        "DEBUG": "0",
        "SECRET_KEY": "media-server-test-" + "x" * 40,
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": f"sqlite:///{folder / 'db.sqlite3'}",
        "MEDIA_ROOT": str(folder / "media"),
        "STATIC_ROOT": str(folder / "static"),
        "SECURE_COOKIES": "0",
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_HSTS_SECONDS": "0",
        "PYTHONPATH": str(ROOT),
    }
    run = {"cwd": ROOT, "env": env, "check": True, "capture_output": True, "text": True}
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput"], **run)
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput"], **run)
    photo = folder / "IMG_0001.jpg"
    photo.write_bytes(camera_jpeg())
    made = subprocess.run([sys.executable, "-c", MAKE_EVENTS, str(photo)], **run)
    names = json.loads(made.stdout.strip().splitlines()[-1])
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "newsroom.wsgi",
            "--workers=2",
            f"--bind=127.0.0.1:{port}",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(server.stderr.read().decode()) from None
                time.sleep(0.2)
        yield base, names
    finally:
        server.terminate()
        server.wait(timeout=10)
        server.stderr.close()


def rendition(name: str, extension: str) -> str:
    stem = name.rsplit(".", 1)[0]
    return f"renditions/{stem}-200w.{extension}"


def test_gunicorn_serves_the_live_events_picture_and_renditions_without_metadata(site):
    base, names = site

    for name in (names["live"], rendition(names["live"], "jpg"), rendition(names["live"], "webp")):
        status, headers, body = get(f"{base}/media/{name}")
        assert status == 200, name
        assert headers["Cache-Control"].startswith("public, max-age=")
        picture = Image.open(io.BytesIO(body))
        assert picture.size == (200, 300)
        assert not carries_personal_metadata(picture)


def test_gunicorn_answers_404_for_the_draft_events_picture_and_renditions(site):
    base, names = site

    for name in (
        names["draft"],
        rendition(names["draft"], "jpg"),
        rendition(names["draft"], "webp"),
    ):
        status, _, _ = get(f"{base}/media/{name}")
        assert status == 404, name


def test_the_live_event_page_shows_pictures_gunicorn_serves(site):
    base, names = site

    status, _, page = get(base + names["live page"])

    assert status == 200
    addresses = set(re.findall(r'"(/media/[^" ,]+)', page.decode()))
    assert rendition(names["live"], "jpg") in {a.removeprefix("/media/") for a in addresses}
    for address in addresses:
        assert get(base + address)[0] == 200, address
