"""Sitemaps for search engines (`/sitemap.xml` is an index of these), and the Google News
sitemap of the stories published in the last two days.

Only what readers may see is listed. Each sitemap page is one query (the framework splits
large ones into pages of 50,000 URLs and counts them once for the index).
"""

import datetime as dt

from django.contrib.sitemaps import Sitemap
from django.db.models import Exists, Max, OuterRef
from django.urls import reverse
from django.utils import timezone

from newsroom.models import Author, Entity, Section, Story, StoryAuthor, StoryCitation, TaggedStory
from sources.models import Publisher

from .models import Event, EventCitation, TaggedEvent

NEWS_WINDOW = dt.timedelta(days=2)
NEWS_LIMIT = 1000  # Google News reads at most 1,000 URLs per sitemap


class StorySitemap(Sitemap):
    changefreq = "daily"
    priority = 0.8

    def items(self):
        return (
            Story.objects.published()
            .only("slug", "publish_at", "modified_at", "created_at")
            .order_by("-publish_at", "pk")
        )

    def lastmod(self, story: Story):
        return story.modified_at


class EventSitemap(Sitemap):
    changefreq = "weekly"
    priority = 0.6

    def items(self):
        return Event.objects.published().only("date", "slug", "modified_at").order_by("-date", "pk")

    def lastmod(self, event: Event):
        return event.modified_at


class DaySitemap(Sitemap):
    changefreq = "daily"
    priority = 0.5

    def items(self):
        return list(
            Event.objects.published()
            .order_by("-date")
            .values("date")
            .annotate(lastmod=Max("modified_at"))
            .values_list("date", "lastmod")
        )

    def location(self, item) -> str:
        day, _lastmod = item
        return reverse("events:day", kwargs={"year": day.year, "month": day.month, "day": day.day})

    def lastmod(self, item):
        return item[1]


class SectionSitemap(Sitemap):
    changefreq = "hourly"
    priority = 0.7

    def items(self):
        return Section.objects.order_by("position", "pk")


class TopicSitemap(Sitemap):
    """Entities that at least one published event or story carries (others have no page)."""

    changefreq = "daily"
    priority = 0.5

    def items(self):
        events = Event.objects.published().values("pk")
        stories = Story.objects.published().values("pk")
        here = OuterRef("pk")
        return (
            Entity.objects.filter(
                Exists(TaggedEvent.objects.filter(tag=here, content_object__in=events))
                | Exists(TaggedStory.objects.filter(tag=here, content_object__in=stories))
                | Exists(Event.objects.published().filter(topic=here))
            )
            .only("slug")
            .order_by("slug")
        )


class AuthorSitemap(Sitemap):
    """Authors in the byline of at least one published story (others have no page)."""

    changefreq = "daily"
    priority = 0.4

    def items(self):
        stories = Story.objects.published().values("pk")
        return (
            Author.objects.filter(
                Exists(StoryAuthor.objects.filter(author=OuterRef("pk"), story__in=stories))
            )
            .only("slug")
            .order_by("slug")
        )


class PublisherSitemap(Sitemap):
    """Publishers that at least one published event or story cites (others have no page)."""

    changefreq = "daily"
    priority = 0.4

    def items(self):
        events = Event.objects.published().values("pk")
        stories = Story.objects.published().values("pk")
        here = OuterRef("pk")
        return (
            Publisher.objects.filter(
                Exists(EventCitation.objects.filter(source__publisher=here, item__in=events))
                | Exists(StoryCitation.objects.filter(source__publisher=here, item__in=stories))
            )
            .only("slug")
            .order_by("slug")
        )


class StaticSitemap(Sitemap):
    changefreq = "hourly"
    priority = 1.0

    def items(self):
        return ["events:front_page"]

    def location(self, name: str) -> str:
        return reverse(name)


class NewsSitemap(Sitemap):
    """Stories published in the last two days, for `sitemaps/news.xml`."""

    limit = NEWS_LIMIT

    def items(self):
        now = timezone.now()
        return list(
            Story.objects.published(at=now)
            .filter(publish_at__gte=now - NEWS_WINDOW)
            .order_by("-publish_at", "pk")[:NEWS_LIMIT]
        )

    def lastmod(self, story: Story):
        return story.modified_at


SITEMAPS = {
    "pages": StaticSitemap,
    "stories": StorySitemap,
    "events": EventSitemap,
    "days": DaySitemap,
    "sections": SectionSitemap,
    "topics": TopicSitemap,
    "authors": AuthorSitemap,
    "publishers": PublisherSitemap,
    "news": NewsSitemap,
}
