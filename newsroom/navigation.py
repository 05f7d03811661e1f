"""The site navigation that every reader's page shows."""

from typing import NamedTuple

from .caching import current_generation, page_cache
from .models import Section

#: Keys of past generations expire; an hour keeps the current one warm.
NAV_SECONDS = 3600


class NavLink(NamedTuple):
    name: str
    url: str


def nav_sections() -> list[NavLink]:
    """Every section in its order, with its address.

    Remembered in the page cache under the content generation, which any change to a section
    replaces (see newsroom.caching): a page rendered for a reader costs no query for it, and a
    renamed, added or reordered section shows on the next page rendered.
    """
    generation = current_generation()
    if generation is None:  # the cache keeps nothing now (down, or a dummy)
        return sections_from_database()
    cache = page_cache()
    key = f"nav-sections:{generation}"
    links = cache.get(key)
    if links is None:
        links = sections_from_database()
        cache.set(key, links, NAV_SECONDS)
    return links


def sections_from_database() -> list[NavLink]:
    return [NavLink(section.name, section.get_absolute_url()) for section in Section.objects.all()]
