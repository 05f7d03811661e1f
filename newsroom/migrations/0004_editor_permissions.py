from django.db import migrations

from newsroom.roles import EDITOR, JOURNALIST, grant

SPREADSHEETS = ("import", "export")


def grant_editor_permissions(apps, schema_editor):
    grant(apps, "sources", {EDITOR: {"publisher": SPREADSHEETS, "source": SPREADSHEETS}})
    grant(
        apps,
        "newsroom",
        {
            JOURNALIST: {"importrecord": ("view",)},
            EDITOR: {
                "story": ("publish", *SPREADSHEETS),
                "importrecord": ("add", "view"),
            },
        },
    )


class Migration(migrations.Migration):
    dependencies = [
        ("sources", "0002_spreadsheet_permissions"),
        ("newsroom", "0003_workflow_images_imports"),
    ]

    operations = [migrations.RunPython(grant_editor_permissions, migrations.RunPython.noop)]
