"""Hostile and broken files: each gets a clear message and changes nothing."""

import datetime as dt
import io
import zipfile
from pathlib import Path

import openpyxl
import pytest

from events.models import Event
from newsroom.models import ImportRecord

from ..factories import EventCitationFactory
from .conftest import (
    EVENT_HEADER,
    csv_bytes,
    import_file,
    ods_bytes,
    problems,
    snapshot,
    xlsx_bytes,
)

pytestmark = pytest.mark.django_db

FILES = Path(__file__).parent / "files"
GOOD = [EVENT_HEADER, ["2010-04-07", "", "Protesters take the capital", "", "Bishkek", ""]]


def refused(data: bytes, **kwargs) -> ImportRecord:
    before = snapshot()
    record = import_file(data, **kwargs)
    assert record.state == ImportRecord.State.FAILED
    assert snapshot() == before
    return record


@pytest.mark.parametrize(
    ("encoding", "prefix"), [("utf-8", b""), ("utf-8-sig", b""), ("cp1252", b"")]
)
def test_csv_in_utf8_utf8_with_bom_and_cp1252(editor, encoding, prefix):
    rows = [EVENT_HEADER, ["2010-04-07", "", "Protesters meet “Otunbayeva” – café", "", "", ""]]

    record = import_file(prefix + csv_bytes(rows, encoding), user=editor)

    assert record.state == ImportRecord.State.IMPORTED, record.errors
    assert Event.objects.get().headline == "Protesters meet “Otunbayeva” – café"


def test_semicolon_separated_csv_as_some_excel_versions_write_it(editor):
    data = b"date;headline\r\n2010-04-07;A vote\r\n"

    assert import_file(data, user=editor).created == 1


@pytest.mark.parametrize(("writer", "name"), [(xlsx_bytes, "sheet.xlsx"), (ods_bytes, "sheet.ods")])
def test_xlsx_and_ods_files(editor, writer, name):
    rows = [
        EVENT_HEADER,
        [dt.date(2010, 4, 7), "", "Protesters take the capital", "Line one\nline two",
         "person: Roza Otunbayeva", "BBC | https://www.bbc.co.uk/news/1\nhttps://example.org/2"],
    ]  # fmt: skip

    record = import_file(writer(rows), user=editor, name=name)

    assert record.state == ImportRecord.State.IMPORTED, (record.message, record.errors)
    assert record.format == name.rsplit(".")[1]
    event = Event.objects.get()
    assert event.date == dt.date(2010, 4, 7)
    assert event.summary == "Line one\nline two"
    assert event.citations.count() == 2
    assert import_file(writer(rows), user=editor, name=name).unchanged == 1


def test_not_a_spreadsheet(editor):
    png = b"\x89PNG\r\n\x1a\n" + bytes(200)

    record = refused(png, user=editor, name="photo.csv")

    assert (
        record.message == "This is a PNG image, not a spreadsheet. Upload a CSV, XLSX or ODS file."
    )


def test_binary_data_is_not_a_spreadsheet(editor):
    record = refused(bytes(range(256)) * 10, user=editor)

    assert "not a spreadsheet" in record.message


def test_a_zip_that_is_no_workbook(editor):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")

    record = refused(buffer.getvalue(), user=editor, name="sheet.xlsx")

    assert "not an Excel (.xlsx) or OpenDocument (.ods) spreadsheet" in record.message


def test_a_truncated_xlsx(editor):
    data = xlsx_bytes(GOOD)

    record = refused(data[: len(data) // 2], user=editor, name="sheet.xlsx")

    assert "damaged or incomplete" in record.message


def test_an_xlsx_with_a_damaged_member(editor):
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(xlsx_bytes(GOOD))) as source,
        zipfile.ZipFile(buffer, "w") as target,
    ):
        for member in source.infolist():
            data = source.read(member)
            if member.filename == "xl/worksheets/sheet1.xml":
                data = data[: len(data) // 2]
            target.writestr(member, data)

    record = refused(buffer.getvalue(), user=editor, name="sheet.xlsx")

    assert "damaged or incomplete" in record.message


def test_a_password_protected_xlsx(editor):
    data = (FILES / "password-protected.xlsx").read_bytes()

    record = refused(data, user=editor, name="secret.xlsx")

    assert "protected by a password" in record.message


def test_a_zip_bomb_is_refused_before_it_is_unpacked(editor, settings):
    settings.NEWSROOM_IMPORT_MAX_UNPACKED_BYTES = 5 * 1024 * 1024
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(xlsx_bytes(GOOD))) as source,
        zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as target,
    ):
        for member in source.infolist():
            target.writestr(member, source.read(member))
        target.writestr("xl/media/padding.xml", b"\0" * (20 * 1024 * 1024))
    data = buffer.getvalue()
    assert len(data) < 100_000

    record = refused(data, user=editor, name="bomb.xlsx")

    assert "zip bomb" in record.message
    assert "20.0\xa0MB" in record.message


def test_a_file_over_the_size_limit(editor, settings):
    settings.NEWSROOM_IMPORT_MAX_BYTES = 100
    data = csv_bytes([*GOOD, *([GOOD[1]] * 5)])

    record = refused(data, user=editor)

    assert "more than the limit of 100" in record.message


