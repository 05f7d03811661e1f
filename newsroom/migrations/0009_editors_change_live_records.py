from django.db import migrations

from newsroom.roles import CHANGE_LIVE, EDITOR, grant


def grant_change_live(apps, schema_editor):
    grant(apps, "sources", {EDITOR: {"publisher": CHANGE_LIVE, "source": CHANGE_LIVE}})
    grant(
        apps,
        "newsroom",
        {EDITOR: {"entity": CHANGE_LIVE, "section": CHANGE_LIVE, "author": CHANGE_LIVE}},
    )


class Migration(migrations.Migration):
    dependencies = [
        ("sources", "0003_change_live_permissions"),
        ("newsroom", "0008_shared_records"),
    ]

    operations = [migrations.RunPython(grant_change_live, migrations.RunPython.noop)]
