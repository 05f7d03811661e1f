"""Search across published stories and events: full text on PostgreSQL, a plain fallback on
SQLite; filters; paging; fixed query counts; nothing a reader types is ever markup."""

import datetime as dt

import pytest
from django.db import connection

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

ON_POSTGRES = connection.vendor == "postgresql"


def search(client, **params):
    response = client.get("/search/", params)
    assert response.status_code == 200
    return response


def html_of(client, **params) -> str:
    return search(client, **params).content.decode()


def test_the_empty_search_page_shows_the_form_and_no_results(client):
    html = html_of(client)
    assert '<form class="search-form" method="get" action="/search/" role="search">' in html
    assert "results-heading" not in html


def test_finds_published_stories_and_events_by_their_words(client):
    published_event(headline="Parliament dissolved in Bishkek", summary="Deputies went home.")
    StoryFactory(published=True, headline="Why the parliament fell", dek="An analysis.")
    published_event(headline="Floods in the south", summary="Rivers rose.")

    html = html_of(client, q="parliament")

    assert "2 results" in html
    assert "Parliament dissolved in Bishkek" in html
    assert "Why the parliament fell" in html
    assert "Floods in the south" not in html


@pytest.mark.parametrize("invisible", invisible_states(NOW))
def test_never_finds_what_readers_may_not_see(client, invisible):
    EventFactory(headline="Secret parliament plan", **invisible)
    StoryFactory(headline="Secret parliament story", **invisible)

    html = html_of(client, q="secret parliament")

    assert "Nothing found" in html
    assert "Secret parliament" not in html


def test_matches_are_highlighted_in_the_snippet(client):
    published_event(headline="A vote", summary="The referendum on the constitution passed.")

    html = html_of(client, q="referendum")

    assert "<mark>referendum</mark>" in html


@pytest.mark.skipif(not ON_POSTGRES, reason="ranking and stemming are PostgreSQL's")
def test_full_text_ranks_headline_matches_first_and_stems_words(client):
    published_event(headline="Markets calm", body="Later, protesters gathered near banks.")
    published_event(headline="Protesters gather in the square", summary="Thousands came.")

    html = html_of(client, q="protester gathering")

    assert html.index("Protesters gather in the square") < html.index("Markets calm")


@pytest.mark.skipif(not ON_POSTGRES, reason="websearch syntax is PostgreSQL's")
def test_websearch_syntax_excludes_words(client):
    published_event(headline="Election in Osh")
    published_event(headline="Election in Bishkek")

    html = html_of(client, q="election -osh")

    assert "Election in Bishkek" in html
    assert "Election in Osh" not in html


def test_filters_by_date_range(client):
    published_event(date=dt.date(2010, 4, 1), headline="Early riot")
    published_event(date=dt.date(2010, 4, 10), headline="Middle riot")
    published_event(date=dt.date(2010, 4, 19), headline="Late riot")

    html = html_of(client, q="riot", start="2010-04-05", end="2010-04-15")

    assert "Middle riot" in html
    assert "Early riot" not in html
    assert "Late riot" not in html


def test_a_start_after_the_end_is_explained_not_an_error(client):
    html = html_of(client, q="riot", start="2010-04-15", end="2010-04-05")
    assert "The start date is after the end date." in html
    assert "results-heading" not in html


def test_filters_by_section_keep_only_stories_and_by_category_only_events(client):
    business = SectionFactory(name="Business", slug="business")
    conflicts = CategoryFactory(name="Conflicts", slug="conflicts")
    StoryFactory(published=True, headline="Banks and the crisis", section=business)
    StoryFactory(published=True, headline="Crisis talks elsewhere")
    published_event(headline="Crisis on the border", category=conflicts)
    published_event(headline="Crisis in the markets")

    by_section = html_of(client, q="crisis", section="business")
    by_category = html_of(client, q="crisis", category="conflicts")

    assert "1 result" in by_section and "Banks and the crisis" in by_section
    assert "1 result" in by_category and "Crisis on the border" in by_category


def test_filters_by_entity(client):
    osh = EntityFactory(name="Osh", kind="place")
    tagged = published_event(headline="Clashes reported")
    tagged.entities.add(osh)
    story = StoryFactory(published=True, headline="Clashes explained")
    story.entities.add(osh)
    published_event(headline="Clashes elsewhere")

    html = html_of(client, q="clashes", entity=osh.slug)

    assert "2 results" in html
    assert "Clashes elsewhere" not in html


def test_filters_alone_list_matching_items_newest_first(client):
    conflicts = CategoryFactory(name="Conflicts", slug="conflicts")
    published_event(date=dt.date(2010, 4, 2), headline="Older clash", category=conflicts)
    published_event(date=dt.date(2010, 4, 9), headline="Newer clash", category=conflicts)

    html = html_of(client, category="conflicts")

    assert html.index("Newer clash") < html.index("Older clash")


