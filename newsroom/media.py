"""Uploaded pictures, served by the app: to readers only while their item is live.

A stored file (an original or one of its renditions) is answered only when it belongs to an
item and that item may be seen by whoever asks: readers while it is published (and its
go-live time past), staff who may view it, and the holder of its preview link
(`?preview=<token>`, which preview pages add to their pictures' addresses). Everything else,
including files no item holds any more, answers 404, the same as a file that never existed.

Through the storage API only (never a path on disk), so an object storage can take over.
Live pictures may be kept by browsers and shared caches for `NEWSROOM_MEDIA_MAX_AGE` seconds;
any other answer is `private, no-store`.
"""

import hashlib
import mimetypes

from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest, HttpResponseBase
from django.utils.cache import get_conditional_response
from django.utils.http import http_date

from .pictures import owner_of
from .preview import verify_token


def may_see(request: HttpRequest, item) -> bool:
    """Whether `request` may see `item`'s pictures, live or not."""
    user = request.user
    if (
        user.is_active
        and user.is_staff
        and user.has_perm(f"{item._meta.app_label}.view_{item._meta.model_name}")
    ):
        return True
    token = request.GET.get("preview")
    return bool(token) and verify_token(token, item)


def serve(request: HttpRequest, name: str) -> HttpResponseBase:
    found = owner_of(name)
    if found is None:
        raise Http404("No such picture.")
    item, field, _ = found
    storage = field.storage
    live = item.is_published
    if not live and not may_see(request, item):
        raise Http404("No such picture.")
    try:
        size = storage.size(name)
        modified = storage.get_modified_time(name)
    except (OSError, NotImplementedError):
        raise Http404("No such picture.") from None
    last_modified = int(modified.timestamp())
    digest = hashlib.sha256(f"{name}:{size}:{last_modified}".encode()).hexdigest()
    etag = f'"{digest[:32]}"'
    response = get_conditional_response(request, etag=etag, last_modified=last_modified)
    if response is None:
        content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
        response = FileResponse(storage.open(name, "rb"), content_type=content_type)
        response["Content-Length"] = str(size)
    response["ETag"] = etag
    response["Last-Modified"] = http_date(last_modified)
    if live:
        response["Cache-Control"] = f"public, max-age={int(settings.NEWSROOM_MEDIA_MAX_AGE)}"
    else:
        response["Cache-Control"] = "private, no-store"
    return response
