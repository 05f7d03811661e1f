from django.db import migrations

from newsroom.fulltext import add_search_document


class Migration(migrations.Migration):
    dependencies = [("events", "0006_topic_timeline_index")]

    operations = [
        add_search_document("events_event", {"headline": "A", "summary": "B", "body": "C"}),
    ]
