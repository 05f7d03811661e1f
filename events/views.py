"""Readers' pages of events, and the pages that bring events and stories together.

A day of events and one event; the front page, topic timelines and publisher pages, which list
stories and events side by side and so live here, in the app that may import from both.
Querysets start from `published()` and load what their templates show up front, so a page's
query count does not grow with its citations, entities, related items or events.
"""

import datetime as dt
from dataclasses import dataclass

from django.db import connection
from django.db.models import BooleanField, Count, F, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.functions import TruncMonth
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.views.generic import DayArchiveView, DetailView, ListView, TemplateView

from newsroom.converters import day_or_404
from newsroom.models import Entity, Status, Story
from newsroom.structured_data import Article, article_image, latest
from newsroom.timelines import TimelinePart, TimelineView, as_date, story_timeline_part
from newsroom.views import split_citations, story_cards
from sources.models import Publisher

from . import search
from .models import Event, EventCitation, EventCorrection, RelatedEvent, published_about


class EventDayView(DayArchiveView):
    """A day's published events by category, with links to the nearest days that have any."""

    page_cache = True

    model = Event
    date_field = "date"
    month_format = "%m"
    # Visibility is published()'s job alone; an event's date says when it happened.
    allow_future = True
    allow_empty = False
    context_object_name = "events"

    template_name = "events/event_archive_day.html"

    def get_queryset(self) -> QuerySet:
        # The day's events carry the nearest earlier and later days with any: one query.
        return (
            Event.objects.published()
            .with_nearest_days(before=self.day, after=self.day)
            .as_cards()
            .in_day_order()
        )

    def get_dated_items(self):
        self.day = day_or_404(int(self.get_year()), int(self.get_month()), int(self.get_day()))
        events = self.get_dated_queryset(date=self.day)  # evaluated here: 404 when empty
        first = events[0]
        return (
            None,
            events,
            {"day": self.day, "previous_day": first.previous_day, "next_day": first.next_day},
        )


def first_of_month(year: int, month: int) -> dt.date:
    return day_or_404(year, month, 1)


def month_after(day: dt.date) -> dt.date:
    return dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)


class EventMonthView(TemplateView):
    """A month's published events, day by day, with links to the nearest months that have any.

    Two queries besides the navigation: the month's events, and the neighbouring months.
    """

    page_cache = True

    template_name = "events/event_archive_month.html"

    def get_context_data(self, **kwargs):
        start = first_of_month(kwargs["year"], kwargs["month"])
        end = month_after(start)
        published = Event.objects.published()
        last = end - dt.timedelta(days=1)
        events = list(
            published.filter(date__gte=start, date__lt=end)
            .with_nearest_days(before=start, after=last)
            .as_cards()
            .order_by(
                "date",
                F("category__position").asc(nulls_last=True),
                "category__name",
                "publish_at",
                "pk",
            )
        )
        if not events:
            raise Http404("Nothing published in this month.")
        return super().get_context_data(
            month=start,
            events=events,
            previous_month=events[0].previous_day,
            next_month=events[0].next_day,
        )


class EventYearView(TemplateView):
    """A year of events: each month that has published events, with how many, newest last."""

    page_cache = True

    template_name = "events/event_archive_year.html"

    def get_context_data(self, **kwargs):
        year = kwargs["year"]  # within the readers' calendar (newsroom/converters.py)
        published = Event.objects.published()
        months = list(
            published.filter(date__year=year)
            .annotate(month=TruncMonth("date"))
            .values("month")
            .annotate(count=Count("pk"))
            .values_list("month", "count")
            .order_by("month")
        )
        if not months:
            raise Http404("Nothing published in this year.")
        # One row of the year is enough to carry the two scalar subqueries.
        previous, following = (
            published.filter(date__gte=dt.date(year, 1, 1), date__lte=dt.date(year, 12, 31))
            .order_by()
            .with_nearest_days(before=dt.date(year, 1, 1), after=dt.date(year, 12, 31))
            .values_list("previous_day", "next_day")[:1]
            .get()
        )
        return super().get_context_data(
            year=year,
            months=[(as_date(month), count) for month, count in months],
            total=sum(count for _month, count in months),
            previous_year=as_date(previous).year if previous else None,
            next_year=as_date(following).year if following else None,
        )


