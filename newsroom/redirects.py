"""Old addresses keep working: an item whose slug or date changed answers 301 at every address
readers knew it by, for its page and its Markdown twin.

- Recording: every save of a story or an event compares the address it was loaded with
  (`Publishable.moved_from()`) and, when the item moved from an address readers could have
  seen, keeps it as an `ItemRedirect` (desk, workflow, revert, commands). Bulk writers, which
  send no signals, call `ItemRedirect.objects.record_moves()`.
- Serving: `ItemRedirectMiddleware` looks at 404 answers to GET and HEAD only, so a page that
  exists always wins, including a new item that took an old address. An old address leads to
  the item, not to another address, so the answer is always one hop to where the item is now;
  an item readers may not see (`published()`) leaves the 404 as it is.
"""

from django.conf import settings
from django.db.models.signals import post_save, pre_save
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect

from .models import ItemRedirect, Publishable


def note_address(sender, instance: Publishable, update_fields=None, **kwargs) -> None:
    instance._moved_from = instance.moved_from(update_fields=update_fields)


def record_move(sender, instance: Publishable, **kwargs) -> None:
    old_path = getattr(instance, "_moved_from", None)
    if old_path is not None:
        ItemRedirect.objects.record(instance, old_path)
        instance._moved_from = None
    instance.remember_address()


def connect_signals(models) -> None:
    """Called from NewsroomConfig.ready() with every model: the publishable ones are watched."""
    for model in models:
        if issubclass(model, Publishable) and not model._meta.abstract:
            label = model._meta.label_lower
            pre_save.connect(note_address, sender=model, dispatch_uid=f"redirects-pre-{label}")
            post_save.connect(record_move, sender=model, dispatch_uid=f"redirects-post-{label}")


def redirect_for(request: HttpRequest) -> HttpResponse | None:
    """A 301 to where the item of an old address is now, if readers may see it (two queries:
    the address, then the item; one when the address is unknown)."""
    redirect, twin = ItemRedirect.objects.for_path(request.path_info)
    if redirect is None:
        return None
    model = redirect.content_type.model_class()
    if model is None or not issubclass(model, Publishable):
        return None
    item = (
        model._default_manager.published()
        .filter(pk=redirect.object_id)
        .only("pk", *model.address_fields)
        .first()
    )
    if item is None:
        return None
    location = item.get_twin_url() if twin else item.get_absolute_url()
    if location is None:
        return None
    if query := request.META.get("QUERY_STRING", ""):
        location = f"{location}?{query}"
    response = HttpResponsePermanentRedirect(location)
    # Not for ever: the item may be hidden later, or another one take the address.
    response["Cache-Control"] = f"public, max-age={max(settings.NEWSROOM_PAGE_CACHE_SECONDS, 0)}"
    return response


class ItemRedirectMiddleware:
    """On a 404 answer to GET or HEAD, an old address of an item redirects to it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code != 404 or request.method not in ("GET", "HEAD"):
            return response
        return redirect_for(request) or response
