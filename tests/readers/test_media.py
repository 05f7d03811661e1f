"""Uploaded pictures: stored without the camera's metadata, under names nobody can guess, and
served by the app (DEBUG off, as in production) only while readers may see their item; staff
who may view the item and holders of its preview link see them before."""

import datetime as dt
import io
import re

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone
from PIL import Image

from events.models import Event
from newsroom import preview
from newsroom.models import Status
from newsroom.renditions import rendition_name
from tests.admin_forms import admin_url, browser_data, form_errors, post
from tests.factories import CategoryFactory, EventFactory, UserFactory

from .html_tools import json_ld

pytestmark = pytest.mark.django_db

RED, BLUE = (220, 20, 20), (20, 20, 220)
ORIENTATION, MAKE, MODEL, GPS_IFD, EXIF_IFD, BODY_SERIAL = (
    0x0112,
    0x010F,
    0x0110,
    0x8825,
    0x8769,
    0xA431,
)
HEADLINE = "Protesters storm the government building in Bishkek"


def camera_jpeg() -> bytes:
    """A photo as a phone writes it: 300 × 200 pixels stored sideways (left half red, right half
    blue) with orientation 6 ("turn 90° clockwise to show"), where it was taken, and with what."""
    image = Image.new("RGB", (300, 200), BLUE)
    image.paste(RED, (0, 0, 150, 200))
    exif = Image.Exif()
    exif[ORIENTATION] = 6
    exif[MAKE] = "PhoneMaker"
    exif[MODEL] = "Phone 12"
    exif[GPS_IFD] = {1: "N", 2: (42.0, 52.0, 30.0), 3: "E", 4: (74.0, 36.0, 10.0)}
    exif[EXIF_IFD] = {BODY_SERIAL: "SN-0042-7731"}
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif, quality=95)
    return buffer.getvalue()


