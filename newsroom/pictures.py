"""Uploaded pictures: stored under a random name, as a fresh encoding of their pixels only.

A camera writes into a photo where it was taken (GPS), its serial number, sometimes its
owner's name; none of that belongs on a public page. And a file named after the slug tells
anyone the address of a draft's picture. So every file given to a `PictureField` (the desk's
upload, `load_demo`, any `file.save()`) is decoded under the upload guards, its EXIF
orientation applied to the pixels, and encoded again in its own format with nothing but the
pixels and the colour profile; it is stored as `<folder>/<year>/<random>.<ext>`. Credit and
caption live in the item's fields. `manage.py clean_images` does the same to files stored
before this existed.

Which item a stored name belongs to is one indexed query (`owner_of()`): newsroom.media uses
it to serve a picture only when its item may be seen.
"""

import functools
import io
import re
import secrets
from pathlib import PurePosixPath

from django.apps import apps
from django.core.files.base import ContentFile
from django.db import models
from django.db.models.fields.files import ImageFieldFile
from django.utils import timezone
from django.utils.deconstruct import deconstructible
from PIL import Image, ImageOps, ImageSequence

from .renditions import (
    make_renditions,
    open_checked,
    parse_rendition_name,
    rendition_name,
    renditions_of,
)

EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "AVIF": "avif", "GIF": "gif"}
#: Extensions a stored original may carry (older uploads kept the uploader's spelling).
STORED_EXTENSIONS = ("jpg", "jpeg", "png", "webp", "avif", "gif")
ENCODER_OPTIONS = {
    "JPEG": {"quality": 90, "optimize": True},
    "PNG": {"optimize": True},
    "WEBP": {"quality": 90},
    "AVIF": {"quality": 80},
    "GIF": {},
}
#: What a frame may keep from the original besides its pixels: how to draw it, never who,
#: where or with what it was taken.
KEPT_INFO = ("transparency", "duration", "loop", "background")


def reencode(file) -> tuple[bytes, str]:
    """(bytes, extension) of `file` encoded again without metadata, orientation applied.

    Raises what the upload guards raise (ValueError, OSError, Pillow's bomb errors) for a file
    that is not an image we accept.
    """
    original = open_checked(file)
    pil_format = original.format
    icc_profile = original.info.get("icc_profile")
    if getattr(original, "n_frames", 1) > 1:
        frames = [bare(frame, original.info) for frame in ImageSequence.Iterator(original)]
        extra = {"save_all": True, "append_images": frames[1:]}
    else:
        frames = [bare(ImageOps.exif_transpose(original), original.info)]
        extra = {}
    options = ENCODER_OPTIONS[pil_format] | extra
    if icc_profile:
        options["icc_profile"] = icc_profile
    buffer = io.BytesIO()
    frames[0].save(buffer, format=pil_format, **options)
    return buffer.getvalue(), EXTENSIONS[pil_format]


def bare(frame: Image.Image, info: dict) -> Image.Image:
    """A copy of `frame` that carries its pixels and palette, and no metadata."""
    copy = frame.copy()
    copy.info = {key: info[key] for key in KEPT_INFO if key in info}
    return copy


@deconstructible
class RandomName:
    """`upload_to` for pictures: `<folder>/<year>/<20 random hex digits>.<extension>`."""

    def __init__(self, folder: str) -> None:
        self.folder = folder

    def __call__(self, instance, filename: str) -> str:
        extension = PurePosixPath(filename).suffix.lower()
        return f"{self.folder}/{timezone.now():%Y}/{secrets.token_hex(10)}{extension}"

    def __eq__(self, other) -> bool:
        return isinstance(other, RandomName) and other.folder == self.folder

    def made(self, name: str) -> bool:
        """Whether `name` has the shape this gives (a picture stored since names are random)."""
        return (
            re.fullmatch(rf"{re.escape(self.folder)}/[0-9]{{4}}/[0-9a-f]{{20}}\.[a-z]+", name)
            is not None
        )


