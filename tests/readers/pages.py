"""A small newsroom with one of every readers' page, for the quality and browser tests."""

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from events.models import EventCorrection
from newsroom.models import Author, Correction, Entity, StoryAuthor
from tests.factories import (
    CategoryFactory,
    EntityFactory,
    EventCitationFactory,
    EventFactory,
    PublisherFactory,
    RelatedEventFactory,
    SectionFactory,
    SourceFactory,
    StoryFactory,
    image_file,
)

DAY = dt.date(2010, 4, 7)


@dataclass
class Newsroom:
    pages: dict[str, str]


def build_newsroom(*, now: dt.datetime | None = None) -> Newsroom:
    now = now or timezone.now()
    asia = SectionFactory(name="Asia", slug="asia", position=1)
    SectionFactory(name="Business", slug="business", position=2)
    politics = CategoryFactory(name="Politics and elections", slug="politics", position=1)
    conflicts = CategoryFactory(name="Armed conflicts and attacks", slug="conflicts", position=2)
    topic = EntityFactory(name="2010 Kyrgyz revolution", kind=Entity.Kind.TOPIC)
    bishkek = EntityFactory(name="Bishkek", kind=Entity.Kind.PLACE)
    otunbayeva = EntityFactory(name="Roza Otunbayeva", kind=Entity.Kind.PERSON)
    publisher = PublisherFactory(name="Al Jazeera")

    def published(**kwargs):
        return EventFactory(published=True, date=DAY, **kwargs)

    event = published(
        headline="Protesters take over government buildings in Bishkek after a day of clashes",
        summary="Opposition supporters stormed the government headquarters; the president left.",
        body="Witnesses said the crowd grew through the afternoon.\n\n## What next\n\nTalks.",
        category=conflicts,
        topic=topic,
        place=bishkek,
        cover_image=image_file(size=(1400, 900)),
        cover_image_alt="Smoke over the government building",
        cover_image_credit="Al Jazeera",
    )
    event.entities.add(bishkek, otunbayeva)
    for position in range(1, 6):
        EventCitationFactory(
            item=event,
            position=position,
            source=SourceFactory(publisher=publisher if position == 1 else PublisherFactory()),
        )
    EventCorrection.objects.create(event=event, text="An earlier version gave the wrong hour.")
    for n in range(3):
        other = EventFactory(
            published=True,
            date=DAY - dt.timedelta(days=n + 1),
            headline=f"Earlier event number {n} in the capital",
            category=politics,
            topic=topic,
        )
        other.entities.add(otunbayeva)
        RelatedEventFactory(from_event=event, to_event=other, position=n + 1)
    published(headline="Parliament is dissolved", category=politics, topic=topic)

    story = StoryFactory(
        published=True,
        headline="How a day of protest ended a presidency",
        kicker="Analysis",
        dek="Two days of anger, and a government gone.",
        body="The first paragraph.\n\n## The second day\n\nMore text, with **emphasis**.",
        section=asia,
        dateline=bishkek,
        lead_image=image_file(size=(1200, 800)),
        lead_image_alt="Protesters on the parliament steps",
        lead_image_caption="Protesters outside parliament.",
        lead_image_credit="Jane Doe / Agency",
    )
    story.entities.add(bishkek, otunbayeva, topic)
    author = Author.objects.create(name="Ann Reporter", slug="ann-reporter")
    StoryAuthor.objects.create(story=story, author=author)
    Correction.objects.create(story=story, text="An earlier version misspelt a name.")
    event.related_stories.add(story)
    for n in range(3):
        StoryFactory(
            published=True,
            headline=f"Another story number {n}",
            section=asia,
            lead_image=image_file(),
            lead_image_alt=f"Picture {n}",
        )

    return Newsroom(
        pages={
            "front": "/",
            "story": story.get_absolute_url(),
            "day": event.get_day_url(),
            "month": "/events/2010/04/",
            "year": "/events/2010/",
            "event": event.get_absolute_url(),
            "section": asia.get_absolute_url(),
            "topic": topic.get_absolute_url(),
            "publisher": publisher.get_absolute_url(),
            "search": "/search/?q=protest&category=conflicts",
            "search-empty": "/search/",
            "not-found": "/events/2010/04/07/no-such-event/",
        }
    )
