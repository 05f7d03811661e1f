"""The editorial core: entities, the publishable base, sections, authors, stories.

Import direction: sources <- newsroom <- events. This module may import from `sources`, never
from `events`; events link back here with string references ("newsroom.Entity").
"""

import os
import socket
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import reversion
from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey, GenericRelation
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Coalesce
from django.urls import get_script_prefix, reverse
from django.utils import timezone
from taggit.managers import TaggableManager
from taggit.models import ItemBase, NaturalKeyManager, TagBase

from sources.models import Citation, SharedRecord, SharedRecordQuerySet, citation_constraints
from sources.slugs import make_slug

from .images import validate_image
from .markup import render_markdown
from .pictures import PictureField


class Entity(SharedRecord, TagBase):
    """A person, place, organisation or topic; one vocabulary shared by stories and events."""

    class Kind(models.TextChoices):
        PERSON = "person", "Person"
        PLACE = "place", "Place"
        ORGANISATION = "organisation", "Organisation"
        TOPIC = "topic", "Topic"

    kind = models.CharField(
        max_length=20,
        choices=Kind,
        default=Kind.TOPIC,
        db_index=True,
        help_text="Topics are ongoing stories, e.g. “2010 Kyrgyz revolution”.",
    )
    description = models.TextField(blank=True, help_text="One or two sentences for its page.")

    objects = NaturalKeyManager.from_queryset(SharedRecordQuerySet)()

    #: Tagged on a live item, its topic, its place or a story's dateline.
    live_paths = (
        "tagged_stories__content_object",
        "datelined_stories",
        "tagged_events__content_object",
        "topic_events",
        "events_here",
    )

    class Meta:
        verbose_name = "entity"
        verbose_name_plural = "entities"
        ordering = ["name"]
        permissions = [("change_live_entity", "Can change entities shown on live pages")]

    def get_absolute_url(self) -> str:
        return reverse("events:topic", kwargs={"slug": self.slug})

    def slugify(self, tag: str, i: int | None = None) -> str:
        """taggit's hook for a new entity's slug (`name`, then `name_2`, …), with room for the
        suffix in the column (a name's letters may spread when normalized: `ﬀ` is `ff`)."""
        slug = make_slug(tag, max_length=90) or "entity"
        return slug if i is None else f"{slug}_{i}"


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    IN_REVIEW = "in_review", "In review"
    PUBLISHED = "published", "Published"
    UNPUBLISHED = "unpublished", "Unpublished"


class PublishableQuerySet(models.QuerySet):
    def published(self, *, at: datetime | None = None):
        """What a reader may see: published, with a go-live time already past.

        The one definition of visibility; `Publishable.is_published` is its twin for one item.
        """
        return self.filter(status=Status.PUBLISHED, publish_at__lte=at or timezone.now())

    def live_or_scheduled(self):
        """What an editor has let out: `published()` now, or scheduled to be (no one reviews
        a scheduled item again before readers see it)."""
        return self.filter(status=Status.PUBLISHED)

    def hidden(self, *, at: datetime | None = None):
        """What a reader may not see (by `at`): everything `published()` leaves out."""
        return self.exclude(status=Status.PUBLISHED, publish_at__lte=at or timezone.now())

    def seen_addresses(self) -> dict[int, str]:
        """{pk: path} of the items readers could have seen, taken before a bulk write that may
        move them (`ItemRedirect.objects.record_moves()` then compares)."""
        model = self.model
        return {
            row["pk"]: site_path(model.address_of(row))
            for row in self.values("pk", *model.tracked_fields())
            if model.was_public(row)
        }

    def linking_to(self, item: "Publishable"):
        """The items of this queryset with a related-item link to `item`."""
        linking = None
        for relation in self.model.related_item_relations:
            field = self.model._meta.get_field(relation)
            if field.related_model is not type(item):
                continue
            links = field.remote_field.through._default_manager.filter(
                **{field.m2m_reverse_field_name(): item.pk}
            )
            condition = models.Q(pk__in=links.values(field.m2m_field_name()))
            linking = condition if linking is None else linking | condition
        return self.none() if linking is None else self.filter(linking)