@dataclass(frozen=True)
class RelatedItem:
    """A related event and the entities it shares with the event on the page."""

    event: Event
    shared: list[Entity]


@dataclass
class EventPage:
    """What an event page shows, loaded in six plain queries (see `load_event_page`)."""

    event: Event
    citations: list
    entities: list[Entity]
    related: list[RelatedItem]
    related_stories: list
    corrections: list


#: What an event page shows of the rows it loads beside the event: loading only these columns
#: (not bodies, audit fields or descriptions) measurably speeds the readers' most-read page.
CITATION_FIELDS = (
    *("item_id", "position", "role", "quote"),
    *("source__url", "source__title", "source__publisher__name", "source__publisher__slug"),
)
LINKED_EVENT_FIELDS = ("headline", "slug", "date", "status", "publish_at")
ENTITY_FIELDS = ("name", "slug", "kind")


def with_page_extras(events: QuerySet) -> QuerySet:
    """Annotate `has_corrections` and `may_have_stories` (any related story with the status
    published), so that `load_event_page()` skips those queries for an event without any.

    Raw EXISTS subqueries: Django's Exists() costs more to build and compile than the two
    queries it would save (measured on the event page, about 1 ms against 0.2 ms).
    """
    qn = connection.ops.quote_name
    event_id = f"{qn(Event._meta.db_table)}.{qn('id')}"
    corrections = EventCorrection._meta
    linked = Event.related_stories.through._meta
    story = Story._meta
    return events.annotate(
        has_corrections=RawSQL(
            f"EXISTS (SELECT 1 FROM {qn(corrections.db_table)} "
            f"WHERE {qn(corrections.get_field('event').column)} = {event_id})",
            (),
            output_field=BooleanField(),
        ),
        may_have_stories=RawSQL(
            f"EXISTS (SELECT 1 FROM {qn(linked.db_table)} link "
            f"INNER JOIN {qn(story.db_table)} story "
            f"ON story.{qn('id')} = link.{qn(linked.get_field('story').column)} "
            f"WHERE link.{qn(linked.get_field('event').column)} = {event_id} "
            f"AND story.{qn(story.get_field('status').column)} = %s)",
            (Status.PUBLISHED,),
            output_field=BooleanField(),
        ),
    )


def load_event_page(event: Event) -> EventPage:
    """An event's citations, entities, related events with the entities they share, related
    stories and corrections: one query each, however many there are, and none for stories or
    corrections when the event was loaded `with_page_extras()` and has none. (Plain querysets
    cost markedly less than prefetch_related here, and the entities of the event and of its
    related events come in one query.)

    Which related events readers may see is decided in memory (`is_published`, the twin of
    published()): an IN (published events) subquery would scan the events table.
    """
    citations = list(
        EventCitation.objects.filter(item=event)
        .select_related("source__publisher")
        .only(*CITATION_FIELDS)
    )
    links = [
        link
        for link in RelatedEvent.objects.filter(from_event=event)
        .select_related("to_event")
        .only("from_event_id", *(f"to_event__{field}" for field in LINKED_EVENT_FIELDS))
        if link.to_event.is_published
    ]
    entities_of: dict[int, list[Entity]] = {}
    for entity in (
        Entity.objects.filter(
            tagged_events__content_object_id__in=[event.pk, *(link.to_event_id for link in links)]
        )
        .annotate(tagged_event_id=F("tagged_events__content_object_id"))
        .only(*ENTITY_FIELDS)
    ):
        entities_of.setdefault(entity.tagged_event_id, []).append(entity)
    by_name = lambda entity: (entity.name.casefold(), entity.pk)  # noqa: E731
    own = sorted(entities_of.get(event.pk, []), key=by_name)
    own_pks = {entity.pk for entity in own}
    related = [
        RelatedItem(
            link.to_event,
            sorted(
                (e for e in entities_of.get(link.to_event_id, []) if e.pk in own_pks),
                key=by_name,
            ),
        )
        for link in links
    ]
    related_stories = []
    if getattr(event, "may_have_stories", True):
        related_stories = list(
            Story.objects.published().filter(events=event).only("headline", "slug", "publish_at")
        )
    corrections = []
    if getattr(event, "has_corrections", True):
        corrections = list(event.corrections.only("event_id", "published_at", "text"))
    return EventPage(
        event=event,
        citations=citations,
        entities=own,
        related=related,
        related_stories=related_stories,
        corrections=corrections,
    )


