"""`manage.py load_demo`: a small, believable newsroom to click through.

Loads the content of `events.demo_content` (April 2010 in Kyrgyzstan: events, stories,
publishers, sources, entities) plus three demo accounts, and draws the cover pictures with
Pillow. Every row is matched on its natural key, so a second run finds everything in place
and changes nothing; `make run` calls it on every start.

It lives in `events`, the rightmost app, because it fills all three apps.
"""

import datetime as dt
import io
import math
from collections import Counter, defaultdict
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand, CommandError
from django.db import models, transaction
from django.utils import timezone
from PIL import Image, ImageDraw, ImageFont

from events import demo_content as demo
from events.models import Category, Event, EventCitation, RelatedEvent, headline_slug
from newsroom.models import Author, Entity, Section, Status, Story, StoryAuthor, StoryCitation
from newsroom.roles import EDITOR, JOURNALIST
from sources.models import Citation, Publisher, PublisherDomain, Source
from sources.slugs import make_slug

ACCOUNTS = (
    # username, password, group, superuser, name
    (
        demo.JOURNALIST_USERNAME,
        demo.JOURNALIST_PASSWORD,
        JOURNALIST,
        False,
        ("Asel", "Toktogulova"),
    ),
    (demo.EDITOR_USERNAME, demo.EDITOR_PASSWORD, EDITOR, False, ("Erkin", "Sadykov")),
    (demo.ADMIN_USERNAME, demo.ADMIN_PASSWORD, None, True, ("Site", "Administrator")),
)

REFUSAL = (
    "Refusing to create the demo accounts because DEBUG is off. Their passwords are public "
    "(printed by this command and written in the README), so anyone could sign in to this "
    "site with them. Run with --no-users to load only the content, or with --force if this "
    "really is a throwaway demo site."
)


def unique(names) -> list:
    return list(dict.fromkeys(names))


class Command(BaseCommand):
    help = (
        "Fill the database with a small demo newsroom (April 2010 in Kyrgyzstan: 12 events, "
        "3 stories, 8 publishers, 21 sources) and three demo accounts with PUBLIC passwords: "
        f"{demo.JOURNALIST_USERNAME} / {demo.JOURNALIST_PASSWORD} (Journalist), "
        f"{demo.EDITOR_USERNAME} / {demo.EDITOR_PASSWORD} (Editor), "
        f"{demo.ADMIN_USERNAME} / {demo.ADMIN_PASSWORD} (superuser). "
        "Safe to run again: rows are matched on natural keys and nothing is duplicated. "
        "Refuses to create the accounts when DEBUG is off unless --force is given."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--no-users", action="store_true", help="Load the content only, without accounts."
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Create the demo accounts even though DEBUG is off (their passwords are public).",
        )

    def handle(self, *args, **options) -> None:
        with_users = not options["no_users"]
        if with_users and not settings.DEBUG and not options["force"]:
            raise CommandError(REFUSAL)
        loader = DemoLoader(now=timezone.now())
        with transaction.atomic():
            if with_users:
                loader.load_users()
            loader.load_content()
        self.report(loader, with_users, verbosity=options["verbosity"])

    def report(self, loader: "DemoLoader", with_users: bool, *, verbosity: int) -> None:
        created = sum(c["created"] for c in loader.tally.values())
        changed = sum(
            n for counts in loader.tally.values() for what, n in counts.items() if what != "created"
        )
        if created or changed:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Demo newsroom loaded: {created} rows created, {changed} other changes."
                )
            )
            if verbosity >= 2:
                for label, counts in sorted(loader.tally.items()):
                    parts = ", ".join(f"{n} {what}" for what, n in sorted(counts.items()) if n)
                    self.stdout.write(f"  {label}: {parts}")
        else:
            self.stdout.write(
                self.style.SUCCESS("Demo newsroom already in place: nothing to change.")
            )
        self.stdout.write(loader.summary())
        if with_users:
            self.stdout.write("Demo accounts (PUBLIC passwords: for a development machine only):")
            for username, password, group, _superuser, _name in ACCOUNTS:
                role = group or "superuser"
                note = (
                    "" if username in loader.new_accounts else " (existing account, password kept)"
                )
                self.stdout.write(f"  {username} / {password}  [{role}]{note}")