def test_results_are_paginated_keeping_the_query(client):
    for n in range(25):
        published_event(headline=f"Protest number {n}")

    first = html_of(client, q="protest")
    second = html_of(client, q="protest", page=2)

    assert "25 results" in first
    assert first.count('class="timeline-entry') == 20
    assert second.count('class="timeline-entry') == 5
    assert 'href="?q=protest&amp;page=2"' in first
    assert client.get("/search/", {"q": "protest", "page": 9}).status_code == 404


def test_query_count_is_fixed_however_many_results(client, django_assert_num_queries):
    published_event(headline="Protest one")
    StoryFactory(published=True, headline="Protest story")
    # sections (navigation), section choices, category choices, count, rows, events, stories
    with django_assert_num_queries(7):
        search(client, q="protest")

    for n in range(10):  # both kinds still on the first page
        published_event(headline=f"Protest {n}").entities.add(EntityFactory())
        StoryFactory(published=True, headline=f"Protest story {n}")

    with django_assert_num_queries(7):
        search(client, q="protest")


HOSTILE = [
    '<script>alert("x")</script>',
    '"><img src=x onerror=alert(1)>',
    "' OR 1=1 --",
    '"unbalanced quote',
    "!!! & | : * ( )",
    "-",
    "or or or",
    "\u202e\u0000",
    "Ünïcödé 日本語 🙂",
    "%%%",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_queries_are_answered_and_never_become_markup(client, text):
    published_event(headline="<b>Bold</b> claim", summary="<script>alert(2)</script> text")

    response = client.get("/search/", {"q": text})

    assert response.status_code == 200
    html = response.content.decode()
    assert "<script>alert" not in html
    assert "<img src=x" not in html
    assert "<b>Bold</b>" not in html


def test_stored_markup_in_a_matching_item_is_escaped_in_the_snippet(client):
    published_event(headline="Quiet day", summary='<img src=x onerror="alert(1)"> quiet town')

    html = html_of(client, q="quiet")

    assert "<img src=x" not in html
    assert "<mark>quiet</mark> town" in html  # the markup itself is escaped or dropped


def test_an_overlong_query_is_refused_with_a_message(client):
    html = html_of(client, q="word " * 100)
    assert "Ensure this value has at most 200 characters" in html
    assert "results-heading" not in html


def test_snippets_show_the_body_as_read_not_its_markdown(client):
    published_event(
        headline="Count delayed",
        body=(
            "## Why\n\nThe **electoral commission** said the count was delayed, "
            "[according to observers](https://example.org/report), until _Monday_."
        ),
    )

    html = html_of(client, q="observers")

    snippet = html[html.index("Count delayed") :]
    assert "<mark>observers</mark>" in snippet
    assert "according to <mark>observers</mark>" in snippet
    for syntax in ("**", "](", "https://example.org/report", "## ", "_Monday_"):
        assert syntax not in snippet


@pytest.mark.parametrize(
    ("fragment", "read"),
    [
        ("The **\x02vote\x03** was [held](https://example.org/a) on _Monday_.",
         "The \x02vote\x03 was held on Monday."),
        ("the capital](https://example.org/a) and", "the capital and"),  # a link cut in two
        ("see ![the map](https://example.org/m.png \"Map\") and `code`", "see the map and code"),
        ("## Heading\n> quoted\n- item\n1. first", "Heading\nquoted\nitem\nfirst"),
        ("~~struck~~ ***both***", "struck both"),
        ("2 * 3 - 1 = 5, said snake_case_name", "2 * 3 - 1 = 5, said snake_case_name"),
    ],
)  # fmt: skip
def test_markdown_syntax_is_taken_out_of_snippets(fragment, read):
    from events.search import plain_text

    assert plain_text(fragment) == read


def test_an_edited_event_is_found_by_its_new_words_only(client):
    event = published_event(headline="Talks in Geneva", summary="Delegations met.")
    event.headline = "Talks moved to Vienna"
    event.summary = "Delegations travelled."
    event.save()

    assert "Talks moved to Vienna" in html_of(client, q="vienna")
    assert "Nothing found" in html_of(client, q="geneva")


@pytest.mark.skipif(not ON_POSTGRES, reason="the stored document and its index are PostgreSQL's")
@pytest.mark.parametrize("table", ["events_event", "newsroom_story"])
def test_full_text_search_reads_an_indexed_document_not_every_row(table):
    """The document is a stored column with a GIN index: a search need not build a document
    for every row (on 100,000 events that took seconds)."""
    from events.models import Event
    from events.search import full_text_query, full_text_vector
    from newsroom.models import Story

    model = Event if table == "events_event" else Story
    matching = (
        model.objects.annotate(document=full_text_vector(model))
        .filter(document=full_text_query("ceasefire"))
        .order_by()
    )
    with connection.cursor() as cursor:
        # With a handful of rows any plan is cheap: leave the planner only bitmap scans,
        # which need an index that answers the condition.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        plan = matching.explain()
    assert f"{table}_search_document" in plan  # the GIN index
