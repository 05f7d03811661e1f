from django.apps import AppConfig


class NewsroomConfig(AppConfig):
    """The desk: entities, the publishable base, sections, authors and stories."""

    name = "newsroom"
    verbose_name = "Newsroom"

    def ready(self) -> None:
        from django.apps import apps

        from . import caching, renditions

        caching.connect_signals()
        renditions.connect_signals(apps.get_models())
