"""RSS and Atom feeds: latest stories, latest events, each section, each topic.

Every feed lists published items only, newest first, and loads what it shows up front (a feed
costs the same few queries however many items, bylines or entities it carries).
"""

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from newsroom.models import Author, Entity, Section, Story
from newsroom.views import story_cards

from .models import Event, published_about

FEED_LENGTH = 30


class ItemFeed(Feed):
    """What stories and events have in common as feed items."""

    page_cache = True

    def item_title(self, item) -> str:
        return item.headline

    def item_description(self, item) -> str:
        if isinstance(item, Story):
            return item.dek or item.headline
        return item.summary or item.headline

    def item_pubdate(self, item):
        return item.first_published_at or item.publish_at

    def item_updateddate(self, item):
        return max(filter(None, [item.publish_at, item.last_published_at]))

    def item_author_name(self, item) -> str | None:
        if isinstance(item, Story):
            names = [byline.author.name for byline in item.bylines.all()]
            return ", ".join(names) or None
        return None

    def item_categories(self, item) -> list[str]:
        if isinstance(item, Story):
            return [item.section.name] if item.section else []
        return [item.category.name] if item.category else []

    def item_guid(self, item) -> str:
        kind = "story" if isinstance(item, Story) else "event"
        return f"{settings.SITE_NAME.lower()}:{kind}:{item.pk}"

    item_guid_is_permalink = False


def latest_stories(stories):
    return list(story_cards(stories).order_by("-publish_at", "-pk")[:FEED_LENGTH])


def latest_events(events):
    return list(
        events.select_related("category").order_by("-publish_at", "-date", "-pk")[:FEED_LENGTH]
    )


class LatestStoriesFeed(ItemFeed):
    title = f"{settings.SITE_NAME}: latest stories"
    description = "The latest published stories."

    def link(self) -> str:
        return reverse("events:front_page")

    def items(self):
        return latest_stories(Story.objects.published())


class LatestEventsFeed(ItemFeed):
    title = f"{settings.SITE_NAME}: latest events"
    description = "Events as they are published, each with its sources."

    def link(self) -> str:
        return reverse("events:front_page")

    def items(self):
        return latest_events(Event.objects.published())


class SectionFeed(ItemFeed):
    def get_object(self, request, slug: str) -> Section:
        return get_object_or_404(Section, slug=slug)

    def title(self, section: Section) -> str:
        return f"{settings.SITE_NAME}: {section.name}"

    def description(self, section: Section) -> str:
        return section.description or f"The latest {section.name} stories."

    def link(self, section: Section) -> str:
        return section.get_absolute_url()

    def items(self, section: Section):
        return latest_stories(Story.objects.published().filter(section=section))


class AuthorFeed(ItemFeed):
    """An author's published stories, newest first; 404 like the page when there is none."""

    def get_object(self, request, slug: str) -> Author:
        return get_object_or_404(Author, slug=slug)

    def title(self, author: Author) -> str:
        return f"{settings.SITE_NAME}: {author.name}"

    def description(self, author: Author) -> str:
        return f"The latest stories by {author.name}."

    def link(self, author: Author) -> str:
        return author.get_absolute_url()

    def items(self, author: Author):
        stories = latest_stories(author.published_stories())
        if not stories:
            raise Http404("No published story carries this author's byline.")
        return stories


class TopicFeed(ItemFeed):
    """An entity's events and stories, newest first (one query per kind)."""

    def get_object(self, request, slug: str) -> Entity:
        return get_object_or_404(Entity, slug=slug)

    def title(self, entity: Entity) -> str:
        return f"{settings.SITE_NAME}: {entity.name}"

    def description(self, entity: Entity) -> str:
        return entity.description or f"Events and stories about {entity.name}."

    def link(self, entity: Entity) -> str:
        return entity.get_absolute_url()

    def items(self, entity: Entity):
        with_topic, tagged, stories = published_about(entity)
        events = Event.objects.filter(pk__in=with_topic.values("pk").union(tagged.values("pk")))
        events, stories = latest_events(events), latest_stories(stories)
        if not (events or stories):
            raise Http404("Nothing published carries this entity.")  # as its page says
        merged = sorted(
            [*events, *stories], key=lambda item: (item.publish_at, item.pk), reverse=True
        )
        return merged[:FEED_LENGTH]


def atom(feed_class: type[Feed]) -> type[Feed]:
    """The Atom twin of an RSS feed class."""
    return type(
        f"{feed_class.__name__}Atom",
        (feed_class,),
        {"feed_type": Atom1Feed, "subtitle": feed_class.description},
    )


LatestStoriesAtom = atom(LatestStoriesFeed)
LatestEventsAtom = atom(LatestEventsFeed)
SectionAtom = atom(SectionFeed)
AuthorAtom = atom(AuthorFeed)
TopicAtom = atom(TopicFeed)