def event_article(page: EventPage, *, request) -> Article:
    """An event's NewsArticle data, from what the page loaded."""
    event = page.event
    corrections = [(c.published_at, c.text) for c in page.corrections]
    image = None
    if event.cover_image:
        image = article_image(
            event.cover_image,
            event.cover_image_width,
            event.cover_image_height,
            request=request,
            alt=event.cover_image_alt,
            credit=event.cover_image_credit,
        )
    keywords = [entity.name for entity in page.entities]
    if event.topic and event.topic.name not in keywords:
        keywords.insert(0, event.topic.name)
    return Article(
        url=request.build_absolute_uri(event.get_absolute_url()),
        headline=event.headline,
        description=event.summary or event.headline,
        published=event.first_published_at or event.publish_at,
        modified=latest(
            event.publish_at, event.last_published_at, *(when for when, _ in corrections)
        ),
        image=image,
        dateline=event.place.name if event.place else "",
        section=event.category.name if event.category else "",
        keywords=keywords,
        corrections=corrections,
        citations=[citation.source.url for citation in page.citations],
    )


class EventDetailView(DetailView):
    """One published event at its date and slug."""

    page_cache = True

    model = Event
    context_object_name = "event"

    def get_queryset(self) -> QuerySet:
        return with_page_extras(
            Event.objects.published().select_related("category", "topic", "place")
        )

    def get_object(self, queryset=None) -> Event:
        # The address's converters give the date as numbers: no parsing of it as text, which
        # is DateDetailView's way and a measurable share of the page.
        day = day_or_404(self.kwargs["year"], self.kwargs["month"], self.kwargs["day"])
        return get_object_or_404(
            queryset if queryset is not None else self.get_queryset(),
            date=day,
            slug=self.kwargs["slug"],
        )

    def get_context_data(self, **kwargs):
        page = load_event_page(self.object)
        sources, image_credits = split_citations(page.citations)
        return super().get_context_data(
            sources=sources,
            image_credits=image_credits,
            entities=page.entities,
            related_events=page.related,
            related_stories=page.related_stories,
            corrections=page.corrections,
            article=event_article(page, request=self.request),
            **kwargs,
        )


#: What a timeline entry shows of an event (jinja2/newsroom/includes/timeline.html).
EVENT_CARD_FIELDS = ("headline", "slug", "date", "summary", "category__name")


def event_timeline_part(events: QuerySet) -> TimelinePart:
    return TimelinePart(
        "event",
        events,
        F("date"),
        Event.objects.select_related("category").only(*EVENT_CARD_FIELDS),
    )


class FrontPageView(TemplateView):
    """Latest stories, and the events of today or, failing that, of the latest day with any."""

    page_cache = True

    template_name = "events/front_page.html"
    story_count = 12

    def get_context_data(self, **kwargs):
        today = timezone.localdate()
        published_events = Event.objects.published()
        events_day = published_events.latest_day(on_or_before=today)
        events = []
        if events_day is not None:
            events = list(published_events.on(events_day).as_cards().in_day_order())
        stories = story_cards(Story.objects.published())[: self.story_count]
        return super().get_context_data(
            stories=list(stories),
            events=events,
            events_day=events_day,
            events_are_today=events_day == today,
            **kwargs,
        )


