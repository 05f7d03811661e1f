"""System checks for what the settings cannot express alone."""

from django.conf import settings
from django.core.cache.backends.locmem import LocMemCache
from django.core.checks import Error, Tags, register
from django.utils.module_loading import import_string


@register(Tags.caches)
def page_cache_is_shared(app_configs=None, **kwargs) -> list[Error]:
    """newsroom.E001: outside DEBUG, the page cache must be one that every process shares.

    A per-process cache (local memory) gives each web worker its own copy of every page and
    its own content generation: a change made in one worker, a command or a shell reaches
    the other workers only when their copies expire, so readers keep seeing unpublished items.
    """
    if settings.DEBUG or settings.NEWSROOM_PAGE_CACHE_SECONDS <= 0:
        return []
    alias = settings.NEWSROOM_PAGE_CACHE_ALIAS
    backend = import_string(settings.CACHES[alias]["BACKEND"])
    if not issubclass(backend, LocMemCache):
        return []
    return [
        Error(
            f"The page cache (CACHES[{alias!r}]) keeps pages in each process's own memory: "
            "with several workers, or any change made by a command, an import or a shell, "
            "readers would keep getting pages that editors have changed or unpublished.",
            hint="Unset CACHE_URL (a file cache shared by every process on this machine) or set "
            "it to redis://…; locmem:// is for DEBUG only, or set PAGE_CACHE_SECONDS=0.",
            obj=settings.CACHES[alias]["BACKEND"],
            id="newsroom.E001",
        )
    ]
