"""Who said it: publishers, the documents we cite, and the citation base other apps extend.

Import direction: this app imports from no other project app (sources <- newsroom <- events).
"""

from typing import ClassVar

import reversion
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse

from .links import candidate_domains, domain_of, normalize_url
from .slugs import make_slug


class SharedRecordQuerySet(models.QuerySet):
    def shown_live(self) -> "SharedRecordQuerySet":
        """The records that readers see on a live page, or will see on a scheduled one.

        A record is shown through any of its model's `live_paths` that ends at a live or
        scheduled item (the items' `live_or_scheduled()`); `is_shown_live` is its twin for one
        record. Scheduled items count: they go live later without anyone looking again.
        """
        if self.model.shown_everywhere:
            return self.all()
        shown = models.Q(pk__in=[])
        for path in self.model.live_paths:
            items = self.model.item_model(path)._default_manager.live_or_scheduled()
            users = self.model._base_manager.filter(**{f"{path}__in": items.values("pk")})
            shown |= models.Q(pk__in=users.values("pk"))
        return self.filter(shown)

    def with_shown_live(self) -> "SharedRecordQuerySet":
        """Annotate `shown_live_flag`, which `is_shown_live` then reads instead of asking the
        database once per record (a list page of the desk)."""
        shown = type(self)(model=self.model, using=self.db).shown_live()
        flag = models.Q(pk__in=shown.values("pk"))
        return self.annotate(
            shown_live_flag=models.ExpressionWrapper(flag, output_field=models.BooleanField())
        )


class SharedRecord(models.Model):
    """A record that many items show their readers: a source, a publisher, an entity…

    Journalists create them while drafting and may change one while no live page shows it;
    once one does, changing it takes `change_live_<model>` (editors), see `may_be_changed_by`.
    Subclasses say where readers see them: `live_paths` are lookups from the record to the
    publishable items showing it (string names, so that apps to the right may be named), or
    `shown_everywhere` for records every page lists (the sections of the navigation).
    """

    live_paths: ClassVar[tuple[str, ...]] = ()
    shown_everywhere: ClassVar[bool] = False

    objects = SharedRecordQuerySet.as_manager()

    class Meta:
        abstract = True

    @classmethod
    def item_model(cls, path: str) -> type[models.Model]:
        """The model of the items at the end of `path`, one of `live_paths`."""
        model = cls
        for name in path.split("__"):
            model = model._meta.get_field(name).related_model
        return model

    @classmethod
    def change_live_permission(cls) -> str:
        return f"{cls._meta.app_label}.change_live_{cls._meta.model_name}"

    @property
    def is_shown_live(self) -> bool:
        """Twin of `shown_live()` for one record."""
        if self.pk is None:
            return False
        if "shown_live_flag" in self.__dict__:
            return self.shown_live_flag
        return type(self)._default_manager.shown_live().filter(pk=self.pk).exists()

    def may_be_changed_by(self, user) -> bool:
        """Whether `user`'s change permission reaches this record: always for editors (and
        whoever holds `change_live_<model>`), otherwise only while no live page shows it."""
        return user.has_perm(self.change_live_permission()) or not self.is_shown_live

    @classmethod
    def live_refusal(cls) -> str:
        """Why a journalist cannot change a record readers see, and who can, for the desk."""
        name = cls._meta.verbose_name
        return (
            f"This {name} is shown on published pages, so only editors can change or delete it. "
            f"Ask an editor if something in it is wrong."
        )


