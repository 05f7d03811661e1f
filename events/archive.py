"""The public archive in Markdown: one file per day and one per event (DESIGN.md, "The archive
format"), written by `export_archive` and by the `.md` twins of the readers' pages, and read
back by `import_archive`.

Three layers, so that the format can be tested without a database:

- records (`EventRecord`, `DayRecord` and their items): what a file says, as plain data;
- the writer (`render_event`, `render_day`) turns records into text, and `event_record` /
  `day_record` turn prefetched events into records;
- the parser (`parse_event`, `parse_day`, `read_tree`) turns text back into records, tolerating
  the quirks of real files: duplicate list numbers, missing sections, `### Source:` or
  `### Sources:`, a `Formats:` line, a `### Changes:` list, HTML entities, leftover `''wiki''`
  markup, extra spaces after `#`, non-ASCII text and story prefixes in old headlines.

Every text field crosses into a file through `markdown_text` and back through `plain_text`:
raw HTML or Markdown in a headline, summary or name shows as literal text, in the twins too.

`ArchiveImporter` writes records into the database in batches (a fixed number of queries per
kind of row, not per event), and keeps one django-reversion Revision per import with a Version
of every event it created or changed. Rule of the writer: `parse(render(record)) == record`,
so export, import into an empty database and export again gives the same bytes.
"""

import datetime as dt
import errno
import html
import os
import re
import stat
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import groupby
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from reversion.models import Revision

from newsroom.caching import invalidate_pages
from newsroom.models import Entity, Status
from newsroom.spreadsheets.engine import record_bulk_revision
from sources.links import candidate_domains, domain_of, normalize_url
from sources.models import Citation, Publisher, PublisherDomain, Source, bare_host
from sources.slugs import make_slug

from .models import SLUG_MAX_LENGTH, Event, EventCitation, RelatedEvent, TaggedEvent

COVER_IMAGE = "Cover Image"
PREVIOUS_DAY = "Previous Day..."

# --- records --------------------------------------------------------------------------------


@dataclass(frozen=True)
class SourceItem:
    """`N. [Publisher](url)` in an event's source list."""

    publisher: str
    url: str


@dataclass(frozen=True)
class RelatedItem:
    """`N. [headline](/news/…/slug.md) _Context: A, B_`: another event and what links them."""

    date: dt.date
    slug: str
    headline: str
    context: tuple[str, ...] = ()

    @property
    def path(self) -> str:
        return event_path(self.date, self.slug)


@dataclass(frozen=True)
class EventRecord:
    """One event file. `notes` are the parser's remarks on what it skipped."""

    date: dt.date
    slug: str
    headline: str
    summary: str = ""
    topic: str = ""
    sources: tuple[SourceItem, ...] = ()
    cover_images: tuple[str, ...] = ()
    related: tuple[RelatedItem, ...] = ()
    changes: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default=(), compare=False)


@dataclass(frozen=True)
class DayEntry:
    """One event in a day file: topic, linked headline, one-line summary or context."""

    slug: str
    headline: str
    topic: str = ""
    summary: str = ""
    context: tuple[str, ...] = ()


@dataclass(frozen=True)
class DayRecord:
    date: dt.date
    entries: tuple[DayEntry, ...] = ()
    previous_day: dt.date | None = None
    notes: tuple[str, ...] = field(default=(), compare=False)


# --- paths and links ------------------------------------------------------------------------


def display_date(day: dt.date) -> str:
    """`2010-04-7`: month zero-padded, day not, as in the archive."""
    return f"{day.year:04d}-{day.month:02d}-{day.day}"


def day_folder(day: dt.date) -> str:
    return f"news/{day.year:04d}/{day.month:02d}/{day.day}"


def day_path(day: dt.date) -> str:
    return f"{day_folder(day)}/index.md"


def event_path(day: dt.date, slug: str) -> str:
    return f"{day_folder(day)}/{slug}.md"


class Links(Protocol):
    """Where a file's links point: the archive's own paths, or the site's `.md` twins."""

    def day(self, day: dt.date) -> str: ...

    def event(self, day: dt.date, slug: str) -> str: ...


class ArchiveLinks:
    """Links between files of an exported tree: `/news/2010/04/7/index.md`."""

    def day(self, day: dt.date) -> str:
        return "/" + day_path(day)

    def event(self, day: dt.date, slug: str) -> str:
        return "/" + event_path(day, slug)


class SiteLinks:
    """Links between the `.md` twins served by the site: `/events/2010/04/07.md`."""

    def day(self, day: dt.date) -> str:
        return reverse(
            "events:day_markdown", kwargs={"year": day.year, "month": day.month, "day": day.day}
        )

    def event(self, day: dt.date, slug: str) -> str:
        return reverse(
            "events:event_markdown",
            kwargs={"year": day.year, "month": day.month, "day": day.day, "slug": slug},
        )


ARCHIVE_LINKS = ArchiveLinks()
SITE_LINKS = SiteLinks()

# A link target naming a day or an event, in the archive's shape or the site's.
TARGET = re.compile(
    r"(?:^|/)(?:news|events)/(?P<year>\d{4})/(?P<month>\d{1,2})/(?P<day>\d{1,2})"
    r"(?:/(?P<slug>[^/]+?))?(?:\.md)?/?$"
)


def parse_target(url: str) -> tuple[dt.date, str] | None:
    """(date, slug) of a link to a day (slug `""` or `"index"`) or an event; None otherwise."""
    match = TARGET.search(url.strip())
    if not match:
        return None
    try:
        day = dt.date(int(match["year"]), int(match["month"]), int(match["day"]))
    except ValueError:
        return None
    slug = match["slug"] or ""
    return day, "" if slug == "index" else slug


