"""Checks for uploaded images: a real picture, of an allowed format, not too large.

Pillow guards against decompression bombs only past ~89 M pixels and only by a warning; we
refuse much earlier and treat the warning as an error, and never let it parse formats such as
EPS that run external programs.
"""

import warnings

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from PIL import Image

ALLOWED_FORMATS = ("JPEG", "PNG", "WEBP", "AVIF", "GIF")


def validate_image(file) -> None:
    """Raise ValidationError unless `file` is a JPEG, PNG, WebP, AVIF or GIF within limits."""
    if getattr(file, "_committed", False):
        # Already stored, so checked when it was uploaded. (Django may also have closed it
        # after reading its dimensions: reading it again here would fail.)
        return
    max_bytes = settings.NEWSROOM_IMAGE_MAX_BYTES
    max_pixels = settings.NEWSROOM_IMAGE_MAX_PIXELS
    size = getattr(file, "size", None)
    if size is not None and size > max_bytes:
        raise ValidationError(
            "This image is %(size)s; the limit is %(limit)s. Export a smaller version.",
            code="image_too_large",
            params={"size": filesizeformat(size), "limit": filesizeformat(max_bytes)},
        )
    position = file.tell() if hasattr(file, "tell") else None
    try:
        file.seek(0)
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(file, formats=ALLOWED_FORMATS) as image:
                width, height = image.size
                if width * height > max_pixels:
                    raise ValidationError(
                        "This image is %(width)s × %(height)s pixels; the limit is "
                        "%(limit)s million pixels.",
                        code="image_too_many_pixels",
                        params={
                            "width": width,
                            "height": height,
                            "limit": max_pixels // 1_000_000,
                        },
                    )
                image.verify()
    except ValidationError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationError(
            "This image is too large to process safely.", code="image_too_many_pixels"
        ) from None
    except Exception:
        raise ValidationError(
            "This file is not an image we can use. Upload a JPEG, PNG, WebP, AVIF or GIF.",
            code="invalid_image",
        ) from None
    finally:
        if position is not None:
            file.seek(position)


def record_image_sizes(apps, app_label: str, model_name: str, field_name: str) -> None:
    """Data migrations: store the width and height of images saved before they were recorded.

    Without them Django opens every such image each time its row is loaded. Reads only each
    file's header, through the storage; a missing or unreadable file is left as it is.
    """
    from django.core.files.storage import default_storage

    model = apps.get_model(app_label, model_name)
    width, height = f"{field_name}_width", f"{field_name}_height"
    rows = (
        model._default_manager.exclude(**{field_name: ""})
        .filter(**{f"{width}__isnull": True})
        .values_list("pk", field_name)
    )
    from .caching import invalidate_pages

    for pk, name in rows.iterator():
        try:
            with default_storage.open(name) as file, Image.open(file) as image:
                size = image.size
        except (OSError, ValueError, Image.DecompressionBombError):
            continue
        model._default_manager.filter(pk=pk).update(**{width: size[0], height: size[1]})
    invalidate_pages()  # update() sends no signal; pages show the sizes
