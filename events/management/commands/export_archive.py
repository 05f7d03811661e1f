"""`manage.py export_archive DIR`: the published events as the Markdown archive."""

import shutil
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from events.archive import export_tree


class Command(BaseCommand):
    help = (
        "Write every published event and day as Markdown files in the archive format: "
        "DIR/news/<yyyy>/<mm>/<d>/index.md for a day and DIR/news/<yyyy>/<mm>/<d>/<slug>.md "
        "for an event (month zero-padded, day not). Drafts, scheduled and unpublished events "
        "are left out, and so are related links to them. Refuses to write into an existing "
        "DIR/news folder unless --replace is given."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("directory", type=Path, help="Folder that receives news/.")
        parser.add_argument(
            "--replace",
            action="store_true",
            help="Delete an existing DIR/news folder first, so no stale file is left behind.",
        )

    def handle(self, *args, directory: Path, replace: bool, **options) -> None:
        news = directory / "news"
        if news.exists():
            if not replace:
                raise CommandError(
                    f"{news} already exists. Use --replace to delete it and write it anew."
                )
            shutil.rmtree(news)
        directory.mkdir(parents=True, exist_ok=True)
        result = export_tree(directory)
        for problem in result.problems:
            self.stderr.write(problem)
        self.stdout.write(
            self.style.SUCCESS(f"Exported {result.events} events on {result.days} days to {news}.")
        )
