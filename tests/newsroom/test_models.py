"""The editorial core: who may see what, entities shared across apps, images, Markdown."""

import datetime as dt
import io

import pytest
import time_machine
from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from PIL import Image

from events.models import Event
from newsroom.images import record_image_sizes, validate_image
from newsroom.markup import render_markdown
from newsroom.models import Entity, Status, Story
from tests.factories import EntityFactory, EventFactory, StoryFactory, image_file

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2010, 4, 8, 12, 0, tzinfo=dt.UTC)
HOUR = dt.timedelta(hours=1)


@pytest.mark.parametrize("model", [Story, Event])
@pytest.mark.parametrize(
    ("status", "publish_at", "visible"),
    [
        (Status.DRAFT, None, False),
        (Status.IN_REVIEW, None, False),
        (Status.DRAFT, NOW - HOUR, False),
        (Status.UNPUBLISHED, NOW - HOUR, False),
        (Status.PUBLISHED, NOW + HOUR, False),
        (Status.PUBLISHED, NOW - HOUR, True),
        (Status.PUBLISHED, NOW, True),
    ],
)
def test_published_is_the_one_definition_of_what_readers_see(model, status, publish_at, visible):
    factory = {Story: StoryFactory, Event: EventFactory}[model]
    item = factory(status=status, publish_at=publish_at)
    with time_machine.travel(NOW, tick=False):
        in_queryset = model.objects.published().filter(pk=item.pk).exists()
        assert in_queryset is visible
        assert item.is_published is visible


def test_a_scheduled_item_appears_when_its_time_comes_without_any_worker():
    story = StoryFactory(status=Status.PUBLISHED, publish_at=NOW + HOUR)
    with time_machine.travel(NOW, tick=False):
        assert story.is_scheduled
        assert not Story.objects.published().exists()
    with time_machine.travel(NOW + 2 * HOUR, tick=False):
        assert not story.is_scheduled
        assert list(Story.objects.published()) == [story]


def test_published_can_be_asked_about_another_moment():
    story = StoryFactory(status=Status.PUBLISHED, publish_at=NOW)
    assert not Story.objects.published(at=NOW - HOUR).exists()
    assert Story.objects.published(at=NOW + HOUR).get() == story


def test_the_database_refuses_a_published_item_without_a_publication_time():
    with pytest.raises(IntegrityError), transaction.atomic():
        StoryFactory(status=Status.PUBLISHED, publish_at=None)


def test_every_save_raises_the_version():
    story = StoryFactory()
    assert story.version == 1
    story.headline = "A better headline"
    story.save()
    story.save(update_fields=["headline"])
    story.refresh_from_db()
    assert story.version == 3


def test_a_story_slug_comes_from_its_headline():
    assert StoryFactory(headline="Otunbayeva leads “people's trust” cabinet").slug == (
        "otunbayeva-leads-peoples-trust-cabinet"
    )


def test_story_slugs_are_unique():
    StoryFactory(slug="same")
    with pytest.raises(IntegrityError), transaction.atomic():
        StoryFactory(slug="same")


def test_stories_and_events_share_one_vocabulary_of_entities():
    story, event = StoryFactory(), EventFactory()
    story.entities.add("Roza Otunbayeva")
    event.entities.add("roza otunbayeva")
    entity = Entity.objects.get()
    assert entity.name == "Roza Otunbayeva"
    assert list(entity.tagged_stories.values_list("content_object", flat=True)) == [story.pk]
    assert list(entity.tagged_events.values_list("content_object", flat=True)) == [event.pk]


def test_entities_have_a_kind_and_a_page():
    entity = EntityFactory(name="Bishkek", kind=Entity.Kind.PLACE)
    assert entity.slug == "bishkek"
    assert entity.get_absolute_url() == "/topics/bishkek/"


def test_an_image_without_a_text_alternative_is_refused():
    story = StoryFactory.build(lead_image=image_file(), lead_image_alt="")
    with pytest.raises(ValidationError) as error:
        story.full_clean()
    assert "lead_image_alt" in error.value.message_dict


