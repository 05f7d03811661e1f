"""Stories, publishers and sources in spreadsheets: export resources and bulk importers.

A story row is matched on its slug (made from the headline when empty), a publisher on its
name (or slug), a source on its normalized URL. See README, "Spreadsheets".
"""

from collections import defaultdict
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models
from django.db.models import Prefetch
from import_export import fields, resources

from sources.links import normalize_url
from sources.models import Publisher, PublisherDomain, Source, bare_host
from sources.resources import PUBLISHER_COLUMNS, SOURCE_COLUMNS
from sources.slugs import make_slug

from .models import Author, Section, Story, StoryAuthor, StoryCitation, TaggedStory
from .spreadsheets.cells import (
    SLUG,
    CellError,
    date_of,
    name_key,
    names_of,
    slugs_of,
    text_of,
    tidy_name,
)
from .spreadsheets.engine import (
    CREATED,
    UNCHANGED,
    UPDATED,
    BulkImporter,
    PublishableImporter,
    PublisherLookup,
    chunked,
    same_value,
)

STORY_COLUMNS = {
    "slug": "The last part of the story's address; made from the headline if left empty.",
    "headline": "Required.",
    "kicker": "A word or two above the headline, e.g. “Analysis”.",
    "dek": "The standfirst: one sentence under the headline.",
    "body": "Markdown. Use ## for subheadings.",
    "section": "The name of an existing section.",
    "dateline": "Where the story was reported from; found or created as a place.",
    "authors": "Bylines in order, separated by “;”; found or created by name.",
    "lead_image_alt": "What the lead image shows (the image itself is uploaded in the desk).",
    "lead_image_caption": "The lead image's caption.",
    "lead_image_credit": "Who made the lead image.",
    "entities": "People, places, organisations, topics: “person: Roza Otunbayeva; Bishkek”.",
    "citations": "One per line: “Publisher | URL”, or just the URL.",
    "related_stories": "Other stories' slugs, one per line.",
}


def lookup_by_name(model: type[models.Model]) -> dict[str, int]:
    """{name key: pk} for the names and slugs of a small vocabulary (sections, categories)."""
    found = {}
    for pk, name, slug in model.objects.values_list("pk", "name", "slug"):
        found.setdefault(name_key(slug), pk)
        found[name_key(name)] = pk
    return found


def entities_cell(item) -> str:
    """`kind: Name` of each entity of a story or event (tags prefetched), by name."""
    tags = sorted((row.tag for row in item.tagged_entities.all()), key=lambda t: t.name.casefold())
    return "; ".join(f"{tag.kind}: {tag.name}" for tag in tags)


def citations_cell(item) -> str:
    """One `Publisher | URL` line per citation (prefetched with their sources), in order."""
    lines = []
    for citation in item.citations.all():
        source = citation.source
        parts = [source.publisher.name if source.publisher else "", source.url]
        if citation.role != StoryCitation.Role.SOURCE:
            parts.append(citation.get_role_display().lower())
        lines.append(" | ".join(parts) if parts[0] or len(parts) > 2 else source.url)
    return "\n".join(lines)


class StoryResource(resources.ModelResource):
    section = fields.Field(attribute="section__name", column_name="section")
    dateline = fields.Field(attribute="dateline__name", column_name="dateline")
    authors = fields.Field(column_name="authors")
    entities = fields.Field(column_name="entities")
    citations = fields.Field(column_name="citations")
    related_stories = fields.Field(column_name="related_stories")

    class Meta:
        model = Story
        fields = tuple(STORY_COLUMNS)
        export_order = tuple(STORY_COLUMNS)
        chunk_size = 1000

    def filter_export(self, queryset, **kwargs):
        """Everything the cells show, in a fixed number of queries, for any queryset."""
        return queryset.select_related("section", "dateline").prefetch_related(
            "tagged_entities__tag",
            Prefetch("bylines", queryset=StoryAuthor.objects.select_related("author")),
            Prefetch(
                "citations",
                queryset=StoryCitation.objects.select_related("source__publisher"),
            ),
            Prefetch("related_stories", queryset=Story.objects.only("pk", "slug")),
        )

    def get_queryset(self):
        return Story.objects.order_by("slug")

    def dehydrate_authors(self, story: Story) -> str:
        return "; ".join(byline.author.name for byline in story.bylines.all())

    def dehydrate_entities(self, story: Story) -> str:
        return entities_cell(story)

    def dehydrate_citations(self, story: Story) -> str:
        return citations_cell(story)

    def dehydrate_related_stories(self, story: Story) -> str:
        return "\n".join(sorted(other.slug for other in story.related_stories.all()))


