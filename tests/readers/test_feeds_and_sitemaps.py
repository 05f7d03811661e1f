"""Feeds (RSS and Atom), sitemaps with an index, the Google News sitemap and robots.txt,
parsed as XML and checked against what readers may see."""

import datetime as dt
import xml.etree.ElementTree as ET

import pytest

from newsroom.models import Author, StoryAuthor
from tests.factories import (
    CategoryFactory,
    EntityFactory,
    EventFactory,
    SectionFactory,
    StoryFactory,
    invisible_states,
)

from .conftest import NOW, published_event

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("one_section")]

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
NEWS = "{http://www.google.com/schemas/sitemap-news/0.9}"


def xml(client, url, content_type):
    response = client.get(url)
    assert response.status_code == 200, url
    assert response["Content-Type"].startswith(content_type)
    return ET.fromstring(response.content)


def rss_titles(client, url) -> list[str]:
    root = xml(client, url, "application/rss+xml")
    return [item.findtext("title") for item in root.iter("item")]


def atom_titles(client, url) -> list[str]:
    root = xml(client, url, "application/atom+xml")
    return [entry.findtext(f"{ATOM}title") for entry in root.iter(f"{ATOM}entry")]


def story(headline, *, hours_ago, **kwargs):
    at = NOW - dt.timedelta(hours=hours_ago)
    return StoryFactory(
        headline=headline, status="published", publish_at=at, first_published_at=at, **kwargs
    )


def test_latest_stories_feed_lists_published_stories_newest_first_with_authors(client):
    older = story("Older story", hours_ago=5)
    story("Newer story", hours_ago=1)
    StoryAuthor.objects.create(story=older, author=Author.objects.create(name="Ann", slug="ann"))

    root = xml(client, "/feeds/stories/", "application/rss+xml")

    items = list(root.iter("item"))
    assert [item.findtext("title") for item in items] == ["Newer story", "Older story"]
    assert items[1].findtext("link") == f"http://testserver{older.get_absolute_url()}"
    assert "Ann" in items[1].findtext("{http://purl.org/dc/elements/1.1/}creator") or "Ann" in (
        items[1].findtext("author") or ""
    )
    assert items[0].findtext("pubDate").endswith("+0000")
    assert atom_titles(client, "/feeds/stories/atom/") == ["Newer story", "Older story"]


@pytest.mark.parametrize("invisible", invisible_states(NOW))
def test_feeds_never_list_invisible_items(client, invisible):
    section = SectionFactory(name="Politics", slug="politics")
    topic = EntityFactory(name="Elections", kind="topic")
    hidden_story = StoryFactory(headline="Hidden story", section=section, **invisible)
    hidden_story.entities.add(topic)
    EventFactory(headline="Hidden event", topic=topic, **invisible)
    published_event(headline="Visible event", topic=topic)

    for url in (
        "/feeds/stories/",
        "/feeds/events/",
        "/sections/politics/feed/",
        "/topics/elections/feed/",
    ):
        titles = rss_titles(client, url)
        assert "Hidden story" not in titles and "Hidden event" not in titles, url
    assert rss_titles(client, "/topics/elections/feed/") == ["Visible event"]