class DemoLoader:
    """Writes the demo content; `tally` counts what was created, updated or replaced."""

    def __init__(self, *, now: dt.datetime) -> None:
        self.now = now
        self.tally: dict[str, Counter] = defaultdict(Counter)
        self.new_accounts: set[str] = set()

    # --- generic helpers ------------------------------------------------------------------

    def count(self, model: type[models.Model], what: str, n: int = 1) -> None:
        if n:
            self.tally[str(model._meta.verbose_name_plural)][what] += n

    @staticmethod
    def assign(obj: models.Model, values: dict[str, Any]) -> bool:
        """Set `values` on `obj`; True when anything differed."""
        changed = False
        for name, value in values.items():
            field = obj._meta.get_field(name)
            if field.many_to_one:
                current, wanted = getattr(obj, field.attname), getattr(value, "pk", None)
            else:
                current, wanted = getattr(obj, name), value
            if current != wanted:
                setattr(obj, name, value)
                changed = True
        return changed

    def upsert(
        self, model: type[models.Model], lookup: dict[str, Any], values: dict[str, Any]
    ) -> models.Model:
        """The row matching `lookup`, created or brought in line with `values`."""
        obj = model._default_manager.filter(**lookup).first()
        if obj is None:
            obj = model(**lookup, **values)
            obj.save()
            self.count(model, "created")
        elif self.assign(obj, values):
            obj.save()
            self.count(model, "updated")
        return obj

    def replace_rows(self, model, owner: dict[str, Any], wanted: list[dict[str, Any]]) -> None:
        """Make the rows of `model` belonging to `owner` exactly `wanted`, in order.

        Ordered lists (citations, bylines, related events) are compared as a whole and rewritten
        only when they differ, so positions never collide half-way through.
        """
        fields = list(wanted[0]) if wanted else ["pk"]
        current = list(
            model._default_manager.filter(**owner).order_by("position", "pk").values(*fields)
        )
        plain = [{k: getattr(v, "pk", v) for k, v in row.items()} for row in wanted]
        if wanted and current == plain:
            return
        if not wanted and not current:
            return
        deleted, _ = model._default_manager.filter(**owner).delete()
        model._default_manager.bulk_create([model(**owner, **row) for row in wanted])
        self.count(model, "replaced" if deleted else "created", len(wanted) or deleted)

    def set_entities(self, obj, names) -> None:
        wanted = [self.entities[name] for name in unique(names)]
        current = set(obj.tagged_entities.values_list("tag_id", flat=True))
        new = {e.pk for e in wanted}
        if current != new:
            obj.entities.set(wanted)
            self.count(obj.tagged_entities.model, "created", len(new - current))
            self.count(obj.tagged_entities.model, "removed", len(current - new))

    def set_m2m(self, manager, wanted: list[models.Model], label_model) -> None:
        if set(manager.values_list("pk", flat=True)) != {o.pk for o in wanted}:
            manager.set(wanted)
            self.count(label_model, "related-story lists set")

    def publication(self, status: str, when: dt.datetime, existing) -> dict[str, Any]:
        """Workflow fields for a demo item. The workflow's transitions don't set them here."""
        if status == demo.PUBLISHED:
            return {
                "status": Status.PUBLISHED,
                "publish_at": when,
                "first_published_at": when,
                "last_published_at": when,
            }
        if status == demo.SCHEDULED:
            go_live = self.now.replace(minute=0, second=0, microsecond=0) + dt.timedelta(days=1)
            if existing is not None and existing.is_scheduled:
                go_live = existing.publish_at  # already waiting: keep its time
            return {
                "status": Status.PUBLISHED,
                "publish_at": go_live,
                "first_published_at": None,
                "last_published_at": None,
            }
        return {
            "status": {demo.DRAFT: Status.DRAFT, demo.IN_REVIEW: Status.IN_REVIEW}[status],
            "publish_at": None,
            "first_published_at": None,
            "last_published_at": None,
        }

    def save_publishable(self, model, lookup, values, *, started: dt.datetime, image=None):
        """Create or update a story or event; `image` is (field name, Cover, file name)."""
        obj = model._default_manager.filter(**lookup).first()
        created = obj is None
        if created:
            obj = model(**lookup)
            obj.created_at = started
            obj.created_by = self.users.get(demo.JOURNALIST_USERNAME)
            obj.modified_by = obj.created_by
        changed = self.assign(obj, values)
        if image is not None:
            name, cover, filename = image
            file = getattr(obj, name)
            if not file or not file.storage.exists(file.name):
                file.save(filename, ContentFile(draw_cover(cover), name=filename), save=False)
                changed = True
                self.count(model, "pictures drawn")
        if created or changed:
            obj.save()
            self.count(model, "created" if created else "updated")
        return obj

    # --- accounts -------------------------------------------------------------------------

    def load_users(self) -> None:
        User = get_user_model()
        for username, password, group_name, superuser, (first, last) in ACCOUNTS:
            user = User._default_manager.filter(username=username).first()
            values = {"is_staff": True, "is_superuser": superuser, "is_active": True}
            if user is None:
                user = User(
                    username=username,
                    email=f"{username}@newsroom.example",
                    first_name=first,
                    last_name=last,
                    **values,
                )
                user.set_password(password)
                user.save()
                self.new_accounts.add(username)
                self.count(User, "created")
            elif self.assign(user, values):
                user.save()
                self.count(User, "updated")
            if group_name and not user.groups.filter(name=group_name).exists():
                user.groups.add(Group.objects.get(name=group_name))
                self.count(Group, "members added")

    @property
    def users(self) -> dict[str, Any]:
        if not hasattr(self, "_users"):
            User = get_user_model()
            names = [account[0] for account in ACCOUNTS]
            self._users = {u.username: u for u in User._default_manager.filter(username__in=names)}
        return self._users

    # --- content --------------------------------------------------------------------------

    def load_content(self) -> None:
        self.load_desk()
        self.load_sources()
        self.load_entities()
        self.load_stories()
        self.load_events()

    def load_desk(self) -> None:
        self.categories = {
            name: self.upsert(Category, {"slug": make_slug(name)}, {"name": name, "position": i})
            for i, name in enumerate(demo.CATEGORIES, start=1)
        }
        self.sections = {
            slug: self.upsert(
                Section, {"slug": slug}, {"name": name, "description": text, "position": i}
            )
            for i, (name, slug, text) in enumerate(demo.SECTIONS, start=1)
        }
        self.authors = {}
        for data in demo.AUTHORS:
            values = {"name": data.name, "role": data.role, "bio": data.bio}
            if data.user and data.user in self.users:
                values["user"] = self.users[data.user]
            self.authors[data.slug] = self.upsert(Author, {"slug": data.slug}, values)

    def load_sources(self) -> None:
        for data in demo.PUBLISHERS:
            publisher = self.upsert(
                Publisher,
                {"name": data.name},
                {
                    "kind": data.kind,
                    "country": data.country,
                    "homepage": data.homepage,
                    "description": data.description,
                },
            )
            for domain in data.domains:
                self.upsert(PublisherDomain, {"domain": domain}, {"publisher": publisher})
        self.sources = {}
        for data in demo.SOURCES:
            values = {
                "title": data.title,
                "published_on": data.published_on,
                "language": data.language,
                "author": data.author,
            }
            # No publisher given: Source.save infers it from the URL's domain.
            source, created = Source.objects.for_url(data.url, **values)
            if created:
                self.count(Source, "created")
            elif self.assign(source, values) or source.publisher_id is None:
                source.save()
                self.count(Source, "updated")
            self.sources[data.key] = source

    def load_entities(self) -> None:
        self.entities = {}
        for data in demo.ENTITIES:
            entity = Entity.objects.filter(name__iexact=data.name).order_by("pk").first()
            values = {"kind": data.kind, "description": data.description}
            if entity is None:
                entity = Entity.objects.create(name=data.name, **values)
                self.count(Entity, "created")
            elif self.assign(entity, values):
                entity.save()
                self.count(Entity, "updated")
            self.entities[data.name] = entity

    def load_stories(self) -> None:
        self.stories = {}
        for data in demo.STORIES:
            existing = Story.objects.filter(slug=data.slug).first()
            values = {
                "headline": data.headline,
                "kicker": data.kicker,
                "dek": data.dek,
                "body": data.body,
                "section": self.sections[data.section],
                "dateline": self.entities[data.dateline],
                **self.publication(data.status, data.published, existing),
            }
            image = None
            if data.cover:
                values |= {
                    "lead_image_alt": data.cover.alt,
                    "lead_image_caption": data.cover.caption,
                    "lead_image_credit": demo.GRAPHICS_CREDIT,
                }
                image = ("lead_image", data.cover, f"{data.slug}.jpg")
            story = self.save_publishable(
                Story,
                {"slug": data.slug},
                values,
                started=data.published - dt.timedelta(hours=3),
                image=image,
            )
            self.stories[data.slug] = story
            self.replace_rows(
                StoryAuthor,
                {"story": story},
                [
                    {"author": self.authors[slug], "position": i}
                    for i, slug in enumerate(data.authors, start=1)
                ],
            )
            self.replace_rows(StoryCitation, {"item": story}, self.citations(data.sources))
            self.set_entities(story, [*data.entities, data.dateline])
        for data in demo.STORIES:
            self.set_m2m(
                self.stories[data.slug].related_stories,
                [self.stories[slug] for slug in data.related],
                Story,
            )

    def citations(self, keys, image_credit: str = "") -> list[dict[str, Any]]:
        rows = [
            {"source": self.sources[key], "position": i, "role": Citation.Role.SOURCE}
            for i, key in enumerate(keys, start=1)
        ]
        if image_credit:
            rows.append(
                {
                    "source": self.sources[image_credit],
                    "position": len(rows) + 1,
                    "role": Citation.Role.IMAGE_CREDIT,
                }
            )
        return rows

    def load_events(self) -> None:
        topic = self.entities[demo.TOPIC]
        self.events = {}
        for data in demo.EVENTS:
            slug = headline_slug(data.headline)
            lookup = {"date": data.date, "slug": slug}
            existing = Event.objects.filter(**lookup).first()
            when = dt.datetime.combine(data.date, data.time, tzinfo=demo.LOCAL_TIME)
            values = {
                "headline": data.headline,
                "summary": data.summary,
                "body": data.body,
                "category": self.categories[data.category],
                "place": self.entities[data.place],
                "topic": topic,
                **self.publication(data.status, when, existing),
            }
            image = None
            if data.cover:
                values |= {"cover_image_alt": data.cover.alt}
                image = ("cover_image", data.cover, f"{slug[:60].rstrip('-')}.jpg")
            if data.cover or data.image_credit:
                values["cover_image_credit"] = data.image_credit_name or demo.GRAPHICS_CREDIT
            event = self.save_publishable(
                Event, lookup, values, started=when - dt.timedelta(minutes=45), image=image
            )
            self.events[data.key] = event
            self.replace_rows(
                EventCitation, {"item": event}, self.citations(data.sources, data.image_credit)
            )
            self.set_entities(event, self.event_entities(data))
            self.set_m2m(
                event.related_stories, [self.stories[slug] for slug in data.stories], Event
            )
        by_key = {data.key: data for data in demo.EVENTS}
        for data in demo.EVENTS:
            for other in data.related:
                if not self.shared_entities(data, by_key[other]):
                    raise CommandError(f"Demo data: {data.key} and {other} share no entity.")
            self.replace_rows(
                RelatedEvent,
                {"from_event": self.events[data.key]},
                [
                    {"to_event": self.events[other], "position": i}
                    for i, other in enumerate(data.related, start=1)
                ],
            )

    @staticmethod
    def event_entities(data) -> list[str]:
        """The event's people, places and organisations, its place included.

        The topic stays in `Event.topic` only (the archive's `##### topic` line): tagged as
        well, it would be shared by every event and show up in every "Context: …" line.
        """
        return unique([*data.entities, data.place])

    def shared_entities(self, a, b) -> set[str]:
        """What links two events: the "Context: A, B" of the archive."""
        return set(self.event_entities(a)) & set(self.event_entities(b))

    def summary(self) -> str:
        events = Event.objects.all()
        published = events.published(at=self.now).count()
        scheduled = events.filter(status=Status.PUBLISHED, publish_at__gt=self.now).count()
        in_review = events.filter(status=Status.IN_REVIEW).count()
        drafts = events.filter(status=Status.DRAFT).count()
        return (
            f"In the database: {events.count()} events ({published} published, {scheduled} "
            f"scheduled, {in_review} in review, {drafts} draft), {Story.objects.count()} stories, "
            f"{Publisher.objects.count()} publishers, {Source.objects.count()} sources, "
            f"{Entity.objects.count()} entities."
        )


