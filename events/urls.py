"""Readers' pages of the events app, mounted at the site root: the front page, days and
events, month and year archives, and the topic and publisher timelines that list events and
stories together.

Names may be in any script (`name`); event slugs match `archive_slug`: imported archive slugs
are kept as they were, and one that is not a clean slug must still have a working address
(see newsroom/converters.py).
"""

from django.urls import path

from newsroom.converters import DAY

from . import discovery, feeds, markdown_views, views

app_name = "events"

urlpatterns = [
    path("", views.FrontPageView.as_view(), name="front_page"),
    # Markdown twins of the day and event pages (events/markdown_views.py).
    path(
        "events/<yyyy:year>/<mm:month>/<dd:day>.md",
        markdown_views.day_markdown,
        name="day_markdown",
    ),
    path(
        f"events/{DAY}<archive_slug:slug>.md", markdown_views.event_markdown, name="event_markdown"
    ),
    path("events/<yyyy:year>/", views.EventYearView.as_view(), name="year"),
    path("events/<yyyy:year>/<mm:month>/", views.EventMonthView.as_view(), name="month"),
    path(f"events/{DAY}", views.EventDayView.as_view(), name="day"),
    path(f"events/{DAY}<archive_slug:slug>/", views.EventDetailView.as_view(), name="event"),
    path("topics/<name:slug>/", views.TopicDetailView.as_view(), name="topic"),
    path("sources/<name:slug>/", views.PublisherDetailView.as_view(), name="publisher"),
    path("search/", views.SearchView.as_view(), name="search"),
    # Feeds: RSS at .../feed/, Atom at .../atom/
    path("feeds/stories/", feeds.LatestStoriesFeed(), name="stories_feed"),
    path("feeds/stories/atom/", feeds.LatestStoriesAtom(), name="stories_atom"),
    path("feeds/events/", feeds.LatestEventsFeed(), name="events_feed"),
    path("feeds/events/atom/", feeds.LatestEventsAtom(), name="events_atom"),
    path("sections/<name:slug>/feed/", feeds.SectionFeed(), name="section_feed"),
    path("sections/<name:slug>/atom/", feeds.SectionAtom(), name="section_atom"),
    path("authors/<name:slug>/feed/", feeds.AuthorFeed(), name="author_feed"),
    path("authors/<name:slug>/atom/", feeds.AuthorAtom(), name="author_atom"),
    path("topics/<name:slug>/feed/", feeds.TopicFeed(), name="topic_feed"),
    path("topics/<name:slug>/atom/", feeds.TopicAtom(), name="topic_atom"),
    # Discovery
    path("robots.txt", discovery.robots_txt, name="robots_txt"),
    path("sitemap.xml", discovery.sitemap_index, name="sitemap_index"),
    path("sitemap-news.xml", discovery.news_sitemap, name="news_sitemap"),
    path("sitemap-<section>.xml", discovery.sitemap_section, name="sitemap"),
]
