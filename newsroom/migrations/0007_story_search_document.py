from django.db import migrations

from newsroom.fulltext import add_search_document


class Migration(migrations.Migration):
    dependencies = [("newsroom", "0006_record_image_sizes")]

    operations = [
        add_search_document("newsroom_story", {"headline": "A", "dek": "B", "body": "C"}),
    ]