class StoryImporter(PublishableImporter):
    name = "stories"
    model = Story
    columns = STORY_COLUMNS
    required_columns = ("headline",)
    key_columns = ("slug",)
    text_fields = {
        name: name
        for name in (
            "headline",
            "kicker",
            "dek",
            "body",
            "lead_image_alt",
            "lead_image_caption",
            "lead_image_credit",
        )
    }
    entity_fields = {"dateline": ("dateline_id", "place")}
    lookup_fields = {"section": ("section_id", lambda: lookup_by_name(Section))}
    tag_through = TaggedStory
    citation_model = StoryCitation
    link_columns = ("authors", "related_stories")
    relation_columns = {"related_stories": "related_stories"}

    def lookup_names(self, column: str) -> list[str]:
        return list(Section.objects.values_list("name", flat=True))

    def key_of_row(self, number: int, row: dict, values: dict) -> tuple[Any, str] | None:
        headline = values.get("headline", "")
        if not headline:
            self.problem(number, "headline", "Write a headline: every story needs one.")
            return None
        slug = text_of(row.get("slug")) if "slug" in self.present else ""
        if slug and (not SLUG.fullmatch(slug) or len(slug) > 200):
            self.problem(
                number,
                "slug",
                f"“{slug[:60]}” is not a slug: use letters, digits and hyphens, at most 200 "
                "characters, or leave it empty.",
            )
            return None
        slug = slug or make_slug(headline, max_length=200) or "story"
        return slug, slug

    def existing(self, keys: list) -> dict[Any, dict[str, Any]]:
        found = {}
        for batch in chunked(sorted(keys)):
            rows = Story.objects.filter(slug__in=batch).values("pk", *self.attnames)
            found.update((row["slug"], row) for row in rows)
        return found

    def new_row(self, key: Any, values: dict) -> dict[str, Any]:
        return {"slug": key, **values}

    def parse_links(self, column: str, value: Any) -> list[str]:
        if column == "authors":
            return names_of(value)
        return slugs_of(value)

    def write_links(self) -> set[int]:
        author_pks: dict[str, int] = {}
        author_slugs = set()
        for pk, name, slug in Author.objects.values_list("pk", "name", "slug"):
            author_pks.setdefault(name_key(name), pk)
            author_slugs.add(slug)
        new_authors = {}
        story_refs = set()
        for _, _, links in self.pending_links:
            for name in links.get("authors", []):
                if name_key(name) not in author_pks:
                    new_authors.setdefault(name_key(name), name)
            story_refs.update(links.get("related_stories", []))
        created = []
        for name in new_authors.values():
            base = make_slug(name, max_length=190) or "author"
            slug, n = base, 2
            while slug in author_slugs:
                slug, n = f"{base}-{n}", n + 1
            author_slugs.add(slug)
            created.append(Author(name=name, slug=slug))
        for author in Author.objects.bulk_create(created):
            author_pks[name_key(author.name)] = author.pk
        stories: dict[str, int] = {}
        for batch in chunked(sorted(story_refs)):
            stories.update(Story.objects.filter(slug__in=batch).values_list("slug", "pk"))

        wanted_authors: dict[int, list[int]] = {}
        wanted_stories: dict[int, list[int]] = {}
        for pk, number, links in self.pending_links:
            if "authors" in links:
                wanted_authors[pk] = [author_pks[name_key(name)] for name in links["authors"]]
            if "related_stories" in links:
                targets = []
                for ref in links["related_stories"]:
                    target = stories.get(ref)
                    if target is None:
                        self.problem(
                            number,
                            "related_stories",
                            f"There is no story “{ref}”, in the database or in this file.",
                        )
                    elif target == pk:
                        self.problem(number, "related_stories", "A story cannot relate to itself.")
                    elif target not in targets:
                        targets.append(target)
                wanted_stories[pk] = targets
        return self.replace_links(
            wanted_authors, StoryAuthor, "story_id", "author_id", ordered=True
        ) | self.replace_links(
            wanted_stories,
            Story.related_stories.through,
            "from_story_id",
            "to_story_id",
            ordered=False,
        )


def _choice(value: str, choices: type[models.TextChoices]) -> str | None:
    wanted = value.casefold()
    for choice, label in choices.choices:
        if wanted in {choice.casefold(), str(label).casefold()}:
            return choice
    return None


