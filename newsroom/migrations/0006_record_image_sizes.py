from django.db import migrations

from newsroom.images import record_image_sizes


def record_story_image_sizes(apps, schema_editor):
    record_image_sizes(apps, "newsroom", "Story", "lead_image")


class Migration(migrations.Migration):
    dependencies = [("newsroom", "0005_import_rows_revision")]

    operations = [migrations.RunPython(record_story_image_sizes, migrations.RunPython.noop)]
