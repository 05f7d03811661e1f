"""Writing resources to files whose cells no spreadsheet program will run as formulas."""

import tablib
from import_export.formats.base_formats import CSV, ODS, XLSX
from import_export.resources import Resource

from .cells import escape_formula

FORMATS = {"csv": CSV, "xlsx": XLSX, "ods": ODS}
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
}


def sanitised(dataset: tablib.Dataset) -> tablib.Dataset:
    """A copy of `dataset` with every formula-looking cell escaped (see `escape_formula`).

    django-import-export's own option escapes only a leading `=`; this also covers `+ - @`,
    tab and carriage return, and keeps the escaping reversible for a round trip.
    """
    clean = tablib.Dataset(headers=dataset.headers)
    for row in dataset:
        clean.append([escape_formula(cell) for cell in row])
    return clean


def file_bytes(dataset: tablib.Dataset, file_format: str) -> bytes:
    """`dataset` as a CSV (UTF-8 with a byte order mark, for Excel), XLSX or ODS file."""
    data = FORMATS[file_format]().export_data(sanitised(dataset))
    if isinstance(data, str):
        return data.encode("utf-8-sig")
    return data


def export_file(resource: Resource, file_format: str, queryset=None) -> bytes:
    return file_bytes(resource.export(queryset), file_format)


def template_file(columns: dict[str, str], file_format: str) -> bytes:
    """An empty sheet with the resource's columns, to fill in and import."""
    return file_bytes(tablib.Dataset(headers=list(columns)), file_format)