# --- cover pictures ----------------------------------------------------------------------

COVER_SIZE = (1200, 675)
BAND = 130  # height of the caption band at the bottom


def font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    try:
        return ImageFont.load_default(size=size)
    except (OSError, ValueError):  # Pillow built without FreeType: the small bitmap font
        return ImageFont.load_default()


def draw_cover(cover: demo.Cover) -> bytes:
    """A JPEG: a two-colour gradient, a rough map of Kyrgyzstan with pins, and a caption."""
    width, height = COVER_SIZE
    top, bottom = cover.palette
    mask = Image.linear_gradient("L").resize(COVER_SIZE)
    picture = Image.composite(
        Image.new("RGB", COVER_SIZE, bottom), Image.new("RGB", COVER_SIZE, top), mask
    ).convert("RGBA")
    layer = Image.new("RGBA", COVER_SIZE, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)

    if cover.map:
        draw_map(draw, cover, box=(70, 50, width - 70, height - BAND - 40))
    else:
        middle = (height - BAND) / 2
        for centre, colour in (
            (width / 2 - 110, (255, 255, 255)),
            (width / 2 + 110, (255, 214, 90)),
        ):
            for radius, alpha in ((190, 60), (150, 90), (110, 140)):
                draw.ellipse(
                    (centre - radius, middle - radius, centre + radius, middle + radius),
                    outline=(*colour, alpha),
                    width=4,
                )

    draw.rectangle((0, height - BAND, width, height), fill=(0, 0, 0, 150))
    size = 56
    title_font = font(size)
    while size > 24 and draw.textlength(cover.title, font=title_font) > width - 120:
        size -= 4
        title_font = font(size)
    draw.text((60, height - BAND + 26), cover.title, font=title_font, fill=(255, 255, 255, 255))
    credit_font = font(22)
    credit = demo.GRAPHICS_CREDIT
    draw.text(
        (width - 60 - draw.textlength(credit, font=credit_font), height - 36),
        credit,
        font=credit_font,
        fill=(255, 255, 255, 170),
    )

    picture = Image.alpha_composite(picture, layer).convert("RGB")
    buffer = io.BytesIO()
    picture.save(buffer, format="JPEG", quality=85, optimize=True)
    return buffer.getvalue()