# --- text -----------------------------------------------------------------------------------
#
# What a file says is Markdown; what the database holds is plain text. `markdown_text` and
# `plain_text` are the one pair that crosses between them: whatever a field holds (raw HTML,
# Markdown emphasis or links, entities), the file shows it as literal text to any Markdown
# reader, and reading the file back gives the field exactly: `plain_text(markdown_text(s)) ==
# s` for any one-line `s`. The parser also reads what other writers left in real files: HTML
# entities, backslash escapes, and `''wiki''` quotes, which it drops.

ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
# A backslash escape of ASCII punctuation (CommonMark), or an entity: decoded in one pass.
ESCAPED = re.compile(r"\\([!-/:-@\[-`{-~])|" + ENTITY.pattern)
WIKI_BOLD = re.compile(r"'''(.+?)'''")
WIKI_ITALIC = re.compile(r"''(.+?)''")

# Characters that are markup wherever they stand: with a backslash where Python-Markdown and
# CommonMark both honour one, else as an entity, which every Markdown dialect shows literally.
INLINE_ESCAPES = {
    "\\": "\\\\",
    "`": "\\`",
    "*": "\\*",
    "_": "\\_",
    "[": "\\[",
    "]": "\\]",
    "{": "\\{",
    "}": "\\}",
    "~": "&#126;",
    "<": "&lt;",
    ">": "&gt;",
}
INLINE_MARKUP = re.compile(
    "|".join(re.escape(char) for char in INLINE_ESCAPES)
    + r"|&(?=#[0-9]{1,7};|#[xX][0-9a-fA-F]{1,6};|[A-Za-z][A-Za-z0-9]{1,31};)"  # an entity
    + r"|'(?=')|(?<=')'"  # a run of quotes, which the parser takes for wiki markup
    + r"|#$"  # the closing `#`s of a heading
)
# What makes a line a heading, a list item or a rule, or the `Formats:` line the parser skips.
LINE_START = re.compile(r"^(?:[#+-]|\d{1,9}[.)]|Formats:)")


def _escape(match: re.Match) -> str:
    char = match[0]
    if char in INLINE_ESCAPES:
        return INLINE_ESCAPES[char]
    return "&amp;" if char == "&" else f"&#{ord(char)};"


def markdown_text(text: str, *, also: str = "") -> str:
    """`text` on one line, as Markdown that shows it literally wherever it stands, even at the
    start of a line; the characters of `also` are escaped too (`,` in a list of names)."""
    text = one_line(text)
    if start := LINE_START.match(text):
        head, last = start[0][:-1], start[0][-1]
        text = text[len(start[0]) :]
        escaped_last = "&#58;" if last == ":" else "\\" + last
    else:
        head = escaped_last = ""
    text = head + escaped_last + INLINE_MARKUP.sub(_escape, text)
    for char in also:
        text = text.replace(char, f"&#{ord(char)};")
    return text


def plain_text(text: str) -> str:
    """The text a line of Markdown shows: wiki quotes dropped, backslash escapes and HTML
    entities decoded (only in their complete form with `;`: `html.unescape` would also read
    `&region=` in a URL as `®ion=`), spaces collapsed."""
    text = WIKI_ITALIC.sub(r"\1", WIKI_BOLD.sub(r"\1", text))
    return one_line(ESCAPED.sub(lambda m: m[1] or html.unescape(m[0]), text))


def unescape(text: str) -> str:
    """HTML entities decoded in a link target, only in their complete form with `;`."""
    return ENTITY.sub(lambda match: html.unescape(match[0]), text)


def one_line(text: str) -> str:
    return " ".join(text.split())


def paragraphs(text: str) -> list[str]:
    return [p for p in re.split(r"\n\s*\n", text.replace("\r\n", "\n")) if p.strip()]


def normal_summary(text: str) -> str:
    """A summary as the archive holds it: paragraphs of one line each, one blank line apart."""
    return "\n\n".join(one_line(p) for p in paragraphs(text))


LINK_TARGET = re.compile(r"(?:[^()\s]|\([^()\s]*\))*")


def link_target(url: str) -> str:
    """A URL as a Markdown link target: parentheses that would end the link early escaped."""
    if LINK_TARGET.fullmatch(url):
        return url
    return url.replace("(", "%28").replace(")", "%29").replace(" ", "%20")


# --- the writer -----------------------------------------------------------------------------


def render_event(record: EventRecord, *, links: Links = ARCHIVE_LINKS) -> str:
    lines = [f"### [{display_date(record.date)}]({links.day(record.date)})", ""]
    if record.topic:
        lines += [f"##### {markdown_text(record.topic)}", ""]
    lines += [f"# {headline_text(record.headline, record.topic)}", ""]
    if record.summary:
        lines += ["\n\n".join(markdown_text(p) for p in paragraphs(record.summary)), ""]
    if record.sources or record.cover_images:
        lines += ["### Source:", ""]
        for number, item in enumerate(record.sources, start=1):
            label = markdown_text(item.publisher)
            if label.casefold() == COVER_IMAGE.casefold():
                label = f"&#{ord(label[0])};{label[1:]}"  # a publisher, not the cover credit
            lines.append(f"{number}. [{label}]({link_target(item.url)})")
        # The cover credit repeats the number of the item before it, as in the archive.
        last = max(len(record.sources), 1)
        lines += [f"{last}. [{COVER_IMAGE}]({link_target(url)})" for url in record.cover_images]
        lines.append("")
    if record.related:
        lines += ["### Related:", ""]
        for number, item in enumerate(record.related, start=1):
            target = links.event(item.date, item.slug)
            line = f"{number}. [{markdown_text(item.headline)}]({target})"
            if item.context:
                line += f" {context_line(item.context)}"
            lines.append(line)
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def render_day(record: DayRecord, *, links: Links = ARCHIVE_LINKS) -> str:
    lines = [f"## [{display_date(record.date)}]({links.day(record.date)})", ""]
    for entry in record.entries:
        if entry.topic:
            lines.append(f"##### {markdown_text(entry.topic)}")
        lines.append(
            f"### [{headline_text(entry.headline, entry.topic)}]"
            f"({links.event(record.date, entry.slug)})"
        )
        if entry.summary:
            lines.append(markdown_text(entry.summary))
        elif entry.context:
            lines.append(context_line(entry.context))
        lines.append("")
    if record.previous_day:
        lines.append(f"## [{PREVIOUS_DAY}]({links.day(record.previous_day)})")
    return "\n".join(lines).rstrip("\n") + "\n"


