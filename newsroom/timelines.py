"""Timelines: published items of several kinds on one list, newest first, paged in SQL."""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import CharField, DateField, Expression, F, QuerySet, Value
from django.db.models.functions import TruncDate
from django.http import Http404
from django.views.generic import ListView


@dataclass(frozen=True)
class TimelinePart:
    """Items of one kind on a timeline: a published queryset and the day each belongs to.

    `cards` loads the rows of a page by primary key (with what the template shows); the pks
    come from `items`, so it need not repeat `items`' filters, which may be costly subqueries.
    A timeline may have several parts of one kind (each an index lookup, where one OR of them
    would not be); an item in two of them is listed once.
    """

    kind: str
    items: QuerySet
    day: Expression
    cards: QuerySet


@dataclass(frozen=True)
class TimelineEntry:
    kind: str
    item: Any
    day: dt.date


#: What a timeline entry shows of a story (jinja2/newsroom/includes/timeline.html).
STORY_CARD_FIELDS = ("headline", "slug", "dek", "publish_at", "section__name")


def story_timeline_part(stories: QuerySet) -> TimelinePart:
    return TimelinePart(
        "story",
        stories,
        TruncDate("publish_at", output_field=DateField()),
        stories.model.objects.select_related("section").only(*STORY_CARD_FIELDS),
    )


class TimelineView(ListView):
    """Published items of several kinds, newest first, paginated as one list.

    The list is one UNION of (kind, pk, day, published at) rows, so counting and slicing
    happen in SQL; only the rows of the page are then loaded, one query per kind.
    Subclasses return the parts from `get_timeline_parts()`; when two parts are of one kind
    they may share items, and the UNION drops the duplicates.
    """

    paginate_by = 20
    #: With nothing published to list, answer 404 instead of an empty page. (Not ListView's
    #: `allow_empty`, which would cost an extra query: the paginator's count decides here.)
    missing_when_empty = False

    def get_timeline_parts(self) -> list[TimelinePart]:
        raise NotImplementedError

    def get_queryset(self) -> QuerySet:
        parts = self.get_timeline_parts()
        # Parts of one kind share how their rows are loaded: the first one's `cards`.
        self.cards = {}
        for part in parts:
            self.cards.setdefault(part.kind, part.cards)
        rows = [
            part.items.order_by()
            .annotate(
                timeline_kind=Value(part.kind, output_field=CharField()),
                timeline_day=part.day,
                timeline_at=F("publish_at"),
            )
            .values_list("timeline_kind", "pk", "timeline_day", "timeline_at")
            for part in parts
        ]
        first, *others = rows
        overlapping = len(self.cards) < len(parts)
        union = first.union(*others, all=not overlapping) if others else first
        return union.order_by("-timeline_day", "-timeline_at", "timeline_kind")

    def paginate_queryset(self, queryset, page_size):
        paginator, page, rows, is_paginated = super().paginate_queryset(queryset, page_size)
        if paginator.count == 0 and self.missing_when_empty:
            raise Http404("Nothing published here yet.")
        rows = list(rows)
        loaded = {
            kind: self.cards[kind].in_bulk([pk for k, pk, *_ in rows if k == kind])
            for kind in {row[0] for row in rows}
        }
        page.object_list = [
            TimelineEntry(kind, loaded[kind][pk], as_date(day))
            for kind, pk, day, _at in rows
            if pk in loaded[kind]
        ]
        return paginator, page, page.object_list, is_paginated


def as_date(value: Any) -> dt.date:
    """SQLite returns a UNION's date column as text; other databases as a date (or, for a
    column that mixes dates and times, a datetime)."""
    if isinstance(value, str):
        return dt.date.fromisoformat(value[:10])
    if isinstance(value, dt.datetime):
        return value.date()
    return value
