"""Root URLconf: the admin, then the readers' pages of each app."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from newsroom import health, media
from newsroom.preview import preview_view

#: Preview views by model label; a signed token names the model (see newsroom/preview.py).
PREVIEW_VIEWS = {
    "newsroom.story": "newsroom.preview.StoryPreviewView",
    "events.event": "events.preview.EventPreviewView",
}

urlpatterns = [
    # For load balancers: 200 or 503, never cached nor redirected (newsroom/health.py).
    path(health.PATH, health.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("preview/<str:token>/", preview_view, {"views": PREVIEW_VIEWS}, name="preview"),
    path("", include("events.urls")),
    path("", include("newsroom.public_urls")),
]

# Uploaded pictures, served only while their item may be seen (newsroom/media.py), in DEBUG
# as in production. A MEDIA_URL on another host serves them from there instead.
if not settings.MEDIA_URL.startswith(("http://", "https://", "//")):
    urlpatterns.append(
        path(f"{settings.MEDIA_URL.strip('/')}/<path:name>", media.serve, name="media")
    )
