"""`manage.py import_items FILE --model events [--dry-run] [--publish --user ed]`."""

import os
import time
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from events.resources import SPREADSHEETS
from newsroom.models import ImportRecord
from newsroom.tasks import run_import, sha256_of


class Command(BaseCommand):
    help = (
        "Import a CSV, XLSX or ODS sheet of events, stories, publishers or sources. Rows are "
        "matched on natural keys, so importing a file twice changes nothing. A file with any "
        "problem writes nothing. No row limit applies here (the desk has one)."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--model", required=True, choices=list(SPREADSHEETS))
        parser.add_argument(
            "--dry-run", action="store_true", help="Check every row and report; write nothing."
        )
        parser.add_argument(
            "--publish",
            action="store_true",
            help="Publish the imported items (needs --user, an editor); drafts otherwise.",
        )
        parser.add_argument("--user", help="Username recorded as the importer.")
        parser.add_argument("--no-progress", action="store_true", help="Hide the progress bar.")

    def handle(self, *args, file: Path, model: str, dry_run: bool, publish: bool, **options):
        if not file.is_file():
            raise CommandError(f"{file} is not a file.")
        user = None
        if options["user"]:
            user = get_user_model().objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"There is no user “{options['user']}”.")
        if publish and user is None:
            raise CommandError("--publish needs --user: the editor who publishes.")
        with file.open("rb") as stream:
            sha256 = sha256_of(stream)
        record = ImportRecord.objects.create(
            resource=model,
            file_name=file.name,
            sha256=sha256,
            file_size=os.path.getsize(file),
            format=file.suffix.lstrip(".").lower()[:10],
            dry_run=dry_run,
            publish=publish,
            created_by=user,
        )
        bar = None

        def progress(done: int, total: int) -> None:
            nonlocal bar
            if options["no_progress"] or options["verbosity"] == 0:
                return
            if bar is None:
                bar = tqdm(total=total, unit=" rows", file=self.stderr._out, smoothing=0.1)
            bar.update(done - bar.n)

        started = time.perf_counter()
        importer_class = SPREADSHEETS[model][0]
        run_import(
            record, importer_class, max_rows=None, opener=lambda: file.open("rb"), progress=progress
        )
        if bar is not None:
            bar.close()
        elapsed = time.perf_counter() - started
        for problem in record.errors:
            self.stderr.write(
                f"row {problem['row']}, column {problem['column']}: {problem['message']}"
            )
        if record.state == ImportRecord.State.FAILED:
            raise CommandError(f"Import #{record.pk}: {record.message}")
        rate = (record.total_rows or 0) / elapsed if elapsed else 0
        self.stdout.write(
            f"Import #{record.pk}: {record.message} "
            f"({record.total_rows:,} rows in {elapsed:.1f} s, {rate:,.0f} rows/s)"
        )
