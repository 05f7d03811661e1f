"""`manage.py import_archive DIR`: read a Markdown archive tree back into the database."""

from pathlib import Path

from django.contrib.auth import get_user_model
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
        "Files that cannot be read are skipped and listed. Every import that changes events "
        "keeps one revision (django-reversion) with a version of each event it created or "
        "changed, by the --user given, if any."
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
        parser.add_argument(
            "--user",
            metavar="NAME",
            help="The username the import's revision is recorded under (default: none).",
        )

    def handle(
        self, *args, directory: Path, draft: bool, dry_run: bool, user: str | None, **options
    ) -> None:
        recorder = None
        if user:
            User = get_user_model()
            try:
                recorder = User.objects.get_by_natural_key(user)
            except User.DoesNotExist:
                raise CommandError(f"There is no user “{user}”.") from None
        try:
            result = import_tree(directory, publish=not draft, dry_run=dry_run, user=recorder)
        except ArchiveFormatError as error:
            raise CommandError(str(error)) from None
        for problem in result.problems:
            self.stderr.write(problem)
        prefix = "Dry run, nothing written: " if dry_run else "Imported: "
        self.stdout.write(self.style.SUCCESS(prefix + result.summary() + "."))
        if result.revision is not None:
            self.stdout.write(f"History: revision #{result.revision.pk}, {result.revision.comment}")
        if result.problems:
            self.stdout.write(f"{len(result.problems)} problems, listed on standard error.")
