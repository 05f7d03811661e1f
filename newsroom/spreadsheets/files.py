"""Opening uploaded spreadsheets without trusting them.

Every check here happens before a single row is read: the file's size, what it really is (by
its first bytes, never by its name), and for XLSX and ODS the size its ZIP members unpack to,
so that a small "zip bomb" is refused before it is inflated. XML is parsed with defusedxml.
Cells come back as Python values; formulas come back as their text and are never evaluated.
"""

import csv
import datetime as dt
import io
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from defusedxml import ElementTree as SafeElementTree
from django.conf import settings
from django.template.defaultfilters import filesizeformat

ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")
BINARY_MAGIC = {
    b"%PDF": "a PDF document",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"\x1f\x8b": "a gzip archive",
    b"Rar!": "a RAR archive",
    b"7z\xbc\xaf": "a 7-Zip archive",
}
ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
# XML namespaces of OpenDocument, in ElementTree's `{namespace}tag` notation.
TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"


class SpreadsheetError(Exception):
    """The file as a whole cannot be imported; the message is written for the desk."""


@dataclass
class Sheet:
    """The first sheet of a file: its header row and a way to read the rows below it.

    `rows()` can be called more than once (the file is read again); each call yields
    `(row_number, cells)` with row numbers as a spreadsheet shows them (the header is row 1).
    """

    format: str
    headers: list[str]
    total_rows: int
    _rows: Callable[[], Iterator[list[Any]]] = field(repr=False)

    def rows(self) -> Iterator[tuple[int, list[Any] | None]]:
        """Rows below the header; a blank row between data rows comes as `(number, None)`."""
        blank = []
        for number, cells in enumerate(self._rows(), start=2):
            if any(cell not in (None, "") for cell in cells):
                for skipped in blank:
                    yield skipped, None
                blank = []
                yield number, cells
            else:
                blank.append(number)


def limit(name: str, default: int | None = None) -> int | None:
    return getattr(settings, name, default)


def open_sheet(
    opener: Callable[[], IO[bytes]],
    *,
    size: int,
    max_bytes: int | None = None,
    max_rows: int | None = None,
    max_unpacked_bytes: int | None = None,
) -> Sheet:
    """Open the spreadsheet `opener()` returns (a binary file, read from its start).

    Raise SpreadsheetError, before any row is imported, for a file over `max_bytes`, one that
    is not a CSV, XLSX or ODS file, a damaged, truncated or password-protected workbook, one
    whose ZIP members unpack to more than `max_unpacked_bytes`, or one with more than
    `max_rows` rows below its header. `None` means no limit.
    """
    if max_bytes is not None and size > max_bytes:
        raise SpreadsheetError(
            f"The file is {filesizeformat(size)}, more than the limit of "
            f"{filesizeformat(max_bytes)}. Split it into smaller files, or ask an "
            "administrator to import it from the command line."
        )
    if size == 0:
        raise SpreadsheetError("The file is empty.")
    with opener() as file:
        head = file.read(8192)
    if head.startswith(ZIP_MAGIC):
        sheet = _open_zip(opener, max_unpacked_bytes)
    elif head.startswith(OLE2_MAGIC):
        with opener() as file:
            whole = file.read()
        if ENCRYPTED_PACKAGE in whole:
            raise SpreadsheetError(
                "The workbook is protected by a password, so it cannot be read. Remove the "
                "password in Excel (File > Info > Protect Workbook > Encrypt with Password, "
                "then clear it), save, and upload it again."
            )
        raise SpreadsheetError(
            "This is an old Excel 97-2003 (.xls) workbook. Save it as .xlsx or CSV and upload "
            "it again."
        )
    else:
        for magic, what in BINARY_MAGIC.items():
            if head.startswith(magic):
                raise SpreadsheetError(
                    f"This is {what}, not a spreadsheet. Upload a CSV, XLSX or ODS file."
                )
        if b"\x00" in head:
            raise SpreadsheetError(
                "This is not a spreadsheet (it holds binary data). Upload a CSV, XLSX or ODS file."
            )
        sheet = _open_csv(opener)
    if max_rows is not None and sheet.total_rows > max_rows:
        raise SpreadsheetError(
            f"The file has {sheet.total_rows:,} rows, more than the limit of {max_rows:,} for "
            "an import from the desk. Split it, or ask an administrator to import it with "
            "`manage.py import_items`, which has no limit."
        )
    return sheet


