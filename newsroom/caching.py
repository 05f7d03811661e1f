"""Full-page caching for anonymous readers, invalidated by any change to published content.

Rules:
- Only views that opt in (`page_cache = True` on the view class, or `@public_page` on a
  function) are stored, only for GET/HEAD answered 200, and never when the request carries a
  session cookie (logged-in staff, previews), nor when the response sets a cookie (CSRF,
  session) or says `Cache-Control: private/no-store`.
- Every stored page is keyed by a site-wide *generation*: any save or delete of content a page
  may show (items, citations, related items, entities, corrections, sections, publishers…)
  replaces the generation, so every page is re-rendered on its next request. The generation is
  a fresh token (not a counter), so a cache that lost it never revives old pages.
- A page expires no later than the next scheduled `publish_at`: scheduling needs no worker,
  so the cache must not outlive the moment a scheduled item becomes visible. That moment is
  remembered in the cache, brought forward by writers that schedule something, and computed
  (one query) only when unknown or past.

- The cache is shared by every process (a folder of files by default, Redis in production;
  check `newsroom.E001` refuses a per-process cache outside DEBUG): a writer in any process
  (a worker, a command, an import, a shell) replaces the generation for all of them.
- A cache that fails (Redis down, disk full) reads as empty and drops writes: readers get
  uncached pages and the desk keeps working. One warning per minute at most; the cache is
  tried again after `RETRY_AFTER` seconds, and when it answers a new generation starts, since
  changes made during the outage could not replace the old one. (A process starts one when it
  met the outage itself: a worker that served no request while a cache that kept its data was
  unreachable trusts the old generation until its pages expire. A Redis that restarts without
  its data, or a worker that was serving, is not affected.)

Bulk writes (`bulk_create`, `update()`) send no signals: code that uses them calls
`invalidate_pages()` itself.
"""

import hashlib
import logging
import math
import pickle
import secrets
import threading
import time
import zlib
from datetime import datetime

from django.apps import apps
from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.filebased import FileBasedCache
from django.core.cache.backends.redis import RedisCache
from django.db import transaction
from django.db.models import Min
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

GENERATION_KEY = "page-cache:generation"
NEXT_PUBLISH_KEY = "page-cache:next-publish"
#: Models of these apps are content: changing any of them may change a page.
CONTENT_APPS = ("sources", "newsroom", "events")
#: Models of those apps that no page shows (old addresses answer 301 or 404, never stored).
NOT_CONTENT = {"newsroom.importrecord", "newsroom.itemredirect"}
NO_SCHEDULE = 0.0

logger = logging.getLogger(__name__)


def page_cache():
    return caches[settings.NEWSROOM_PAGE_CACHE_ALIAS]


def new_generation() -> str:
    """A token never used before (random: clocks can stand still, in tests or otherwise)."""
    return secrets.token_hex(8)


def invalidate_pages(*, schedule_unknown: bool = True) -> None:
    """Forget every cached page (now, and again when the current transaction commits).

    Bulk writers (imports) may have scheduled items without saying so, so by default the
    remembered next publication is forgotten too and computed afresh. The save signals,
    which bring it forward themselves (`note_scheduled`), pass `schedule_unknown=False`.
    """

    def forget() -> None:
        page_cache().set(GENERATION_KEY, new_generation(), None)
        if schedule_unknown:
            page_cache().delete(NEXT_PUBLISH_KEY)

    forget()
    transaction.on_commit(forget)


def current_generation() -> str | None:
    """The generation pages are stored under; None when the cache keeps nothing (it is down,
    or a dummy cache): then nothing is read from or stored in it."""
    cache = page_cache()
    generation = cache.get(GENERATION_KEY)
    if generation is None:
        cache.add(GENERATION_KEY, new_generation(), None)
        generation = cache.get(GENERATION_KEY)
    return generation


def next_scheduled_publication(*, now: datetime | None = None) -> datetime | None:
    """The earliest future `publish_at` of anything published-and-scheduled (one query)."""
    now = now or timezone.now()
    Story = apps.get_model("newsroom", "Story")
    Event = apps.get_model("events", "Event")
    scheduled = [
        model.objects.filter(status="published", publish_at__gt=now)
        .order_by()
        .values("status")
        .annotate(first=Min("publish_at"))
        .values_list("first", flat=True)
        for model in (Story, Event)
    ]
    return min(scheduled[0].union(scheduled[1], all=True).order_by(), default=None)


def remember_next_publication() -> float:
    """Compute and remember the next scheduled publication (a timestamp, or NO_SCHEDULE)."""
    upcoming = next_scheduled_publication()
    moment = upcoming.timestamp() if upcoming else NO_SCHEDULE
    page_cache().set(NEXT_PUBLISH_KEY, moment, None)
    return moment


