"""`manage.py import_archive DIR`: read a Markdown archive tree back into the database."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from events.archive import ArchiveFormatError, import_tree


class Command(BaseCommand):
    help = (
        "Read DIR/news/<yyyy>/<mm>/<d>/*.md (as written by export_archive, or older archive "
        "files with their quirks) into events, publishers, sources, entities and related "
        "events. Events are matched on date and slug, and imported slugs are kept as they are "
        "so that old links keep working; running it twice changes nothing. The archive is a "
        "public record, so new events are PUBLISHED at once, with a publication time at "
        "midnight of their date, even without sources; use --draft to bring them in as drafts "
        "for the desk to review. Events already in the database keep their workflow state. "
        "Files that cannot be read are skipped and listed."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("directory", type=Path, help="Folder that holds news/.")
        parser.add_argument(
            "--draft",
            action="store_true",
            help="Create new events as drafts instead of publishing them.",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Read and check everything, report what would change, write nothing.",
        )

    def handle(self, *args, directory: Path, draft: bool, dry_run: bool, **options) -> None:
        try:
            result = import_tree(directory, publish=not draft, dry_run=dry_run)
        except ArchiveFormatError as error:
            raise CommandError(str(error)) from None
        for problem in result.problems:
            self.stderr.write(problem)
        counts = [f"{n} {what} created" for what, n in sorted(result.created.items()) if n]
        counts += [f"{n} {what} updated" for what, n in sorted(result.updated.items()) if n]
        summary = ", ".join(counts) if counts else "nothing to change"
        prefix = "Dry run, nothing written: " if dry_run else "Imported: "
        self.stdout.write(self.style.SUCCESS(prefix + summary + "."))
        if result.problems:
            self.stdout.write(f"{len(result.problems)} problems, listed on standard error.")