def _header(cells: list[Any]) -> list[str]:
    return [str(cell).strip() if cell is not None else "" for cell in cells]


# CSV ----------------------------------------------------------------------------------------


def _csv_encoding(opener: Callable[[], IO[bytes]]) -> str:
    """UTF-8 (with or without a byte order mark) when the whole file decodes, else cp1252."""
    for encoding in ("utf-8-sig", "cp1252"):
        decoder_ok = True
        with io.TextIOWrapper(opener(), encoding=encoding, newline="") as text:
            try:
                while text.read(1 << 20):
                    pass
            except UnicodeDecodeError:
                decoder_ok = False
        if decoder_ok:
            return encoding
    raise SpreadsheetError(
        "The file is neither UTF-8 nor Windows-1252 text, so it is not a CSV file we can read. "
        "Save it as “CSV UTF-8” and upload it again."
    )


def _open_csv(opener: Callable[[], IO[bytes]]) -> Sheet:
    encoding = _csv_encoding(opener)
    with io.TextIOWrapper(opener(), encoding=encoding, newline="") as text:
        first_line = text.readline()
    delimiter = max(",;\t", key=first_line.count)
    csv.field_size_limit(1 << 30)

    def reader() -> Iterator[list[str]]:
        with io.TextIOWrapper(opener(), encoding=encoding, newline="") as text:
            try:
                yield from csv.reader(text, delimiter=delimiter, strict=True)
            except csv.Error as error:
                raise SpreadsheetError(
                    f"The file is not a well-formed CSV file ({error}). Check its quotes."
                ) from None

    rows = reader()
    headers = _header(next(rows, []))
    total = sum(1 for cells in rows if any(cells))
    return Sheet("csv", headers, total, lambda: _skip_header(reader()))


def _skip_header(rows: Iterator[list[Any]]) -> Iterator[list[Any]]:
    next(rows, None)
    yield from rows


# ZIP containers: XLSX and ODS ---------------------------------------------------------------


def _open_zip(opener: Callable[[], IO[bytes]], max_unpacked: int | None) -> Sheet:
    try:
        with opener() as file, zipfile.ZipFile(file) as archive:
            members = archive.infolist()
            names = {member.filename for member in members}
            mimetype = archive.read("mimetype")[:100] if "mimetype" in names else b""
    except (zipfile.BadZipFile, OSError, EOFError):
        raise SpreadsheetError(
            "The file is damaged or incomplete (perhaps the upload was cut short): it cannot be "
            "opened as a workbook. Save it again and upload the new copy."
        ) from None
    unpacked = sum(member.file_size for member in members)
    if max_unpacked is not None and unpacked > max_unpacked:
        raise SpreadsheetError(
            f"The workbook unpacks to {filesizeformat(unpacked)}, more than the limit of "
            f"{filesizeformat(max_unpacked)}. It may be a “zip bomb”; it was not opened."
        )
    if "xl/workbook.xml" in names:
        return _open_xlsx(opener)
    if mimetype.strip() == ODS_MIMETYPE and "content.xml" in names:
        return _open_ods(opener)
    raise SpreadsheetError(
        "This is a ZIP archive but not an Excel (.xlsx) or OpenDocument (.ods) spreadsheet."
    )


def _damaged(kind: str) -> SpreadsheetError:
    return SpreadsheetError(
        f"The {kind} is damaged or incomplete and cannot be read. Open it in your spreadsheet "
        "program, save it again and upload the new copy."
    )