def test_more_rows_than_the_desk_allows_but_the_command_has_no_limit(editor, settings):
    settings.NEWSROOM_IMPORT_MAX_ROWS = 2
    rows = [EVENT_HEADER] + [["2010-04-07", "", f"Event {n}", "", "", ""] for n in range(3)]

    record = refused(csv_bytes(rows), user=editor)

    assert record.message.startswith("The file has 3 rows, more than the limit of 2")
    assert import_file(csv_bytes(rows), user=editor, desk_limits=False).created == 3


def test_formulas_are_stored_as_text_and_never_run(editor):
    book = openpyxl.Workbook()
    book.active.append(["date", "headline", "summary"])
    book.active.append(["2010-04-07", "=1+1", '=HYPERLINK("https://evil.example","x")'])
    buffer = io.BytesIO()
    book.save(buffer)
    csv_data = csv_bytes([["date", "headline"], ["2010-04-08", "=cmd|' /C calc'!A0"]])

    import_file(buffer.getvalue(), user=editor, name="sheet.xlsx")
    import_file(csv_data, user=editor)

    first, second = Event.objects.order_by("date")
    assert first.headline == "=1+1"
    assert first.summary == '=HYPERLINK("https://evil.example","x")'
    assert second.headline == "=cmd|' /C calc'!A0"


def test_html_in_cells_is_stored_as_text_and_escaped_on_the_page(client, editor):
    rows = [
        ["date", "slug", "headline", "summary", "body", "citations"],
        ["2010-04-07", "x", "<script>alert(1)</script> takes over", "<b>bold</b>",
         "Text <script>alert(2)</script> <img src=x onerror=alert(3)>", "https://example.org/a"],
    ]  # fmt: skip
    import_file(csv_bytes(rows), user=editor, publish=True)
    event = Event.objects.get()
    assert event.headline == "<script>alert(1)</script> takes over"

    page = client.get(event.get_absolute_url())

    assert page.status_code == 200
    assert b"<script>alert(" not in page.content
    assert b"onerror" not in page.content.replace(b"&lt;img src=x onerror", b"")
    assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in page.content


def test_html_in_cells_is_escaped_in_the_preview(admin_client, superuser):
    rows = [["date", "headline", "category"], ["2010-04-07", "A", "<img src=x onerror=alert(1)>"]]
    record = import_file(csv_bytes(rows), user=superuser, dry_run=True)

    page = admin_client.get(f"/admin/newsroom/importrecord/{record.pk}/change/")

    assert b"<img src=x onerror" not in page.content
    assert b"&lt;img src=x onerror" in page.content


def test_unknown_and_missing_columns(editor):
    rows = [["date", "headline ", "Headline", "colour"], ["2010-04-07", "A", "B", "red"]]

    record = refused(csv_bytes(rows), user=editor)

    assert problems(record) == [(1, "Headline"), (1, "colour")]
    assert "Unknown column “colour” (column 4)" in record.errors[1]["message"]
    missing = refused(csv_bytes([["date"], ["2010-04-07"]]), user=editor)
    assert missing.errors == [
        {
            "row": 1,
            "column": "headline",
            "message": "The column “headline” is missing; it is required.",
        }
    ]


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("07/04/2010", "not a date in the form YYYY-MM-DD"),
        ("April 7, 2010", "not a date in the form YYYY-MM-DD"),
        ("2010-02-30", "not a real date"),
        ("2010-04-07 14:00", "not a date in the form"),
    ],
)
def test_dates_that_could_be_misread_are_refused(editor, value, words):
    record = refused(csv_bytes([["date", "headline"], [value, "A"]]), user=editor)

    assert problems(record) == [(2, "date")]
    assert words in record.errors[0]["message"]


def test_archive_style_dates_are_read(editor):
    record = import_file(csv_bytes([["date", "headline"], ["2010-04-7", "A"]]), user=editor)

    assert record.created == 1
    assert Event.objects.get().date == dt.date(2010, 4, 7)


def test_an_empty_file(editor):
    assert refused(b"", user=editor).message == "The file is empty."


def test_blank_rows_between_rows_are_skipped(editor):
    data = b"date,headline\r\n2010-04-07,A\r\n,\r\n2010-04-08,B\r\n"

    record = import_file(data, user=editor)

    assert (record.created, record.skipped) == (2, 1)
    assert [row[:2] for row in record.rows] == [[2, "created"], [3, "skipped"], [4, "created"]]


def test_existing_citations_survive_a_failed_import(editor):
    citation = EventCitationFactory(item__date=dt.date(2010, 4, 7), item__slug="a")
    rows = [
        ["date", "slug", "headline", "citations"],
        ["2010-04-07", "a", "A", "https://example.org/new"],
        ["2010-04-08", "b", "", ""],
    ]

    refused(csv_bytes(rows), user=editor)

    assert list(citation.item.citations.all()) == [citation]


def test_ods_formulas_are_stored_as_their_text_not_their_result(editor):
    data = ods_bytes([["date", "headline"], ["2010-04-07", "FORMULA"]])
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(buffer, "w") as target:
        for member in source.infolist():
            content = source.read(member)
            if member.filename == "content.xml":
                content = content.replace(
                    b'<table:table-cell office:value-type="string"><text:p text:style-name="None">'
                    b"FORMULA</text:p>",
                    b'<table:table-cell table:formula="of:=1+1" office:value-type="float" '
                    b'office:value="2"><text:p text:style-name="None">2</text:p>',
                )
            target.writestr(member, content)

    record = import_file(buffer.getvalue(), user=editor, name="sheet.ods")

    assert record.created == 1, record.errors
    assert Event.objects.get().headline == "=1+1"
