from django.db import migrations

from newsroom.images import record_image_sizes


def record_event_image_sizes(apps, schema_editor):
    record_image_sizes(apps, "events", "Event", "cover_image")


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0004_editor_permissions"),
        ("newsroom", "0006_record_image_sizes"),
    ]

    operations = [migrations.RunPython(record_event_image_sizes, migrations.RunPython.noop)]
