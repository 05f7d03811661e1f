"""Readers' pages of the newsroom app: stories and sections, mounted at the site root."""

from django.urls import path

from . import views
from .converters import DAY

app_name = "newsroom"

urlpatterns = [
    path(f"stories/{DAY}<name:slug>/", views.StoryDetailView.as_view(), name="story"),
    path("sections/<name:slug>/", views.SectionDetailView.as_view(), name="section"),
    path("authors/<name:slug>/", views.AuthorDetailView.as_view(), name="author"),
]
