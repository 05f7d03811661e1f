"""The bulk importer: rows become items, twice changes nothing, a bad file changes nothing."""

import datetime as dt

import pytest
from reversion.models import Version

from events.models import Event, EventCitation, RelatedEvent
from newsroom.models import Entity, ImportRecord, Status, Story
from sources.models import Publisher, Source

from ..factories import (
    EntityFactory,
    EventCitationFactory,
    EventFactory,
    PublisherDomainFactory,
    PublisherFactory,
    SourceFactory,
    StoryFactory,
)
from .conftest import EVENT_HEADER, csv_bytes, import_file, problems, snapshot

pytestmark = pytest.mark.django_db

ROWS = [
    EVENT_HEADER,
    [
        "2010-04-07",
        "",
        "Protesters take the government building in Bishkek",
        "Crowds gathered in the main square.",
        "person: Roza Otunbayeva; place: Bishkek; organisation: Ata-Meken",
        "Al Jazeera | https://english.aljazeera.net/news/2010/04/7/a.html\n"
        "https://www.bbc.co.uk/news/10-a?utm_source=feed",
    ],
    [
        "2010-04-08",
        "president-leaves-the-capital",
        "The president leaves the capital",
        "",
        "person: roza   OTUNBAYEVA; Kurmanbek Bakiyev",
        "https://english.aljazeera.net/news/2010/04/8/b.html",
    ],
]


def test_rows_become_draft_events_with_entities_and_citations(editor):
    bbc = PublisherDomainFactory(domain="bbc.co.uk", publisher=PublisherFactory(name="BBC"))

    record = import_file(csv_bytes(ROWS), user=editor)

    assert record.state == ImportRecord.State.IMPORTED, record.errors
    assert (record.created, record.updated, record.unchanged) == (2, 0, 0)
    first = Event.objects.get(date=dt.date(2010, 4, 7))
    assert first.slug == "protesters-take-the-government-building-in-bishkek"
    assert first.status == Status.DRAFT
    assert first.created_by == editor
    assert sorted((e.kind, e.name) for e in first.entities.all()) == [
        ("organisation", "Ata-Meken"),
        ("person", "Roza Otunbayeva"),
        ("place", "Bishkek"),
    ]
    citations = list(first.citations.select_related("source__publisher"))
    assert [c.source.url for c in citations] == [
        "https://english.aljazeera.net/news/2010/04/7/a.html",
        "https://www.bbc.co.uk/news/10-a",
    ]
    assert citations[0].source.publisher.name == "Al Jazeera"
    assert citations[1].source.publisher == bbc.publisher
    second = Event.objects.get(slug="president-leaves-the-capital")
    assert second.status == Status.DRAFT


def test_entities_publishers_and_sources_are_never_duplicated(editor):
    EntityFactory(name="Roza Otunbayeva", kind=Entity.Kind.PERSON)
    PublisherFactory(name="Al Jazeera")

    import_file(csv_bytes(ROWS), user=editor)

    assert Entity.objects.filter(name__iexact="roza otunbayeva").count() == 1
    assert Entity.objects.count() == 4
    assert Publisher.objects.filter(name="Al Jazeera").count() == 1
    assert Source.objects.count() == 3
    second = Event.objects.get(slug="president-leaves-the-capital")
    assert "Roza Otunbayeva" in second.entities.names()


def test_the_same_file_twice_changes_nothing_and_says_so(editor):
    data = csv_bytes(ROWS)
    import_file(data, user=editor)
    before = snapshot()

    again = import_file(data, user=editor)

    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert again.message.startswith("Nothing changed")
    assert again.revision is None
    assert snapshot() == before


def test_changed_rows_are_updated_and_the_rest_left_alone(editor):
    import_file(csv_bytes(ROWS), user=editor)
    event = Event.objects.get(slug="president-leaves-the-capital")
    changed = [row[:] for row in ROWS]
    changed[2][3] = "He flew south."
    changed[2][5] = "https://english.aljazeera.net/news/2010/04/8/b.html\nhttps://example.org/c"

    record = import_file(csv_bytes(changed), user=editor)

    assert (record.created, record.updated, record.unchanged) == (0, 1, 1)
    event.refresh_from_db()
    assert event.summary == "He flew south."
    assert event.version == 2
    assert event.modified_by == editor
    assert [c.source.url for c in event.citations.all()] == [
        "https://english.aljazeera.net/news/2010/04/8/b.html",
        "https://example.org/c",
    ]
    assert [row[1] for row in record.rows] == ["unchanged", "updated"]