class PublishProblem:
    """The words of `Publishable.publish_problems()`, shared with the bulk checks of imports."""

    HEADLINE = "Write a headline."
    CITATION = "Cite at least one source."

    @staticmethod
    def credit(image_label: str) -> str:
        return f"Credit the {image_label}: say who made the picture."

    @staticmethod
    def related(headline: str) -> str:
        return (
            f"Related item “{headline}” is not published by then; publish it first or remove "
            f"the link."
        )


class Publishable(models.Model):
    """Fields and rules shared by everything that goes through the desk."""

    status = models.CharField(
        max_length=20, choices=Status, default=Status.DRAFT, db_index=True, editable=False
    )
    publish_at = models.DateTimeField(
        null=True,
        blank=True,
        db_index=True,
        editable=False,
        help_text="Readers see the item from this moment; a future time means scheduled.",
    )
    first_published_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_published_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_unpublished_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="When an editor last took the item down; preview links made before then "
        "stop working for good.",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    modified_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    modified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    version = models.PositiveIntegerField(
        default=1, editable=False, help_text="Raised by every save; guards against lost updates."
    )
    review_note = models.TextField(
        blank=True,
        editable=False,
        help_text="What the editor asked to change when sending the item back to its author.",
    )

    objects = PublishableQuerySet.as_manager()

    #: The fields an item's public address is made of (`address_of()`): changing one moves
    #: the item, and its old address then answers with a redirect (`ItemRedirect`).
    address_fields: tuple[str, ...] = ()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None and not kwargs.get("force_insert"):
            self.version = (self.version or 0) + 1
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "version", "modified_at"}
        super().save(*args, **kwargs)

    # Addresses: where readers find the item, and where they found it before ---------------

    @classmethod
    def tracked_fields(cls) -> tuple[str, ...]:
        """What `moved_from()` compares: the address, and whether readers could have seen it."""
        return (*cls.address_fields, "status", "publish_at", "first_published_at")

    @classmethod
    def from_db(cls, db, field_names, values, *, fetch_mode=None):
        """Remembers the stored address, so that a save can tell the item moved without
        asking the database again (see `moved_from()`)."""
        instance = super().from_db(db, field_names, values, fetch_mode=fetch_mode)
        tracked = cls.tracked_fields()
        instance._stored_address = {
            name: value for name, value in zip(field_names, values, strict=True) if name in tracked
        }
        return instance

    def refresh_from_db(self, *args, **kwargs) -> None:
        super().refresh_from_db(*args, **kwargs)
        if kwargs.get("fields") is None and (len(args) < 2 or args[1] is None):
            self.remember_address()

    def remember_address(self) -> None:
        """Take the current values as the stored ones (after a save); deferred ones stay
        unknown (reading them would cost a query)."""
        deferred = self.get_deferred_fields()
        self._stored_address = {
            name: getattr(self, name) for name in self.tracked_fields() if name not in deferred
        }

    @classmethod
    def address_of(cls, values: Mapping[str, Any]) -> str:
        """The URL of the item's page for these values of `address_fields`."""
        raise NotImplementedError

    @classmethod
    def was_public(cls, values: Mapping[str, Any], *, at: datetime | None = None) -> bool:
        """Whether an item with these stored values had been seen by readers (by `at`):
        `has_been_live` for values read from the database."""
        at = at or timezone.now()
        first, publish_at = values.get("first_published_at"), values.get("publish_at")
        live = values.get("status") == Status.PUBLISHED and publish_at is not None
        return (live and publish_at <= at) or (first is not None and first <= at)

    def moved_from(self, *, update_fields: Iterable[str] | None = None) -> str | None:
        """The path readers knew this item at, when this save changes it; None otherwise.

        Compares with the values the item was loaded with (no query), or, for an item not
        loaded from the database (a revert restores a deserialized one), with the stored row.
        An address no reader could have seen (a draft, a schedule not yet reached) is not kept.
        """
        if self.pk is None or (
            update_fields is not None and not set(update_fields) & set(self.address_fields)
        ):
            return None
        stored = getattr(self, "_stored_address", None)
        if stored is None or not set(self.tracked_fields()) <= stored.keys():
            stored = (
                type(self)._base_manager.filter(pk=self.pk).values(*self.tracked_fields()).first()
            )
            if stored is None:
                return None
        if not self.was_public(stored):
            return None
        old = site_path(self.address_of(stored))
        current = {name: getattr(self, name) for name in self.address_fields}
        return old if old != site_path(self.address_of({**stored, **current})) else None

    @property
    def site_path(self) -> str:
        """The path of the item's page as a request sees it (decoded, without the script
        prefix): what `ItemRedirect.old_path` keeps."""
        return site_path(self.get_absolute_url())

    def get_twin_url(self) -> str | None:
        """The address of the item's Markdown twin, if it has one."""
        return None

    @classmethod
    def publishable_constraints(cls) -> list[models.BaseConstraint]:
        return [
            models.CheckConstraint(
                condition=~models.Q(status=Status.PUBLISHED) | models.Q(publish_at__isnull=False),
                name="%(app_label)s_%(class)s_published_has_time",
            ),
        ]

    def publish_problems(self, *, at: datetime | None = None) -> list[str]:
        """What stops this item from going live (now, or at `at`), in words for the desk.

        Empty when ready. A draft may be incomplete; these rules apply when it is published or
        scheduled, by any path (admin, bulk action, import, command). A new link to a related
        item must point at one visible to readers by the time this one is (`new_links()`).
        Subclasses add their own rules.
        """
        at = at or timezone.now()
        problems = []
        if not self.headline.strip():
            problems.append(PublishProblem.HEADLINE)
        for image, credit in self.image_credit_fields:
            if getattr(self, image) and not getattr(self, credit).strip():
                problems.append(PublishProblem.credit(self._meta.get_field(image).verbose_name))
        problems.extend(self.link_problems(at=at))
        return problems

    @property
    def has_been_live(self) -> bool:
        """True once readers have seen the item (it may be hidden again since)."""
        first = self.first_published_at
        return self.is_published or (first is not None and first <= timezone.now())

    def new_links(self, *, saved: Iterable[int], wanted: Iterable[int] | None = None) -> set[int]:
        """Which of this item's links to other items must point at visible ones: the rule
        "new links only", for the desk's forms, the workflow and the importers alike.

        `saved` are the targets of one relation as stored. Going live (`wanted` is None), every
        link counts when the item has never been live: readers get them all at once; once it
        has been live, its links are its own, and an item hidden since never blocks it. Saving
        (`wanted`: the targets the item will have), the links being added count, on an item that
        is published or has been live; a draft that never went live may link to anything (its
        first publication checks).
        """
        if wanted is None:
            return set() if self.has_been_live else set(saved)
        if self.status == Status.PUBLISHED or self.has_been_live:
            return set(wanted) - set(saved)
        return set()

    def hidden_links(
        self,
        relation: str,
        *,
        wanted: Iterable[int] | None = None,
        at: datetime | None = None,
    ) -> models.QuerySet:
        """The targets of `relation` that break the rule of `new_links()`: new links to items
        readers cannot see by `at` (by default, when this item is or goes live)."""
        if at is None:
            at = self.publish_at if self.is_scheduled else timezone.now()
        model = self._meta.get_field(relation).related_model
        saved = getattr(self, relation).values_list("pk", flat=True) if self.pk else []
        new = self.new_links(saved=saved, wanted=wanted)
        return model._default_manager.filter(pk__in=new).hidden(at=at).order_by("headline")

    def link_problems(
        self, *, at: datetime | None = None, wanted: dict[str, Iterable[int]] | None = None
    ) -> list[str]:
        """`hidden_links()` of every relation, in words for the desk (`wanted`: relation →
        target pks, for a save; None when the item goes live at `at`)."""
        return [
            PublishProblem.related(headline)
            for relation in self.related_item_relations
            if wanted is None or relation in wanted
            for headline in self.hidden_links(
                relation, wanted=None if wanted is None else wanted[relation], at=at
            ).values_list("headline", flat=True)
        ]

    #: (image field, credit field) pairs checked by `publish_problems()`.
    image_credit_fields: tuple[tuple[str, str], ...] = ()
    #: Many-to-many relations to other publishable items, which must be published first.
    related_item_relations: tuple[str, ...] = ()

    @property
    def is_published(self) -> bool:
        """Twin of `published()` for one item already in memory."""
        return (
            self.status == Status.PUBLISHED
            and self.publish_at is not None
            and self.publish_at <= timezone.now()
        )

    @property
    def is_scheduled(self) -> bool:
        return (
            self.status == Status.PUBLISHED
            and self.publish_at is not None
            and self.publish_at > timezone.now()
        )