def archive_entities() -> Prefetch:
    """An event's entities as the list `archive_entities` (through rows with their entity).

    Prefetched into a plain list (`to_attr`), not through the taggit manager, which builds a
    queryset per event: exporting 10,000 events took twice as long that way.
    """
    return Prefetch(
        "tagged_entities",
        queryset=TaggedEvent.objects.select_related("tag"),
        to_attr="archive_entities",
    )


def archive_events(*, at: dt.datetime | None = None) -> QuerySet:
    """Published events with everything their files show, loaded up front.

    Related events are limited to published ones. Five queries whatever the number of events,
    citations, entities or related events (four when none has a related event).
    """
    published = Event.objects.published(at=at)
    published_links = (
        # Exists, not `to_event__in`: SQLite runs the IN subquery 20 times slower here.
        RelatedEvent.objects.filter(Exists(published.filter(pk=OuterRef("to_event_id"))))
        .select_related("to_event")
        .prefetch_related(
            Prefetch(
                "to_event__tagged_entities",
                queryset=TaggedEvent.objects.select_related("tag"),
                to_attr="archive_entities",
            )
        )
    )
    citations = EventCitation.objects.select_related("source__publisher")
    return published.select_related("topic").prefetch_related(
        Prefetch("citations", queryset=citations, to_attr="archive_citations"),
        archive_entities(),
        Prefetch("related_links", queryset=published_links, to_attr="archive_related"),
    )


def entities_of(event: Event) -> list[Entity]:
    """The event's entities by name, from `archive_entities()`."""
    return by_name(tagged.tag for tagged in event.archive_entities)


def by_name(entities: Iterable[Entity]) -> list[Entity]:
    return sorted(entities, key=lambda entity: (entity.name.casefold(), entity.name))


def publisher_label(source: Source) -> str:
    """The publisher's name, or the bare host name when no publisher claims the source."""
    return source.publisher.name if source.publisher else bare_host(domain_of(source.url))


def event_record(event: Event) -> EventRecord:
    """An event's file as a record; works on `archive_events()` data without a query."""
    citations = event.archive_citations
    own = {tagged.tag_id for tagged in event.archive_entities}
    related = []
    for link in event.archive_related:
        other = link.to_event
        shared = [e for e in entities_of(other) if e.pk in own]
        related.append(
            RelatedItem(
                other.date,
                other.slug,
                one_line(other.headline),
                tuple(one_line(e.name) for e in shared),
            )
        )
    # Most shared entities first, ties broken by path (DESIGN.md).
    related.sort(key=lambda item: (-len(item.context), item.path))
    return EventRecord(
        date=event.date,
        slug=event.slug,
        headline=one_line(event.headline),
        summary=normal_summary(event.summary),
        topic=one_line(event.topic.name) if event.topic else "",
        sources=tuple(
            SourceItem(one_line(publisher_label(c.source)), c.source.url)
            for c in citations
            if c.role != Citation.Role.IMAGE_CREDIT
        ),
        cover_images=tuple(c.source.url for c in citations if c.role == Citation.Role.IMAGE_CREDIT),
        related=tuple(related),
    )


def day_entry(event: Event) -> DayEntry:
    """An event as its day file lists it; needs `topic` and `archive_entities()` loaded."""
    summary = one_line(event.summary)
    return DayEntry(
        slug=event.slug,
        headline=one_line(event.headline),
        topic=one_line(event.topic.name) if event.topic else "",
        summary=summary,
        context=() if summary else tuple(one_line(e.name) for e in entities_of(event)),
    )


def day_record(day: dt.date, events: Iterable[Event], previous_day: dt.date | None) -> DayRecord:
    return DayRecord(day, tuple(day_entry(e) for e in events), previous_day)


@dataclass
class ExportResult:
    days: int = 0
    events: int = 0
    problems: list[str] = field(default_factory=list)


def is_safe_slug(slug: str) -> bool:
    """Whether a slug can name an event file: not the day's `index`, no path tricks."""
    return bool(slug) and slug not in ("index", ".", "..") and "/" not in slug and "\\" not in slug


def export_tree(
    root: Path, *, at: dt.datetime | None = None, chunk_size: int = 500
) -> ExportResult:
    """Write every published event and day under `root/news/`, one pass in date order."""
    result = ExportResult()
    events = archive_events(at=at).order_by(
        "date", F("category__position").asc(nulls_last=True), "category__name", "publish_at", "pk"
    )
    previous_day = None
    for day, group in groupby(events.iterator(chunk_size=chunk_size), key=lambda e: e.date):
        day_events = []
        for event in group:
            if is_safe_slug(event.slug):
                day_events.append(event)
            else:
                result.problems.append(f"{event_path(day, event.slug)}: skipped: unusable slug")
        if not day_events:
            continue
        folder = root / day_folder(day)
        folder.mkdir(parents=True, exist_ok=True)
        for event in day_events:
            write_file(root / event_path(day, event.slug), render_event(event_record(event)))
        write_file(root / day_path(day), render_day(day_record(day, day_events, previous_day)))
        previous_day = day
        result.days += 1
        result.events += len(day_events)
    return result


def write_file(path: Path, text: str) -> None:
    path.write_bytes(text.encode("utf-8"))


# --- the parser -----------------------------------------------------------------------------

