"""Export then import of the whole database is a no-op; exported cells never run as formulas."""

import csv
import datetime as dt
import io

import openpyxl
import pytest
from django.core.management import call_command
from hypothesis import given
from hypothesis import strategies as st

from events.models import Event
from events.resources import SPREADSHEETS
from newsroom.models import Entity, StoryAuthor
from newsroom.spreadsheets.cells import FORMULA_TRIGGERS, escape_formula, text_of, unescape_formula
from newsroom.spreadsheets.exports import export_file
from sources.models import Citation

from ..factories import (
    AuthorFactory,
    EntityFactory,
    EventCitationFactory,
    EventFactory,
    PublisherDomainFactory,
    PublisherFactory,
    RelatedEventFactory,
    SourceFactory,
    StoryCitationFactory,
    StoryFactory,
)
from .conftest import import_file, snapshot

pytestmark = pytest.mark.django_db


@pytest.fixture
def newsroom_data():
    """A little of everything a sheet carries, with awkward text on purpose."""
    bbc = PublisherFactory(name="BBC", country="United Kingdom", description="Public =broadcaster")
    PublisherDomainFactory(publisher=bbc, domain="bbc.co.uk")
    PublisherDomainFactory(publisher=bbc, domain="bbc.com")
    PublisherFactory(name="+Plus Wire", kind="agency")
    orphan = SourceFactory(url="https://example.org/no-publisher", publisher=None, title="@home")
    source = SourceFactory(url="https://www.bbc.co.uk/news/1", publisher=bbc, author="-dash")
    source.published_on = dt.date(2010, 4, 7)
    source.save()

    story = StoryFactory(
        slug="opposition-takes-power",
        body="- first point\n- second point\n",
        dek="=SUM(A1:A2)",
        lead_image_credit="'=quoted already",
    )
    StoryAuthor.objects.create(story=story, author=AuthorFactory(name="Bo Writer"), position=1)
    StoryAuthor.objects.create(story=story, author=AuthorFactory(name="Ann Reporter"), position=2)
    StoryCitationFactory(item=story, source=source, quote="What was said", note="check")
    StoryCitationFactory(item=story, source=orphan, role=Citation.Role.IMAGE_CREDIT)
    story.entities.add(EntityFactory(name="Roza Otunbayeva", kind=Entity.Kind.PERSON))
    other = StoryFactory(slug="background", published=True)
    story.related_stories.add(other)

    first = EventFactory(
        date=dt.date(2010, 4, 7),
        headline="<b>Protesters</b> take the capital; =1+1",
        summary="\tTabbed summary\r\nwith Windows line ends",
        topic=EntityFactory(name="2010 Kyrgyz revolution", kind=Entity.Kind.TOPIC),
        place=EntityFactory(name="Bishkek", kind=Entity.Kind.PLACE),
        cover_image_credit="Al Jazeera",
    )
    second = EventFactory(date=dt.date(2010, 4, 8), category=first.category, published=True)
    EventCitationFactory(item=first, source=source, position=1)
    EventCitationFactory(item=first, source=orphan, position=2, role=Citation.Role.IMAGE_CREDIT)
    first.entities.add(
        EntityFactory(name="Kurmanbek Bakiyev", kind=Entity.Kind.PERSON),
        Entity.objects.get(name="Roza Otunbayeva"),
    )
    RelatedEventFactory(from_event=first, to_event=second, position=1)
    first.related_stories.add(story, other)
    return first


@pytest.mark.parametrize("file_format", ["csv", "xlsx", "ods"])
def test_export_then_import_of_everything_changes_nothing(editor, newsroom_data, file_format):
    files = {
        name: export_file(resource(), file_format) for name, (_, resource) in SPREADSHEETS.items()
    }
    before = snapshot()

    for name, data in files.items():
        record = import_file(data, name, user=editor, name=f"{name}.{file_format}")

        assert record.errors == []
        assert (record.created, record.updated) == (0, 0), (name, record.rows)

    assert snapshot() == before


def test_an_export_imported_into_an_empty_database_exports_the_same(editor, newsroom_data):
    files = {name: export_file(resource(), "csv") for name, (_, resource) in SPREADSHEETS.items()}
    events = Event.objects.all()
    events.delete()
    from newsroom.models import Story
    from sources.models import Publisher, Source

    Story.objects.all().delete()
    Source.objects.all().delete()
    Publisher.objects.all().delete()
    Entity.objects.all().delete()

    for name, data in files.items():
        assert import_file(data, name, user=editor).errors == []

    again = {name: export_file(resource(), "csv") for name, (_, resource) in SPREADSHEETS.items()}
    assert again == files


def test_export_escapes_formula_looking_cells(newsroom_data):
    rows = list(
        csv.reader(io.StringIO(export_file(SPREADSHEETS["events"][1](), "csv").decode("utf-8-sig")))
    )

    first = dict(zip(rows[0], rows[1], strict=True))
    assert first["headline"] == "<b>Protesters</b> take the capital; =1+1"
    assert first["summary"] == "'\tTabbed summary\r\nwith Windows line ends"
    stories = SPREADSHEETS["stories"][1]()
    book = openpyxl.load_workbook(io.BytesIO(export_file(stories, "xlsx")))
    sheet = book.active
    header = [cell.value for cell in sheet[1]]
    by_slug = {
        row[0]: dict(zip(header, row, strict=True)) for row in sheet.iter_rows(2, values_only=True)
    }
    story = by_slug["opposition-takes-power"]
    assert story["dek"] == "'=SUM(A1:A2)"
    assert story["body"] == "'- first point\n- second point\n"
    assert story["lead_image_credit"] == "''=quoted already"
    assert sheet.cell(2, header.index("dek") + 1).data_type == "s"


def test_the_export_command_writes_every_sheet(tmp_path, newsroom_data):
    call_command("export_items", output=tmp_path, format="csv", stdout=io.StringIO())

    assert sorted(path.name for path in tmp_path.iterdir()) == [
        "events.csv",
        "publishers.csv",
        "sources.csv",
        "stories.csv",
    ]
    assert (tmp_path / "events.csv").read_bytes().startswith(b"\xef\xbb\xbfdate,slug,headline")


@pytest.mark.parametrize("text", ["=1+1", "+33 1 23", "-5 °C", "@SUM(A1)", "\tx", "\rx"])
def test_every_formula_trigger_is_escaped(text):
    assert text.startswith(FORMULA_TRIGGERS)
    assert escape_formula(text) == "'" + text
    assert unescape_formula(escape_formula(text)) == text


def test_harmless_cells_are_left_alone():
    assert escape_formula("Roza Otunbayeva") == "Roza Otunbayeva"
    assert escape_formula("'quoted'") == "'quoted'"
    assert escape_formula(42) == 42
    assert escape_formula(None) is None


@given(st.text())
def test_escaping_always_comes_back(text):
    escaped = escape_formula(text)
    assert not escaped.startswith(FORMULA_TRIGGERS)
    assert text_of(escaped, strip=False) == text
