"""Re-encode pictures stored before uploads were cleaned, and give them random names."""

from django.core.management.base import BaseCommand

from newsroom.caching import invalidate_pages
from newsroom.pictures import clean_stored, is_clean, picture_fields


class Command(BaseCommand):
    help = (
        "Re-encode every stored picture that still has its old name: without EXIF (GPS, "
        "camera serial…), orientation applied, under a random name, with new renditions. "
        "The old files are deleted. Run once after upgrading; safe to run again."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--all", action="store_true", help="Also those that already have a random name."
        )

    def handle(self, *args, all: bool = False, **options):
        cleaned = kept = failed = 0
        for model, field in picture_fields():
            fields = ["pk", field.attname, field.width_field, field.height_field]
            rows = model._default_manager.exclude(**{field.attname: ""}).only(*filter(None, fields))
            for item in rows.iterator(chunk_size=200):
                if not all and is_clean(item, field):
                    kept += 1
                    continue
                try:
                    clean_stored(item, field)
                    cleaned += 1
                except Exception as error:  # report and go on with the others
                    failed += 1
                    self.stderr.write(f"{model._meta.label} {item.pk}: {error}")
        if cleaned:
            invalidate_pages()
        self.stdout.write(
            f"{cleaned} pictures cleaned, {kept} already clean, {failed} could not be read."
        )