class SharedRecordImporter(BulkImporter):
    """Importer of shared records: a row that changes one shown on live pages is refused
    unless the importing user may change it in the desk (see `SharedRecord`)."""

    #: The column a refusal is reported in (the one rows match on).
    key_column: str

    def check_live_items(self) -> None:
        permission = self.model.change_live_permission()
        if self.user is None or self.user.has_perm(permission):
            return
        updated = {
            pk: index
            for pk, index in self.row_index.items()
            if self.report.outcomes[index][1] == UPDATED
        }
        live = self.model.objects.filter(pk__in=updated).shown_live().values_list("pk", flat=True)
        for pk in sorted(live):
            row, _, label = self.report.outcomes[updated[pk]]
            self.problem(row, self.key_column, f"“{label}”: {self.model.live_refusal()}")


class PublisherImporter(SharedRecordImporter):
    name = "publishers"
    model = Publisher
    columns = PUBLISHER_COLUMNS
    required_columns = ("name",)
    key_column = "name"

    def prepare(self) -> None:
        self.lookup = PublisherLookup()
        self.keys_seen: dict[int | str, int] = {}
        self.domains_of: dict[int, set[str]] = defaultdict(set)
        for domain, publisher_id in self.lookup.domains.items():
            self.domains_of[publisher_id].add(domain)
        self.validate_url = URLValidator()

    def parse(self, number: int, row: dict) -> dict | None:
        before = len(self.report.problems)
        values: dict[str, Any] = {}
        for column in ("name", "slug", "homepage", "country", "description"):
            if column in self.present:
                values[column] = text_of(row[column], strip=column != "description")
                limit = Publisher._meta.get_field(column).max_length
                if limit and len(values[column]) > limit:
                    self.problem(number, column, f"Too long: the limit is {limit} characters.")
        values["name"] = tidy_name(values["name"])
        if not values["name"]:
            self.problem(number, "name", "Give the publisher's name.")
        if values.get("slug") and not SLUG.fullmatch(values["slug"]):
            self.problem(number, "slug", f"“{values['slug']}” is not a slug.")
        if values.get("homepage"):
            try:
                self.validate_url(values["homepage"])
            except ValidationError:
                self.problem(number, "homepage", f"“{values['homepage']}” is not a web address.")
        if "kind" in self.present:
            kind = text_of(row["kind"])
            values["kind"] = _choice(kind, Publisher.Kind) if kind else Publisher.Kind.OTHER
            if values["kind"] is None:
                kinds = ", ".join(Publisher.Kind.values)
                self.problem(number, "kind", f"“{kind}” is not a kind; use one of {kinds}.")
        domains = None
        if "domains" in self.present:
            domains = []
            for part in names_of(row["domains"]):
                domain = bare_host(part)
                if "/" in domain or " " in domain or "." not in domain:
                    self.problem(
                        number, "domains", f"“{part}” is not a host name such as “bbc.co.uk”."
                    )
                elif domain not in domains:
                    domains.append(domain)
        if len(self.report.problems) > before:
            return None
        pk = self.lookup.pk(values["name"])
        if pk is None and values.get("slug"):
            pk = self.lookup.pks.get(name_key(values["slug"]))
        key = pk if pk is not None else name_key(values["name"])
        if key in self.keys_seen:
            self.problem(
                number,
                "name",
                f"Row {self.keys_seen[key]} already has the publisher “{values['name']}”; "
                "each publisher may appear once in a file.",
            )
            return None
        self.keys_seen[key] = number
        return {"number": number, "pk": pk, "values": values, "domains": domains}

    def import_chunk(self, rows: list[tuple[int, dict[str, Any]]]) -> None:
        parsed = self.parse_rows(rows)
        existing = Publisher.objects.in_bulk([item["pk"] for item in parsed if item["pk"]])
        creates, updates, changed_fields, results = [], [], set(), []
        for item in parsed:
            values = {name: value for name, value in item["values"].items() if name != "slug"}
            slug = item["values"].get("slug", "")
            obj = existing.get(item["pk"])
            if obj is None:
                if not slug:
                    base = make_slug(values["name"], max_length=190) or "publisher"
                    slug, n = base, 2
                    while slug in self.lookup.slugs:
                        slug, n = f"{base}-{n}", n + 1
                self.lookup.slugs.add(slug)
                obj = Publisher(slug=slug, **values)
                creates.append(obj)
                outcome = CREATED
            else:
                if slug:
                    values["slug"] = slug
                changed = [
                    name
                    for name, value in values.items()
                    if not same_value(getattr(obj, name), value)
                ]
                for name in changed:
                    setattr(obj, name, values[name])
                domains_differ = item["domains"] is not None and set(
                    item["domains"]
                ) != self.domains_of.get(obj.pk, set())
                if changed:
                    changed_fields.update(changed)
                    updates.append(obj)
                outcome = UPDATED if changed or domains_differ else UNCHANGED
            results.append((item, obj, outcome))
        Publisher.objects.bulk_create(creates)
        if updates:
            Publisher.objects.bulk_update(updates, sorted(changed_fields))
        remove, add = [], []
        for item, obj, outcome in results:
            self.lookup.pks[name_key(obj.name)] = obj.pk
            if item["domains"] is not None:
                old = self.domains_of.get(obj.pk, set())
                for domain in item["domains"]:
                    owner = self.lookup.domains.get(domain)
                    if owner is not None and owner != obj.pk:
                        other = self.lookup.names.get(owner, "another publisher")
                        self.problem(
                            item["number"],
                            "domains",
                            f"The domain “{domain}” already belongs to {other}.",
                        )
                    elif domain not in old:
                        add.append(PublisherDomain(publisher_id=obj.pk, domain=domain))
                        self.lookup.domains[domain] = obj.pk
                remove.extend(
                    (obj.pk, domain) for domain in old if domain not in set(item["domains"])
                )
                self.domains_of[obj.pk] = set(item["domains"])
            self.lookup.names[obj.pk] = obj.name
            self.outcome(item["number"], outcome, obj.name, obj.pk)
        for publisher_id, domain in remove:
            PublisherDomain.objects.filter(publisher_id=publisher_id, domain=domain).delete()
        PublisherDomain.objects.bulk_create(add)