class Section(SharedRecord):
    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True, allow_unicode=True)
    description = models.TextField(blank=True)
    position = models.PositiveSmallIntegerField(default=0, help_text="Order in the navigation.")

    #: Every section is in the navigation of every page, and in the search form.
    shown_everywhere = True

    class Meta:
        ordering = ["position", "name"]
        permissions = [("change_live_section", "Can change sections shown on live pages")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("newsroom:section", kwargs={"slug": self.slug})


class Author(SharedRecord):
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True, allow_unicode=True)
    role = models.CharField(
        max_length=200,
        blank=True,
        help_text="Shown with the byline, e.g. “Central Asia correspondent”.",
    )
    bio = models.TextField(blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="author",
        help_text="The staff account of this author, if they have one.",
    )

    #: In the byline of a live story.
    live_paths = ("bylines__story",)

    class Meta:
        ordering = ["name"]
        permissions = [("change_live_author", "Can change authors shown on live pages")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("newsroom:author", kwargs={"slug": self.slug})

    @property
    def bio_html(self) -> str:
        return render_markdown(self.bio)

    def published_stories(self) -> models.QuerySet:
        """The stories readers may see with this author in the byline (one byline each)."""
        return Story.objects.published().filter(bylines__author=self)


class TaggedStory(ItemBase):
    content_object = models.ForeignKey(
        "Story", on_delete=models.CASCADE, related_name="tagged_entities"
    )
    tag = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="tagged_stories")

    class Meta:
        verbose_name = "story entity"
        verbose_name_plural = "story entities"
        constraints = [
            models.UniqueConstraint(
                fields=["content_object", "tag"], name="%(app_label)s_%(class)s_unique"
            ),
        ]


