"""Whatever a text field holds, the `.md` twins and the exported archive show it as literal text,
and reading the file back gives the field exactly as it was."""

import datetime as dt
from html.parser import HTMLParser
from io import StringIO

import markdown
import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse

from events.archive import (
    DayEntry,
    DayRecord,
    EventRecord,
    markdown_text,
    parse_day,
    parse_event,
    plain_text,
    render_day,
    render_event,
)
from events.models import Event
from newsroom.models import Entity
from sources.models import Citation, Publisher, Source
from tests.factories import (
    EntityFactory,
    EventCitationFactory,
    EventFactory,
    PublisherFactory,
    RelatedEventFactory,
    SourceFactory,
)

pytestmark = pytest.mark.django_db

APRIL_7 = dt.date(2010, 4, 7)
NOW = dt.datetime(2010, 4, 20, 12, 0, tzinfo=dt.UTC)

# Raw HTML, Markdown markup of every kind, an entity, wiki quotes, escapes and a closing `#`.
HOSTILE = (
    "<script>alert(1)</script> *bold* [x](javascript:alert(1)) <img src=x onerror=alert(1)> "
    "__strong__ `code` ~~gone~~ {: onclick=alert(1)} &amp; ''wiki'' '''bold''' \\*kept\\* "
    "<https://evil.example/> ![i](https://evil.example/i.png) #"
)
TOPIC = f"Topic {HOSTILE}"[:100]  # as long as names may be
PUBLISHER = f"Publisher {HOSTILE}"[:200]
# Text that would change a line's meaning when it starts one.
LINE_STARTS = ["# Heading", "- item", "+ item", "1. item", "2010) item", "Formats: x", "> quote"]


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def hostile_event():
    """A published event with hostile text in every field its twin shows."""
    event = EventFactory(
        published=True,
        date=APRIL_7,
        slug="hostile",
        headline=f"Headline {HOSTILE}",
        summary=f"Summary {HOSTILE}\n\n- {HOSTILE}",
        topic=EntityFactory(name=TOPIC, kind="topic"),
        category=None,
    )
    shared = EntityFactory(name="Washington, D.C. <b>*x*</b>")
    event.entities.add(shared)
    publisher = PublisherFactory(name=PUBLISHER)
    EventCitationFactory(
        item=event, source=SourceFactory(url="https://a.example/1", publisher=publisher)
    )
    EventCitationFactory(
        item=event,
        source=SourceFactory(
            url="https://b.example/2", publisher=PublisherFactory(name="cover image")
        ),
    )
    other = EventFactory(
        published=True,
        date=APRIL_7,
        slug="other",
        headline=f"Other {HOSTILE}",
        summary="",
        category=None,
    )
    other.entities.add(shared)
    RelatedEventFactory(from_event=event, to_event=other, position=1)
    return event


