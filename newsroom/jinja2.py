"""The Jinja2 environment of readers' pages; the admin, sitemaps and feeds stay on Django's
template language.

Filters and globals wrap Django's own functions, so a page prints what Django's tags and
filters printed: dates in the active time zone (as `|date` shows aware datetimes), escaping
that respects `mark_safe`, addresses from the URLconf and the static files storage.
"""

import datetime as dt
import functools
from itertools import groupby
from operator import attrgetter
from typing import Any, NamedTuple

from django.template import defaultfilters
from django.templatetags.static import static
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.timezone import template_localtime
from jinja2 import Environment, pass_context, pass_eval_context

from .navigation import nav_sections
from .renditions import picture_sources


def environment(**options) -> Environment:
    # Django's templates keep the newline that ends an included file; so do ours.
    env = Environment(keep_trailing_newline=True, **options)
    env.globals.update(
        url=url,
        static=static,
        canonical_url=canonical_url,
        nav_sections=nav_sections,
        picture_sources=picture_sources,
    )
    env.filters.update(
        date=date,
        iso_datetime=iso_datetime,
        isodate=isodate,
        linebreaks=linebreaks,
        truncatewords=defaultfilters.truncatewords,
        pluralize=defaultfilters.pluralize,
        regroup=regroup,
    )
    return env


def url(name: str, *args, **kwargs) -> str:
    if args or kwargs:
        return reverse(name, args=args, kwargs=kwargs)
    return fixed_url(name, get_script_prefix(), get_urlconf())


@functools.lru_cache(maxsize=256)
def fixed_url(name: str, script_prefix: str, urlconf: str | None) -> str:
    """The address of a route without arguments (the front page, search, feeds: a dozen on
    every page), reversed once per process, prefix and URLconf."""
    return reverse(name, urlconf=urlconf)


@pass_context
def canonical_url(context, obj=None) -> str:
    """The absolute address of `obj` (or of this page), keeping only a page number past 1."""
    request = context["request"]
    path = obj.get_absolute_url() if obj is not None else request.path
    page = context.get("page_obj")
    if page is not None and page.number > 1:
        path = f"{path}?page={page.number}"
    return request.build_absolute_uri(path)


def date(value, format: str | None = None) -> str:
    """Django's `date` filter; an aware datetime is shown in the active time zone."""
    return defaultfilters.date(template_localtime(value), format)


def isodate(value) -> str:
    """A `<time datetime>` day (`2010-04-07`): a date as it is, a datetime in local time.
    (What `date('Y-m-d')` prints, without Django's general formatter: timelines print dozens.)"""
    if isinstance(value, dt.datetime):
        value = template_localtime(value).date()
    return value.isoformat() if value else ""


def iso_datetime(value) -> str:
    """A `<time datetime>` value: local time to the second, with its offset (no microseconds)."""
    return template_localtime(value).isoformat(timespec="seconds") if value else ""


@pass_eval_context
def linebreaks(eval_ctx, value) -> str:
    return defaultfilters.linebreaks_filter(value, autoescape=eval_ctx.autoescape)


class Group(NamedTuple):
    grouper: Any
    list: list


def regroup(items, attribute: str) -> list[Group]:
    """Runs of items with the same `attribute`, in the order given, like Django's
    `{% regroup %}` (Jinja's `groupby` sorts the items first)."""
    return [Group(key, list(run)) for key, run in groupby(items, key=attrgetter(attribute))]