class Story(Publishable):
    headline = models.CharField(max_length=300)
    slug = models.SlugField(
        max_length=200,
        unique=True,
        allow_unicode=True,
        help_text="The last part of the story's address; filled from the headline if left empty.",
    )
    kicker = models.CharField(
        max_length=100, blank=True, help_text="A word or two above the headline, e.g. “Analysis”."
    )
    dek = models.CharField(
        "standfirst", max_length=500, blank=True, help_text="One sentence under the headline."
    )
    body = models.TextField(blank=True, help_text="Markdown. Use ## for subheadings.")
    dateline = models.ForeignKey(
        Entity,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="datelined_stories",
        limit_choices_to={"kind": Entity.Kind.PLACE},
        help_text="Where the story was reported from.",
    )
    section = models.ForeignKey(
        Section, on_delete=models.PROTECT, null=True, blank=True, related_name="stories"
    )
    authors = models.ManyToManyField(
        Author, through="StoryAuthor", blank=True, related_name="stories"
    )
    lead_image = PictureField(
        folder="stories",
        blank=True,
        validators=[validate_image],
        width_field="lead_image_width",
        height_field="lead_image_height",
    )
    lead_image_width = models.PositiveIntegerField(null=True, blank=True, editable=False)
    lead_image_height = models.PositiveIntegerField(null=True, blank=True, editable=False)
    lead_image_alt = models.CharField(
        "lead image text alternative",
        max_length=300,
        blank=True,
        help_text="What the picture shows, for readers who cannot see it.",
    )
    lead_image_caption = models.CharField(max_length=500, blank=True)
    lead_image_credit = models.CharField(
        max_length=200, blank=True, help_text="Photographer and agency, e.g. “Jane Doe / AP”."
    )
    entities = TaggableManager(
        through=TaggedStory,
        blank=True,
        verbose_name="entities",
        help_text="People, places, organisations and topics, separated by commas.",
    )
    related_stories = models.ManyToManyField(
        "self", symmetrical=False, blank=True, related_name="+"
    )

    redirects = GenericRelation("ItemRedirect", related_query_name="story")

    image_credit_fields = (("lead_image", "lead_image_credit"),)
    related_item_relations = ("related_stories",)
    address_fields = ("publish_at", "created_at", "slug")

    class Meta:
        verbose_name_plural = "stories"
        ordering = ["-publish_at", "-created_at"]
        get_latest_by = "publish_at"
        constraints = Publishable.publishable_constraints()
        indexes = [models.Index(fields=["status", "publish_at"])]
        permissions = [
            ("publish_story", "Can publish, schedule, unpublish and correct stories"),
            ("import_story", "Can import stories from spreadsheets"),
            ("export_story", "Can export stories to spreadsheets"),
        ]

    def __str__(self) -> str:
        return self.headline

    def save(self, *args, **kwargs) -> None:
        if not self.slug:
            self.slug = make_slug(self.headline, max_length=200) or "story"
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        values = {"publish_at": self.publish_at, "slug": self.slug}
        if self.publish_at is None:  # pages that list stories load no `created_at`
            values["created_at"] = self.created_at
        return self.address_of(values)

    @classmethod
    def address_of(cls, values: Mapping[str, Any]) -> str:
        """A story lives at the local date it went live (or was written, before that)."""
        when = timezone.localdate(values["publish_at"] or values["created_at"])
        day = {"year": when.year, "month": when.month, "day": when.day}
        return reverse("newsroom:story", kwargs={**day, "slug": values["slug"]})

    @property
    def body_html(self) -> str:
        return render_markdown(self.body)

    def clean(self) -> None:
        if self.lead_image and not self.lead_image_alt:
            raise ValidationError(
                {"lead_image_alt": "Describe the lead image for readers who cannot see it."}
            )


