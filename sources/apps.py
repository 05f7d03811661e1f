from django.apps import AppConfig


class SourcesConfig(AppConfig):
    """Who said it: publishers and the documents we cite."""

    name = "sources"
    verbose_name = "Sources"