def draw_map(draw: ImageDraw.ImageDraw, cover: demo.Cover, *, box) -> None:
    """A rough map of Kyrgyzstan with a graticule, the cover's pins and its arrow."""
    points = [*demo.KYRGYZSTAN_OUTLINE, *(demo.MAP_PLACES[p] for p in cover.pins)]
    if cover.arrow:
        points += [demo.MAP_PLACES[p] for p in cover.arrow]
    project = projection(points, box=box)

    for lon in range(69, 82):  # a faint graticule, one line a degree
        draw.line([project((lon, 38.5)), project((lon, 44.0))], fill=(255, 255, 255, 28))
    for lat in range(39, 44):
        draw.line([project((68.0, lat)), project((81.5, lat))], fill=(255, 255, 255, 28))
    outline = [project(p) for p in demo.KYRGYZSTAN_OUTLINE]
    draw.polygon(outline, fill=(255, 255, 255, 46), outline=(255, 255, 255, 190), width=3)

    if cover.arrow:
        start, end = (project(demo.MAP_PLACES[p]) for p in cover.arrow)
        arrow(draw, start, end)
    label_font = font(26)
    for i, place in enumerate(cover.pins):
        x, y = project(demo.MAP_PLACES[place])
        r = 11 if i == 0 else 7
        colour = (255, 214, 90, 255) if i == 0 else (255, 255, 255, 230)
        if i == 0:
            draw.ellipse((x - 22, y - 22, x + 22, y + 22), outline=colour, width=3)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=colour)
        draw.text((x + r + 16, y - 16), place, font=label_font, fill=colour)


