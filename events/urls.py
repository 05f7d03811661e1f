"""Readers' pages of the events app, mounted at the site root: the front page, days and
events, month and year archives, and the topic and publisher timelines that list events and
stories together.

Event slugs are matched as `str`: imported archive slugs are kept as they were, and one that
is not a clean slug must still have a working address.
"""

from django.urls import path

from newsroom.converters import DAY

from . import views

app_name = "events"

urlpatterns = [
    path("", views.FrontPageView.as_view(), name="front_page"),
    path("events/<yyyy:year>/", views.EventYearView.as_view(), name="year"),
    path("events/<yyyy:year>/<mm:month>/", views.EventMonthView.as_view(), name="month"),
    path(f"events/{DAY}", views.EventDayView.as_view(), name="day"),
    path(f"events/{DAY}<str:slug>/", views.EventDetailView.as_view(), name="event"),
    path("topics/<slug:slug>/", views.TopicDetailView.as_view(), name="topic"),
    path("sources/<slug:slug>/", views.PublisherDetailView.as_view(), name="publisher"),
    path("search/", views.SearchView.as_view(), name="search"),
]