class StoryAuthor(models.Model):
    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="bylines")
    author = models.ForeignKey(Author, on_delete=models.PROTECT, related_name="bylines")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = "byline"
        constraints = [
            models.UniqueConstraint(
                fields=["story", "author"], name="%(app_label)s_%(class)s_unique_author"
            ),
        ]

    def __str__(self) -> str:
        return str(self.author)


class StoryCitation(Citation):
    item = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="citations")

    class Meta(Citation.Meta):
        verbose_name = "citation"
        constraints = citation_constraints()


class CorrectionBase(models.Model):
    """A dated public note on a published item saying what was wrong and what changed."""

    published_at = models.DateTimeField(default=timezone.now)
    text = models.TextField(help_text="Shown to readers under the story. Say what was wrong.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        abstract = True
        ordering = ["published_at", "pk"]

    def __str__(self) -> str:
        return f"Correction of {timezone.localdate(self.published_at)}"


class Correction(CorrectionBase):
    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="corrections")

    class Meta(CorrectionBase.Meta):
        pass


def site_path(url: str) -> str:
    """A URL made by `reverse()` as a request's `path_info` gives it: without the script
    prefix, percent-encoding decoded (`/events/2010/04/07/严重/`)."""
    prefix = get_script_prefix()
    if url.startswith(prefix):
        url = "/" + url[len(prefix) :]
    return unquote(url)