class Publisher(SharedRecord):
    class Kind(models.TextChoices):
        AGENCY = "agency", "News agency"
        NEWSPAPER = "newspaper", "Newspaper"
        BROADCASTER = "broadcaster", "Broadcaster"
        ONLINE = "online", "Online publication"
        GOVERNMENT = "government", "Government or official body"
        NGO = "ngo", "NGO or research body"
        REFERENCE = "reference", "Reference work"
        OTHER = "other", "Other"

    name = models.CharField(max_length=200, unique=True, help_text="As readers know it: “BBC”.")
    slug = models.SlugField(
        max_length=200, unique=True, allow_unicode=True, help_text="Used in /sources/<slug>/."
    )
    homepage = models.URLField(blank=True, max_length=500)
    kind = models.CharField(max_length=20, choices=Kind, default=Kind.OTHER)
    country = models.CharField(
        max_length=100, blank=True, help_text="Where the publisher is based, e.g. “Qatar”."
    )
    description = models.TextField(blank=True)

    #: Its name and page are shown with every live citation of one of its sources.
    live_paths = ("sources__storycitations__item", "sources__eventcitations__item")

    class Meta:
        ordering = [Lower("name")]
        permissions = [
            ("import_publisher", "Can import publishers from spreadsheets"),
            ("export_publisher", "Can export publishers to spreadsheets"),
            ("change_live_publisher", "Can change publishers shown on live pages"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        if not self.slug:
            self.slug = make_slug(self.name, max_length=200) or "publisher"
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("events:publisher", kwargs={"slug": self.slug})


def bare_host(text: str) -> str:
    """`" WWW.BBC.co.uk. "` -> `"bbc.co.uk"`: how publisher domains are stored and matched."""
    return text.strip().lower().removeprefix("www.").rstrip(".")


class PublisherDomainQuerySet(models.QuerySet):
    def publisher_for(self, url: str) -> Publisher | None:
        """The publisher whose domain is the most specific match for `url`'s host, if any."""
        candidates = candidate_domains(domain_of(url))
        if not candidates:
            return None
        matches = {d.domain: d.publisher for d in self.filter(domain__in=candidates)}
        return next((matches[c] for c in candidates if c in matches), None)


class PublisherDomain(models.Model):
    """A web domain a publisher publishes on; a cited URL on it is attributed to them."""

    publisher = models.ForeignKey(Publisher, on_delete=models.CASCADE, related_name="domains")
    domain = models.CharField(
        max_length=253,
        unique=True,
        help_text="Host name without “www.”, e.g. “bbc.co.uk”. Sub-domains match too.",
    )

    objects = PublisherDomainQuerySet.as_manager()

    class Meta:
        ordering = ["domain"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(domain=Lower("domain")),
                name="%(app_label)s_%(class)s_domain_lowercase",
            ),
        ]

    def __str__(self) -> str:
        return self.domain

    def save(self, *args, **kwargs) -> None:
        self.domain = bare_host(self.domain)
        super().save(*args, **kwargs)

    def clean(self) -> None:
        self.domain = bare_host(self.domain)
        if not self.domain or "/" in self.domain or " " in self.domain:
            raise ValidationError({"domain": "Enter a bare host name such as “bbc.co.uk”."})


class SourceQuerySet(SharedRecordQuerySet):
    def for_url(self, url: str, **defaults) -> tuple["Source", bool]:
        """Find the source for `url` in any spelling, or create it. Returns (source, created)."""
        return self.get_or_create(url=normalize_url(url), defaults=defaults)


class Source(SharedRecord):
    """One cited document, identified by its normalized URL."""

    url = models.URLField(
        "URL",
        max_length=1000,
        unique=True,
        help_text="Paste the link as you found it; tracking parameters and fragments are removed.",
    )
    title = models.CharField(max_length=500, blank=True, help_text="The document's own title.")
    publisher = models.ForeignKey(
        Publisher,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sources",
        help_text="Left empty, it is filled from the URL's domain when a publisher claims it.",
    )
    author = models.CharField(max_length=300, blank=True, help_text="Byline, if there is one.")
    published_on = models.DateField(
        null=True, blank=True, help_text="When the document was published."
    )
    language = models.CharField(
        max_length=35, blank=True, help_text="BCP 47 tag of the document's language, e.g. “en”."
    )
    archive_url = models.URLField(
        "archive URL", max_length=1000, blank=True, help_text="A saved copy, in case it moves."
    )
    last_checked_at = models.DateTimeField(
        null=True, blank=True, help_text="When the link was last checked."
    )
    last_status = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="HTTP status of the last link check."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SourceQuerySet.as_manager()

    #: Cited by a live story or event (the citing apps name the reverse relations).
    live_paths = ("storycitations__item", "eventcitations__item")

    class Meta:
        ordering = ["url"]
        permissions = [
            ("import_source", "Can import sources from spreadsheets"),
            ("export_source", "Can export sources to spreadsheets"),
            ("change_live_source", "Can change sources shown on live pages"),
        ]

    def __str__(self) -> str:
        return self.title or self.url

    def save(self, *args, **kwargs) -> None:
        self.url = normalize_url(self.url)
        if self.publisher_id is None:
            self.publisher = PublisherDomain.objects.publisher_for(self.url)
        super().save(*args, **kwargs)

    @property
    def domain(self) -> str:
        return domain_of(self.url)

    def clean(self) -> None:
        try:
            self.url = normalize_url(self.url)
        except ValidationError as error:
            raise ValidationError({"url": error.messages}) from None


class Citation(models.Model):
    """A source cited by an item, at a position in its numbered list.

    Concrete subclasses add the foreign key to the citing item, named `item`, and the
    constraints that go with it (see `citation_constraints`).
    """

    class Role(models.TextChoices):
        SOURCE = "source", "Source"
        IMAGE_CREDIT = "image_credit", "Image credit"
        QUOTE = "quote", "Quoted"
        DATA = "data", "Data"
        BACKGROUND = "background", "Background"

    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="%(class)ss")
    position = models.PositiveIntegerField(
        default=0, help_text="Order in the numbered source list (lowest first)."
    )
    role = models.CharField(max_length=20, choices=Role, default=Role.SOURCE)
    quote = models.TextField(blank=True, help_text="The passage this item relies on, verbatim.")
    note = models.TextField(blank=True, help_text="For editors; not shown to readers.")

    class Meta:
        abstract = True
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return f"{self.position}. {self.source}"


def citation_constraints() -> list[models.BaseConstraint]:
    """One source at most once per role in an item's list; positions unique per item.

    Both are deferred so that an editor can reorder rows or swap two rows' links in one save
    on PostgreSQL; SQLite has no deferrable constraints and goes without them, so the admin's
    formset checks the same rules before saving.
    """
    return [
        models.UniqueConstraint(
            fields=["item", "source", "role"],
            name="%(app_label)s_%(class)s_unique_source",
            deferrable=models.Deferrable.DEFERRED,
        ),
        models.UniqueConstraint(
            fields=["item", "position"],
            name="%(app_label)s_%(class)s_unique_position",
            deferrable=models.Deferrable.DEFERRED,
        ),
    ]


# Revisions (django-reversion): every desk save, workflow step and import keeps a version.
reversion.register(PublisherDomain)
reversion.register(Publisher, follow=["domains"])
reversion.register(Source)