def test_columns_left_out_are_not_changed(editor):
    event = EventFactory(date=dt.date(2010, 4, 7), slug="vote", headline="A vote")
    EventCitationFactory(item=event)
    event.entities.add("Bishkek")

    record = import_file(
        csv_bytes([["date", "slug", "headline"], ["2010-04-07", "vote", "A vote"]]), user=editor
    )

    assert record.unchanged == 1
    assert event.citations.count() == 1
    assert list(event.entities.names()) == ["Bishkek"]


def test_a_file_with_one_bad_row_writes_nothing_and_names_every_problem(editor):
    existing = EventFactory(date=dt.date(2010, 4, 8), slug="president-leaves-the-capital")
    before = snapshot()
    bad = [row[:] for row in ROWS]
    bad[2][3] = "Changed, but must not be saved."
    bad.append(["07/04/2010", "", "A headline", "", "", "ftp://example.org/file"])
    bad.append(["2010-04-09", "", "", "", "", ""])

    record = import_file(csv_bytes(bad), user=editor)

    assert record.state == ImportRecord.State.FAILED
    assert problems(record) == [(4, "date"), (4, "citations"), (5, "headline")]
    assert "YYYY-MM-DD" in record.errors[0]["message"]
    assert "http://" in record.errors[1]["message"]
    assert record.message.startswith("Nothing was imported")
    assert snapshot() == before
    existing.refresh_from_db()
    assert existing.summary != "Changed, but must not be saved."


def test_a_dry_run_reports_every_row_and_writes_nothing(editor):
    before = snapshot()

    record = import_file(csv_bytes(ROWS), user=editor, dry_run=True)

    assert record.state == ImportRecord.State.PREVIEWED
    assert record.rows == [
        [2, "created", "2010-04-07/protesters-take-the-government-building-in-bishkek"],
        [3, "created", "2010-04-08/president-leaves-the-capital"],
    ]
    assert snapshot() == before


def test_duplicate_keys_in_one_file_are_refused(editor):
    rows = [*ROWS, ROWS[2]]

    record = import_file(csv_bytes(rows), user=editor)

    assert problems(record) == [(4, "date")]
    assert "Row 3 already has this event" in record.errors[0]["message"]
    assert not Event.objects.exists()


def test_related_events_and_stories_by_slug_even_further_down_the_file(editor):
    story = StoryFactory(slug="the-april-revolution")
    rows = [
        ["date", "slug", "headline", "related_events", "related_stories"],
        ["2010-04-07", "first", "First", "2010-04-08/second\nthird", "the-april-revolution"],
        ["2010-04-08", "second", "Second", "", ""],
        ["2010-04-09", "third", "Third", "", ""],
    ]

    record = import_file(csv_bytes(rows), user=editor)

    assert record.state == ImportRecord.State.IMPORTED, record.errors
    first = Event.objects.get(slug="first")
    links = RelatedEvent.objects.filter(from_event=first).order_by("position")
    assert [link.to_event.slug for link in links] == ["second", "third"]
    assert list(first.related_stories.all()) == [story]
    assert import_file(csv_bytes(rows), user=editor).unchanged == 3


def test_unknown_related_items_are_problems(editor):
    rows = [
        ["date", "slug", "headline", "related_events", "related_stories"],
        ["2010-04-07", "first", "First", "nowhere", "no-story"],
    ]

    record = import_file(csv_bytes(rows), user=editor)

    assert problems(record) == [(2, "related_events"), (2, "related_stories")]
    assert not Event.objects.exists()


def test_an_unknown_category_is_a_problem_that_lists_the_categories(editor):
    EventFactory(category__name="Politics and elections")
    rows = [["date", "headline", "category"], ["2010-04-07", "A vote", "Sport"]]

    record = import_file(csv_bytes(rows), user=editor)

    assert problems(record) == [(2, "category")]
    assert "Politics and elections" in record.errors[0]["message"]


def test_every_touched_item_keeps_a_revision_tagged_with_the_import(editor):
    first = import_file(csv_bytes(ROWS), user=editor)
    event = Event.objects.get(slug="president-leaves-the-capital")
    changed = [row[:] for row in ROWS]
    changed[2][2] = "The president flees the capital"
    second = import_file(csv_bytes(changed), user=editor)

    assert first.revision.comment == f"Import #{first.pk}: sheet.csv"
    assert first.revision.user == editor
    assert first.revision.version_set.count() == 2
    assert second.revision.version_set.count() == 1
    versions = Version.objects.get_for_object(event)
    assert [v.revision_id for v in versions] == [second.revision_id, first.revision_id]

    versions[1].revert()

    event.refresh_from_db()
    assert event.headline == "The president leaves the capital"


