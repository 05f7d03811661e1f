"""`manage.py prune_imports [--days 30]`: delete the stored files of old imports."""

import datetime as dt

from django.core.management.base import BaseCommand
from django.utils import timezone

from newsroom.models import ImportRecord


class Command(BaseCommand):
    help = (
        "Delete uploaded spreadsheets of imports older than --days (previews never confirmed "
        "included). The records stay: who, when, the file's name, SHA-256 and counts."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=30)

    def handle(self, *args, days: int, **options):
        cutoff = timezone.now() - dt.timedelta(days=days)
        old = ImportRecord.objects.filter(created_at__lt=cutoff).exclude(file="")
        in_use = set(
            ImportRecord.objects.filter(created_at__gte=cutoff).values_list("file", flat=True)
        )
        pruned = 0
        for record in old.exclude(
            state__in=[ImportRecord.State.QUEUED, ImportRecord.State.RUNNING]
        ):
            if record.file.name not in in_use and record.file.storage.exists(record.file.name):
                record.file.storage.delete(record.file.name)
            ImportRecord.objects.filter(pk=record.pk).update(file="")
            pruned += 1
        self.stdout.write(f"Deleted the files of {pruned} import(s) older than {days} days.")