class ItemRedirectQuerySet(models.QuerySet):
    def record(self, item: Publishable, old_path: str) -> None:
        """`item` left `old_path`: the address now leads to it, wherever it moves next.

        An address belongs to its latest holder; the item's own current address is no
        longer an old one of it.
        """
        content_type = ContentType.objects.get_for_model(item)
        self.update_or_create(
            old_path=old_path,
            defaults={
                "content_type": content_type,
                "object_id": item.pk,
                "created_at": timezone.now(),
            },
        )
        self.filter(content_type=content_type, object_id=item.pk, old_path=item.site_path).delete()

    def record_moves(self, model: type[Publishable], before: Mapping[int, str]) -> int:
        """After a bulk write (which sends no signals): `before` maps pks of `model` to the path
        each had, if readers could have seen it; those now elsewhere are recorded. Returns how
        many moved."""
        moved = 0
        pks = list(before)
        for start in range(0, len(pks), 1000):
            for item in model._base_manager.filter(pk__in=pks[start : start + 1000]).only(
                "pk", *model.address_fields
            ):
                if item.site_path != before[item.pk]:
                    self.record(item, before[item.pk])
                    moved += 1
        return moved

    def for_path(self, path: str) -> tuple["ItemRedirect | None", bool]:
        """The redirect for a request's path, and whether the path asked for a Markdown twin
        (`…/<slug>.md` is the twin of `…/<slug>/`). One indexed query; none for a path no
        item's page can have (not a folder, too long to be stored, or with a control character,
        which no slug has and PostgreSQL refuses in a query)."""
        twin = path.endswith(".md")
        if twin:
            path = path.removesuffix(".md") + "/"
        longest = ItemRedirect._meta.get_field("old_path").max_length
        if (
            not path.endswith("/")
            or path == "/"
            or len(path) > longest
            or any(ord(char) < 32 or ord(char) == 127 for char in path)
        ):
            return None, twin
        return self.select_related("content_type").filter(old_path=path).first(), twin


class ItemRedirect(models.Model):
    """An address an item had before its slug or date changed; it answers 301 to wherever the
    item is now, while readers may see the item, and 404 otherwise (see newsroom/redirects.py).

    Made automatically by every save that moves an item readers had seen; editors may delete
    one in the desk.
    """

    old_path = models.CharField(
        "old address",
        max_length=400,
        unique=True,
        help_text="The path readers knew the item at, e.g. /events/2010/04/07/old-slug/.",
    )
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField()
    item = GenericForeignKey("content_type", "object_id")
    created_at = models.DateTimeField("moved at", default=timezone.now, editable=False)

    objects = ItemRedirectQuerySet.as_manager()

    class Meta:
        verbose_name = "old address"
        verbose_name_plural = "old addresses (they lead readers to the current one)"
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self) -> str:
        return self.old_path


# Revisions (django-reversion): a story's version carries its bylines, citations and
# entities, so comparing or reverting restores the whole item. Corrections are public and
# append-only: they are kept as versions of their own but not followed, so that reverting a
# story never takes one back.
reversion.register(Entity)
reversion.register(Section)
reversion.register(Author)
reversion.register(TaggedStory)
reversion.register(StoryAuthor)
reversion.register(StoryCitation)
reversion.register(Correction)
reversion.register(Story, follow=["bylines", "citations", "tagged_entities"])


def this_runner() -> str:
    """The identity of this process as the runner of an import: `host:pid`."""
    return f"{socket.gethostname()}:{os.getpid()}"