class SourceImporter(SharedRecordImporter):
    name = "sources"
    model = Source
    columns = SOURCE_COLUMNS
    required_columns = ("url",)
    key_column = "url"
    text_columns = ("title", "author", "language", "archive_url")

    def prepare(self) -> None:
        self.publishers = PublisherLookup()
        self.keys_seen: dict[str, int] = {}

    def parse(self, number: int, row: dict) -> dict | None:
        before = len(self.report.problems)
        values: dict[str, Any] = {}
        url = ""
        try:
            url = normalize_url(text_of(row["url"]))
        except ValidationError as error:
            self.problem(number, "url", error.messages[0])
        for column in self.text_columns:
            if column in self.present:
                values[column] = text_of(row[column])
                limit = Source._meta.get_field(column).max_length
                if len(values[column]) > limit:
                    self.problem(number, column, f"Too long: the limit is {limit} characters.")
        if "published_on" in self.present:
            try:
                values["published_on"] = date_of(row["published_on"])
            except CellError as error:
                self.problem(number, "published_on", str(error))
        publisher = tidy_name(text_of(row["publisher"])) if "publisher" in self.present else ""
        if len(self.report.problems) > before:
            return None
        if url in self.keys_seen:
            self.problem(
                number,
                "url",
                f"Row {self.keys_seen[url]} already has this link ({url}); each source may "
                "appear once in a file.",
            )
            return None
        self.keys_seen[url] = number
        return {"number": number, "url": url, "values": values, "publisher": publisher}

    def import_chunk(self, rows: list[tuple[int, dict[str, Any]]]) -> None:
        parsed = self.parse_rows(rows)
        self.publishers.ensure(item["publisher"] for item in parsed if item["publisher"])
        existing = {}
        for batch in chunked([item["url"] for item in parsed]):
            existing.update((s.url, s) for s in Source.objects.filter(url__in=batch))
        creates, updates, changed_fields, results = [], [], set(), []
        for item in parsed:
            values = dict(item["values"])
            if item["publisher"]:
                values["publisher_id"] = self.publishers.pk(item["publisher"])
            obj = existing.get(item["url"])
            if obj is None:
                values.setdefault("publisher_id", self.publishers.for_url(item["url"]))
                obj = Source(url=item["url"], **values)
                creates.append(obj)
                outcome = CREATED
            else:
                changed = [
                    name
                    for name, value in values.items()
                    if not same_value(getattr(obj, name), value)
                ]
                for name in changed:
                    setattr(obj, name, values[name])
                if changed:
                    changed_fields.update(changed)
                    updates.append(obj)
                outcome = UPDATED if changed else UNCHANGED
            results.append((item, obj, outcome))
        Source.objects.bulk_create(creates)
        if updates:
            Source.objects.bulk_update(updates, sorted(changed_fields))
        for item, obj, outcome in results:
            self.outcome(item["number"], outcome, obj.url, obj.pk)