def seconds_until_next_publication() -> float | None:
    """Seconds until the next scheduled publication, None when nothing is scheduled.

    Remembered in the cache and kept up to date by the writers (see `content_changed`);
    recomputed here only when unknown or once the remembered moment has passed.
    """
    moment = page_cache().get(NEXT_PUBLISH_KEY)
    now = time.time()
    if moment is None or (moment != NO_SCHEDULE and moment <= now):
        moment = remember_next_publication()
    return None if moment == NO_SCHEDULE else moment - now


def note_scheduled(instance) -> None:
    """A saved item scheduled for later brings the remembered next publication forward.

    (An item taken off the schedule leaves an earlier moment remembered: pages then expire
    a little early, which is harmless.)
    """
    cache = page_cache()
    moment = cache.get(NEXT_PUBLISH_KEY)
    if moment is None:
        remember_next_publication()
        return
    publish_at = getattr(instance, "publish_at", None)
    if getattr(instance, "status", None) == "published" and publish_at is not None:
        at = publish_at.timestamp()
        if at > time.time() and (moment == NO_SCHEDULE or at < moment):
            cache.set(NEXT_PUBLISH_KEY, at, None)


def page_key(request: HttpRequest, generation: str) -> str:
    """Short whatever the address (memcached-safe): a digest of scheme, host and full path
    (pages carry absolute links, so an https page is never served for http)."""
    address = f"{request.scheme}://{request.get_host()}{request.get_full_path()}".encode()
    return f"page-cache:page:{generation}:{hashlib.sha256(address).hexdigest()}"


#: Paths the page cache never reads nor writes: `/healthz` must see the cache as it is.
NEVER_CACHED_PATHS = frozenset({"/healthz"})


def may_use_cache(request: HttpRequest) -> bool:
    return (
        settings.NEWSROOM_PAGE_CACHE_SECONDS > 0
        and request.path_info not in NEVER_CACHED_PATHS
        and request.method in ("GET", "HEAD")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
    )


def is_cacheable_view(request: HttpRequest) -> bool:
    match = getattr(request, "resolver_match", None)
    if match is None:
        return False
    view = match.func
    return bool(
        getattr(view, "page_cache", False)
        or getattr(getattr(view, "view_class", None), "page_cache", False)
    )


def public_page(view):
    """Mark a function view as a public page that anonymous readers may get from the cache."""
    view.page_cache = True
    return view


def is_cacheable_response(response: HttpResponse) -> bool:
    cache_control = response.get("Cache-Control", "")
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and "private" not in cache_control
        and "no-store" not in cache_control
        and not response.has_header("Vary")
    )