def process_is_alive(pid: int, *, since: datetime | None) -> bool:
    """Whether process `pid` of this machine still runs and started no later than `since`
    (a process started later took the number of a dead one). A zombie is dead."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # another user's process: it exists
    try:  # Linux: the process's state and start time; elsewhere existence has to do
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        boot = next(
            int(line.split()[1])
            for line in Path("/proc/stat").read_text().splitlines()
            if line.startswith("btime ")
        )
    except (OSError, StopIteration, IndexError, ValueError):
        return True
    if fields[0] in ("Z", "X"):
        return False
    started = boot + int(fields[19]) / os.sysconf("SC_CLK_TCK")
    return since is None or started <= since.timestamp() + 1


class ImportRecordQuerySet(models.QuerySet):
    def unfinished(self) -> "ImportRecordQuerySet":
        return self.filter(state__in=ImportRecord.UNFINISHED)

    def mark_interrupted(self, *, now: datetime | None = None) -> int:
        """Mark failed every unfinished import whose runner stopped, and say how many.

        A runner on this machine is judged by its process (`host:pid`): gone, the import is
        interrupted at once. One elsewhere, or a record without a runner, by its last sign of
        life (heartbeat, start or creation): older than `NEWSROOM_IMPORT_STALE_SECONDS`, it
        is interrupted. (A runner's own heartbeat cannot always be written while its import
        holds SQLite's write lock, which is why a local runner is judged by its process.)
        """
        now = now or timezone.now()
        stale_before = now - timedelta(seconds=settings.NEWSROOM_IMPORT_STALE_SECONDS)
        host = socket.gethostname()
        stopped = []
        for pk, runner, started_at, last_sign in self.unfinished().values_list(
            "pk", "runner", "started_at", Coalesce("heartbeat_at", "started_at", "created_at")
        ):
            runner_host, _, pid = runner.rpartition(":")
            if runner_host == host and pid.isdigit():
                alive = process_is_alive(int(pid), since=started_at)
            else:
                alive = last_sign >= stale_before
            if not alive:
                stopped.append(pk)
        if not stopped:
            return 0
        return (
            self.unfinished()
            .filter(pk__in=stopped)
            .update(
                state=ImportRecord.State.FAILED, finished_at=now, message=ImportRecord.INTERRUPTED
            )
        )


class ImportRecord(models.Model):
    """One spreadsheet brought in by an editor: who, when, which file, and what became of it."""

    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        PREVIEWED = "previewed", "Previewed (nothing written)"
        IMPORTED = "imported", "Imported"
        FAILED = "failed", "Failed (nothing written)"

    resource = models.CharField(max_length=50, help_text="What the rows are: events, stories…")
    file = models.FileField(upload_to="imports/%Y/%m/", blank=True, max_length=300)
    file_name = models.CharField(max_length=255)
    sha256 = models.CharField("SHA-256", max_length=64, db_index=True)
    file_size = models.PositiveBigIntegerField(default=0)
    format = models.CharField(max_length=10)
    dry_run = models.BooleanField(default=False)
    publish = models.BooleanField(default=False, help_text="Publish the imported items at once.")
    state = models.CharField(max_length=20, choices=State, default=State.QUEUED, db_index=True)
    total_rows = models.PositiveIntegerField(null=True, blank=True)
    processed_rows = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    errors = models.JSONField(
        default=list, blank=True, help_text="[{row, column, message}] for every problem found."
    )
    message = models.TextField(blank=True)
    rows = models.JSONField(
        default=list, blank=True, help_text="[row, outcome, item] for every row of the file."
    )
    revision = models.OneToOneField(
        "reversion.Revision",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="import_record",
        help_text="The revision holding a version of every item this import created or changed.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    runner = models.CharField(
        max_length=255, blank=True, help_text="The process running the import, as host:pid."
    )
    heartbeat_at = models.DateTimeField(
        null=True, blank=True, help_text="When the runner last said it was still working."
    )

    objects = ImportRecordQuerySet.as_manager()

    UNFINISHED = (State.QUEUED, State.RUNNING)
    INTERRUPTED = (
        "Interrupted: the process running it stopped (a restart or a crash); nothing was "
        "written. Import the file again."
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "import"

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_state_display()})"
