from django.apps import AppConfig


class NewsroomConfig(AppConfig):
    """The desk: entities, the publishable base, sections, authors and stories."""

    name = "newsroom"
    verbose_name = "Newsroom"

    def ready(self) -> None:
        from django.apps import apps
        from django.conf import settings
        from django.core.signals import request_started

        from . import caching, checks, redirects, renditions, tasks  # noqa: F401 (checks register)

        caching.connect_signals()
        if settings.NEWSROOM_IMPORT_CHECK_ON_START:
            # On the first request, not now: no query while apps load.
            request_started.connect(tasks.on_first_request, dispatch_uid=tasks.FIRST_REQUEST_UID)
        renditions.connect_signals(apps.get_models())
        redirects.connect_signals(apps.get_models())