class PageCacheMiddleware:
    """Serve and store whole pages for anonymous readers (see the module docstring).

    Sits above the session and authentication middleware, so a hit costs two cache reads and
    no database query.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not may_use_cache(request):
            return self.get_response(request)
        generation = current_generation()
        if generation is None:
            return self.get_response(request)
        cache = page_cache()
        key = page_key(request, generation)
        stored = cache.get(key)
        if stored is not None:
            content, headers = stored
            response = HttpResponse(content, headers=headers)
            response["X-Page-Cache"] = "hit"
            return response
        response = self.get_response(request)
        if is_cacheable_view(request) and is_cacheable_response(response):
            self.store(key, generation, response)
        return response

    def store(self, key: str, generation: str, response: HttpResponse) -> None:
        timeout = float(settings.NEWSROOM_PAGE_CACHE_SECONDS)
        until_publication = seconds_until_next_publication()
        if until_publication is not None:
            timeout = min(timeout, until_publication)
        if timeout < 1:
            return
        headers = {name: value for name, value in response.items() if name != "X-Page-Cache"}
        page_cache().set(key, (response.content, headers), math.floor(timeout))
        response["X-Page-Cache"] = "miss"


def content_changed(sender, **kwargs) -> None:
    invalidate_pages(schedule_unknown=False)
    note_scheduled(kwargs.get("instance"))


def is_content_model(model) -> bool:
    return model._meta.app_label in CONTENT_APPS and model._meta.label_lower not in NOT_CONTENT


def connect_signals() -> None:
    """Called from NewsroomConfig.ready(): invalidate on any change to content models."""
    for model in apps.get_models(include_auto_created=True):
        if is_content_model(model):
            post_save.connect(
                content_changed,
                sender=model,
                dispatch_uid=f"page-cache-save-{model._meta.label_lower}",
            )
            post_delete.connect(
                content_changed,
                sender=model,
                dispatch_uid=f"page-cache-delete-{model._meta.label_lower}",
            )
    m2m_changed.connect(related_changed, dispatch_uid="page-cache-m2m")


def related_changed(sender, action: str, **kwargs) -> None:
    if action.startswith("post_") and is_content_model(sender):
        invalidate_pages(schedule_unknown=False)  # links change no publication time


# Caches that survive their own failures ------------------------------------------------------


class CacheHealth:
    """How one cache is doing in this process (shared by the threads' backend instances)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.down = False
        self.retry_at = 0.0
        self.warned_at = -math.inf


_health: dict[str, CacheHealth] = {}


class ResilientCacheMixin:
    """A cache backend that fails soft: an error reads as a miss and a write is skipped.

    After an error the cache is left alone for `RETRY_AFTER` seconds (so a dead server costs
    one timeout now and then, not one per request), and a warning is logged at most every
    `WARN_EVERY` seconds. The first call after the pause starts a new page generation before
    anything else: pages stored before the outage may show what was changed during it.
    """

    RETRY_AFTER = 2.0
    WARN_EVERY = 60.0
    #: What a failing cache raises (set by the concrete backends).
    errors: tuple[type[Exception], ...] = ()

    def __init__(self, server, params):
        self._health = _health.setdefault(f"{type(self).__qualname__}:{server}", CacheHealth())
        try:
            super().__init__(server, params)
        except self.errors as error:  # the file cache makes its folder last, and may fail
            self._failed(error)

    def _guarded(self, fallback, method, *args, **kwargs):
        health = self._health
        if health.down and not self._recovered():
            return fallback
        try:
            return method(*args, **kwargs)
        except self.errors as error:
            self._failed(error)
            return fallback

    def _recovered(self) -> bool:
        health = self._health
        if time.monotonic() < health.retry_at:
            return False
        try:
            cache = super()
            cache.set(GENERATION_KEY, new_generation(), None)
            cache.delete(NEXT_PUBLISH_KEY)
        except self.errors as error:
            self._failed(error)
            return False
        with health.lock:
            was_down, health.down = health.down, False
        if was_down:
            logger.info("The cache answers again; caching resumes with a new generation.")
        return True

    def _failed(self, error: Exception) -> None:
        health = self._health
        now = time.monotonic()
        with health.lock:
            health.down, health.retry_at = True, now + self.RETRY_AFTER
            warn = now - health.warned_at >= self.WARN_EVERY
            if warn:
                health.warned_at = now
        if warn:
            logger.warning(
                "The cache is failing (%s: %s); pages are served uncached and retried every "
                "%g s. (At most one such warning a minute.)",
                type(error).__name__,
                error,
                self.RETRY_AFTER,
            )

    def health_error(self) -> Exception | None:
        """None when the cache answers now (a write, read and delete of a key of its own),
        else the error met. Unlike every other method, this one asks the cache even while it
        is paused after a failure, and leaves that state alone."""
        key = f"healthz:{secrets.token_hex(8)}"
        token = secrets.token_hex(8)
        cache = super()
        try:
            cache.set(key, token, 10)
            read = cache.get(key)
            cache.delete(key)
        except self.errors as error:
            return error
        return None if read == token else LookupError("a value written was not read back")

    def get(self, key, default=None, version=None):
        return self._guarded(default, super().get, key, default, version)

    def get_many(self, keys, version=None):
        return self._guarded({}, super().get_many, keys, version)

    def has_key(self, key, version=None):
        return self._guarded(False, super().has_key, key, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guarded(None, super().set, key, value, timeout, version)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guarded(False, super().add, key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guarded(False, super().touch, key, timeout, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guarded(list(data), super().set_many, data, timeout, version)

    def delete(self, key, version=None):
        return self._guarded(False, super().delete, key, version)

    def delete_many(self, keys, version=None):
        return self._guarded(None, super().delete_many, keys, version)

    def incr(self, key, delta=1, version=None):
        result = self._guarded(None, super().incr, key, delta, version)
        if result is None:
            raise ValueError(f"Key {key!r} not found (the cache is unavailable).")
        return result

    def clear(self):
        return self._guarded(None, super().clear)


class ResilientRedisCache(ResilientCacheMixin, RedisCache):
    """Redis shared by every process and host; down, it reads as empty (see the mixin)."""

    @property
    def errors(self) -> tuple[type[Exception], ...]:
        import redis

        return (redis.RedisError, OSError)


class ResilientFileBasedCache(ResilientCacheMixin, FileBasedCache):
    """Files shared by every process of one machine (the default); a full or unwritable disk
    reads as empty (see the mixin)."""

    errors = (OSError, EOFError, pickle.UnpicklingError, zlib.error)
