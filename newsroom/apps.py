from django.apps import AppConfig


class NewsroomConfig(AppConfig):
    """The desk: entities, the publishable base, sections, authors and stories."""

    name = "newsroom"
    verbose_name = "Newsroom"

    def ready(self) -> None:
        from .caching import connect_signals

        connect_signals()