def test_the_record_keeps_who_when_which_file_and_the_counts(editor):
    data = csv_bytes(ROWS)

    record = import_file(data, user=editor, name="april.csv")

    assert record.created_by == editor
    assert record.file_name == "april.csv"
    assert len(record.sha256) == 64
    assert record.file_size == len(data)
    assert record.format == "csv"
    assert record.total_rows == 2
    assert record.started_at <= record.finished_at


def test_stories_import_with_authors_section_and_dateline(editor):
    from ..factories import SectionFactory

    SectionFactory(name="World", slug="world")
    rows = [
        ["slug", "headline", "section", "dateline", "authors", "entities", "citations"],
        ["", "Kyrgyz opposition takes power", "world", "Bishkek", "Ann Reporter; Bo Writer",
         "person: Roza Otunbayeva", "https://www.bbc.co.uk/news/1"],
    ]  # fmt: skip

    record = import_file(csv_bytes(rows), "stories", user=editor)

    assert record.state == ImportRecord.State.IMPORTED, record.errors
    story = Story.objects.get(slug="kyrgyz-opposition-takes-power")
    assert story.section.slug == "world"
    assert story.dateline.name == "Bishkek"
    assert story.dateline.kind == Entity.Kind.PLACE
    assert [b.author.name for b in story.bylines.all()] == ["Ann Reporter", "Bo Writer"]
    assert story.status == Status.DRAFT
    assert import_file(csv_bytes(rows), "stories", user=editor).unchanged == 1


def test_publishers_and_sources_import(editor):
    publishers = [
        ["name", "kind", "domains"],
        ["Al Jazeera", "broadcaster", "aljazeera.net; aljazeera.com"],
        ["Reuters", "News agency", "reuters.com"],
    ]
    sources = [
        ["url", "title", "publisher", "published_on"],
        ["https://english.aljazeera.net/a?utm_source=x", "A", "", "2010-04-07"],
        ["https://example.org/b", "B", "Example Daily", ""],
    ]

    assert import_file(csv_bytes(publishers), "publishers", user=editor).created == 2
    assert import_file(csv_bytes(sources), "sources", user=editor).created == 2

    jazeera = Publisher.objects.get(name="Al Jazeera")
    assert sorted(jazeera.domains.values_list("domain", flat=True)) == [
        "aljazeera.com",
        "aljazeera.net",
    ]
    assert Publisher.objects.get(name="Reuters").kind == Publisher.Kind.AGENCY
    assert Source.objects.get(url="https://english.aljazeera.net/a").publisher == jazeera
    assert Source.objects.get(url="https://example.org/b").publisher.name == "Example Daily"
    assert import_file(csv_bytes(publishers), "publishers", user=editor).unchanged == 2
    assert import_file(csv_bytes(sources), "sources", user=editor).unchanged == 2


def test_a_domain_of_another_publisher_is_a_problem(editor):
    PublisherDomainFactory(domain="bbc.co.uk", publisher=PublisherFactory(name="BBC"))

    record = import_file(
        csv_bytes([["name", "domains"], ["Imposter", "bbc.co.uk"]]), "publishers", user=editor
    )

    assert problems(record) == [(2, "domains")]
    assert not Publisher.objects.filter(name="Imposter").exists()


def test_existing_sources_keep_their_publisher_when_cited(editor):
    source = SourceFactory(url="https://example.org/a", publisher=PublisherFactory(name="Ours"))
    rows = [EVENT_HEADER, ["2010-04-07", "", "A", "", "", "Theirs | https://example.org/a"]]

    import_file(csv_bytes(rows), user=editor)

    source.refresh_from_db()
    assert source.publisher.name == "Ours"
    assert EventCitation.objects.get().source == source


def test_a_dry_run_predicts_exactly_what_the_import_does(editor):
    import_file(csv_bytes(ROWS), user=editor)
    changed = [row[:] for row in ROWS]
    changed[1][4] = "person: Roza Otunbayeva"
    changed[2][5] = "https://example.org/other"
    changed.append(["2010-04-09", "", "A third", "", "Bishkek", "https://example.org/third"])

    preview = import_file(csv_bytes(changed), user=editor, dry_run=True)
    real = import_file(csv_bytes(changed), user=editor)

    assert preview.rows == real.rows
    assert [row[1] for row in real.rows] == ["updated", "updated", "created"]