def read_image(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def stored(name: str) -> Image.Image:
    with default_storage.open(name) as handle:
        return read_image(handle.read())


def carries_personal_metadata(image: Image.Image) -> bool:
    exif = image.getexif()
    return bool(
        exif.get_ifd(GPS_IFD)
        or exif.get_ifd(EXIF_IFD)
        or {MAKE, MODEL, ORIENTATION} & set(exif)
        or image.info.get("exif")
        or image.info.get("xmp")
    )


def media_url(name: str) -> str:
    return f"{settings.MEDIA_URL}{name}"


def fetch(client, url: str, *args, **kwargs):
    """GET `url` and read the whole answer (`.body`), as a browser does; reading a streamed
    file to its end closes it."""
    response = client.get(url, *args, **kwargs)
    if response.streaming:
        response.body = b"".join(response.streaming_content)
    else:
        response.body = response.content
    return response


def status(client, url: str, *args, **kwargs) -> int:
    return fetch(client, url, *args, **kwargs).status_code


@pytest.fixture
def upload(client, editor):
    """Upload the camera's photo as an editor does in the desk; returns the new (draft) event."""

    def upload_one(filename: str = "IMG_0001.jpg") -> Event:
        client.force_login(editor)
        data = browser_data(client.get(admin_url(Event, "add")))
        data |= {
            "date": "2010-04-07",
            "headline": HEADLINE,
            "summary": "Thousands gathered on Ala-Too Square.",
            "category": str(CategoryFactory().pk),
            "cover_image_alt": "A crowd on the square",
            "cover_image_credit": "Jane Doe / Agency",
            "cover_image": SimpleUploadedFile(filename, camera_jpeg(), content_type="image/jpeg"),
        }
        response = post(client, admin_url(Event, "add"), data)
        assert response.status_code == 302, form_errors(response)
        client.logout()
        return Event.objects.latest("pk")

    return upload_one


@pytest.fixture
def event(upload) -> Event:
    return upload()


def renditions(event: Event) -> list[str]:
    widths = (event.cover_image_width,)  # 200: one rendition of each format, at full width
    return [
        rendition_name(event.cover_image.name, w, ext) for w in widths for ext in ("jpg", "webp")
    ]


def put_in_state(event: Event, state: str) -> None:
    now = timezone.now()
    values = {
        "live": {"status": Status.PUBLISHED, "publish_at": now - dt.timedelta(hours=1)},
        "draft": {"status": Status.DRAFT, "publish_at": None},
        "in review": {"status": Status.IN_REVIEW, "publish_at": None},
        "scheduled": {"status": Status.PUBLISHED, "publish_at": now + dt.timedelta(hours=1)},
        "unpublished": {"status": Status.UNPUBLISHED, "publish_at": now - dt.timedelta(days=1)},
    }[state]
    Event.objects.filter(pk=event.pk).update(**values)
    event.refresh_from_db()


HIDDEN = ["draft", "in review", "scheduled", "unpublished"]


# What is stored ---------------------------------------------------------------------------------


def test_the_camera_photo_carries_what_must_not_leak():
    photo = read_image(camera_jpeg())

    assert photo.getexif().get_ifd(GPS_IFD)[1] == "N"
    assert photo.getexif().get_ifd(EXIF_IFD)[BODY_SERIAL] == "SN-0042-7731"
    assert photo.getexif()[ORIENTATION] == 6
    assert carries_personal_metadata(photo)


def test_the_stored_picture_keeps_no_location_serial_or_camera(event):
    picture = stored(event.cover_image.name)

    assert picture.format == "JPEG"
    assert not carries_personal_metadata(picture)


def test_the_orientation_is_applied_to_the_pixels(event):
    picture = stored(event.cover_image.name)

    assert picture.size == (200, 300)  # upright, as the phone showed it
    assert (event.cover_image_width, event.cover_image_height) == (200, 300)
    top, bottom = picture.getpixel((100, 40)), picture.getpixel((100, 260))
    assert all(abs(a - b) < 30 for a, b in zip(top, RED, strict=True))
    assert all(abs(a - b) < 30 for a, b in zip(bottom, BLUE, strict=True))


def test_renditions_keep_no_metadata_either(event):
    for name in renditions(event):
        assert not carries_personal_metadata(stored(name))


def test_the_file_name_is_random_not_made_from_the_slug_or_the_upload(upload):
    first, second = upload(), upload()

    for name in (first.cover_image.name, second.cover_image.name):
        assert re.fullmatch(r"events/2010/[0-9a-f]{20}\.jpg", name), name
        assert first.slug not in name and "IMG_0001" not in name
    assert first.cover_image.name != second.cover_image.name


def test_a_png_stays_a_png_without_its_text_chunks(client, editor):
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("Author", "Jane Doe, 12 Main Street")
    buffer = io.BytesIO()
    Image.new("RGBA", (40, 30), (1, 2, 3, 128)).save(buffer, format="PNG", pnginfo=info)
    event = EventFactory(
        cover_image=SimpleUploadedFile("map.png", buffer.getvalue()), cover_image_alt="Map"
    )

    picture = stored(event.cover_image.name)
    assert (picture.format, picture.mode, picture.size) == ("PNG", "RGBA", (40, 30))
    assert "Author" not in picture.info
    assert picture.getpixel((5, 5)) == (1, 2, 3, 128)


def test_an_animated_gif_keeps_its_frames_and_loses_its_comment():
    frames = [Image.new("RGB", (20, 20), (80 * n, 0, 0)).convert("P") for n in range(3)]
    buffer = io.BytesIO()
    frames[0].save(
        buffer,
        format="GIF",
        save_all=True,
        append_images=frames[1:],
        duration=100,
        loop=0,
        comment=b"shot at 12 Main Street",
    )
    event = EventFactory(
        cover_image=SimpleUploadedFile("loop.gif", buffer.getvalue()), cover_image_alt="Loop"
    )

    picture = stored(event.cover_image.name)
    assert (picture.format, picture.n_frames, picture.info["duration"]) == ("GIF", 3, 100)
    assert "comment" not in picture.info


# What is served ---------------------------------------------------------------------------------


def test_the_tests_run_as_production_does():
    assert settings.DEBUG is False


def test_a_live_items_picture_and_renditions_are_served_to_readers(client, event):
    put_in_state(event, "live")

    for name in [event.cover_image.name, *renditions(event)]:
        response = fetch(client, media_url(name))
        assert response.status_code == 200, name
        body = response.body
        assert not carries_personal_metadata(read_image(body))
        assert response["Cache-Control"] == f"public, max-age={settings.NEWSROOM_MEDIA_MAX_AGE}"
        assert response["Content-Type"] in ("image/jpeg", "image/webp")
        assert response["Content-Length"] == str(len(body))


def test_the_live_page_shows_pictures_that_are_served(client, event):
    put_in_state(event, "live")

    html = client.get(event.get_absolute_url()).content.decode()

    addresses = set(re.findall(r'(/media/[^" ,]+)', html))
    assert addresses
    assert all(status(client, address) == 200 for address in addresses)


def test_structured_data_gives_a_served_rendition_without_metadata(client, event):
    put_in_state(event, "live")

    [data] = json_ld(client.get(event.get_absolute_url()).content.decode())

    [image] = data["image"]
    assert image["url"] == f"http://testserver{media_url(renditions(event)[0])}"
    assert (image["width"], image["height"]) == (200, 300)
    response = fetch(client, image["url"])
    assert response.status_code == 200
    assert not carries_personal_metadata(read_image(response.body))


def test_a_picture_costs_readers_one_query(client, event, django_assert_num_queries):
    put_in_state(event, "live")

    with django_assert_num_queries(1):
        assert status(client, media_url(renditions(event)[0])) == 200


def test_a_second_request_with_the_etag_gets_304(client, event):
    put_in_state(event, "live")
    first = fetch(client, media_url(event.cover_image.name))

    again = fetch(
        client, media_url(event.cover_image.name), headers={"if-none-match": first["ETag"]}
    )

    assert again.status_code == 304
    assert again["Cache-Control"].startswith("public")


@pytest.mark.parametrize("state", HIDDEN)
def test_pictures_of_items_readers_cannot_see_answer_404(client, event, state):
    put_in_state(event, state)

    for name in [event.cover_image.name, *renditions(event)]:
        assert status(client, media_url(name)) == 404, name


def test_unpublishing_takes_the_picture_down_at_once(client, event):
    put_in_state(event, "live")
    assert status(client, media_url(event.cover_image.name)) == 200

    put_in_state(event, "unpublished")

    assert status(client, media_url(event.cover_image.name)) == 404


@pytest.mark.parametrize("state", HIDDEN)
def test_staff_who_may_view_the_item_see_its_pictures_privately(client, journalist, event, state):
    put_in_state(event, state)
    client.force_login(journalist)

    for name in [event.cover_image.name, *renditions(event)]:
        response = fetch(client, media_url(name))
        assert response.status_code == 200, name
        assert response["Cache-Control"] == "private, no-store"


def test_staff_without_permission_to_view_events_get_404(client, event):
    client.force_login(UserFactory(username="intern", is_staff=True))

    assert status(client, media_url(event.cover_image.name)) == 404


@pytest.mark.parametrize("state", ["draft", "in review", "scheduled"])
def test_the_preview_link_shows_the_pictures_of_its_item(client, event, state):
    put_in_state(event, state)
    token = preview.make_token(event)

    for name in [event.cover_image.name, *renditions(event)]:
        response = fetch(client, media_url(name), {"preview": token})
        assert response.status_code == 200, name
        assert response["Cache-Control"] == "private, no-store"


def test_the_preview_page_gives_its_pictures_addresses_that_work(client, event):
    html = client.get(preview.preview_url(event)).content.decode()

    picture = html[html.index("<picture>") : html.index("</picture>")]
    addresses = set(re.findall(r'(/media/[^" ,]+)', picture))
    assert addresses
    for address in addresses:
        assert "preview=" in address
        assert status(client, address.replace("&amp;", "&")) == 200, address


def test_a_preview_link_shows_no_other_items_pictures(client, upload):
    first, second = upload(), upload()

    token = preview.make_token(first)

    assert status(client, media_url(second.cover_image.name), {"preview": token}) == 404
    assert status(client, media_url(first.cover_image.name), {"preview": "forged"}) == 404


def test_the_preview_link_of_an_unpublished_item_shows_nothing(client, event):
    token = preview.make_token(event)
    put_in_state(event, "unpublished")

    assert status(client, media_url(event.cover_image.name), {"preview": token}) == 404


def test_files_no_item_holds_answer_404(client, event):
    put_in_state(event, "live")
    stray = default_storage.save("events/2010/stray.jpg", io.BytesIO(camera_jpeg()))

    for name in [stray, "events/2010/missing.jpg", f"../{event.cover_image.name}", "x"]:
        assert status(client, media_url(name)) == 404, name
    assert status(client, media_url(rendition_name(stray, 200, "jpg"))) == 404


def test_a_replaced_picture_is_no_longer_served(client, event):
    put_in_state(event, "live")
    old = event.cover_image.name
    event.cover_image = SimpleUploadedFile("new.jpg", camera_jpeg())
    event.save()

    assert status(client, media_url(old)) == 404
    assert status(client, media_url(event.cover_image.name)) == 200


# Pictures stored before ------------------------------------------------------------------------


def test_clean_images_reencodes_and_renames_pictures_stored_before(client, capsys):
    event = EventFactory(published=True, cover_image_alt="Old", cover_image_credit="Agency")
    old = default_storage.save("events/2010/04/riots-in-bishkek.jpg", io.BytesIO(camera_jpeg()))
    Event.objects.filter(pk=event.pk).update(
        cover_image=old, cover_image_width=300, cover_image_height=200
    )
    event.refresh_from_db()
    call_command("make_renditions")
    old_rendition = rendition_name(old, 300, "jpg")
    assert default_storage.exists(old_rendition)

    call_command("clean_images")

    event.refresh_from_db()
    assert re.fullmatch(r"events/2010/[0-9a-f]{20}\.jpg", event.cover_image.name)
    assert not default_storage.exists(old) and not default_storage.exists(old_rendition)
    picture = stored(event.cover_image.name)
    assert not carries_personal_metadata(picture)
    assert picture.size == (event.cover_image_width, event.cover_image_height) == (200, 300)
    for name in renditions(event):
        assert status(client, media_url(name)) == 200
    assert "1 pictures cleaned" in capsys.readouterr().out

    call_command("clean_images")  # a second run leaves clean pictures alone

    assert "0 pictures cleaned, 1 already clean" in capsys.readouterr().out
