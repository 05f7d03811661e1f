"""Events in spreadsheets: the export resource and the bulk importer (see README, "Spreadsheets").

An event row is matched on its date and slug; without a slug, on the slug its headline gives.
"""

from typing import Any

from django.db.models import Prefetch
from import_export import fields, resources

from newsroom.models import PublishProblem, Story
from newsroom.resources import (
    PublisherImporter,
    SourceImporter,
    StoryImporter,
    StoryResource,
    citations_cell,
    entities_cell,
    lookup_by_name,
)
from newsroom.spreadsheets.cells import SLUG, CellError, date_of, slugs_of, text_of
from newsroom.spreadsheets.engine import PublishableImporter, chunked, pks_by_pairs
from sources.resources import PublisherResource, SourceResource

from .models import (
    SLUG_MAX_LENGTH,
    Category,
    Event,
    EventCitation,
    RelatedEvent,
    TaggedEvent,
    headline_slug,
)

EVENT_COLUMNS = {
    "date": "The day it happened, as YYYY-MM-DD. Required.",
    "slug": "Unique within the day; left empty, it is made from the headline.",
    "headline": "One sentence saying what happened. Required.",
    "summary": "A short paragraph of context.",
    "body": "Optional longer text, in Markdown.",
    "category": "The name of an existing category (a heading of the day page).",
    "place": "Where it happened; found or created as a place.",
    "topic": "The ongoing story it belongs to; found or created as a topic.",
    "cover_image_alt": "What the cover image shows (the image itself is uploaded in the desk).",
    "cover_image_credit": "Who made the cover image.",
    "entities": "People, places, organisations, topics: “person: Roza Otunbayeva; Bishkek”.",
    "citations": "One per line: “Publisher | URL”, or just the URL.",
    "related_events": "Other events, one per line, as “YYYY-MM-DD/slug” (or a slug alone).",
    "related_stories": "Story slugs, one per line.",
}


class EventResource(resources.ModelResource):
    """The columns an event sheet has, filled from the database for export."""

    category = fields.Field(attribute="category__name", column_name="category")
    place = fields.Field(attribute="place__name", column_name="place")
    topic = fields.Field(attribute="topic__name", column_name="topic")
    entities = fields.Field(column_name="entities")
    citations = fields.Field(column_name="citations")
    related_events = fields.Field(column_name="related_events")
    related_stories = fields.Field(column_name="related_stories")

    class Meta:
        model = Event
        fields = tuple(EVENT_COLUMNS)
        export_order = tuple(EVENT_COLUMNS)
        chunk_size = 1000

    def filter_export(self, queryset, **kwargs):
        """Everything the cells show, in a fixed number of queries, for any queryset."""
        return queryset.select_related("category", "place", "topic").prefetch_related(
            "tagged_entities__tag",
            Prefetch(
                "citations",
                queryset=EventCitation.objects.select_related("source__publisher"),
            ),
            Prefetch("related_links", queryset=RelatedEvent.objects.select_related("to_event")),
            Prefetch("related_stories", queryset=Story.objects.only("pk", "slug")),
        )

    def get_queryset(self):
        return Event.objects.order_by("date", "slug")

    def dehydrate_date(self, event: Event) -> str:
        return event.date.isoformat()

    def dehydrate_entities(self, event: Event) -> str:
        return entities_cell(event)

    def dehydrate_citations(self, event: Event) -> str:
        return citations_cell(event)

    def dehydrate_related_events(self, event: Event) -> str:
        return "\n".join(
            f"{link.to_event.date.isoformat()}/{link.to_event.slug}"
            for link in event.related_links.all()
        )

    def dehydrate_related_stories(self, event: Event) -> str:
        return "\n".join(sorted(story.slug for story in event.related_stories.all()))