HEADING = re.compile(r"^\s{0,3}(#{1,6})(?:[ \t]+(.*?))?\s*$")
LINK = re.compile(r"\[((?:\\.|[^\]\\])*)\]\(\s*((?:[^()\s]|\([^()\s]*\))*)\s*\)")
LIST_ITEM = re.compile(r"^\s*(?:\d+\s*[.)]|[-*+])\s+(.*)$")
CONTEXT = re.compile(r"_\s*Context:\s*(.*?)\s*_\s*$", re.IGNORECASE)
# "2010 Kyrgyzstan riots: President flees": the story an old headline starts with.
STORY_PREFIX = re.compile(r"^((?:1[89]|2\d)\d\d [^:]{2,80}?):\s+(\S.*)$")


def file_lines(text: str) -> list[str]:
    return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")


def context_line(names: Iterable[str]) -> str:
    """`_Context: A, B_`: the names an event shares, commas within a name escaped."""
    return f"_Context: {', '.join(markdown_text(name, also=',') for name in names)}_"


def parse_context(text: str) -> tuple[str, ...]:
    names = (plain_text(name) for name in text.split(","))
    return tuple(dict.fromkeys(name for name in names if name))


def split_story_prefix(title: str, topic: str) -> tuple[str, str]:
    """(headline, topic) of a headline as a file has it (Markdown), with an old headline's
    story prefix moved to the topic. Only a colon written as such ends a prefix, not `&#58;`:
    that is how `headline_text` keeps a headline that merely looks prefixed."""
    if topic:
        for colon in (i for i, char in enumerate(title) if char == ":"):
            if plain_text(title[:colon]).casefold() == topic.casefold():
                return plain_text(title[colon + 1 :]), topic
    elif match := STORY_PREFIX.match(title):
        return plain_text(match[2]), plain_text(match[1])
    return plain_text(title), topic


def headline_text(headline: str, topic: str) -> str:
    """`markdown_text(headline)`, with the colons escaped that would make the parser take the
    headline's start for the name of its story (`2010 World Cup: Spain wins`)."""
    text = markdown_text(headline)
    while ":" in text and split_story_prefix(text, topic) != (one_line(headline), topic):
        text = text.replace(":", "&#58;", 1)
    return text


class ArchiveFormatError(ValueError):
    pass


def parse_event(text: str, *, day: dt.date, slug: str) -> EventRecord:
    """Read an event file. The date and slug come from its path, as links name it."""
    headline = None
    topic = ""
    section = None  # None before the headline, then "summary", "sources", "related", …
    summary: list[str] = []
    sources: list[SourceItem] = []
    covers: list[str] = []
    related: list[RelatedItem] = []
    changes: list[str] = []
    notes: list[str] = []
    for line in file_lines(text):
        if heading := HEADING.match(line):
            level, title = len(heading[1]), heading[2] or ""
            if level == 1 and headline is None and title:
                headline, section = title, "summary"
            elif level == 5 and headline is None:
                topic = plain_text(title)
            elif level in (2, 3, 4):
                name = title.strip().rstrip(":").strip().casefold()
                if headline is None and LINK.match(title):
                    continue  # the date line
                section = {
                    "source": "sources",
                    "sources": "sources",
                    "related": "related",
                    "changes": "changes",
                }.get(name, "other")
                if section == "other":
                    notes.append(f"skipped the section “{title.strip()}”")
            continue
        stripped = line.strip()
        if not stripped or (section in (None, "summary") and stripped.startswith("Formats:")):
            if section == "summary":
                summary.append("")
            continue
        if section == "summary":
            summary.append(stripped)
        elif section in ("sources", "related", "changes"):
            item = LIST_ITEM.match(line)
            content = item[1] if item else stripped
            if section == "changes":
                changes.append(plain_text(content))
                continue
            link = LINK.search(content)
            if not link:
                notes.append(f"skipped “{stripped}”: no link")
                continue
            label, url = plain_text(link[1]), unescape(link[2])
            if section == "sources":
                if link[1].strip().casefold() == COVER_IMAGE.casefold():
                    covers.append(url)
                else:
                    sources.append(SourceItem(label, url))
                continue
            target = parse_target(url)
            if target is None or not target[1]:
                notes.append(f"skipped the related link “{url}”: not an event's path")
                continue
            context = CONTEXT.search(content[link.end() :])
            related.append(
                RelatedItem(
                    target[0],
                    target[1],
                    label,
                    parse_context(context[1]) if context else (),
                )
            )
    if headline is not None:
        headline, topic = split_story_prefix(headline, topic)
    if not headline:
        raise ArchiveFormatError("no “# headline” line")
    return EventRecord(
        date=day,
        slug=slug,
        headline=headline,
        summary="\n\n".join(plain_text(p) for p in paragraphs("\n".join(summary))),
        topic=topic,
        sources=tuple(sources),
        cover_images=tuple(covers),
        related=tuple(related),
        changes=tuple(changes),
        notes=tuple(notes),
    )