def projection(points, *, box):
    """A function from (lon, lat) to pixels that fits `points` in `box`, north up."""
    lons, lats = [p[0] for p in points], [p[1] for p in points]
    west, east, south, north = min(lons), max(lons), min(lats), max(lats)
    squeeze = math.cos(math.radians((north + south) / 2))  # equirectangular at mid-latitude
    left, top, right, bottom = box
    scale = min((right - left) / ((east - west) * squeeze), (bottom - top) / (north - south))
    x0 = left + ((right - left) - (east - west) * squeeze * scale) / 2
    y0 = top + ((bottom - top) - (north - south) * scale) / 2

    def project(point):
        lon, lat = point
        return (x0 + (lon - west) * squeeze * scale, y0 + (north - lat) * scale)

    return project


def arrow(draw: ImageDraw.ImageDraw, start, end) -> None:
    """From `start` to just short of `end`, so that a pin there stays visible."""
    colour = (255, 214, 90, 235)
    angle = math.atan2(end[1] - start[1], end[0] - start[0])
    end = (end[0] - 28 * math.cos(angle), end[1] - 28 * math.sin(angle))
    draw.line([start, end], fill=colour, width=5)
    head = [
        end,
        (end[0] - 26 * math.cos(angle - 0.4), end[1] - 26 * math.sin(angle - 0.4)),
        (end[0] - 26 * math.cos(angle + 0.4), end[1] - 26 * math.sin(angle + 0.4)),
    ]
    draw.polygon(head, fill=colour)
