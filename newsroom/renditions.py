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
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import PurePosixPath

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


def picture_sources(file: ImageFieldFile, width: int | None) -> PictureSources:
    """No storage access: the names follow from the original's name and width."""
    renditions = renditions_of(file, width)
    jpeg = renditions.get("jpg", [])
    fallback = next((r for r in reversed(jpeg) if r.width <= FALLBACK_WIDTH), None)
    return PictureSources(
        original_url=file.url if file else "",
        webp_srcset=srcset(renditions.get("webp", [])),
        jpeg_srcset=srcset(jpeg),
        fallback_url=fallback.url if fallback else (jpeg[0].url if jpeg else ""),
    )


def srcset(renditions: list[Rendition]) -> str:
    return ", ".join(f"{rendition.url} {rendition.width}w" for rendition in renditions)


def open_safely(file) -> Image.Image:
    """Open and fully load an image under the upload guards (raises on anything suspect)."""
    file.seek(0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        image = Image.open(file, formats=ALLOWED_FORMATS)
        width, height = image.size
        if width * height > settings.NEWSROOM_IMAGE_MAX_PIXELS:
            raise ValueError(f"{width}×{height} is over the pixel limit")
        image.load()
    return ImageOps.exif_transpose(image)


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
