"""Helpers for import tests: real files in every format, an import as the desk runs it, and a
snapshot of every table to prove a failed import changed nothing."""

import csv
import hashlib
import io

import openpyxl
import pytest
import tablib
from django.apps import apps

from events.resources import SPREADSHEETS
from newsroom.models import ImportRecord
from newsroom.tasks import run_import

EVENT_HEADER = ["date", "slug", "headline", "summary", "entities", "citations"]


def csv_bytes(rows: list[list], encoding: str = "utf-8") -> bytes:
    text = io.StringIO(newline="")
    csv.writer(text).writerows(rows)
    return text.getvalue().encode(encoding)


def xlsx_bytes(rows: list[list]) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def ods_bytes(rows: list[list]) -> bytes:
    return tablib.Dataset(*rows[1:], headers=rows[0]).export("ods")


def import_file(
    data: bytes,
    resource: str = "events",
    *,
    user=None,
    dry_run: bool = False,
    publish: bool = False,
    name: str = "sheet.csv",
    desk_limits: bool = True,
) -> ImportRecord:
    """Import `data` as the desk does (with its limits) or as the command does (without)."""
    from django.conf import settings

    record = ImportRecord.objects.create(
        resource=resource,
        file_name=name,
        sha256=hashlib.sha256(data).hexdigest(),
        file_size=len(data),
        dry_run=dry_run,
        publish=publish,
        created_by=user,
    )
    run_import(
        record,
        SPREADSHEETS[resource][0],
        max_rows=settings.NEWSROOM_IMPORT_MAX_ROWS if desk_limits else None,
        opener=lambda: io.BytesIO(data),
    )
    record.refresh_from_db()
    return record


def snapshot() -> dict[str, list[tuple]]:
    """Every row of every project and revision table (import records aside), sorted."""
    tables = {}
    for label in ("sources", "newsroom", "events", "reversion"):
        for model in apps.get_app_config(label).get_models():
            if model is ImportRecord:
                continue
            rows = model._default_manager.order_by("pk").values_list()
            tables[model._meta.label] = [tuple(map(repr, row)) for row in rows]
    return tables


def problems(record: ImportRecord) -> list[tuple[int, str]]:
    return [(problem["row"], problem["column"]) for problem in record.errors]


@pytest.fixture
def importer_user(editor):
    return editor