class PictureFieldFile(ImageFieldFile):
    def save(self, name, content, save=True):
        """Store `content` re-encoded (see the module docstring) under a random name."""
        data, extension = reencode(content)
        # Named, so that the width and height are read from it (see ImageFieldFile).
        name = f"picture.{extension}"
        super().save(name, ContentFile(data, name=name), save=save)


class PictureField(models.ImageField):
    """An ImageField whose files are stored without metadata under random names, indexed
    so that a requested file leads to its item in one query."""

    attr_class = PictureFieldFile

    def __init__(self, *args, folder: str = "", **kwargs) -> None:
        if folder:
            kwargs["upload_to"] = RandomName(folder)
        kwargs.setdefault("db_index", True)
        kwargs.setdefault(
            "help_text",
            "JPEG, PNG, WebP, AVIF or GIF. Stored without its metadata (location, camera): "
            "put the credit and caption in their fields.",
        )
        super().__init__(*args, **kwargs)

    @property
    def folder(self) -> str:
        return getattr(self.upload_to, "folder", "")


@functools.cache
def picture_fields() -> list[tuple[type[models.Model], PictureField]]:
    """Every (model, PictureField) of the project."""
    return [
        (model, field)
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if isinstance(field, PictureField)
    ]


def owner_of(name: str) -> tuple[models.Model, PictureField, str] | None:
    """(item, field, its original's name) for the stored `name` of an original or of one of
    its renditions; None when no item holds it. One query."""
    rendition = parse_rendition_name(name)
    if rendition is not None:
        stem, width, extension = rendition
        candidates = [f"{stem}.{ext}" for ext in STORED_EXTENSIONS]
        candidates += [f"{stem}.{ext.upper()}" for ext in STORED_EXTENSIONS]
    else:
        stem, candidates = name, [name]
    folder = stem.split("/", 1)[0]
    for model, field in picture_fields():
        if field.folder != folder:
            continue
        # What deciding who may see it needs (see Publishable.is_published), not the text;
        # the sizes too, or loading an image field fetches each of them with a query.
        fields = [
            "pk",
            "status",
            "publish_at",
            field.attname,
            field.width_field,
            field.height_field,
        ]
        rows = model._default_manager.filter(**{f"{field.name}__in": candidates})
        item = rows.only(*filter(None, fields)).first()
        if item is None:
            return None
        original = getattr(item, field.attname).name
        if rendition is not None and rendition_name(original, width, extension) != name:
            return None
        return item, field, original
    return None


def is_clean(item, field: PictureField) -> bool:
    """Whether `item`'s picture was stored through the field (re-encoded, random name)."""
    name = getattr(item, field.attname).name
    return isinstance(field.upload_to, RandomName) and field.upload_to.made(name)


def clean_stored(item, field: PictureField) -> str:
    """Re-encode `item`'s stored picture as an upload is, under a new random name; delete the
    old file and its renditions, make the new renditions. Returns the new name.

    Writes the name and size with `update()`: the item's content does not change (no new
    version, no signals), so the caller forgets the cached pages.
    """
    file = getattr(item, field.attname)
    storage = file.storage
    old_name = file.name
    old_width = getattr(item, field.width_field) if field.width_field else None
    old_renditions = [r.name for group in renditions_of(file, old_width).values() for r in group]
    with storage.open(old_name, "rb") as handle:
        file.save(PurePosixPath(old_name).name, handle, save=False)
    new = getattr(item, field.attname)
    values = {field.attname: new.name}
    if field.width_field:
        values[field.width_field] = getattr(item, field.width_field)
    if field.height_field:
        values[field.height_field] = getattr(item, field.height_field)
    type(item)._default_manager.filter(pk=item.pk).update(**values)
    make_renditions(new, original_width=values.get(field.width_field), overwrite=True)
    for name in (old_name, *old_renditions):
        storage.delete(name)
    return new.name
