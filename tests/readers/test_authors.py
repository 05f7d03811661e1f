"""Authors and publishers as pages: `/authors/<slug>/` with its feeds, bylines and publisher
names that link to their pages, and both kinds of page in the sitemap."""

import datetime as dt
import json
import re
import xml.etree.ElementTree as ET
from urllib.parse import quote

import pytest

from newsroom.models import Author, StoryAuthor
from tests.factories import (
    AuthorFactory,
    EventCitationFactory,
    PublisherFactory,
    SectionFactory,
    SourceFactory,
    StoryCitationFactory,
    StoryFactory,
    invisible_states,
)

from .conftest import NOW, published_event

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("one_section")]

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def story_by(author: Author, headline: str, *, hours_ago: float = 1, **kwargs):
    at = NOW - dt.timedelta(hours=hours_ago)
    story = StoryFactory(
        headline=headline,
        status="published",
        publish_at=at,
        first_published_at=at,
        last_published_at=at,
        **kwargs,
    )
    StoryAuthor.objects.create(story=story, author=author)
    return story


def headlines(html: str) -> list[str]:
    return re.findall(r'<h3 class="card-headline"><a href="[^"]+">([^<]+)</a>', html)


@pytest.fixture
def ann(db):
    return AuthorFactory(
        name="Ann Ivanova",
        slug="ann-ivanova",
        role="Central Asia correspondent",
        bio="Reports from **Bishkek**.\n\n<script>alert(1)</script>",
    )


