"""The readers' newsroom pages: front page, story, section and topic."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from newsroom.models import Author, Entity, Status, Story, StoryAuthor
from newsroom.navigation import nav_sections
from sources.models import Publisher
from tests.factories import (
    AuthorFactory,
    CategoryFactory,
    CorrectionFactory,
    EntityFactory,
    EventFactory,
    PublisherFactory,
    SectionFactory,
    SourceFactory,
    StoryCitationFactory,
    StoryFactory,
    image_file,
    invisible_states,
)

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2010, 4, 20, 12, 0, tzinfo=dt.UTC)
TODAY = NOW.date()

JSON_LD_SCRIPT = '<script type="application/ld+json">'


@pytest.fixture(autouse=True)
def clock():
    """Every test runs at noon UTC on 20 April 2010; `published=True` means an hour before."""
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def world():
    return SectionFactory(name="World", slug="world", position=1)


def published_story(**kwargs) -> Story:
    return StoryFactory(published=True, **kwargs)


def add_bylines(story: Story, *names: str) -> None:
    for position, name in enumerate(names):
        StoryAuthor.objects.create(story=story, author=AuthorFactory(name=name), position=position)


def author_url(name: str) -> str:
    return Author.objects.get(name=name).get_absolute_url()


# Layout shared by every page ---------------------------------------------------------------


def test_every_page_has_the_accessible_skeleton(client, world):
    published_story(section=world)

    html = client.get("/").content.decode()

    assert '<html lang="en">' in html
    assert '<a class="skip-link" href="#content">Skip to content</a>' in html
    assert '<main id="content"' in html
    for landmark in ("<header", "<nav", "<footer"):
        assert landmark in html
    assert html.count("<h1") == 1
    assert '<link rel="canonical" href="http://testserver/">' in html
    assert '<meta name="description"' in html
    assert f'<a href="{world.get_absolute_url()}">World</a>' in html
    assert "<script" not in html.replace(JSON_LD_SCRIPT, "")  # our JSON-LD is the one script


def test_an_unknown_address_answers_with_the_site_404_page(client):
    response = client.get("/no/such/page/")

    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


# Front page --------------------------------------------------------------------------------


def test_front_page_lists_the_latest_published_stories_with_section_bylines_and_dek(client, world):
    older = published_story(headline="Older story", section=world)
    older.publish_at = NOW - dt.timedelta(days=2)
    older.save()
    newer = published_story(headline="Newer story", section=world, dek="Why it matters.")
    add_bylines(newer, "Asel Bekova", "John Smith")
    for invisible in invisible_states(NOW):
        StoryFactory(headline=f"Invisible {invisible.id}", **invisible.values[0])

    html = client.get("/").content.decode()

    assert html.index("Newer story") < html.index("Older story")
    assert f'href="{newer.get_absolute_url()}">Newer story</a>' in html
    assert "Why it matters." in html
    assert (
        f'By <a class="author" href="{author_url("Asel Bekova")}">Asel Bekova</a> and '
        f'<a class="author" href="{author_url("John Smith")}">John Smith</a>' in html
    )
    assert "Invisible" not in html


def test_front_page_shows_a_story_lead_image_with_its_text_alternative(client):
    published_story(lead_image=image_file(), lead_image_alt="Crowds in the square")

    html = client.get("/").content.decode()

    assert 'width="64" height="48" alt="Crowds in the square" class="card-image"' in html


def test_front_page_shows_todays_events_grouped_by_category(client):
    conflicts = CategoryFactory(name="Armed conflicts", slug="conflicts", position=1)
    politics = CategoryFactory(name="Politics", slug="politics", position=2)
    EventFactory(published=True, date=TODAY, headline="A vote today", category=politics)
    EventFactory(published=True, date=TODAY, headline="A clash today", category=conflicts)
    EventFactory(published=True, date=TODAY - dt.timedelta(days=1), headline="Yesterday's event")
    EventFactory(date=TODAY, headline="A draft event today")

    html = client.get("/").content.decode()

    assert "Today’s events" in html
    assert html.index("Armed conflicts") < html.index("A clash today") < html.index("Politics")
    assert html.index("Politics") < html.index("A vote today")
    assert "Yesterday's event" not in html
    assert "A draft event today" not in html


def test_front_page_falls_back_to_the_latest_day_with_published_events(client):
    EventFactory(published=True, date=dt.date(2010, 4, 14), headline="Calls for a trial")
    EventFactory(published=True, date=dt.date(2010, 4, 7), headline="An older event")
    EventFactory(date=dt.date(2010, 4, 18), headline="A draft event")
    EventFactory(
        date=dt.date(2010, 4, 20), headline="Scheduled", **invisible_states(NOW)[3].values[0]
    )

    html = client.get("/").content.decode()

    assert 'Events of <time datetime="2010-04-14">14 April 2010</time>' in html
    assert "Calls for a trial" in html
    assert "An older event" not in html
    assert "A draft event" not in html
    assert "Scheduled" not in html
    assert 'href="/events/2010/04/14/"' in html


def test_front_page_without_any_content_still_answers(client, django_assert_num_queries):
    # sections, latest day with events, stories; and, once after the cache was emptied with
    # nothing written since, the page cache looks up the next scheduled publication.
    with django_assert_num_queries(4):
        response = client.get("/")
    assert response.status_code == 200
    assert "No stories yet." in response.content.decode()


def fill_front_page(*, size: int) -> None:
    for n in range(size):
        story = published_story(section=SectionFactory())
        add_bylines(story, *(f"Reporter {n}-{k}" for k in range(size)))
        EventFactory(published=True, date=TODAY, category=CategoryFactory(), topic=EntityFactory())


def test_front_page_query_count_does_not_grow_with_stories_or_events(
    client, django_assert_num_queries
):
    fill_front_page(size=1)
    # sections; latest day with events; its events; stories; their bylines
    with django_assert_num_queries(5):
        client.get("/")

    fill_front_page(size=8)
    with django_assert_num_queries(5):
        response = client.get("/")
    assert response.content.decode().count('class="event-summary"') == 9


# Story page --------------------------------------------------------------------------------


def test_story_url_is_the_local_date_it_went_live_zero_padded(settings):
    settings.TIME_ZONE = "Asia/Bishkek"  # UTC+6
    story = StoryFactory(
        slug="late-vote",
        status=Status.PUBLISHED,
        publish_at=dt.datetime(2010, 4, 7, 20, 0, tzinfo=dt.UTC),
    )

    assert story.get_absolute_url() == "/stories/2010/04/08/late-vote/"


def test_story_is_found_at_its_local_date(client, settings):
    settings.TIME_ZONE = "Asia/Bishkek"
    story = StoryFactory(
        status=Status.PUBLISHED, publish_at=dt.datetime(2010, 4, 7, 20, 0, tzinfo=dt.UTC)
    )

    assert client.get(story.get_absolute_url()).status_code == 200


def test_story_page_shows_the_story(client, world):
    dateline = EntityFactory(name="Bishkek", kind=Entity.Kind.PLACE)
    story = published_story(
        section=world,
        kicker="Analysis",
        headline="How the government fell",
        dek="Two days of protest ended a presidency.",
        body="First paragraph.\n\n## What comes next\n\nA *second* paragraph.",
        dateline=dateline,
        lead_image=image_file(),
        lead_image_alt="Protesters on the parliament steps",
        lead_image_caption="Protesters outside parliament.",
        lead_image_credit="Jane Doe / Agency",
    )
    add_bylines(story, "Second Author", "First Author")

    response = client.get(story.get_absolute_url())

    html = response.content.decode()
    assert response.status_code == 200
    assert html.count("<h1") == 1
    assert '<p class="kicker">Analysis</p>' in html
    assert "<h1>How the government fell</h1>" in html
    assert "Two days of protest ended a presidency." in html
    assert html.index("Second Author") < html.index("First Author")
    assert f'<a href="{dateline.get_absolute_url()}">Bishkek</a>' in html
    assert 'width="64" height="48" alt="Protesters on the parliament steps"' in html
    assert "Protesters outside parliament." in html
    assert "Photo: Jane Doe / Agency" in html
    assert "<h2>What comes next</h2>" in html
    assert "<em>second</em>" in html
    assert f'<link rel="canonical" href="http://testserver{story.get_absolute_url()}">' in html
    assert '<time datetime="2010-04-20T11:00:00+00:00">' in html


def test_story_citations_are_numbered_in_order_and_link_the_publisher_and_the_source(client):
    story = published_story()
    for position, name in ((2, "BBC"), (1, "Al Jazeera"), (3, "Xinhua")):
        StoryCitationFactory(
            item=story,
            position=position,
            source=SourceFactory(
                url=f"https://{name.lower().replace(' ', '')}.example/{position}",
                publisher=PublisherFactory(name=name),
            ),
        )

    html = client.get(story.get_absolute_url()).content.decode()

    def listed(position, name, url):
        publisher = Publisher.objects.get(name=name)
        return html.index(
            f'<li id="source-{position}"><a href="{publisher.get_absolute_url()}">{name}</a>: '
            f'<a href="{url}" rel="noopener">'
        )

    first = listed(1, "Al Jazeera", "https://aljazeera.example/1")
    second = listed(2, "BBC", "https://bbc.example/2")
    third = listed(3, "Xinhua", "https://xinhua.example/3")
    assert first < second < third


def test_story_entities_link_to_their_topic_pages(client):
    story = published_story()
    person = EntityFactory(name="Roza Otunbayeva")
    story.entities.add(person)

    html = client.get(story.get_absolute_url()).content.decode()

    assert f'<a href="{person.get_absolute_url()}">Roza Otunbayeva</a>' in html
    assert person.get_absolute_url() == "/topics/roza-otunbayeva/"


@pytest.mark.parametrize("invisible", invisible_states(NOW))
def test_only_published_related_stories_are_listed(client, invisible):
    story = published_story()
    story.related_stories.add(
        published_story(headline="A visible related story"),
        StoryFactory(headline="A hidden related story", **invisible),
    )

    html = client.get(story.get_absolute_url()).content.decode()

    assert "A visible related story" in html
    assert "A hidden related story" not in html


def test_story_corrections_are_listed_with_their_dates(client):
    story = published_story()
    CorrectionFactory(
        story=story,
        published_at=dt.datetime(2010, 4, 19, 9, 0, tzinfo=dt.UTC),
        text="An earlier version misspelt a name.",
    )

    html = client.get(story.get_absolute_url()).content.decode()

    assert '<h2 id="corrections-heading">Corrections</h2>' in html
    assert "19 April 2010</time>: An earlier version misspelt a name." in html


@pytest.mark.parametrize("invisible", invisible_states(NOW))
def test_an_invisible_story_is_not_found_at_any_date(client, invisible):
    story = StoryFactory(**invisible)
    stamp = story.publish_at or story.created_at
    url = reverse(
        "newsroom:story",
        kwargs={"year": stamp.year, "month": stamp.month, "day": stamp.day, "slug": story.slug},
    )

    assert client.get(url).status_code == 404
    assert client.get(url.replace("/2010/", "/2009/")).status_code == 404


def test_a_story_at_a_wrong_date_redirects_to_its_address(client):
    story = published_story(slug="the-president-flees")

    response = client.get("/stories/2010/01/01/the-president-flees/")

    assert response.status_code == 301
    assert response["Location"] == story.get_absolute_url()


def test_an_unknown_story_is_not_found(client):
    assert client.get("/stories/2010/04/20/nothing-here/").status_code == 404


def test_hostile_markdown_in_a_story_body_is_inert(client):
    story = published_story(
        body=(
            "<script>alert(1)</script>\n\n"
            "[click me](javascript:alert(1))\n\n"
            '<img src="x" onerror="alert(1)">\n\n'
            '<iframe src="https://evil.example"></iframe>'
        )
    )

    html = client.get(story.get_absolute_url()).content.decode()
    body = html[html.index('<div class="body">') :]
    body = body[: body.index("</div>")]

    assert "<script" not in html.replace(JSON_LD_SCRIPT, "")  # our JSON-LD is the one script
    assert "javascript:" not in html
    assert "onerror" not in html
    assert "<iframe" not in html
    assert "<img" not in body
    assert "click me" in body


def full_story(*, size: int) -> Story:
    """A published story with `size` bylines, citations, entities, related stories, corrections."""
    story = published_story(dateline=EntityFactory(kind=Entity.Kind.PLACE))
    add_bylines(story, *(f"Author {story.pk}-{n}" for n in range(size)))
    story.entities.add(*(EntityFactory() for _ in range(size)))
    for n in range(size):
        StoryCitationFactory(item=story, position=n + 1)
        story.related_stories.add(published_story())
        CorrectionFactory(story=story)
    return story


def test_story_page_query_count_does_not_grow_with_its_relations(client, django_assert_num_queries):
    small = full_story(size=1)
    big = full_story(size=12)
    nav_sections()  # the navigation stays cached while nothing changes: not counted here

    # story; bylines; citations; entities; related stories; corrections
    with django_assert_num_queries(6):
        client.get(small.get_absolute_url())
    with django_assert_num_queries(6):
        response = client.get(big.get_absolute_url())
    assert response.content.decode().count('<li id="source-') == 12


# Section page ------------------------------------------------------------------------------


def test_section_page_lists_its_published_stories_newest_first(client, world):
    other = SectionFactory(name="Business", slug="business")
    older = published_story(headline="Older world story", section=world)
    older.publish_at = NOW - dt.timedelta(days=3)
    older.save()
    published_story(headline="Newer world story", section=world)
    published_story(headline="A business story", section=other)
    StoryFactory(headline="A draft world story", section=world)

    response = client.get(world.get_absolute_url())

    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1>World</h1>" in html
    assert html.index("Newer world story") < html.index("Older world story")
    assert "A business story" not in html
    assert "A draft world story" not in html
    assert '<a href="/sections/world/" aria-current="page">World</a>' in html


def test_section_page_is_paginated(client, world):
    for _ in range(25):
        published_story(section=world)

    first = client.get(world.get_absolute_url())
    second = client.get(world.get_absolute_url(), {"page": 2})

    assert first.content.decode().count('class="card"') == 20
    assert second.content.decode().count('class="card"') == 5
    assert 'rel="next" href="?page=2"' in first.content.decode()
    assert '<link rel="canonical" href="http://testserver/sections/world/?page=2">' in (
        second.content.decode()
    )
    assert client.get(world.get_absolute_url(), {"page": 3}).status_code == 404


def test_an_unknown_section_is_not_found(client):
    assert client.get("/sections/nowhere/").status_code == 404


def test_section_page_query_count_does_not_grow_with_stories(
    client, world, django_assert_num_queries
):
    story = published_story(section=world)
    add_bylines(story, "One Reporter")
    # section; count; stories; bylines; sections (navigation)
    with django_assert_num_queries(5):
        client.get(world.get_absolute_url())

    for n in range(10):
        more = published_story(section=world)
        add_bylines(more, f"Reporter A{n}", f"Reporter B{n}")
    with django_assert_num_queries(5):
        client.get(world.get_absolute_url())


# Topic page --------------------------------------------------------------------------------


def test_topic_page_is_a_timeline_of_published_events_and_stories_newest_first(client):
    otunbayeva = EntityFactory(name="Roza Otunbayeva")
    revolution = EntityFactory(name="2010 Kyrgyz revolution", kind=Entity.Kind.TOPIC)
    april_7 = EventFactory(published=True, date=dt.date(2010, 4, 7), headline="She leads")
    april_7.entities.add(otunbayeva)
    story = published_story(headline="A profile of the interim leader")  # 20 April
    story.entities.add(otunbayeva)
    april_14 = EventFactory(published=True, date=dt.date(2010, 4, 14), headline="She speaks")
    april_14.entities.add(otunbayeva, revolution)
    hidden = EventFactory(date=dt.date(2010, 4, 15), headline="A draft about her")
    hidden.entities.add(otunbayeva)
    EventFactory(published=True, headline="Not about her").entities.add(revolution)

    response = client.get(otunbayeva.get_absolute_url())

    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Roza Otunbayeva</h1>" in html
    assert html.index(story.headline) < html.index("She speaks") < html.index("She leads")
    assert f'href="{april_14.get_absolute_url()}"' in html
    assert f'href="{story.get_absolute_url()}"' in html
    assert "A draft about her" not in html
    assert "Not about her" not in html


def test_topic_page_includes_the_events_of_its_ongoing_story(client):
    revolution = EntityFactory(name="2010 Kyrgyz revolution", kind=Entity.Kind.TOPIC)
    event = EventFactory(published=True, headline="Parliament is stormed", topic=revolution)
    event.entities.add(revolution)  # tagged too: listed once
    EventFactory(published=True, headline="Troops withdraw", topic=revolution)

    html = client.get(revolution.get_absolute_url()).content.decode()

    assert html.count("Parliament is stormed") == 1
    assert "Troops withdraw" in html


def test_an_unknown_topic_is_not_found(client):
    assert client.get("/topics/nobody/").status_code == 404


@pytest.mark.parametrize("invisible", invisible_states(NOW))
def test_a_topic_only_invisible_items_carry_is_not_found(client, invisible):
    secret = EntityFactory(name="A name in a draft")
    StoryFactory(**invisible).entities.add(secret)
    EventFactory(**invisible).entities.add(secret)

    assert client.get(secret.get_absolute_url()).status_code == 404


def test_topic_page_is_paginated(client):
    entity = EntityFactory(name="Busy person")
    for n in range(15):
        EventFactory(published=True, date=dt.date(2010, 3, 1) + dt.timedelta(n)).entities.add(
            entity
        )
        published_story().entities.add(entity)

    first = client.get(entity.get_absolute_url()).content.decode()
    second = client.get(entity.get_absolute_url(), {"page": 2}).content.decode()

    assert first.count('class="timeline-entry') == 20
    assert second.count('class="timeline-entry') == 10
    assert first.count("timeline-story") == 15  # stories of 20 April come first


def test_topic_page_query_count_does_not_grow_with_items(client, django_assert_num_queries):
    entity = EntityFactory(name="Someone")
    EventFactory(published=True).entities.add(entity)
    published_story().entities.add(entity)
    # entity; count; page rows; its events; its stories; sections
    with django_assert_num_queries(6):
        client.get(entity.get_absolute_url())

    for n in range(12):
        event = EventFactory(published=True, date=dt.date(2010, 4, 1) + dt.timedelta(n))
        event.entities.add(entity, EntityFactory())
        published_story(section=SectionFactory()).entities.add(entity)
    with django_assert_num_queries(6):
        response = client.get(entity.get_absolute_url())
    assert response.content.decode().count('class="timeline-entry') == 20
