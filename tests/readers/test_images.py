"""Image renditions: WebP and JPEG at a few widths, made on save with Pillow under the upload
guards; pages list them in srcset with width, height, sizes and lazy loading below the fold."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.management import call_command
from PIL import Image

from newsroom.renditions import make_renditions, open_safely, rendition_name, rendition_widths
from tests.factories import StoryFactory, image_file

from .conftest import published_event

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("one_section")]


def opened(name: str) -> Image.Image:
    with default_storage.open(name) as handle:
        image = Image.open(io.BytesIO(handle.read()))
        image.load()
        return image


def test_widths_never_upscale():
    assert rendition_widths(2000) == [320, 640, 960, 1280, 1280]
    assert rendition_widths(1000) == [320, 640, 960, 1000]
    assert rendition_widths(200) == [200]
    assert rendition_widths(None) == []


def test_saving_an_event_makes_webp_and_jpeg_renditions_at_each_width(client):
    event = published_event(
        cover_image=image_file(size=(1500, 1000)), cover_image_alt="A wide picture"
    )

    for width in (320, 640, 960, 1280):
        webp = opened(rendition_name(event.cover_image.name, width, "webp"))
        jpeg = opened(rendition_name(event.cover_image.name, width, "jpg"))
        assert (webp.format, webp.size) == ("WEBP", (width, round(1000 * width / 1500)))
        assert (jpeg.format, jpeg.size) == ("JPEG", (width, round(1000 * width / 1500)))


def test_the_lead_image_is_a_picture_with_srcset_sizes_dimensions_and_no_lazy_loading(client):
    story = StoryFactory(
        published=True, lead_image=image_file(size=(1000, 500)), lead_image_alt="Steps"
    )

    html = client.get(story.get_absolute_url()).content.decode()

    figure = html[html.index('<figure class="lead-image">') :]
    figure = figure[: figure.index("</figure>")]
    webp = [rendition_name(story.lead_image.name, w, "webp") for w in (320, 640, 960, 1000)]
    jpeg = [rendition_name(story.lead_image.name, w, "jpg") for w in (320, 640, 960, 1000)]
    assert (
        '<source type="image/webp" srcset="'
        + ", ".join(
            f"/media/{name} {w}w" for name, w in zip(webp, (320, 640, 960, 1000), strict=True)
        )
        in figure
    )
    assert f'<img src="/media/{jpeg[2]}"' in figure  # the 960 JPEG for old browsers
    assert 'sizes="(min-width: 45rem) 40rem, 100vw"' in figure
    assert 'width="1000" height="500" alt="Steps"' in figure
    assert 'loading="lazy"' not in figure


def test_cards_below_the_first_load_lazily(client):
    for n in range(3):
        StoryFactory(published=True, lead_image=image_file(), lead_image_alt=f"Picture {n}")

    html = client.get("/").content.decode()

    images = html.split("<img ")[1:]
    assert len(images) == 3
    assert 'loading="lazy"' not in images[0].split(">")[0]
    assert all('loading="lazy"' in image.split(">")[0] for image in images[1:])


def test_renditions_carry_no_metadata_from_the_original():
    exif = Image.Exif()
    exif[0x8825] = {1: "N"}  # GPS info
    exif[0x010F] = "Camera maker"
    buffer = io.BytesIO()
    Image.new("RGB", (400, 300), "white").save(buffer, format="JPEG", exif=exif.tobytes())
    event = published_event(cover_image=image_file(size=(10, 10)), cover_image_alt="Placeholder")
    name = default_storage.save("events/with-gps.jpg", io.BytesIO(buffer.getvalue()))
    event.cover_image.name = name

    for written in make_renditions(event.cover_image, original_width=400):
        assert not opened(written).getexif()


def test_a_picture_over_the_pixel_limit_is_not_processed(settings):
    settings.NEWSROOM_IMAGE_MAX_PIXELS = 10_000
    buffer = io.BytesIO()
    Image.new("RGB", (200, 200)).save(buffer, format="PNG")

    with pytest.raises(ValueError, match="pixel limit"):
        open_safely(buffer)


def test_formats_we_do_not_accept_are_never_parsed():
    buffer = io.BytesIO()
    Image.new("RGB", (20, 20)).save(buffer, format="BMP")

    with pytest.raises(Image.UnidentifiedImageError):
        open_safely(buffer)


def test_an_unreadable_stored_file_does_not_break_the_save(caplog):
    event = published_event()
    event.cover_image.name = default_storage.save("events/broken.png", io.BytesIO(b"not an image"))
    event.cover_image_width, event.cover_image_height = 100, 100
    event.cover_image_alt = "Broken"

    event.save()  # logged, not raised

    assert "Could not make renditions" in caplog.text


def test_an_image_needs_a_text_alternative():
    event = published_event(cover_image=image_file(), cover_image_alt="")
    with pytest.raises(ValidationError) as error:
        event.clean()
    assert "cover_image_alt" in error.value.message_dict


def test_make_renditions_command_fills_in_missing_renditions(capsys):
    event = published_event(cover_image=image_file(size=(700, 400)), cover_image_alt="Wide")
    missing = rendition_name(event.cover_image.name, 640, "webp")
    default_storage.delete(missing)

    call_command("make_renditions")

    assert default_storage.exists(missing)
    assert "renditions made" in capsys.readouterr().out
