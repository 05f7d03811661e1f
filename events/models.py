"""What happened, day by day: events, their categories, citations and related events.

Import direction: sources <- newsroom <- events. This app may import from both others.
"""

import datetime as dt
from collections.abc import Mapping
from typing import Any

import reversion
from django.contrib.contenttypes.fields import GenericRelation
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, Q, Subquery
from django.urls import reverse
from taggit.managers import TaggableManager
from taggit.models import ItemBase

from newsroom.images import validate_image
from newsroom.markup import render_markdown
from newsroom.models import (
    CorrectionBase,
    Entity,
    Publishable,
    PublishableQuerySet,
    PublishProblem,
)
from newsroom.pictures import PictureField
from sources.models import Citation, SharedRecord, citation_constraints
from sources.slugs import make_slug

SLUG_MAX_LENGTH = 150


def headline_slug(headline: str) -> str:
    """A clean slug from a headline, cut at a word boundary to fit the column."""
    slug = make_slug(headline)
    if len(slug) > SLUG_MAX_LENGTH:
        slug = slug[:SLUG_MAX_LENGTH].rsplit("-", 1)[0]
    return slug or "event"


class Category(SharedRecord):
    """A heading of the day page, as on Wikipedia's current-events portal."""

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True, allow_unicode=True)
    position = models.PositiveSmallIntegerField(default=0, help_text="Order on the day page.")
    description = models.TextField(blank=True)

    #: Every category is offered by the readers' search form.
    shown_everywhere = True

    class Meta:
        ordering = ["position", "name"]
        verbose_name_plural = "categories"
        permissions = [("change_live_category", "Can change categories shown on live pages")]

    def __str__(self) -> str:
        return self.name


class TaggedEvent(ItemBase):
    content_object = models.ForeignKey(
        "Event", on_delete=models.CASCADE, related_name="tagged_entities"
    )
    tag = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="tagged_events")

    class Meta:
        verbose_name = "event entity"
        verbose_name_plural = "event entities"
        constraints = [
            models.UniqueConstraint(
                fields=["content_object", "tag"], name="%(app_label)s_%(class)s_unique"
            ),
        ]


class EventQuerySet(PublishableQuerySet):
    def on(self, day: dt.date) -> "EventQuerySet":
        return self.filter(date=day)

    def with_citation_counts(self) -> "EventQuerySet":
        """Annotate `citation_count` and `publisher_count` (distinct publishers cited)."""
        return self.annotate(
            citation_count=Count("citations", distinct=True),
            publisher_count=Count("citations__source__publisher", distinct=True),
        )

    def as_cards(self) -> "EventQuerySet":
        """With what a list of a day's events shows (jinja2/events/includes/day_events.html)
        and nothing more: an event's body and audit fields stay in the database."""
        return self.select_related("category", "topic").only(
            *("headline", "slug", "date", "summary"),
            *("category__name", "topic__name", "topic__slug"),
        )

    def in_day_order(self) -> "EventQuerySet":
        """The order of a day page: by category (uncategorised last), then as published."""
        return self.order_by(
            models.F("category__position").asc(nulls_last=True),
            "category__name",
            "date",
            "publish_at",
            "pk",
        )

    def latest_day(self, *, on_or_before: dt.date) -> dt.date | None:
        """The most recent date, not after `on_or_before`, that has an event in this queryset."""
        return (
            self.filter(date__lte=on_or_before)
            .order_by("-date")
            .values_list("date", flat=True)
            .first()
        )

    def with_nearest_days(self, *, before: dt.date, after: dt.date) -> "EventQuerySet":
        """Annotate `previous_day` and `next_day`: the nearest dates with published events
        before `before` and after `after`, as scalar subqueries, each an index lookup (not a
        scan of the table)."""
        published = Event.objects.published()
        return self.annotate(
            previous_day=Subquery(
                published.filter(date__lt=before).order_by("-date").values("date")[:1]
            ),
            next_day=Subquery(published.filter(date__gt=after).order_by("date").values("date")[:1]),
        )


def published_about(entity: Entity) -> tuple[EventQuerySet, EventQuerySet, models.QuerySet]:
    """What carries `entity`, published: the events whose topic it is, the events tagged with
    it, and the stories tagged with it.

    The two kinds of events come apart, each an index lookup (an OR of them would scan every
    event); an event may be in both, so whoever lists them drops the duplicates.
    """
    from newsroom.models import Story

    published = Event.objects.published()
    return (
        published.filter(topic=entity),
        published.filter(tagged_entities__tag=entity),
        Story.objects.published().filter(tagged_entities__tag=entity),
    )