class TopicDetailView(TimelineView):
    """An entity's timeline: published events and stories that carry it, newest first.

    An entity that nothing published carries has no page (404): a name typed into a draft
    is not news yet.
    """

    page_cache = True

    template_name = "events/entity_detail.html"
    missing_when_empty = True

    def get(self, request, *args, **kwargs):
        self.entity = get_object_or_404(Entity, slug=kwargs["slug"])
        return super().get(request, *args, **kwargs)

    def get_timeline_parts(self) -> list[TimelinePart]:
        # Two parts of events: the topic's (counted from one covering index) and the tagged
        # ones; the timeline's UNION drops an event that is in both.
        with_topic, tagged, stories = published_about(self.entity)
        return [
            event_timeline_part(with_topic),
            event_timeline_part(tagged),
            story_timeline_part(stories),
        ]

    def get_context_data(self, **kwargs):
        return super().get_context_data(entity=self.entity, **kwargs)


class PublisherDetailView(TimelineView):
    """A publisher, its domains, and the published events and stories that cite it.

    A publisher that nothing published cites has no page (404): journalists add publishers
    while drafting, and what they typed reaches readers only with an item an editor published
    (see `sources.models.SharedRecord`).
    """

    page_cache = True

    template_name = "sources/publisher_detail.html"
    missing_when_empty = True

    def get(self, request, *args, **kwargs):
        self.publisher = get_object_or_404(
            Publisher.objects.prefetch_related("domains"), slug=kwargs["slug"]
        )
        return super().get(request, *args, **kwargs)

    def get_timeline_parts(self) -> list[TimelinePart]:
        citing_events = Event.objects.filter(citations__source__publisher=self.publisher)
        citing_stories = Story.objects.filter(citations__source__publisher=self.publisher)
        return [
            event_timeline_part(
                Event.objects.published().filter(pk__in=citing_events.values("pk"))
            ),
            story_timeline_part(
                Story.objects.published().filter(pk__in=citing_stories.values("pk"))
            ),
        ]

    def get_context_data(self, **kwargs):
        return super().get_context_data(publisher=self.publisher, **kwargs)


class SearchView(ListView):
    """`/search/?q=`: published stories and events, best match first, with snippets.

    Not page-cached: the address is whatever a reader typed. Its queries are fixed: the
    form's section and category choices, the count, the page's rows, and the page's stories
    and events (one query each).
    """

    template_name = "search/search.html"
    paginate_by = 20

    def get(self, request, *args, **kwargs):
        self.form = search.SearchForm(request.GET or None)
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        if not self.form.has_search:
            return []
        self.parts = {part.kind: part for part in search.search_parts(self.form)}
        return search.result_rows(list(self.parts.values()))

    def paginate_queryset(self, queryset, page_size):
        paginator, page, rows, is_paginated = super().paginate_queryset(queryset, page_size)
        if not self.form.has_search:
            return paginator, page, rows, is_paginated
        rows = list(rows)
        text = self.form.cleaned_data.get("q", "")
        loaded = {
            kind: search.with_snippets(
                self.parts[kind], text, [pk for k, pk, *_ in rows if k == kind]
            )
            for kind in {row[0] for row in rows}
        }
        page.object_list = [
            search.SearchResult(kind, loaded[kind][pk], as_date(day))
            for kind, pk, _rank, day, _at in rows
            if pk in loaded[kind]
        ]
        return paginator, page, page.object_list, is_paginated

    def get_context_data(self, **kwargs):
        query = self.request.GET.copy()
        query.pop("page", None)
        return super().get_context_data(
            form=self.form,
            searched=self.form.has_search,
            full_text=search.uses_full_text(),
            query_string=query.urlencode(),
            **kwargs,
        )