def test_a_real_image_passes():
    validate_image(image_file("photo.jpg", fmt="JPEG"))
    validate_image(image_file("photo.webp", fmt="WEBP"))


def test_a_file_that_is_not_an_image_is_refused_with_a_message():
    fake = SimpleUploadedFile("photo.jpg", b"<html><script>alert(1)</script></html>")
    with pytest.raises(ValidationError, match="not an image we can use"):
        validate_image(fake)


def test_a_truncated_image_is_refused():
    data = image_file("photo.png", size=(200, 200)).read()
    with pytest.raises(ValidationError, match="not an image we can use"):
        validate_image(SimpleUploadedFile("photo.png", data[: len(data) // 2]))


def test_formats_outside_the_allowed_list_are_refused():
    buffer = io.BytesIO()
    Image.new("RGB", (10, 10)).save(buffer, format="BMP")
    with pytest.raises(ValidationError, match="not an image we can use"):
        validate_image(SimpleUploadedFile("photo.bmp", buffer.getvalue()))


def test_an_image_over_the_byte_limit_is_refused(settings):
    settings.NEWSROOM_IMAGE_MAX_BYTES = 100
    with pytest.raises(ValidationError, match="the limit is 100"):
        validate_image(image_file(size=(300, 300)))


def test_an_image_with_too_many_pixels_is_refused_before_decoding(settings):
    settings.NEWSROOM_IMAGE_MAX_PIXELS = 10_000
    with pytest.raises(ValidationError, match="pixels"):
        validate_image(image_file(size=(200, 200)))


def test_a_decompression_bomb_is_refused(settings):
    """A tiny PNG that claims a huge canvas: refused without decoding its pixels."""
    settings.NEWSROOM_IMAGE_MAX_PIXELS = 10**12
    buffer = io.BytesIO()
    Image.new("1", (20000, 20000)).save(buffer, format="PNG")
    assert len(buffer.getvalue()) < 200_000
    with pytest.raises(ValidationError, match="too large to process safely"):
        validate_image(SimpleUploadedFile("bomb.png", buffer.getvalue()))


@pytest.mark.parametrize(
    "hostile",
    [
        "<script>alert(1)</script>",
        "[click](javascript:alert(1))",
        '<img src=x onerror="alert(1)">',
        '<a href="#" onclick="steal()">x</a>',
        "<iframe src='https://evil.example'></iframe>",
        '<p style="position:fixed">cover</p>',
    ],
)
def test_markdown_bodies_cannot_carry_script(hostile):
    html = render_markdown(f"Intro.\n\n{hostile}\n\nOutro.")
    for marker in ("<script", "javascript:", "onerror", "onclick", "<iframe", "style="):
        assert marker not in html
    assert "Intro." in html and "Outro." in html


def test_markdown_keeps_the_formatting_journalists_use():
    html = render_markdown("## Background\n\nSome *emphasis* and a [link](https://example.com).")
    assert "<h2>Background</h2>" in html
    assert "<em>emphasis</em>" in html
    assert 'href="https://example.com"' in html


@pytest.mark.django_db
def test_sizes_of_images_stored_before_sizes_were_recorded_are_filled_in():
    """What the data migrations run: each row's image is measured once, not on every load."""
    measured = EventFactory(cover_image=image_file(), cover_image_alt="A square")
    lost = EventFactory(cover_image=image_file(), cover_image_alt="Gone")
    lost.cover_image.storage.delete(lost.cover_image.name)
    Event.objects.update(cover_image_width=None, cover_image_height=None)

    record_image_sizes(apps, "events", "Event", "cover_image")

    sizes = dict(Event.objects.values_list("pk", "cover_image_width"))
    with Image.open(measured.cover_image.path) as picture:
        assert sizes[measured.pk] == picture.width
    assert sizes[lost.pk] is None  # nothing to measure: left as it was