class Event(Publishable):
    date = models.DateField(
        db_index=True, help_text="The day it happened, in the place it happened."
    )
    slug = models.SlugField(
        max_length=SLUG_MAX_LENGTH,
        allow_unicode=True,
        blank=True,
        help_text="Unique within the day; filled from the headline if left empty.",
    )
    headline = models.CharField(
        max_length=500, help_text="One sentence saying what happened, in the past or present tense."
    )
    summary = models.TextField(blank=True, help_text="A short paragraph of context.")
    body = models.TextField(blank=True, help_text="Optional longer text, in Markdown.")
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, null=True, blank=True, related_name="events"
    )
    place = models.ForeignKey(
        Entity,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="events_here",
        limit_choices_to={"kind": Entity.Kind.PLACE},
    )
    topic = models.ForeignKey(
        Entity,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="topic_events",
        limit_choices_to={"kind": Entity.Kind.TOPIC},
        help_text="The ongoing story this event belongs to, e.g. “2010 Kyrgyz revolution”.",
    )
    cover_image = PictureField(
        folder="events",
        blank=True,
        validators=[validate_image],
        width_field="cover_image_width",
        height_field="cover_image_height",
    )
    cover_image_width = models.PositiveIntegerField(null=True, blank=True, editable=False)
    cover_image_height = models.PositiveIntegerField(null=True, blank=True, editable=False)
    cover_image_alt = models.CharField(
        "cover image text alternative",
        max_length=300,
        blank=True,
        help_text="What the picture shows, for readers who cannot see it.",
    )
    cover_image_credit = models.CharField(
        max_length=200, blank=True, help_text="Who made the picture, e.g. “Al Jazeera”."
    )
    entities = TaggableManager(
        through=TaggedEvent,
        blank=True,
        verbose_name="entities",
        help_text="People, places, organisations and topics, separated by commas.",
    )
    related_events = models.ManyToManyField(
        "self",
        through="RelatedEvent",
        through_fields=("from_event", "to_event"),
        symmetrical=False,
        blank=True,
        related_name="+",
    )
    related_stories = models.ManyToManyField("newsroom.Story", blank=True, related_name="events")

    redirects = GenericRelation("newsroom.ItemRedirect", related_query_name="event")

    objects = EventQuerySet.as_manager()

    image_credit_fields = (("cover_image", "cover_image_credit"),)
    related_item_relations = ("related_events", "related_stories")
    address_fields = ("date", "slug")

    class Meta:
        ordering = ["-date", "pk"]
        get_latest_by = "date"
        constraints = [
            *Publishable.publishable_constraints(),
            models.UniqueConstraint(
                fields=["date", "slug"],
                name="%(app_label)s_%(class)s_unique_slug_per_day",
                violation_error_message="Another event on this day already uses this slug.",
            ),
            models.CheckConstraint(
                condition=~Q(slug=""), name="%(app_label)s_%(class)s_slug_not_empty"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "date"]),
            # A topic's timeline: counted and ordered from the index alone.
            models.Index(
                fields=["topic", "status", "publish_at", "date"], name="events_topic_timeline"
            ),
        ]
        permissions = [
            ("publish_event", "Can publish, schedule, unpublish and correct events"),
            ("import_event", "Can import events from spreadsheets"),
            ("export_event", "Can export events to spreadsheets"),
        ]

    def __str__(self) -> str:
        return self.headline

    def save(self, *args, **kwargs) -> None:
        if not self.slug:
            self.slug = self.unique_slug()
        super().save(*args, **kwargs)

    def unique_slug(self) -> str:
        """A slug from the headline that no other event of the same day uses."""
        base = headline_slug(self.headline)
        taken = set(
            Event.objects.filter(date=self.date, slug__startswith=base)
            .exclude(pk=self.pk)
            .values_list("slug", flat=True)
        )
        slug, n = base, 2
        while slug in taken:
            suffix = f"-{n}"
            slug, n = base[: SLUG_MAX_LENGTH - len(suffix)] + suffix, n + 1
        return slug

    def publish_problems(self, *, at: dt.datetime | None = None) -> list[str]:
        problems = super().publish_problems(at=at)
        if self.pk is None or not self.citations.exists():
            problems.append(PublishProblem.CITATION)
        return problems

    def get_absolute_url(self) -> str:
        return self.address_of({"date": self.date, "slug": self.slug})

    @classmethod
    def address_of(cls, values: Mapping[str, Any], *, twin: bool = False) -> str:
        day = values["date"]
        return reverse(
            "events:event_markdown" if twin else "events:event",
            kwargs={"year": day.year, "month": day.month, "day": day.day, "slug": values["slug"]},
        )

    def get_twin_url(self) -> str:
        return self.address_of({"date": self.date, "slug": self.slug}, twin=True)

    def get_day_url(self) -> str:
        return reverse(
            "events:day",
            kwargs={"year": self.date.year, "month": self.date.month, "day": self.date.day},
        )

    @property
    def body_html(self) -> str:
        return render_markdown(self.body)

    def clean(self) -> None:
        if not self.slug and self.headline and self.date:
            self.slug = self.unique_slug()
        if self.cover_image and not self.cover_image_alt:
            raise ValidationError(
                {"cover_image_alt": "Describe the cover image for readers who cannot see it."}
            )


class RelatedEvent(models.Model):
    """An ordered link from one event to another ("Related:" in the archive)."""

    from_event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="related_links")
    to_event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="+")
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["from_event", "to_event"], name="%(app_label)s_%(class)s_unique"
            ),
            models.CheckConstraint(
                condition=~Q(from_event=models.F("to_event")),
                name="%(app_label)s_%(class)s_not_self",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.from_event} → {self.to_event}"


class EventCitation(Citation):
    item = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="citations")

    class Meta(Citation.Meta):
        verbose_name = "citation"
        constraints = citation_constraints()


class EventCorrection(CorrectionBase):
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="corrections")

    class Meta(CorrectionBase.Meta):
        verbose_name = "correction"


# Revisions (django-reversion): an event's version carries its citations, related events and
# entities; corrections are append-only and not followed, so a revert never takes one back.
reversion.register(Category)
reversion.register(TaggedEvent)
reversion.register(RelatedEvent)
reversion.register(EventCitation)
reversion.register(EventCorrection)
reversion.register(Event, follow=["citations", "related_links", "tagged_entities"])