def parse_day(text: str, *, day: dt.date) -> DayRecord:
    """Read a day file: its events in order, and the previous day it links to."""
    entries: list[dict] = []
    topic = ""
    previous_day = None
    notes: list[str] = []
    for line in file_lines(text):
        stripped = line.strip()
        if not stripped or stripped.startswith("Formats:"):
            continue
        if heading := HEADING.match(line):
            level, title = len(heading[1]), heading[2] or ""
            link = LINK.search(title)
            if level == 5:
                topic = plain_text(title)
            elif level <= 2 and link:
                target = parse_target(link[2])
                if "previous" in link[1].casefold() and target:
                    previous_day = target[0]
            elif level in (3, 4) and link:
                target = parse_target(link[2])
                if target is None or not target[1]:
                    notes.append(f"skipped “{stripped}”: not an event's path")
                elif target[0] != day:
                    notes.append(f"skipped “{stripped}”: an event of another day")
                else:
                    headline, entry_topic = split_story_prefix(link[1], topic)
                    entries.append({"slug": target[1], "headline": headline, "topic": entry_topic})
                topic = ""
            continue
        if not entries:
            continue
        entry = entries[-1]
        if context := CONTEXT.match(stripped):
            entry["context"] = parse_context(context[1])
        else:
            entry["summary"] = f"{entry.get('summary', '')} {stripped}"  # read once complete
    seen: set[str] = set()
    unique = []
    for entry in entries:
        if entry["slug"] in seen:
            notes.append(f"skipped a second entry for {entry['slug']}")
        else:
            seen.add(entry["slug"])
            unique.append(DayEntry(**entry | {"summary": plain_text(entry.get("summary", ""))}))
    return DayRecord(
        date=day,
        entries=tuple(unique),
        previous_day=previous_day,
        notes=tuple(notes),
    )


@dataclass
class ArchiveTree:
    """Every file of an archive folder, parsed; `problems` lists what was skipped and why."""

    events: dict[tuple[dt.date, str], EventRecord] = field(default_factory=dict)
    days: dict[dt.date, DayRecord] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    #: The folder it was read from, if any.
    root: Path | None = None


def decode(data: bytes) -> tuple[str, str]:
    """(text, note): UTF-8 as archive files are written, else Windows-1252 as old ones were."""
    try:
        return data.decode("utf-8"), ""
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace"), "not UTF-8: read as Windows-1252"


def news_folder(root: Path) -> Path:
    """`DIR/news`, or DIR itself when it is the `news` folder."""
    return root if root.name == "news" and not (root / "news").is_dir() else root / "news"


class ArchiveRefused(ArchiveFormatError):
    """A tree the importer will not read at all: nothing of it is imported."""


def archive_files(news: Path) -> list[Path]:
    """Every `*.md` file under `news`, sorted; refuses the whole tree for one symbolic link
    (it could lead out of the archive) or one file that is not a plain file or is larger than
    `NEWSROOM_ARCHIVE_MAX_FILE_BYTES`, so that nothing is read before every file is checked."""
    limit = settings.NEWSROOM_ARCHIVE_MAX_FILE_BYTES
    found = []
    if news.is_symlink():
        raise refused(news, news.parent, "a symbolic link; the archive must hold its own files")
    for folder, folders, names in os.walk(news):  # never follows a link to a folder
        for name in sorted([*folders, *names]):
            path = Path(folder, name)
            info = path.lstat()
            if stat.S_ISLNK(info.st_mode):
                target = os.readlink(path)
                raise refused(
                    path,
                    news.parent,
                    f"a symbolic link to {target}; the archive must hold its own files",
                )
            if stat.S_ISDIR(info.st_mode) or not name.endswith(".md"):
                continue
            if not stat.S_ISREG(info.st_mode):
                raise refused(path, news.parent, "not a regular file")
            if info.st_size > limit:
                raise refused(
                    path,
                    news.parent,
                    f"{info.st_size:,} bytes, more than an archive file may hold "
                    f"(NEWSROOM_ARCHIVE_MAX_FILE_BYTES = {limit:,})",
                )
            found.append(path)
    return sorted(found)


def refused(path: Path, root: Path, why: str) -> ArchiveRefused:
    return ArchiveRefused(f"{path.relative_to(root).as_posix()}: refused: {why}. Nothing imported.")


def read_limited(path: Path, *, root: Path) -> bytes:
    """The file's bytes, checked again as it is opened: a file swapped for a link or a pipe
    since `archive_files` looked, or grown past the limit, is refused all the same."""
    limit = settings.NEWSROOM_ARCHIVE_MAX_FILE_BYTES
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise refused(path, root, "a symbolic link") from None
        raise
    with os.fdopen(descriptor, "rb") as file:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            raise refused(path, root, "not a regular file")
        data = file.read(limit + 1)
    if len(data) > limit:
        raise refused(path, root, "it grew past NEWSROOM_ARCHIVE_MAX_FILE_BYTES")
    return data


def read_tree(root: Path) -> ArchiveTree:
    """Parse `news/<yyyy>/<mm>/<d>/*.md` under `root` (days may be zero-padded too).

    Raises `ArchiveRefused` for a tree with a symbolic link, a special file or a file over
    `NEWSROOM_ARCHIVE_MAX_FILE_BYTES`; other unreadable files are skipped and listed.
    """
    tree = ArchiveTree(root=root)
    news = news_folder(root)
    if not news.is_dir():
        raise ArchiveFormatError(f"{root} has no news/ folder")
    for path in archive_files(news):
        relative = path.relative_to(news.parent).as_posix()
        parts = path.relative_to(news).parts
        try:
            if len(parts) != 4 or not all(p.isdigit() for p in parts[:3]):
                raise ArchiveFormatError("not at news/<yyyy>/<mm>/<d>/")
            day = dt.date(int(parts[0]), int(parts[1]), int(parts[2]))
            text, encoding_note = decode(read_limited(path, root=news.parent))
            slug = parts[3].removesuffix(".md")
            if slug == "index":
                record = parse_day(text, day=day)
                tree.days[day] = record
            else:
                record = parse_event(text, day=day, slug=slug)
                tree.events[day, slug] = record
        except ArchiveRefused:
            raise
        except (ArchiveFormatError, ValueError) as error:
            tree.problems.append(f"{relative}: skipped: {error}")
            continue
        notes = [encoding_note, *record.notes] if encoding_note else record.notes
        tree.problems.extend(f"{relative}: {note}" for note in notes)
    return tree


# --- the importer ---------------------------------------------------------------------------


def name_key(name: str) -> str:
    """How names are matched on import: case ignored, runs of spaces in the file collapsed."""
    return " ".join(name.split()).casefold()


