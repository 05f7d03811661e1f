from django.apps import AppConfig


class EventsConfig(AppConfig):
    """What happened, day by day."""

    name = "events"
    verbose_name = "Events"