def test_author_page_shows_the_bio_and_the_published_stories_newest_first(client, ann):
    story_by(ann, "Older story", hours_ago=5)
    story_by(ann, "Newer story", hours_ago=1)
    story_by(AuthorFactory(), "Someone else's story")

    response = client.get("/authors/ann-ivanova/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Ann Ivanova</h1>" in html
    assert "Central Asia correspondent" in html
    assert "<p>Reports from <strong>Bishkek</strong>.</p>" in html  # Markdown, rendered
    assert "<script>alert" not in html  # and sanitized
    assert headlines(html) == ["Newer story", "Older story"]
    assert html.count("<h1") == 1


@pytest.mark.parametrize("invisible", invisible_states(NOW))
def test_author_page_lists_no_story_readers_may_not_see(client, ann, invisible):
    story_by(ann, "Visible story")
    hidden = StoryFactory(headline="Hidden story", **invisible)
    StoryAuthor.objects.create(story=hidden, author=ann)

    html = client.get("/authors/ann-ivanova/").content.decode()

    assert headlines(html) == ["Visible story"]
    assert "Hidden story" not in client.get("/authors/ann-ivanova/feed/").content.decode()


@pytest.mark.parametrize("invisible", invisible_states(NOW))
def test_an_author_without_a_published_story_has_no_page_nor_feed(client, ann, invisible):
    """An author added with a draft reaches readers only with a story an editor published."""
    hidden = StoryFactory(headline="Hidden story", **invisible)
    StoryAuthor.objects.create(story=hidden, author=ann)

    for url in (
        "/authors/ann-ivanova/",
        "/authors/ann-ivanova/feed/",
        "/authors/ann-ivanova/atom/",
    ):
        assert client.get(url).status_code == 404, url


def test_an_unknown_author_has_no_page(client):
    assert client.get("/authors/nobody/").status_code == 404
    assert client.get("/authors/nobody/feed/").status_code == 404


def test_author_page_is_paginated_like_other_lists(client, ann):
    for n in range(21):
        story_by(ann, f"Story {n:02}", hours_ago=n + 1)

    first = client.get("/authors/ann-ivanova/").content.decode()
    second = client.get("/authors/ann-ivanova/?page=2")

    assert len(headlines(first)) == 20
    assert headlines(first)[0] == "Story 00"
    assert 'href="?page=2"' in first
    assert headlines(second.content.decode()) == ["Story 20"]
    assert "Ann Ivanova, page 2" in second.content.decode()
    assert client.get("/authors/ann-ivanova/?page=3").status_code == 404


def test_author_feeds_list_the_published_stories_newest_first(client, ann):
    story_by(ann, "Older story", hours_ago=5)
    story_by(ann, "Newer story", hours_ago=1)
    StoryAuthor.objects.create(story=StoryFactory(headline="Draft story"), author=ann)

    html = client.get("/authors/ann-ivanova/").content.decode()
    rss = ET.fromstring(client.get("/authors/ann-ivanova/feed/").content)
    atom = ET.fromstring(client.get("/authors/ann-ivanova/atom/").content)

    assert 'type="application/rss+xml" title="Ann Ivanova (RSS)"' in html
    assert 'href="/authors/ann-ivanova/feed/"' in html
    assert 'href="/authors/ann-ivanova/atom/"' in html
    assert [item.findtext("title") for item in rss.iter("item")] == ["Newer story", "Older story"]
    assert rss.find("channel").findtext("link") == "http://testserver/authors/ann-ivanova/"
    entries = [entry.findtext(f"{ATOM}title") for entry in atom.iter(f"{ATOM}entry")]
    assert entries == ["Newer story", "Older story"]


def test_author_page_carries_profile_page_structured_data(client, ann):
    story_by(ann, "A story")

    html = client.get("/authors/ann-ivanova/").content.decode()

    found = re.search(r'<script type="application/ld\+json">(.*?)</script>', html)
    data = json.loads(found.group(1))
    assert data["@type"] == "ProfilePage"
    person = data["mainEntity"]
    assert person["@type"] == "Person"
    assert person["name"] == "Ann Ivanova"
    assert person["jobTitle"] == "Central Asia correspondent"
    assert person["url"] == "http://testserver/authors/ann-ivanova/"
    assert person["description"].startswith("Reports from Bishkek.")


def test_an_author_with_a_unicode_slug_has_a_page_and_a_byline_link(client):
    author = AuthorFactory(name="Айгуль Осмонова", slug="айгуль-осмонова")
    story = story_by(author, "A story")

    html = client.get(story.get_absolute_url()).content.decode()

    url = author.get_absolute_url()
    assert url == f"/authors/{quote('айгуль-осмонова')}/"  # percent-encoded
    assert f'<a class="author" href="{url}">Айгуль Осмонова</a>' in html
    response = client.get(url)
    assert response.status_code == 200
    assert "<h1>Айгуль Осмонова</h1>" in response.content.decode()
    assert client.get(f"{url}feed/").status_code == 200


def test_bylines_link_to_the_author_pages_on_story_pages_and_lists(client, ann):
    section = SectionFactory(name="Politics", slug="politics")
    story = story_by(ann, "A story", section=section)
    StoryAuthor.objects.create(story=story, author=AuthorFactory(name="Bek", slug="bek"))

    for url in (story.get_absolute_url(), "/", "/sections/politics/", "/authors/bek/"):
        html = client.get(url).content.decode()
        assert (
            '<p class="byline">By <a class="author" href="/authors/ann-ivanova/">Ann Ivanova</a>'
            ' and <a class="author" href="/authors/bek/">Bek</a></p>'
        ) in html, url


def test_publisher_names_on_story_and_event_pages_link_to_the_publisher_pages(client, ann):
    azattyk = PublisherFactory(name="Азаттык", slug="азаттык")
    document = SourceFactory(
        url="https://rus.azattyk.example/a/1", title="Curfew lifted", publisher=azattyk
    )
    untitled = SourceFactory(
        url="https://bbc.example/2", title="", publisher=PublisherFactory(name="BBC", slug="bbc")
    )
    loose = SourceFactory(url="https://blog.example/3", title="A blog post", publisher=None)
    story = story_by(ann, "A story")
    event = published_event()
    for position, source in enumerate((document, untitled, loose), start=1):
        StoryCitationFactory(item=story, source=source, position=position)
        EventCitationFactory(item=event, source=source, position=position)

    for page in (story, event):
        html = client.get(page.get_absolute_url()).content.decode()
        assert (
            f'<li id="source-1"><a href="{azattyk.get_absolute_url()}">Азаттык</a>: '
            '<a href="https://rus.azattyk.example/a/1" rel="noopener">'
            "<cite>Curfew lifted</cite></a>"
        ) in html
        assert (
            '<li id="source-2"><a href="/sources/bbc/">BBC</a>: '
            '<a href="https://bbc.example/2" rel="noopener">source</a>'
        ) in html
        assert (
            '<li id="source-3"><a href="https://blog.example/3" rel="noopener">blog.example</a>: '
            "<cite>A blog post</cite>"
        ) in html
        # The linked pages exist: the page citing them is published.
        assert client.get(azattyk.get_absolute_url()).status_code == 200
        assert client.get("/sources/bbc/").status_code == 200


def test_sitemaps_list_authors_and_publishers_with_published_items(client, ann):
    story_by(ann, "A story")
    draft_author = AuthorFactory(slug="draft-author")
    StoryAuthor.objects.create(story=StoryFactory(headline="Draft"), author=draft_author)
    cited_by_story = PublisherFactory(slug="by-story")
    cited_by_event = PublisherFactory(slug="by-event")
    cited_by_draft = PublisherFactory(slug="by-draft")
    StoryCitationFactory(
        item=story_by(ann, "Another"), source=SourceFactory(publisher=cited_by_story)
    )
    EventCitationFactory(item=published_event(), source=SourceFactory(publisher=cited_by_event))
    EventCitationFactory(source=SourceFactory(publisher=cited_by_draft))  # a draft event

    index = ET.fromstring(client.get("/sitemap.xml").content)
    sitemaps = [loc.text for loc in index.iter(f"{SITEMAP}loc")]

    def locations(name):
        root = ET.fromstring(client.get(f"/sitemap-{name}.xml").content)
        return [loc.text.removeprefix("http://testserver") for loc in root.iter(f"{SITEMAP}loc")]

    assert "http://testserver/sitemap-authors.xml" in sitemaps
    assert "http://testserver/sitemap-publishers.xml" in sitemaps
    assert locations("authors") == ["/authors/ann-ivanova/"]
    assert locations("publishers") == ["/sources/by-event/", "/sources/by-story/"]


def fill_author_page(author: Author, *, size: int) -> None:
    for n in range(size):
        story = story_by(
            author, f"Story {n} of {size}", hours_ago=n + size, section=SectionFactory()
        )
        for k in range(size):
            StoryAuthor.objects.create(story=story, author=AuthorFactory(name=f"Co-author {k}"))


def test_author_page_query_count_does_not_grow_with_stories(client, ann, django_assert_num_queries):
    fill_author_page(ann, size=1)
    client.get("/authors/ann-ivanova/")  # once, for the page cache's first look-up
    fill_author_page(ann, size=2)
    # the author; the count; sections (navigation); the stories with sections; their bylines
    with django_assert_num_queries(5):
        client.get("/authors/ann-ivanova/")

    fill_author_page(ann, size=8)
    with django_assert_num_queries(5):
        response = client.get("/authors/ann-ivanova/")
    assert len(headlines(response.content.decode())) == 11


def test_an_edited_bio_shows_at_once_on_the_cached_author_page(client, ann):
    story_by(ann, "A story")
    assert "Bishkek" in client.get("/authors/ann-ivanova/").content.decode()

    ann.bio = "Now reports from Osh."
    ann.save()

    assert "Now reports from Osh." in client.get("/authors/ann-ivanova/").content.decode()
