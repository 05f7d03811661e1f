"""`export_archive` and `import_archive`: the whole archive as files, and back, byte for byte."""

import datetime as dt
import filecmp
import shutil
from io import StringIO
from pathlib import Path

import pytest
import time_machine
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from events.archive import (
    EventRecord,
    RelatedItem,
    SourceItem,
    parse_day,
    parse_event,
    render_event,
)
from events.models import Category, Event, EventCitation, RelatedEvent
from newsroom.models import Author, Entity, Section, Status, Story
from sources.models import Citation, Publisher, PublisherDomain, Source
from tests.factories import (
    EntityFactory,
    EventCitationFactory,
    EventFactory,
    PublisherDomainFactory,
    RelatedEventFactory,
    SourceFactory,
)

pytestmark = pytest.mark.django_db

QUIRKY = Path(__file__).parent / "fixtures" / "quirky"
CHINESE = Path(__file__).parent / "fixtures" / "chinese"
NOW = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.UTC)
CURFEW = "2010-kyrgyzstan-riots-curfew-extended-in-osh-as-clashes-continue-for-a-third-night"
ERDOGAN = "turkish-prime-minister-recep-tayyip-erdo-an-offers-aid"
JUNE_12 = dt.date(2010, 6, 12)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def run(command: str, *args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(command, *[str(a) for a in args], stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def files(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def empty_database() -> None:
    """Everything the archive touches, and what protects it, deleted."""
    Event.objects.all().delete()
    Story.objects.all().delete()
    Author.objects.all().delete()
    Section.objects.all().delete()
    Category.objects.all().delete()
    Source.objects.all().delete()
    PublisherDomain.objects.all().delete()
    Publisher.objects.all().delete()
    Entity.objects.all().delete()
    assert not any(m.objects.exists() for m in (Event, Source, Publisher, Entity))


def round_trip(tmp_path: Path) -> tuple[dict[str, bytes], dict[str, bytes]]:
    """Export, import into an empty database, export again: both trees' files."""
    run("export_archive", tmp_path / "first")
    empty_database()
    run("import_archive", tmp_path / "first")
    run("export_archive", tmp_path / "second")
    return files(tmp_path / "first"), files(tmp_path / "second")


# --- round trips ----------------------------------------------------------------------------


def test_demo_newsroom_round_trip_gives_identical_files(tmp_path):
    run("load_demo", "--no-users")
    published = Event.objects.published().count()

    first, second = round_trip(tmp_path)

    assert len([name for name in first if not name.endswith("index.md")]) == published
    assert "news/2010/04/7/index.md" in first
    assert first == second
    assert not filecmp.dircmp(tmp_path / "first", tmp_path / "second").diff_files


def test_demo_export_leaves_out_drafts_scheduled_and_links_to_them(tmp_path):
    run("load_demo", "--no-users")
    hidden = Event.objects.exclude(pk__in=Event.objects.published().values("pk"))
    assert hidden.count() == 3

    run("export_archive", tmp_path / "out")
    text = b"".join(files(tmp_path / "out").values()).decode()

    for event in hidden:
        assert event.slug not in text
        assert event.headline not in text


def test_twins_say_what_the_exported_files_say(client, tmp_path):
    """The same records, with links to twins instead of archive paths."""
    run("load_demo", "--no-users")
    run("export_archive", tmp_path)

    for event in Event.objects.published():
        d = event.date
        exported = (tmp_path / f"news/{d:%Y}/{d:%m}/{d.day}/{event.slug}.md").read_text()
        twin = client.get(f"/events/{d:%Y/%m/%d}/{event.slug}.md").content.decode()
        assert parse_event(twin, day=d, slug=event.slug) == parse_event(
            exported, day=d, slug=event.slug
        )
        day_file = (tmp_path / f"news/{d:%Y}/{d:%m}/{d.day}/index.md").read_text()
        day_twin = client.get(f"/events/{d:%Y/%m/%d}.md").content.decode()
        assert parse_day(day_twin, day=d) == parse_day(day_file, day=d)


def test_quirky_tree_round_trip_gives_identical_files(tmp_path):
    run("import_archive", QUIRKY)

    first, second = round_trip(tmp_path)

    assert first == second
    assert sorted(first) == [
        "news/2010/06/11/a-headline-only-event.md",
        "news/2010/06/11/index.md",
        f"news/2010/06/12/{CURFEW}.md",
        "news/2010/06/12/index.md",
        "news/2010/06/12/refugees-queue-at-border-crossings-near-jalal-abad.md",
        f"news/2010/06/12/{ERDOGAN}.md",
    ]


def test_chinese_tree_round_trip_gives_identical_files_named_by_their_slugs(tmp_path):
    run("import_archive", CHINESE)

    first, second = round_trip(tmp_path)

    assert first == second
    assert "news/2003/04/2/专家组抵达广州调查病毒来源.md" in first
    assert "news/2003/04/3/ош-рынок-снова-открыт-после-ремонта.md" in first
    assert (
        "(/news/2003/04/1/卫生部门公布新增病例并加强医院防护措施.md) _Context: 卫生部, 广州_"
        in (first["news/2003/04/2/专家组抵达广州调查病毒来源.md"].decode())
    )


def test_quirky_tree_exports_in_the_clean_form(tmp_path):
    run("import_archive", QUIRKY)
    run("export_archive", tmp_path)

    assert (tmp_path / f"news/2010/06/12/{CURFEW}.md").read_text() == (
        "### [2010-06-12](/news/2010/06/12/index.md)\n"
        "\n"
        "##### 2010 Kyrgyzstan riots\n"
        "\n"
        "# Curfew extended in Osh as clashes continue for a third night.\n"
        "\n"
        "The interim government's curfew now runs from dusk to dawn; Kommersant reports gunfire"
        " in several districts.\n"
        "\n"
        "### Source:\n"
        "\n"
        "1. [BBC](http://news.bbc.co.uk/2/hi/asia-pacific/0612001.stm)\n"
        "2. [Reuters](http://www.reuters.com/article/idUSosh-curfew-20100612)\n"
        "3. [RIA Novosti](http://en.rian.ru/exsoviet/20100612/0612002.html)\n"
        "3. [Cover Image](http://www.aljazeera.com/)\n"
        "\n"
        "### Related:\n"
        "\n"
        f"1. [Turkish Prime Minister Recep Tayyip Erdoğan offers aid to the interim government.]"
        f"(/news/2010/06/12/{ERDOGAN}.md) _Context: Recep Tayyip Erdoğan, Roza Otunbayeva_\n"
    )
    assert (tmp_path / "news/2010/06/11/index.md").read_text() == (
        "## [2010-06-11](/news/2010/06/11/index.md)\n"
        "\n"
        "### [A headline-only event.](/news/2010/06/11/a-headline-only-event.md)\n"
    )


# --- import ---------------------------------------------------------------------------------


def test_import_reads_the_quirks_into_the_database():
    out, err = run("import_archive", QUIRKY)

    curfew = Event.objects.get(date=JUNE_12, slug=CURFEW)
    erdogan = Event.objects.get(date=JUNE_12, slug=ERDOGAN)
    assert curfew.headline == "Curfew extended in Osh as clashes continue for a third night."
    assert curfew.topic.name == "2010 Kyrgyzstan riots"
    assert curfew.topic.kind == Entity.Kind.TOPIC
    assert "government's curfew" in curfew.summary
    assert [
        (c.source.url, c.source.publisher and c.source.publisher.name, c.role)
        for c in curfew.citations.select_related("source__publisher")
    ] == [
        ("http://news.bbc.co.uk/2/hi/asia-pacific/0612001.stm", "BBC", Citation.Role.SOURCE),
        ("http://www.reuters.com/article/idUSosh-curfew-20100612", "Reuters", "source"),
        ("http://en.rian.ru/exsoviet/20100612/0612002.html", "RIA Novosti", "source"),
        ("http://www.aljazeera.com/", None, Citation.Role.IMAGE_CREDIT),
    ]
    assert curfew.cover_image_credit == "aljazeera.com"
    assert [link.to_event for link in curfew.related_links.all()] == [erdogan]
    assert {e.name for e in curfew.entities.all()} == {
        "Osh",
        "Roza Otunbayeva",
        "Recep Tayyip Erdoğan",
    }
    assert erdogan.topic.name == "Turkey–Kyrgyzstan relations"
    assert erdogan.summary == (
        "Ankara sends a cargo plane of tents and medicine to Osh.\n\n"
        "Turkey's aid agency says a second flight follows on Monday."
    )
    sources = [c.source for c in erdogan.citations.select_related("source__publisher")]
    assert [s.url for s in sources] == [
        "https://www.aa.com.tr/en/world/aid-to-kyrgyzstan/0612003",
        "https://news.example.org/osh-aid",
        "https://en.wikipedia.org/wiki/Osh_(city)",
    ]
    assert [s.publisher and s.publisher.name for s in sources] == [
        "Anadolu Ajansı",
        None,  # the label was the bare host: no publisher is made up
        "Wikipedia",
    ]
    day_only = Event.objects.get(slug="refugees-queue-at-border-crossings-near-jalal-abad")
    assert day_only.summary == "Families wait in the heat for the crossings to open."
    assert "Imported:" in out
    assert "no-headline.md: skipped" in err
    assert "news/README.md: skipped" in err
    assert "an-event-this-tree-does-not-hold.md is neither in the archive" in err


def test_imported_events_are_published_at_midnight_of_their_date():
    run("import_archive", QUIRKY)

    event = Event.objects.get(slug="a-headline-only-event")
    midnight = timezone.make_aware(dt.datetime(2010, 6, 11))
    assert event.status == Status.PUBLISHED
    assert event.publish_at == event.first_published_at == event.last_published_at == midnight
    assert Event.objects.published().count() == Event.objects.count() == 4


def test_draft_option_brings_new_events_in_as_drafts(client):
    run("import_archive", QUIRKY, "--draft")

    assert Event.objects.count() == 4
    assert set(Event.objects.values_list("status", flat=True)) == {Status.DRAFT}
    assert not Event.objects.published().exists()
    assert client.get(f"/events/2010/06/12/{CURFEW}.md").status_code == 404


def test_importing_twice_changes_nothing():
    run("import_archive", QUIRKY)
    counts = [m.objects.count() for m in (Event, EventCitation, RelatedEvent, Source, Entity)]
    versions = list(Event.objects.order_by("pk").values_list("version", flat=True))

    out, _err = run("import_archive", QUIRKY)

    assert "nothing to change" in out
    assert [m.objects.count() for m in (Event, EventCitation, RelatedEvent, Source, Entity)] == (
        counts
    )
    assert list(Event.objects.order_by("pk").values_list("version", flat=True)) == versions


def test_existing_events_keep_their_state_and_cover_credit():
    existing = EventFactory(
        date=JUNE_12,
        slug=CURFEW,
        headline="An older headline.",
        status=Status.IN_REVIEW,
        cover_image_credit="Jane Doe / AP",
    )

    run("import_archive", QUIRKY)

    existing.refresh_from_db()
    assert existing.status == Status.IN_REVIEW
    assert existing.headline == "Curfew extended in Osh as clashes continue for a third night."
    assert existing.cover_image_credit == "Jane Doe / AP"
    assert existing.version == 2


def test_existing_names_are_matched_ignoring_case():
    roza = EntityFactory(name="roza otunbayeva")
    bbc = SourceFactory(url="http://news.bbc.co.uk/2/hi/asia-pacific/0612001.stm", publisher=None)
    domain = PublisherDomainFactory(domain="aljazeera.com", publisher__name="Al Jazeera")

    run("import_archive", QUIRKY)

    curfew = Event.objects.get(slug=CURFEW)
    assert roza in curfew.entities.all()
    assert Entity.objects.filter(name__iexact="roza otunbayeva").count() == 1
    bbc.refresh_from_db()
    assert bbc.publisher.name == "BBC"
    cover = curfew.citations.get(role=Citation.Role.IMAGE_CREDIT).source
    assert cover.publisher == domain.publisher
    assert curfew.cover_image_credit == "Al Jazeera"


def test_readers_see_an_import_at_once_though_their_pages_were_cached(client, tmp_path):
    """The importer writes in bulk (no post_save), so it tells the page cache itself."""
    event = EventFactory(published=True, headline="Before the import")
    EventCitationFactory(item=event)
    assert client.get(event.get_absolute_url())["X-Page-Cache"] == "miss"
    assert client.get(event.get_absolute_url())["X-Page-Cache"] == "hit"
    run("export_archive", tmp_path)
    path = next((tmp_path / "news").rglob(f"{event.slug}.md"))
    path.write_text(path.read_text().replace("Before the import", "After the import"))

    run("import_archive", tmp_path)

    page = client.get(event.get_absolute_url())
    assert page["X-Page-Cache"] == "miss"
    assert "After the import" in page.content.decode()


def test_dry_run_writes_nothing():
    out, _err = run("import_archive", QUIRKY, "--dry-run")

    assert out.startswith("Dry run, nothing written: ")
    assert "4 events created" in out
    assert not Event.objects.exists()
    assert not Source.objects.exists()


def test_a_folder_without_news_is_refused(tmp_path):
    with pytest.raises(CommandError, match="no news/ folder"):
        run("import_archive", tmp_path)


def test_the_news_folder_itself_may_be_given():
    run("import_archive", QUIRKY / "news")

    assert Event.objects.count() == 4


def test_unusable_lines_are_reported_and_the_rest_imported(tmp_path):
    record = EventRecord(
        JUNE_12,
        "x" * 151,
        "A slug too long for the column.",
    )
    folder = tmp_path / "news/2010/06/12"
    folder.mkdir(parents=True)
    (folder / f"{record.slug}.md").write_text(render_event(record))
    (folder / "bad-url.md").write_text(
        "# Bad URL.\n\n### Source:\n\n1. [X](ftp://files.example/a)\n2. [Y](https://y.example/)\n"
    )

    _out, err = run("import_archive", tmp_path)

    assert "slug longer than 150" in err
    assert "bad URL: ftp://files.example/a" in err
    event = Event.objects.get()
    assert event.slug == "bad-url"
    assert [c.source.url for c in event.citations.all()] == ["https://y.example/"]


def test_existing_non_ascii_names_are_found_on_every_database(tmp_path):
    osh = EntityFactory(name="Ош")
    publisher = Publisher.objects.create(name="Азаттык", slug="azattyk")
    record = EventRecord(
        JUNE_12,
        "osh",
        "Osh.",
        sources=(SourceItem("Азаттык", "https://rus.azattyk.org/a/1"),),
        related=(RelatedItem(JUNE_12, "other", "Other.", ("Ош",)),),
    )
    folder = tmp_path / "news/2010/06/12"
    folder.mkdir(parents=True)
    (folder / "osh.md").write_text(render_event(record))
    (folder / "other.md").write_text(render_event(EventRecord(JUNE_12, "other", "Other.")))

    run("import_archive", tmp_path)

    event = Event.objects.get(slug="osh")
    assert list(event.entities.all()) == [osh]
    assert event.citations.get().source.publisher == publisher


def test_old_files_in_windows_1252_are_read_and_noted(tmp_path):
    folder = tmp_path / "news/2010/06/12"
    folder.mkdir(parents=True)
    (folder / "cafe.md").write_bytes("# Caf\u00e9 reopens in Osh.\n".encode("cp1252"))

    _out, err = run("import_archive", tmp_path)

    assert Event.objects.get(slug="cafe").headline == "Caf\u00e9 reopens in Osh."
    assert "cafe.md: not UTF-8" in err


def test_names_keep_their_script_in_slugs_and_names_without_letters_get_a_usable_one(tmp_path):
    record = EventRecord(
        JUNE_12,
        "osh",
        "Osh.",
        sources=(SourceItem("Азаттык", "https://rus.azattyk.org/a/1"),),
        related=(RelatedItem(JUNE_12, "other", "Other.", ("!!!",)),),
    )
    other = EventRecord(JUNE_12, "other", "Other.")
    folder = tmp_path / "news/2010/06/12"
    folder.mkdir(parents=True)
    (folder / "osh.md").write_text(render_event(record))
    (folder / "other.md").write_text(render_event(other))

    run("import_archive", tmp_path)

    assert Publisher.objects.get(name="Азаттык").slug == "азаттык"
    assert Entity.objects.get(name="!!!").slug == "entity"


# --- export ---------------------------------------------------------------------------------


def test_export_refuses_to_write_over_an_earlier_export(tmp_path):
    EventFactory(published=True)
    run("export_archive", tmp_path)
    stale = tmp_path / "news/2001/01/1/stale.md"
    stale.parent.mkdir(parents=True)
    stale.write_text("# Stale.\n")

    with pytest.raises(CommandError, match="--replace"):
        run("export_archive", tmp_path)
    out, _err = run("export_archive", tmp_path, "--replace")

    assert not stale.exists()
    assert "Exported 1 events on 1 days" in out


def test_export_skips_an_event_whose_slug_would_overwrite_the_day_file(tmp_path):
    EventFactory(published=True, slug="index")
    kept = EventFactory(published=True)

    _out, err = run("export_archive", tmp_path)

    assert "index.md: skipped: unusable slug" in err
    assert sorted(files(tmp_path)) == [f"news/2010/04/7/{kept.slug}.md", "news/2010/04/7/index.md"]
    assert "Event number" in (tmp_path / "news/2010/04/7/index.md").read_text()


# --- queries --------------------------------------------------------------------------------


def newsroom(n: int) -> None:
    """`n` published events a day apart, each with citations, entities and a related event."""
    people = [EntityFactory() for _ in range(3)]
    previous = None
    for i in range(n):
        event = EventFactory(published=True, date=dt.date(2010, 4, 1) + dt.timedelta(days=i))
        event.entities.add(*people)
        for position in range(1, 4):
            EventCitationFactory(item=event, position=position)
        if previous:
            RelatedEventFactory(from_event=event, to_event=previous, position=1)
        previous = event


def count_queries(function) -> int:
    with CaptureQueriesContext(connection) as context:
        function()
    return len(context.captured_queries)


def test_export_query_count_does_not_grow_with_events(tmp_path, django_assert_num_queries):
    newsroom(2)
    # events, citations with sources and publishers, entities, related links, their entities
    with django_assert_num_queries(5):
        run("export_archive", tmp_path / "small")
    newsroom(8)
    with django_assert_num_queries(5):
        run("export_archive", tmp_path / "large")
    assert len(files(tmp_path / "large")) == 10 + 8  # events, and days (April 1 to 8)


def tree(tmp_path: Path, n: int, name: str) -> Path:
    """A tree of `n` event files that cite, relate and share names, written by us."""
    root = tmp_path / name
    day = dt.date(2010, 4, 1)
    for i in range(n):
        date = day + dt.timedelta(days=i)
        related = ()
        if i:
            related = (RelatedItem(date - dt.timedelta(days=1), f"e{i - 1}", "x", ("A", "B")),)
        record = EventRecord(
            date,
            f"e{i}",
            f"Event {i}.",
            topic="Story",
            sources=tuple(
                SourceItem(f"P{k}", f"https://p{k}.example/{name}/{i}") for k in range(3)
            ),
            cover_images=(f"https://p0.example/{name}/{i}",),
            related=related,
        )
        folder = root / "news" / f"{date:%Y/%m}" / str(date.day)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"e{i}.md").write_text(render_event(record))
    return root


def test_import_query_count_does_not_grow_with_events(tmp_path):
    small, large = tree(tmp_path, 3, "small"), tree(tmp_path, 30, "large")
    ContentType.objects.get_for_model(Event)  # cached once per process, as in production
    first = count_queries(lambda: run("import_archive", small))
    again = count_queries(lambda: run("import_archive", small))
    empty_database()

    assert count_queries(lambda: run("import_archive", large)) == first
    assert count_queries(lambda: run("import_archive", large)) == again
    assert Event.objects.count() == 30
    assert first < 30
    assert again < first


def test_import_does_not_copy_an_export_folder_it_was_given(tmp_path):
    """The importer only reads: the tree it was given is left as it was."""
    source = tmp_path / "copy"
    shutil.copytree(QUIRKY, source)
    before = files(source)

    run("import_archive", source)

    assert files(source) == before
