from django.db import migrations

from newsroom.roles import ALL, EDITOR, JOURNALIST, grant


def grant_editor_permissions(apps, schema_editor):
    grant(
        apps,
        "events",
        {
            JOURNALIST: {"eventcorrection": ("view",)},
            EDITOR: {"event": ("publish", "import", "export"), "eventcorrection": ALL},
        },
    )


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0003_workflow_images_corrections"),
        ("newsroom", "0004_editor_permissions"),
    ]

    operations = [migrations.RunPython(grant_editor_permissions, migrations.RunPython.noop)]
