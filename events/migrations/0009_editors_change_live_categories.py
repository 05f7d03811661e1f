from django.db import migrations

from newsroom.roles import CHANGE_LIVE, EDITOR, grant


def grant_change_live(apps, schema_editor):
    grant(apps, "events", {EDITOR: {"category": CHANGE_LIVE}})


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0008_shared_records"),
        ("newsroom", "0009_editors_change_live_records"),
    ]

    operations = [migrations.RunPython(grant_change_live, migrations.RunPython.noop)]
