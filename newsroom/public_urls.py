"""Readers' pages of the newsroom app: stories and sections, mounted at the site root."""

from django.urls import path

from . import views
from .converters import DAY

app_name = "newsroom"

urlpatterns = [
    path(f"stories/{DAY}<slug:slug>/", views.StoryDetailView.as_view(), name="story"),
    path("sections/<slug:slug>/", views.SectionDetailView.as_view(), name="section"),
]
