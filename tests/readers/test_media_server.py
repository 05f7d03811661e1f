"""Pictures through the production setup itself: `make serve` (scripts/serve: DEBUG off,
static files collected, gunicorn with two workers; an SQLite file and media on disk here), and
a live and a draft event made with the camera's photo. Nothing here runs in the test process
but the HTTP client."""

import io
import json
import re
import subprocess
import sys

import pytest
from PIL import Image

from ..live import ROOT, ServeScript
from ..live import fetch as get
from .test_media import camera_jpeg, carries_personal_metadata

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


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """(base URL, names and addresses) of `make serve` (scripts/serve) running on a fresh
    database, with a live and a draft event added while it runs."""
    folder = tmp_path_factory.mktemp("production")
    server = ServeScript(folder).start()
    try:
        photo = folder / "IMG_0001.jpg"
        photo.write_bytes(camera_jpeg())
        made = subprocess.run(
            [sys.executable, "-c", MAKE_EVENTS, str(photo)],
            cwd=ROOT,
            env={
                **server.env,
                "DJANGO_SETTINGS_MODULE": "newsroom.settings",
                "SECRET_KEY": server.key_file.read_text().strip(),
                "PYTHONPATH": str(ROOT),
            },
            check=True,
            capture_output=True,
            text=True,
        )
        yield server.url, json.loads(made.stdout.strip().splitlines()[-1])
    finally:
        server.stop()


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