class EventImporter(PublishableImporter):
    name = "events"
    model = Event
    columns = EVENT_COLUMNS
    required_columns = ("date", "headline")
    key_columns = ("date", "slug")
    text_fields = {
        "headline": "headline",
        "summary": "summary",
        "body": "body",
        "cover_image_alt": "cover_image_alt",
        "cover_image_credit": "cover_image_credit",
    }
    entity_fields = {"place": ("place_id", "place"), "topic": ("topic_id", "topic")}
    lookup_fields = {"category": ("category_id", lambda: lookup_by_name(Category))}
    tag_through = TaggedEvent
    citation_model = EventCitation
    link_columns = ("related_events", "related_stories")
    relation_columns = {"related_events": "related_events", "related_stories": "related_stories"}

    def lookup_names(self, column: str) -> list[str]:
        return list(Category.objects.values_list("name", flat=True))

    def key_of_row(self, number: int, row: dict, values: dict) -> tuple[Any, str] | None:
        try:
            date = date_of(row["date"])
        except CellError as error:
            self.problem(number, "date", str(error))
            return None
        if date is None:
            self.problem(number, "date", "Give the date the event happened, as YYYY-MM-DD.")
            return None
        headline = values.get("headline", "")
        if not headline:
            self.problem(number, "headline", "Write a headline: every event needs one.")
            return None
        slug = text_of(row.get("slug")) if "slug" in self.present else ""
        if slug and (not SLUG.fullmatch(slug) or len(slug) > SLUG_MAX_LENGTH):
            self.problem(
                number,
                "slug",
                f"“{slug[:60]}” is not a slug: use letters, digits and hyphens, at most "
                f"{SLUG_MAX_LENGTH} characters, or leave it empty.",
            )
            return None
        slug = slug or headline_slug(headline)
        return (date, slug), f"{date.isoformat()}/{slug}"

    def existing(self, keys: list) -> dict[Any, dict[str, Any]]:
        found = {}
        for batch in chunked(keys, 1000):
            pks = pks_by_pairs(Event, ("date", "slug"), batch)
            for chunk in chunked(pks):
                rows = Event.objects.filter(pk__in=chunk).order_by().values("pk", *self.attnames)
                found.update(((row["date"], row["slug"]), row) for row in rows)
        return found

    def new_row(self, key: Any, values: dict) -> dict[str, Any]:
        date, slug = key
        return {"date": date, "slug": slug, **values}

    def parse_links(self, column: str, value: Any) -> list[str]:
        return slugs_of(value, with_dates=column == "related_events")

    def write_links(self) -> set[int]:
        refs = {
            ref for _, _, links in self.pending_links for ref in links.get("related_events", [])
        }
        story_refs = {
            ref for _, _, links in self.pending_links for ref in links.get("related_stories", [])
        }
        by_slug: dict[str, list[int]] = {}
        by_dated: dict[str, int] = {}
        slugs = sorted({ref.rsplit("/", 1)[-1] for ref in refs})
        for batch in chunked(slugs):
            for pk, date, slug in Event.objects.filter(slug__in=batch).values_list(
                "pk", "date", "slug"
            ):
                by_slug.setdefault(slug, []).append(pk)
                by_dated[f"{date.isoformat()}/{slug}"] = pk
        stories: dict[str, int] = {}
        for batch in chunked(sorted(story_refs)):
            stories.update(Story.objects.filter(slug__in=batch).values_list("slug", "pk"))

        wanted_events: dict[int, list[int]] = {}
        wanted_stories: dict[int, list[int]] = {}
        for pk, number, links in self.pending_links:
            if "related_events" in links:
                targets = []
                for ref in links["related_events"]:
                    if "/" in ref:
                        day, slug = ref.rsplit("/", 1)
                        target = by_dated.get(f"{date_of(day).isoformat()}/{slug}")
                    else:
                        matches = by_slug.get(ref, [])
                        if len(matches) > 1:
                            self.problem(
                                number,
                                "related_events",
                                f"Several events use the slug “{ref}”; write it with its "
                                "date, as YYYY-MM-DD/slug.",
                            )
                            continue
                        target = matches[0] if matches else None
                    if target is None:
                        self.problem(
                            number,
                            "related_events",
                            f"There is no event “{ref}”, in the database or in this file.",
                        )
                    elif target == pk:
                        self.problem(
                            number, "related_events", "An event cannot be related to itself."
                        )
                    elif target not in targets:
                        targets.append(target)
                wanted_events[pk] = targets
            if "related_stories" in links:
                targets = []
                for ref in links["related_stories"]:
                    if ref not in stories:
                        self.problem(
                            number, "related_stories", f"There is no story with the slug “{ref}”."
                        )
                    elif stories[ref] not in targets:
                        targets.append(stories[ref])
                wanted_stories[pk] = targets
        return self.replace_links(
            wanted_events, RelatedEvent, "from_event_id", "to_event_id", ordered=True
        ) | self.replace_links(
            wanted_stories, Event.related_stories.through, "event_id", "story_id", ordered=False
        )

    def publication_problems(
        self, pks: list[int], *, going_live: bool = True
    ) -> dict[int, list[tuple[str, str]]]:
        problems = super().publication_problems(pks, going_live=going_live)
        for batch in chunked(pks):
            cited = set(
                EventCitation.objects.filter(item_id__in=batch).values_list("item_id", flat=True)
            )
            for pk in batch:
                if pk not in cited:
                    problems[pk].append(("citations", PublishProblem.CITATION))
        return problems


#: Every sheet the desk imports and exports, in the order a whole newsroom is imported
#: (publishers before the sources that name them, stories before the events that link them).
SPREADSHEETS = {
    "publishers": (PublisherImporter, PublisherResource),
    "sources": (SourceImporter, SourceResource),
    "stories": (StoryImporter, StoryResource),
    "events": (EventImporter, EventResource),
}
