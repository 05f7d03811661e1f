"""Resized renditions of uploaded images (WebP and JPEG at a few widths), made with Pillow.

Renditions are made when an item with an image is saved (see `connect_signals`) and stored
next to the media, named after the original: `renditions/<original name>-<width>w.<ext>`.
Which widths exist follows from the original's width alone, so a page lists its `srcset`
without touching storage. `manage.py make_renditions` makes any that are missing (after bulk
imports, which send no signals).

The same guards as for uploads apply: only the formats we accept, Pillow's bomb warning
treated as an error, a pixel limit; EXIF orientation is applied and metadata is not copied.
"""

import io
import logging
import re
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import PurePosixPath
from urllib.parse import urlencode

from django.conf import settings
from django.core.files.base import ContentFile
from django.db.models import ImageField
from django.db.models.fields.files import ImageFieldFile
from django.db.models.signals import post_save
from PIL import Image, ImageOps

from .images import ALLOWED_FORMATS

logger = logging.getLogger(__name__)

WIDTHS = (320, 640, 960, 1280)
FORMATS = {"webp": ("WEBP", {"quality": 80, "method": 4}), "jpg": ("JPEG", {"quality": 82})}
#: The widest JPEG a browser without `srcset` support gets.
FALLBACK_WIDTH = 960


@dataclass(frozen=True)
class Rendition:
    name: str
    width: int
    extension: str

    @property
    def url(self) -> str:
        from django.core.files.storage import default_storage

        return default_storage.url(self.name)


def rendition_widths(original_width: int | None) -> list[int]:
    """Widths made for an original this wide: each standard width below it, and the original
    width itself (capped at the largest standard width). Never an upscale."""
    if not original_width:
        return []
    widths = [width for width in WIDTHS if width < original_width]
    return [*widths, min(original_width, WIDTHS[-1])]


def rendition_name(original: str, width: int, extension: str) -> str:
    path = PurePosixPath(original)
    return str(PurePosixPath("renditions") / path.parent / f"{path.stem}-{width}w.{extension}")


RENDITION_NAME = re.compile(r"renditions/(?P<stem>.+)-(?P<width>[0-9]+)w\.(?P<extension>[a-z]+)")


def parse_rendition_name(name: str) -> tuple[str, int, str] | None:
    """The inverse of `rendition_name()`: (original's name without its extension, width,
    extension), or None when `name` is not a rendition's."""
    match = RENDITION_NAME.fullmatch(name)
    if match is None or match["extension"] not in FORMATS:
        return None
    return match["stem"], int(match["width"]), match["extension"]


def renditions_of(file: ImageFieldFile, width: int | None) -> dict[str, list[Rendition]]:
    """{"webp": [...], "jpg": [...]}, narrowest first; no storage access."""
    if not file or not file.name:
        return {}
    return {
        extension: [
            Rendition(rendition_name(file.name, w, extension), w, extension)
            for w in rendition_widths(width)
        ]
        for extension in FORMATS
    }


@dataclass(frozen=True)
class PictureSources:
    """The addresses of a responsive `<picture>`: WebP and JPEG renditions as `srcset`s, a
    JPEG fallback, and the original for an image without renditions."""

    original_url: str
    webp_srcset: str
    jpeg_srcset: str
    fallback_url: str


def picture_sources(
    file: ImageFieldFile, width: int | None, preview_token: str = ""
) -> PictureSources:
    """No storage access: the names follow from the original's name and width.

    On a preview page, `preview_token` goes along in every address, so that the pictures of an
    item readers cannot see yet are served to the holder of its preview link (newsroom.media).
    """
    query = f"?{urlencode({'preview': preview_token})}" if preview_token else ""
    renditions = renditions_of(file, width)
    jpeg = renditions.get("jpg", [])
    fallback = next((r for r in reversed(jpeg) if r.width <= FALLBACK_WIDTH), None)
    fallback = fallback or (jpeg[0] if jpeg else None)
    return PictureSources(
        original_url=file.url + query if file else "",
        webp_srcset=srcset(renditions.get("webp", []), query),
        jpeg_srcset=srcset(jpeg, query),
        fallback_url=fallback.url + query if fallback else "",
    )


