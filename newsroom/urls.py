"""Root URLconf: the admin, then the readers' pages of each app."""

from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

from newsroom.preview import preview_view

#: Preview views by model label; a signed token names the model (see newsroom/preview.py).
PREVIEW_VIEWS = {
    "newsroom.story": "newsroom.preview.StoryPreviewView",
    "events.event": "events.preview.EventPreviewView",
}

urlpatterns = [
    path("admin/", admin.site.urls),
    path("preview/<str:token>/", preview_view, {"views": PREVIEW_VIEWS}, name="preview"),
    path("", include("events.urls")),
    path("", include("newsroom.public_urls")),
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