def by_name_key(model, names: dict[str, str]) -> QuerySet:
    """Rows whose name matches one of `names` ({name key: name}) exactly or by lower case.

    Both, because SQLite's LOWER() leaves non-ASCII letters as they are: "Ош" would not be
    found by its key "ош" alone, and creating it again would break the unique name.
    """
    return model._default_manager.annotate(lowered=Lower("name")).filter(
        Q(lowered__in=list(names)) | Q(name__in=list(names.values()))
    )


def unique_slugs(model, bases: dict, *, max_length: int) -> dict:
    """A free slug for each key of `bases` (`base`, `base-2`, …): one query per round."""
    chosen: dict = {}
    pending, attempt = dict(bases), 1
    fallback = model._meta.model_name
    while pending:
        candidates = {}
        for key, base in pending.items():
            base = base[:max_length].strip("-") or fallback
            suffix = "" if attempt == 1 else f"-{attempt}"
            candidates[key] = base[: max_length - len(suffix)] + suffix
        taken = set(
            model._default_manager.filter(slug__in=set(candidates.values())).values_list(
                "slug", flat=True
            )
        )
        taken |= set(chosen.values())
        retry = {}
        for key, candidate in candidates.items():
            if candidate in taken:
                retry[key] = pending[key]
            else:
                chosen[key] = candidate
                taken.add(candidate)
        pending, attempt = retry, attempt + 1
    return chosen


def chunks(items: list, size: int = 500) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


@dataclass
class ImportResult:
    created: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    updated: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    problems: list[str] = field(default_factory=list)
    #: The import's Revision (a Version of every event created or changed), if it kept one.
    revision: Revision | None = None

    @property
    def changed(self) -> bool:
        return any(self.created.values()) or any(self.updated.values())

    def summary(self) -> str:
        counts = [f"{n} {what} created" for what, n in sorted(self.created.items()) if n]
        counts += [f"{n} {what} updated" for what, n in sorted(self.updated.items()) if n]
        return ", ".join(counts) if counts else "nothing to change"


