from django.db import migrations

from newsroom.roles import ALL, EDITOR, JOURNALIST, WRITE, grant


def grant_event_permissions(apps, schema_editor):
    grant(
        apps,
        "events",
        {
            JOURNALIST: {
                "event": WRITE,
                "eventcitation": ALL,
                "relatedevent": ALL,
                "taggedevent": ALL,
                "category": ("view",),
            },
            EDITOR: {
                model: ALL
                for model in ("event", "eventcitation", "relatedevent", "taggedevent", "category")
            },
        },
    )


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0001_initial"),
        ("newsroom", "0002_roles"),
    ]

    operations = [migrations.RunPython(grant_event_permissions, migrations.RunPython.noop)]
