from django.db import migrations

from newsroom.roles import ALL, EDITOR, JOURNALIST, WRITE, grant

VIEW = ("view",)


def create_roles(apps, schema_editor):
    grant(
        apps,
        "sources",
        {
            JOURNALIST: {"publisher": WRITE, "publisherdomain": WRITE, "source": WRITE},
            EDITOR: {"publisher": ALL, "publisherdomain": ALL, "source": ALL},
        },
    )
    grant(
        apps,
        "newsroom",
        {
            JOURNALIST: {
                "story": WRITE,
                "storycitation": ALL,
                "storyauthor": ALL,
                "taggedstory": ALL,
                "entity": WRITE,
                "author": VIEW,
                "section": VIEW,
                "correction": VIEW,
            },
            EDITOR: {
                model: ALL
                for model in (
                    "story",
                    "storycitation",
                    "storyauthor",
                    "taggedstory",
                    "entity",
                    "author",
                    "section",
                    "correction",
                )
            },
        },
    )


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("sources", "0001_initial"),
        ("newsroom", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
