"""`manage.py export_items --model events [--format xlsx] [--output FILE]`."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from events.resources import SPREADSHEETS
from newsroom.spreadsheets.exports import FORMATS, export_file


class Command(BaseCommand):
    help = (
        "Export events, stories, publishers or sources as a sheet that import_items reads "
        "back unchanged. Formula-looking cells are escaped. With --output DIR and no --model, "
        "writes one file per sheet."
    )

    def add_arguments(self, parser):
        parser.add_argument("--model", choices=list(SPREADSHEETS))
        parser.add_argument("--format", default="csv", choices=list(FORMATS))
        parser.add_argument("--output", "-o", type=Path, help="File (or folder, for all sheets).")

    def handle(self, *args, model: str | None, format: str, output: Path | None, **options):
        if model is None:
            if output is None:
                raise CommandError("Give --model, or --output DIR to export every sheet.")
            output.mkdir(parents=True, exist_ok=True)
            for name, (_, resource) in SPREADSHEETS.items():
                path = output / f"{name}.{format}"
                path.write_bytes(export_file(resource(), format))
                self.stdout.write(f"Wrote {path}")
            return
        data = export_file(SPREADSHEETS[model][1](), format)
        if output is None:
            if format != "csv":
                raise CommandError(f"Give --output FILE for {format.upper()}.")
            self.stdout.write(data.decode("utf-8-sig"), ending="")
            return
        output.write_bytes(data)
        self.stdout.write(f"Wrote {output}")
