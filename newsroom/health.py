"""`/healthz`: whether this process can serve, for load balancers and orchestrators.

Answers 200 `{"status": "ok", ...}` when every check passes, 503 `{"status": "failing", ...}`
otherwise, with each check's outcome under `checks`. The checks are a list of named
functions (`CHECKS`), each returning None when all is well or a short description of the
problem: a task queue check is added there when a queue backend is configured (there is none
today: scheduling needs no worker, see newsroom/caching.py).

The answer is never stored (`Cache-Control: no-store`) and the page cache is not consulted
(`NEVER_CACHED_PATHS` in newsroom/caching.py); no session, cookie, CSRF token or login is
involved, and plain HTTP is not redirected to HTTPS (`SECURE_REDIRECT_EXEMPT`), since load
balancers probe over HTTP. Host checks still apply: `ALLOWED_HOSTS` must include the name or
address the load balancer sends as `Host`.
"""

import logging
from collections.abc import Callable

from django.conf import settings
from django.core.cache import caches
from django.db import DatabaseError, connection, transaction
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from newsroom.caching import ResilientRedisCache

PATH = "healthz"
logger = logging.getLogger(__name__)
#: PostgreSQL gives up on the check's query after this long (milliseconds).
STATEMENT_TIMEOUT_MS = 2000


def describe(error: Exception) -> str:
    """The kind of error, for the answer (anyone may read it: the details, which may name
    hosts and users, go to the log only)."""
    logger.warning("/healthz: %s: %s", type(error).__name__, error)
    return type(error).__name__


def database_problem() -> str | None:
    """One trivial query on the default database (under a statement timeout on PostgreSQL)."""
    try:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with transaction.atomic():
                    cursor.execute(f"SET LOCAL statement_timeout = {STATEMENT_TIMEOUT_MS}")
                    cursor.execute("SELECT 1")
                    cursor.fetchone()
            else:
                cursor.execute("SELECT 1")
                cursor.fetchone()
    except DatabaseError as error:
        return describe(error)
    return None


def cache_problem() -> str | None:
    """A write-read-delete round trip on each cache shared over the network (Redis).

    Those caches swallow their errors (they read as empty), so they are asked directly; a
    cache of files on this machine is not checked: it fails with the disk, not the network.
    """
    for alias in settings.CACHES:
        cache = caches[alias]
        if isinstance(cache, ResilientRedisCache) and (error := cache.health_error()):
            return f"{alias}: {describe(error)}"
    return None


#: (name, check) pairs, run in order; each returns None or what is wrong.
CHECKS: list[tuple[str, Callable[[], str | None]]] = [
    ("database", database_problem),
    ("cache", cache_problem),
]


@require_safe
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    results = {name: check() for name, check in CHECKS}
    ok = all(problem is None for problem in results.values())
    return JsonResponse(
        {
            "status": "ok" if ok else "failing",
            "checks": {name: "ok" if p is None else f"error: {p}" for name, p in results.items()},
        },
        status=200 if ok else 503,
    )
