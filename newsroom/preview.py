"""Preview links: a signed, expiring address that shows an unpublished item as readers would.

The token signs the item's model and primary key, and the time it was last unpublished (not
its status or URL), with a timestamp. It expires after `NEWSROOM_PREVIEW_MAX_AGE` seconds
(48 hours unless configured), does not work while the item is unpublished, and never works
again once the item has been unpublished after it was made: "Back to draft" does not revive
it, the desk hands out a new one. Nothing else ever shows a draft: the public views go through
`published()`.

`verify_token(token, item)` is the one check, for the preview pages and for anything else
served to a preview (its pictures).

Each preview view is the public detail view with only the lookup changed, so the page is the
readers' page, with a banner (`preview` in the context), `noindex` and no caching.
"""

from django.conf import settings
from django.core import signing
from django.http import Http404
from django.urls import reverse
from django.utils.module_loading import import_string

from .models import Publishable, Status
from .views import StoryDetailView

SALT = "newsroom.preview"


def max_age() -> int:
    return int(settings.NEWSROOM_PREVIEW_MAX_AGE)


def _unpublished_mark(item: Publishable) -> int | None:
    """The item's last unpublication, in microseconds, as signed into its tokens."""
    when = item.last_unpublished_at
    return None if when is None else round(when.timestamp() * 1_000_000)


def make_token(item: Publishable) -> str:
    return signing.TimestampSigner(salt=SALT).sign_object(
        {"model": item._meta.label_lower, "pk": item.pk, "unpublished": _unpublished_mark(item)}
    )


def read_token(token: str) -> tuple[str, int]:
    """(model label, pk) from a token that is genuine and not expired; Http404 otherwise.

    This names the item only; `verify_token()` decides whether it may be shown.
    """
    label, pk, _ = _unsign(token)
    return label, pk


def _unsign(token: str) -> tuple[str, int, int | None]:
    try:
        data = signing.TimestampSigner(salt=SALT).unsign_object(token, max_age=max_age())
        mark = data["unpublished"]
        return str(data["model"]), int(data["pk"]), None if mark is None else int(mark)
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        # Expired links (SignatureExpired) are bad signatures too: the same 404 for all.
        raise Http404("This preview link is not valid or has expired.") from None


def verify_token(token: str, item: Publishable) -> bool:
    """True when `token` is a genuine, unexpired preview link to `item` as it stands now: made
    for this very item, since its last unpublication, and the item is not unpublished."""
    try:
        label, pk, mark = _unsign(token)
    except Http404:
        return False
    return (
        label == item._meta.label_lower
        and pk == item.pk
        and mark == _unpublished_mark(item)
        and item.status != Status.UNPUBLISHED
    )


def preview_url(item, *, request=None) -> str:
    url = reverse("preview", kwargs={"token": make_token(item)})
    return request.build_absolute_uri(url) if request is not None else url


class PreviewMixin:
    """Turns a public DetailView into its preview: same queryset shape, any status but
    unpublished, the object named by the token."""

    preview_pk: int | None = None
    preview_token: str = ""
    #: A preview is never a public page: the readers' page cache must not keep it.
    page_cache = False

    def get_object(self, queryset=None):
        public = super().get_queryset()
        preview = self.model._default_manager.exclude(status=Status.UNPUBLISHED).filter(
            pk=self.preview_pk
        )
        # Load exactly what the readers' page loads (related items stay filtered to published).
        preview.query.select_related = public.query.select_related
        preview._prefetch_related_lookups = public._prefetch_related_lookups
        item = preview.first()
        if item is None or not verify_token(self.preview_token, item):
            raise Http404("This item cannot be previewed.")
        return item

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        response = self.render_to_response(self.get_context_data(object=self.object))
        response["Cache-Control"] = "private, no-store"
        response["X-Robots-Tag"] = "noindex, nofollow"
        return response

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            preview=True, preview_item=self.object, preview_token=self.kwargs["token"], **kwargs
        )


class StoryPreviewView(PreviewMixin, StoryDetailView):
    pass


def preview_view(request, token: str, *, views: dict[str, str]):
    """Dispatch a token to the preview view of its model (`views`: label → dotted path)."""
    label, pk = read_token(token)
    if label not in views:
        raise Http404("This item cannot be previewed.")
    view_class = import_string(views[label])
    return view_class.as_view(preview_pk=pk, preview_token=token)(request, token=token)