class Rendered(HTMLParser):
    """What a Markdown reader shows: the tags and attributes it made, and the text."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []
        self.feed(markdown.markdown(text, extensions=["extra", "sane_lists"]))

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)

    @property
    def lines(self) -> list[str]:
        return [" ".join(line.split()) for line in "".join(self.text).split("\n")]


def twin(client, event: Event | None = None) -> str:
    kwargs = {"year": 2010, "month": 4, "day": 7}
    if event is None:
        return client.get(reverse("events:day_markdown", kwargs=kwargs)).content.decode()
    kwargs["slug"] = event.slug
    return client.get(reverse("events:event_markdown", kwargs=kwargs)).content.decode()


def assert_only_archive_markup(shown: Rendered, *, contexts: int) -> None:
    allowed = {"h1", "h2", "h3", "h5", "p", "ol", "li", "a", "em"}
    assert {tag for tag, _ in shown.tags} <= allowed
    for tag, attrs in shown.tags:
        assert set(attrs) <= ({"href"} if tag == "a" else set())
        if tag == "a":
            assert attrs["href"].startswith(("/events/2010/", "https://a.example/", "https://b."))
    assert [tag for tag, _ in shown.tags].count("em") == contexts  # only `_Context: …_`


def test_event_twin_shows_every_field_literally(client, hostile_event):
    text = twin(client, hostile_event)

    assert "<script>" not in text
    assert "<img" not in text
    shown = Rendered(text)
    assert_only_archive_markup(shown, contexts=1)
    assert f"Headline {HOSTILE}" in shown.lines
    assert f"Summary {HOSTILE}" in shown.lines
    assert f"- {HOSTILE}" in shown.lines  # a paragraph, not a list
    assert TOPIC in shown.lines
    assert PUBLISHER in shown.lines
    assert "cover image" in shown.lines  # a publisher, not the cover credit
    assert f"Other {HOSTILE} Context: Washington, D.C. <b>*x*</b>" in shown.lines


def test_day_twin_shows_every_field_literally(client, hostile_event):
    shown = Rendered(twin(client))

    assert_only_archive_markup(shown, contexts=1)
    assert f"Headline {HOSTILE}" in shown.lines
    assert f"Summary {HOSTILE} - {HOSTILE}" in shown.lines
    assert f"Other {HOSTILE}" in shown.lines
    assert "Context: Washington, D.C. <b>*x*</b>" in shown.lines


def test_twins_read_back_as_the_original_text(client, hostile_event):
    record = parse_event(twin(client, hostile_event), day=APRIL_7, slug="hostile")
    assert record.headline == f"Headline {HOSTILE}"
    assert record.summary == f"Summary {HOSTILE}\n\n- {HOSTILE}"
    assert record.topic == TOPIC
    assert [s.publisher for s in record.sources] == [PUBLISHER, "cover image"]
    assert record.cover_images == ()
    assert record.related[0].headline == f"Other {HOSTILE}"
    assert record.related[0].context == ("Washington, D.C. <b>*x*</b>",)

    day = parse_day(twin(client), day=APRIL_7)
    assert [entry.headline for entry in day.entries] == [f"Headline {HOSTILE}", f"Other {HOSTILE}"]
    assert day.entries[0].summary == f"Summary {HOSTILE} - {HOSTILE}"
    assert day.entries[1].context == ("Washington, D.C. <b>*x*</b>",)


def test_export_and_import_give_back_the_original_text(tmp_path, hostile_event):
    call_command("export_archive", str(tmp_path), stdout=StringIO())
    exported = b"".join(p.read_bytes() for p in sorted(tmp_path.rglob("*.md"))).decode()
    assert "<script>" not in exported
    Event.objects.all().delete()
    Source.objects.all().delete()
    Publisher.objects.all().delete()
    Entity.objects.all().delete()

    call_command("import_archive", str(tmp_path), stdout=StringIO(), stderr=StringIO())

    event = Event.objects.get(slug="hostile")
    assert event.headline == f"Headline {HOSTILE}"
    assert event.summary == f"Summary {HOSTILE}\n\n- {HOSTILE}"
    assert event.topic.name == TOPIC
    assert Event.objects.get(slug="other").headline == f"Other {HOSTILE}"
    assert set(Entity.objects.values_list("name", flat=True)) == {
        TOPIC,
        "Washington, D.C. <b>*x*</b>",
    }
    labels = [c.source.publisher.name for c in event.citations.order_by("position")]
    assert labels == [PUBLISHER, "cover image"]
    assert not event.citations.filter(role=Citation.Role.IMAGE_CREDIT).exists()

    call_command("export_archive", str(tmp_path / "again"), stdout=StringIO())
    again = b"".join(p.read_bytes() for p in sorted((tmp_path / "again").rglob("*.md"))).decode()
    assert again == exported


@pytest.mark.parametrize("text", [*LINE_STARTS, HOSTILE, "a\\", "x'", "'", "&", "&#;", "&amp"])
def test_markdown_text_reads_back_and_starts_no_block(text):
    escaped = markdown_text(text)

    assert plain_text(escaped) == text
    shown = Rendered(escaped)
    assert [tag for tag, _ in shown.tags] == ["p"]
    assert shown.lines == [text]


def test_commas_escaped_on_request_only():
    assert markdown_text("Washington, D.C.", also=",") == "Washington&#44; D.C."
    assert markdown_text("Washington, D.C.") == "Washington, D.C."
    assert markdown_text("R&D and AT&T's 2010 plan.") == "R&D and AT&T's 2010 plan."


@pytest.mark.parametrize(
    ("headline", "topic"),
    [
        ("2010 World Cup: Spain wins.", ""),
        ("Osh clashes: curfew extended.", "Osh clashes"),
        ("A: B: c.", "A: B"),
    ],
)
def test_a_headline_that_looks_prefixed_by_its_story_keeps_its_colon(headline, topic):
    record = EventRecord(APRIL_7, "x", headline, topic=topic)
    day = DayRecord(APRIL_7, (DayEntry("x", headline, topic=topic),))

    assert parse_event(render_event(record), day=APRIL_7, slug="x") == record
    assert parse_day(render_day(day), day=APRIL_7) == day