def shared_image(
    file: ImageFieldFile, width: int | None, height: int | None
) -> tuple[str, int | None, int | None]:
    """(address, width, height) of the copy other sites are given (structured data, Open
    Graph): the widest JPEG rendition, or the original when it has none. No storage access."""
    jpeg = renditions_of(file, width).get("jpg", [])
    if not jpeg:
        return file.url, width, height
    widest = jpeg[-1]
    scaled = max(1, round(height * widest.width / width)) if width and height else None
    return widest.url, widest.width, scaled


def srcset(renditions: list[Rendition], query: str = "") -> str:
    return ", ".join(f"{rendition.url}{query} {rendition.width}w" for rendition in renditions)


def open_checked(file) -> Image.Image:
    """Open and fully load an image under the upload guards (raises on anything suspect)."""
    file.seek(0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        image = Image.open(file, formats=ALLOWED_FORMATS)
        width, height = image.size
        if width * height > settings.NEWSROOM_IMAGE_MAX_PIXELS:
            raise ValueError(f"{width}×{height} is over the pixel limit")
        image.load()
    return image


def open_safely(file) -> Image.Image:
    """`open_checked()`, with the EXIF orientation applied to the pixels."""
    return ImageOps.exif_transpose(open_checked(file))


def make_renditions(
    file: ImageFieldFile, *, original_width: int | None = None, overwrite: bool = False
) -> list[str]:
    """Write the renditions of `file` to its storage; returns the names written.

    `original_width` is the width the model recorded (what pages derive the names from).
    """
    storage = file.storage
    written = []
    with file.open("rb") as handle:
        original = open_safely(handle)
    if original.mode not in ("RGB", "RGBA"):
        original = original.convert("RGBA" if "transparency" in original.info else "RGB")
    for width in rendition_widths(original_width or original.width):
        height = max(1, round(original.height * width / original.width))
        resized = original.resize((width, height), Image.Resampling.LANCZOS)
        for extension, (pil_format, options) in FORMATS.items():
            name = rendition_name(file.name, width, extension)
            if not overwrite and storage.exists(name):
                continue
            image = resized.convert("RGB") if pil_format == "JPEG" else resized
            buffer = io.BytesIO()
            extra = {"progressive": True, "optimize": True} if pil_format == "JPEG" else {}
            image.save(buffer, format=pil_format, **options, **extra)
            if storage.exists(name):
                storage.delete(name)
            written.append(storage.save(name, ContentFile(buffer.getvalue())))
    return written


def image_fields(model) -> list[ImageField]:
    return [field for field in model._meta.get_fields() if isinstance(field, ImageField)]


def ensure_renditions(instance) -> None:
    """Make the missing renditions of each image of `instance` (cheap when all exist)."""
    for field in image_fields(type(instance)):
        file = getattr(instance, field.attname)
        if not file or not file.name:
            continue
        original_width = getattr(instance, field.width_field, None) if field.width_field else None
        widths = rendition_widths(original_width or 1)
        largest = rendition_name(file.name, widths[-1], "jpg")
        if original_width and file.storage.exists(largest):
            continue
        try:
            make_renditions(file, original_width=original_width)
        except Exception:  # a broken file must not stop a save; the page falls back
            logger.exception("Could not make renditions of %s", file.name)


def renditions_after_save(sender, instance, raw=False, **kwargs) -> None:
    if not raw:
        ensure_renditions(instance)


def connect_signals(models: Iterable) -> None:
    for model in models:
        if image_fields(model):
            post_save.connect(
                renditions_after_save,
                sender=model,
                dispatch_uid=f"renditions-{model._meta.label_lower}",
            )