class ArchiveImporter:
    """Writes an `ArchiveTree` into the database; running it twice changes nothing.

    Events are matched on (date, slug) and imported slugs are kept as they are. New events are
    published at midnight of their date (the archive is a public record) or, with
    `publish=False`, left as drafts; existing events keep their workflow state. Sources are
    matched on their normalized URL, publishers and entities on their name (case
    ignored). Citation and related-event lists are replaced only when they differ; entities
    are added, never removed.

    Every event created or changed (its fields, citations, related events or entities) gets a
    Version in one Revision for the import, by `user` (optional), unless `dry_run`.
    """

    def __init__(
        self, tree: ArchiveTree, *, publish: bool = True, user=None, dry_run: bool = False
    ) -> None:
        self.tree = tree
        self.publish = publish
        self.user = user
        self.dry_run = dry_run
        self.normalized: dict[str, str | None] = {}
        self.result = ImportResult(problems=list(tree.problems))
        self.touched: set[int] = set()  # pks of the events created or changed

    def run(self) -> ImportResult:
        records = self.event_records()
        with transaction.atomic():
            self.entities = self.resolve_entities(records)
            self.sources = self.resolve_sources(records)
            self.events = self.save_events(records)
            self.save_citations(records)
            self.save_related_and_entities(records)
            if not self.dry_run:
                self.result.revision = self.record_revision()
        return self.result

    def record_revision(self) -> Revision | None:
        where = f" of {self.tree.root}" if self.tree.root is not None else ""
        comment = (
            f"Archive import{where}: {self.result.summary()}; "
            f"{len(self.touched)} events created or changed"
        )
        return record_bulk_revision(Event, self.touched, user=self.user, comment=comment)

    def problem(self, text: str) -> None:
        self.result.problems.append(text)

    # Records: event files, plus events that only their day file lists, in day order.

    def event_records(self) -> list[EventRecord]:
        files_by_day: dict[dt.date, list[EventRecord]] = defaultdict(list)
        for (day, _slug), record in sorted(self.tree.events.items()):
            files_by_day[day].append(record)
        records = []
        for day in sorted({*self.tree.days, *files_by_day}):
            listed = self.tree.days.get(day, DayRecord(day)).entries
            for entry in listed:
                record = self.tree.events.get((day, entry.slug)) or EventRecord(
                    day, entry.slug, entry.headline, entry.summary, entry.topic
                )
                records.append(record)
            done = {entry.slug for entry in listed}
            records += [record for record in files_by_day[day] if record.slug not in done]
        valid = []
        for record in records:
            where = event_path(record.date, record.slug)
            if len(record.slug) > SLUG_MAX_LENGTH:
                self.problem(f"{where}: skipped: slug longer than {SLUG_MAX_LENGTH} characters")
            elif len(record.headline) > Event._meta.get_field("headline").max_length:
                self.problem(f"{where}: skipped: headline too long")
            else:
                valid.append(record)
        return valid

    def day_context(self, record: EventRecord) -> tuple[str, ...]:
        day = self.tree.days.get(record.date)
        entry = next((e for e in day.entries if e.slug == record.slug), None) if day else None
        return entry.context if entry else ()

    # Entities: the topics and every name of a context, one lookup, new ones in bulk.

    def resolve_entities(self, records: list[EventRecord]) -> dict[str, Entity]:
        max_length = Entity._meta.get_field("name").max_length
        names: dict[str, tuple[str, bool]] = {}  # key -> (name, is a topic)
        for record in records:
            wanted = [(record.topic, True)] if record.topic else []
            wanted += [(n, False) for item in record.related for n in item.context]
            wanted += [(n, False) for n in self.day_context(record)]
            for name, is_topic in wanted:
                if len(name) > max_length:
                    self.problem(f"{event_path(record.date, record.slug)}: name too long: {name}")
                    continue
                previous = names.get(name_key(name))
                if previous:
                    name, is_topic = previous[0], is_topic or previous[1]
                names[name_key(name)] = (name, is_topic)
        found: dict[str, Entity] = {}
        for batch in chunks(list(names)):
            for entity in by_name_key(Entity, {key: names[key][0] for key in batch}):
                found.setdefault(name_key(entity.name), entity)
        missing = [key for key in names if key not in found]
        slugs = unique_slugs(
            Entity, {key: make_slug(names[key][0]) for key in missing}, max_length=90
        )
        new = [
            Entity(
                name=names[key][0],
                slug=slugs[key],
                kind=Entity.Kind.TOPIC if names[key][1] else Entity._meta.get_field("kind").default,
            )
            for key in missing
        ]
        Entity.objects.bulk_create(new)
        self.result.created["entities"] += len(new)
        found.update({name_key(entity.name): entity for entity in new})
        return found

    def entity(self, name: str) -> Entity | None:
        return self.entities.get(name_key(name))

    # Publishers and sources: one lookup each, the missing ones created in bulk.

    def resolve_sources(self, records: list[EventRecord]) -> dict[str, Source]:
        labels: dict[str, str] = {}  # normalized URL -> publisher label ("" for a cover)
        for record in records:
            items = [(s.publisher, s.url) for s in record.sources]
            items += [("", url) for url in record.cover_images]
            for label, url in items:
                normalized = self.normalize(url)
                if normalized is None:
                    self.problem(f"{event_path(record.date, record.slug)}: bad URL: {url}")
                    continue
                if not labels.get(normalized):
                    labels[normalized] = label
        publishers = self.resolve_publishers(labels)
        by_domain = self.claimed_domains(labels)
        sources: dict[str, Source] = {}
        for batch in chunks(list(labels)):
            found = Source.objects.select_related("publisher").filter(url__in=batch)
            sources |= {source.url: source for source in found}
        new, claimed = [], []
        for url, label in labels.items():
            publisher = publishers.get(name_key(label)) or by_domain.get(url)
            source = sources.get(url)
            if source is None:
                new.append(Source(url=url, publisher=publisher))
            elif source.publisher_id is None and publisher is not None:
                source.publisher = publisher
                claimed.append(source)
        Source.objects.bulk_create(new)
        Source.objects.bulk_update(claimed, ["publisher"])
        self.result.created["sources"] += len(new)
        self.result.updated["sources"] += len(claimed)
        sources |= {source.url: source for source in new}
        return sources

    def resolve_publishers(self, labels: dict[str, str]) -> dict[str, Publisher]:
        """Publishers by name key. A label that is just the URL's host names no publisher."""
        names = {}
        for url, label in labels.items():
            if label and name_key(label) != name_key(bare_host(domain_of(url))):
                names.setdefault(name_key(label), label)
        found = {name_key(p.name): p for p in by_name_key(Publisher, names)}
        missing = [key for key in names if key not in found]
        slugs = unique_slugs(
            Publisher, {key: make_slug(names[key]) for key in missing}, max_length=200
        )
        new = [Publisher(name=names[key][:200], slug=slugs[key]) for key in missing]
        Publisher.objects.bulk_create(new)
        self.result.created["publishers"] += len(new)
        return found | {name_key(p.name): p for p in new}

    def claimed_domains(self, labels: dict[str, str]) -> dict[str, Publisher]:
        """The publisher whose domain claims each URL (the rule of `Source.save`), in one query."""
        candidates = {url: candidate_domains(domain_of(url)) for url in labels}
        domains = {
            d.domain: d.publisher
            for d in PublisherDomain.objects.select_related("publisher").filter(
                domain__in={c for cs in candidates.values() for c in cs}
            )
        }
        return {
            url: next((domains[c] for c in cs if c in domains), None)
            for url, cs in candidates.items()
            if any(c in domains for c in cs)
        }

    def normalize(self, url: str) -> str | None:
        """`normalize_url(url)`, or None for a URL that cannot be cited; computed once."""
        if url not in self.normalized:
            try:
                self.normalized[url] = normalize_url(url)
            except ValidationError:
                self.normalized[url] = None
        return self.normalized[url]

    def source(self, url: str) -> Source | None:
        normalized = self.normalize(url)
        return self.sources.get(normalized) if normalized else None

    # Events: one lookup for those in the tree and those its related links name.

    def save_events(self, records: list[EventRecord]) -> dict[tuple[dt.date, str], Event]:
        keys = {(r.date, r.slug) for r in records}
        keys |= {(item.date, item.slug) for r in records for item in r.related}
        existing = self.find_events(keys)
        new, changed = [], []
        now = timezone.now()
        for record in records:
            values = self.event_values(record)
            event = existing.get((record.date, record.slug))
            if event is None:
                event = Event(date=record.date, slug=record.slug, **values)
                if self.publish:
                    go_live = timezone.make_aware(dt.datetime.combine(record.date, dt.time()))
                    event.status = Status.PUBLISHED
                    event.publish_at = event.first_published_at = go_live
                    event.last_published_at = go_live
                new.append(event)
                existing[record.date, record.slug] = event
                continue
            if not self.has_file(record):
                continue  # a day file's line says too little to change an event
            if event.cover_image_credit:
                del values["cover_image_credit"]  # the archive has the link, not the name
            if any(getattr(event, name) != value for name, value in values.items()):
                for name, value in values.items():
                    setattr(event, name, value)
                event.version += 1
                event.modified_at = now
                changed.append(event)
        Event.objects.bulk_create(new)
        Event.objects.bulk_update(
            changed,
            ["headline", "summary", "topic", "cover_image_credit", "version", "modified_at"],
        )
        self.result.created["events"] += len(new)
        self.result.updated["events"] += len(changed)
        self.touched.update(event.pk for event in [*new, *changed])
        return existing

    def has_file(self, record: EventRecord) -> bool:
        return (record.date, record.slug) in self.tree.events

    def event_values(self, record: EventRecord) -> dict:
        credit = ""
        for url in record.cover_images:
            source = self.source(url)
            if source is not None:
                credit = publisher_label(source)[:200]
                break
        topic = self.entity(record.topic) if record.topic else None
        return {
            "headline": record.headline,
            "summary": record.summary,
            "topic_id": topic.pk if topic else None,
            "cover_image_credit": credit,
        }

    def find_events(self, keys: set[tuple[dt.date, str]]) -> dict[tuple[dt.date, str], Event]:
        found = {}
        for batch in chunks(sorted(keys)):
            days = {day for day, _slug in batch}
            slugs = {slug for _day, slug in batch}
            for event in Event.objects.filter(date__in=days, slug__in=slugs):
                if (event.date, event.slug) in keys:
                    found[event.date, event.slug] = event
        return found

    # Citations: sources then cover credits, replaced per event only when the list differs.

    def save_citations(self, records: list[EventRecord]) -> None:
        wanted: dict[int, list[tuple[int, str]]] = {}
        for record in filter(self.has_file, records):
            event = self.events[record.date, record.slug]
            rows: list[tuple[int, str]] = []
            items = [(url, Citation.Role.SOURCE) for url in (s.url for s in record.sources)]
            items += [(url, Citation.Role.IMAGE_CREDIT) for url in record.cover_images]
            for url, role in items:
                source = self.source(url)
                if source is None:
                    continue
                if (source.pk, role) in rows:
                    self.problem(f"{event_path(record.date, record.slug)}: {url} listed twice")
                    continue
                rows.append((source.pk, role))
            wanted[event.pk] = rows
        current: dict[int, list[tuple[int, str]]] = defaultdict(list)
        for batch in chunks(list(wanted)):
            for item_id, source_id, role in (
                EventCitation.objects.filter(item_id__in=batch)
                .order_by("item_id", "position", "pk")
                .values_list("item_id", "source_id", "role")
            ):
                current[item_id].append((source_id, role))
        changed = [pk for pk, rows in wanted.items() if rows != current[pk]]
        for batch in chunks(changed):
            EventCitation.objects.filter(item_id__in=batch).delete()
        EventCitation.objects.bulk_create(
            EventCitation(item_id=pk, source_id=source_id, role=role, position=position)
            for pk in changed
            for position, (source_id, role) in enumerate(wanted[pk], start=1)
        )
        self.result.updated["citation lists"] += len(changed)
        self.touched.update(changed)

    # Related events, and the entities their contexts say both events carry.

    def save_related_and_entities(self, records: list[EventRecord]) -> None:
        links: dict[int, list[int]] = {}
        tags: dict[int, set[int]] = defaultdict(set)
        for record in records:
            event = self.events[record.date, record.slug]
            targets: list[int] = []
            for name in self.day_context(record):
                if entity := self.entity(name):
                    tags[event.pk].add(entity.pk)
            if not self.has_file(record):
                continue
            for item in record.related:
                context = [e for name in item.context if (e := self.entity(name))]
                tags[event.pk].update(e.pk for e in context)
                other = self.events.get((item.date, item.slug))
                if other is None:
                    self.problem(
                        f"{event_path(record.date, record.slug)}: related event {item.path} "
                        "is neither in the archive nor in the database; link skipped"
                    )
                    continue
                tags[other.pk].update(e.pk for e in context)
                if other.pk != event.pk and other.pk not in targets:
                    targets.append(other.pk)
            links[event.pk] = targets
        self.save_links(links)
        self.save_tags(tags)

    def save_links(self, links: dict[int, list[int]]) -> None:
        current: dict[int, list[int]] = defaultdict(list)
        for batch in chunks(list(links)):
            for from_id, to_id in (
                RelatedEvent.objects.filter(from_event_id__in=batch)
                .order_by("from_event_id", "position", "pk")
                .values_list("from_event_id", "to_event_id")
            ):
                current[from_id].append(to_id)
        changed = [pk for pk, targets in links.items() if targets != current[pk]]
        for batch in chunks(changed):
            RelatedEvent.objects.filter(from_event_id__in=batch).delete()
        RelatedEvent.objects.bulk_create(
            RelatedEvent(from_event_id=pk, to_event_id=to_id, position=position)
            for pk in changed
            for position, to_id in enumerate(links[pk], start=1)
        )
        self.result.updated["related lists"] += len(changed)
        self.touched.update(changed)

    def save_tags(self, tags: dict[int, set[int]]) -> None:
        current = set()
        for batch in chunks(list(tags)):
            current |= set(
                TaggedEvent.objects.filter(content_object_id__in=batch).values_list(
                    "content_object_id", "tag_id"
                )
            )
        new = [
            TaggedEvent(content_object_id=event_id, tag_id=tag_id)
            for event_id, tag_ids in tags.items()
            for tag_id in sorted(tag_ids)
            if (event_id, tag_id) not in current
        ]
        TaggedEvent.objects.bulk_create(new)
        self.result.created["event entities"] += len(new)
        self.touched.update(tagged.content_object_id for tagged in new)


def import_tree(
    root: Path, *, publish: bool = True, dry_run: bool = False, user=None
) -> ImportResult:
    """Read the archive under `root` into the database; with `dry_run`, roll everything back.

    The import keeps one Revision, by `user` (optional), unless it is a dry run or no event
    changed.
    """
    tree = read_tree(root)
    with transaction.atomic():
        result = ArchiveImporter(tree, publish=publish, user=user, dry_run=dry_run).run()
        if dry_run:
            transaction.set_rollback(True)
        elif result.changed:
            # Bulk writes send no post_save, so the readers' page cache is told here.
            invalidate_pages()
    return result
