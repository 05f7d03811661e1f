"""`manage.py mark_interrupted_imports`: fail the imports a restart cut off, e.g. from cron."""

from django.core.management.base import BaseCommand

from newsroom.models import ImportRecord


class Command(BaseCommand):
    help = (
        "Mark failed every queued or running import whose runner stopped: a process of this "
        "machine that no longer runs, or a heartbeat older than NEWSROOM_IMPORT_STALE_SECONDS. "
        "Web processes do the same on their first request and on the desk; run this from cron "
        "when the desk may stay unvisited after a restart."
    )

    def handle(self, *args, **options) -> None:
        count = ImportRecord.objects.mark_interrupted()
        self.stdout.write(f"{count} interrupted import{'s' if count != 1 else ''} marked failed.")