@pytest.mark.parametrize("invisible", invisible_states(NOW))
def test_an_entity_only_unpublished_items_carry_has_no_feed(client, invisible):
    """Like its page: the name and description of an embargoed topic must not leak."""
    embargoed = EntityFactory(name="Embargoed", description="Not news yet.", kind="topic")
    StoryFactory(**invisible).entities.add(embargoed)
    EventFactory(topic=embargoed, **invisible)

    for url in ("/topics/embargoed/", "/topics/embargoed/feed/", "/topics/embargoed/atom/"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert b"Not news yet." not in response.content


def test_section_feeds_list_only_their_stories(client):
    section = SectionFactory(name="Business", slug="business")
    story("Markets rise", hours_ago=2, section=section)
    story("Elsewhere", hours_ago=1)

    assert rss_titles(client, "/sections/business/feed/") == ["Markets rise"]
    assert atom_titles(client, "/sections/business/atom/") == ["Markets rise"]
    assert client.get("/sections/nothing/feed/").status_code == 404


def test_topic_feeds_mix_events_and_stories_newest_first(client):
    topic = EntityFactory(name="Osh", kind="place")
    event = published_event(headline="Clashes in Osh")
    event.entities.add(topic)
    tagged = story("Osh after the clashes", hours_ago=0.5)
    tagged.entities.add(topic)

    assert rss_titles(client, "/topics/osh/feed/") == ["Osh after the clashes", "Clashes in Osh"]
    assert atom_titles(client, "/topics/osh/atom/") == ["Osh after the clashes", "Clashes in Osh"]


def test_events_feed_carries_category_and_summary(client):
    published_event(
        headline="Floods", summary="Rivers rose.", category=CategoryFactory(name="Disasters")
    )

    item = next(xml(client, "/feeds/events/", "application/rss+xml").iter("item"))

    assert item.findtext("description") == "Rivers rose."
    assert item.findtext("category") == "Disasters"


def test_feed_query_counts_do_not_grow(client, django_assert_num_queries):
    topic = EntityFactory(name="Osh", kind="place")
    for n in range(3):
        published_event(headline=f"Event {n}").entities.add(topic)
        story(f"Story {n}", hours_ago=n).entities.add(topic)
    with django_assert_num_queries(2):  # stories, their bylines
        client.get("/feeds/stories/")

    for n in range(20):
        s = story(f"More {n}", hours_ago=n)
        s.entities.add(topic)
        StoryAuthor.objects.create(
            story=s, author=Author.objects.create(name=f"A{n}", slug=f"a{n}")
        )
    with django_assert_num_queries(2):
        client.get("/feeds/stories/")
    with django_assert_num_queries(4):  # entity, events, stories, bylines
        client.get("/topics/osh/feed/")


def test_sitemap_index_lists_every_sitemap_and_they_list_published_pages(client):
    section = SectionFactory(name="Business", slug="business")
    visible = story("Visible", hours_ago=1, section=section)
    hidden = StoryFactory(headline="Hidden")
    event = published_event(topic=EntityFactory(name="Elections", kind="topic"))
    draft_event = EventFactory(date=dt.date(2010, 4, 9))

    index = xml(client, "/sitemap.xml", "application/xml")
    sitemaps = [loc.text for loc in index.iter(f"{SITEMAP}loc")]
    for name in ("pages", "stories", "events", "days", "sections", "topics", "news"):
        assert f"http://testserver/sitemap-{name}.xml" in sitemaps

    def locations(name):
        root = xml(client, f"/sitemap-{name}.xml", "application/xml")
        return {loc.text.removeprefix("http://testserver") for loc in root.iter(f"{SITEMAP}loc")}

    assert locations("stories") == {visible.get_absolute_url()}
    assert hidden.get_absolute_url() not in locations("stories")
    assert locations("events") == {event.get_absolute_url()}
    assert locations("days") == {"/events/2010/04/07/"}
    assert draft_event.get_day_url() not in locations("days")
    assert locations("topics") == {"/topics/elections/"}
    assert "/sections/business/" in locations("sections")
    assert locations("pages") == {"/"}


def test_news_sitemap_lists_the_last_two_days_stories_with_news_tags(client):
    fresh = story("Fresh <news> & more", hours_ago=3)
    story("Three days old", hours_ago=72)
    StoryFactory(status="published", publish_at=NOW + dt.timedelta(hours=1), headline="Later")

    root = xml(client, "/sitemap-news.xml", "application/xml")

    urls = list(root.iter(f"{SITEMAP}url"))
    assert len(urls) == 1
    url = urls[0]
    assert url.findtext(f"{SITEMAP}loc") == f"http://testserver{fresh.get_absolute_url()}"
    news = url.find(f"{NEWS}news")
    assert news.findtext(f"{NEWS}publication/{NEWS}name") == "Newsroom"
    assert news.findtext(f"{NEWS}publication/{NEWS}language") == "en"
    assert news.findtext(f"{NEWS}title") == "Fresh <news> & more"
    published = dt.datetime.fromisoformat(news.findtext(f"{NEWS}publication_date"))
    assert published == NOW - dt.timedelta(hours=3)


def test_robots_txt_points_to_the_sitemap_index_and_keeps_crawlers_out_of_the_desk(client):
    response = client.get("/robots.txt")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    lines = response.content.decode().splitlines()
    assert "User-agent: *" in lines
    assert "Disallow: /admin/" in lines
    assert "Sitemap: http://testserver/sitemap.xml" in lines
    assert client.post("/robots.txt").status_code == 405


def test_pages_announce_their_feeds(client):
    section = SectionFactory(name="Business", slug="business")
    story("Markets", hours_ago=1, section=section)

    front = client.get("/").content.decode()
    section_page = client.get("/sections/business/").content.decode()

    assert '<link rel="alternate" type="application/rss+xml"' in front
    assert 'href="/feeds/stories/"' in front
    assert 'href="/sections/business/feed/"' in section_page
    assert 'href="/sections/business/atom/"' in section_page
