from django.db import migrations

from newsroom.roles import EDITOR, grant


def editors_lift_lockouts(apps, schema_editor):
    """Editors see failed logins and lift a lockout by deleting its access attempt."""
    grant(apps, "axes", {EDITOR: {"accessattempt": ("view", "delete")}})


class Migration(migrations.Migration):
    dependencies = [
        ("axes", "0010_accessattemptexpiration"),
        ("newsroom", "0009_editors_change_live_records"),
    ]

    operations = [migrations.RunPython(editors_lift_lockouts, migrations.RunPython.noop)]