def _open_xlsx(opener: Callable[[], IO[bytes]]) -> Sheet:
    import openpyxl  # imported late: only XLSX uploads need it

    def reader() -> Iterator[list[Any]]:
        with opener() as file:
            try:
                book = openpyxl.load_workbook(file, read_only=True, data_only=False)
                sheet = book.worksheets[0]
                for row in sheet.iter_rows(values_only=True):
                    yield list(row)
                book.close()
            except SpreadsheetError:
                raise
            except Exception:  # openpyxl raises many kinds on a damaged file
                raise _damaged("Excel workbook") from None

    rows = reader()
    headers = _header(next(rows, []))
    while headers and headers[-1] == "":
        headers.pop()
    total = sum(1 for cells in rows if any(cell not in (None, "") for cell in cells))
    return Sheet("xlsx", headers, total, lambda: _skip_header(reader()))


def _ods_cell_value(cell) -> Any:
    """A cell's value: a formula's text (never its result), a date, a number or text."""
    q, o = TABLE, OFFICE
    formula = cell.get(f"{q}formula")
    if formula:
        return "=" + formula.split(":", 1)[1].lstrip("=") if formula.startswith("of:") else formula
    value_type = cell.get(f"{o}value-type")
    if value_type in {"float", "percentage", "currency"}:
        number = float(cell.get(f"{o}value"))
        return int(number) if number.is_integer() else number
    if value_type == "date":
        value = cell.get(f"{o}date-value")
        return dt.datetime.fromisoformat(value) if "T" in value else dt.date.fromisoformat(value)
    paragraphs = cell.findall(f"{TEXT}p")
    if not paragraphs:
        return None
    return "\n".join(_ods_text(p) for p in paragraphs)


def _ods_text(element) -> str:
    t = TEXT
    parts = [element.text or ""]
    for child in element:
        if child.tag == f"{t}s":
            parts.append(" " * int(child.get(f"{t}c", "1")))
        elif child.tag == f"{t}tab":
            parts.append("\t")
        elif child.tag == f"{t}line-break":
            parts.append("\n")
        else:
            parts.append(_ods_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _open_ods(opener: Callable[[], IO[bytes]]) -> Sheet:
    q = TABLE

    def reader() -> Iterator[list[Any]]:
        with opener() as file, zipfile.ZipFile(file) as archive, archive.open("content.xml") as xml:
            depth_tables = 0
            try:
                for event, element in SafeElementTree.iterparse(xml, events=("start", "end")):
                    if element.tag == f"{q}table":
                        if event == "start":
                            depth_tables += 1
                        elif depth_tables == 1:
                            return  # only the first sheet
                    if event != "end" or element.tag != f"{q}table-row" or depth_tables != 1:
                        continue
                    cells: list[Any] = []
                    for cell in element:
                        if cell.tag not in {f"{q}table-cell", f"{q}covered-table-cell"}:
                            continue
                        repeat = min(int(cell.get(f"{q}number-columns-repeated", "1")), 1024)
                        cells.extend([_ods_cell_value(cell)] * repeat)
                    while cells and cells[-1] in (None, ""):
                        cells.pop()
                    repeat_rows = int(element.get(f"{q}number-rows-repeated", "1"))
                    element.clear()
                    if not cells:
                        # Blank rows keep the numbering; trailing ones are often "repeated"
                        # a million times and are cut short.
                        repeat_rows = min(repeat_rows, 1000)
                    for _ in range(min(repeat_rows, 1_000_000)):
                        yield cells
            except SpreadsheetError:
                raise
            except Exception:
                raise _damaged("OpenDocument spreadsheet") from None

    rows = reader()
    headers = _header(next(rows, []))
    total = sum(1 for cells in rows if cells)
    return Sheet("ods", headers, total, lambda: _skip_header(reader()))
