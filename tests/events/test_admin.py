"""The events admin: the list journalists work from, and the event form with its inlines."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from events.models import Category, Event, EventCitation, RelatedEvent
from newsroom.models import Entity, Status
from sources.models import Source
from tests.admin_forms import (
    add_row,
    admin_url,
    browser_data,
    form_errors,
    post,
    registered_models,
)
from tests.factories import (
    CategoryFactory,
    EntityFactory,
    EventCitationFactory,
    EventFactory,
    PublisherDomainFactory,
    PublisherFactory,
    RelatedEventFactory,
    SourceFactory,
    StoryFactory,
    image_file,
)

# Every test here uses the database, some through request.getfixturevalue: say so, so that
# pytest-django runs them with the other database tests, before any live-server test.
pytestmark = pytest.mark.django_db

FACTORIES = {Category: CategoryFactory, Event: EventFactory}


def add_url() -> str:
    return admin_url(Event, "add")


def new_event_data(client, **fields) -> dict:
    """The add form as a journalist fills it in: a date, a headline, a category."""
    data = browser_data(client.get(add_url()))
    data.update(
        {
            "date": "2010-04-07",
            "headline": "Protesters storm the government building in Bishkek",
            "summary": "Thousands gathered on Ala-Too Square.",
            "category": str(CategoryFactory(name="Armed conflicts", slug="armed-conflicts").pk),
            **fields,
        }
    )
    return data


def citation_urls(event: Event) -> list[tuple[int, str]]:
    return [(c.position, c.source.url) for c in event.citations.select_related("source")]


@pytest.fixture
def logged_in(client, superuser):
    client.force_login(superuser)
    return client


# Every page opens --------------------------------------------------------------------------


def test_every_events_model_with_a_page_of_its_own_is_in_the_admin():
    assert set(registered_models("events")) == {Category, Event}


@pytest.mark.parametrize("model", registered_models("events"), ids=lambda m: m.__name__)
def test_changelist_add_and_change_pages_load_for_a_superuser(logged_in, model):
    obj = FACTORIES[model]()
    assert logged_in.get(admin_url(model, "changelist")).status_code == 200
    assert logged_in.get(admin_url(model, "add")).status_code == 200
    assert logged_in.get(admin_url(model, "change", obj.pk)).status_code == 200


@pytest.mark.parametrize("role", ["editor", "journalist"])
def test_editors_and_journalists_open_the_event_list_and_the_add_page(client, request, role):
    client.force_login(request.getfixturevalue(role))
    EventFactory()
    assert client.get(admin_url(Event, "changelist")).status_code == 200
    assert client.get(add_url()).status_code == 200


def test_a_journalist_opens_an_event_with_citations_and_related_events(client, journalist):
    event = EventFactory()
    EventCitationFactory(item=event)
    RelatedEventFactory(from_event=event)
    client.force_login(journalist)
    assert client.get(admin_url(Event, "change", event.pk)).status_code == 200


def test_view_on_site_leads_to_the_events_public_address(logged_in):
    event = EventFactory(date=dt.date(2010, 4, 7), slug="riots", published=True)
    page = logged_in.get(admin_url(Event, "change", event.pk))
    link = reverse("admin:view_on_site", args=[page.context["content_type_id"], event.pk])
    assert link in page.content.decode()

    response = logged_in.get(link)

    assert response.status_code == 302
    assert response["Location"].endswith(event.get_absolute_url())


# The list --------------------------------------------------------------------------------------


def test_the_list_counts_citations_and_distinct_publishers(logged_in):
    event = EventFactory()
    bbc, ria = PublisherFactory(name="BBC"), PublisherFactory(name="RIA Novosti")
    for publisher in (bbc, bbc, ria):
        EventCitationFactory(item=event, source=SourceFactory(publisher=publisher))
    EventFactory()  # uncited

    response = logged_in.get(admin_url(Event, "changelist"))

    rows = {e.pk: e for e in response.context["cl"].result_list}
    assert (rows[event.pk].citation_count, rows[event.pk].publisher_count) == (3, 2)
    html = response.content.decode()
    assert '<td class="field-citation_count">3</td>' in html
    assert '<td class="field-publisher_count">2</td>' in html


def test_the_list_sorts_by_number_of_citations(logged_in):
    quiet, busy = EventFactory(), EventFactory()
    EventCitationFactory.create_batch(2, item=busy)
    EventCitationFactory(item=quiet)
    changelist = logged_in.get(admin_url(Event, "changelist")).context["cl"]
    column = list(changelist.list_display).index("citation_count")

    response = logged_in.get(admin_url(Event, "changelist"), {"o": f"-{column}"})

    assert list(response.context["cl"].result_list) == [busy, quiet]


def _changelist_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(admin_url(Event, "changelist")).status_code == 200
    return len(queries)


def test_the_list_costs_the_same_queries_for_one_event_or_many(logged_in):
    EventCitationFactory(item=EventFactory())
    one = _changelist_queries(logged_in)
    for _ in range(8):
        event = EventFactory(category=CategoryFactory())
        EventCitationFactory.create_batch(3, item=event)

    assert _changelist_queries(logged_in) == one


def test_a_published_event_with_a_future_time_is_listed_as_scheduled(logged_in):
    EventFactory(
        headline="Vote count announced",
        status=Status.PUBLISHED,
        publish_at=timezone.now() + dt.timedelta(days=1),
    )
    EventFactory(headline="Curfew lifted", published=True)

    html = logged_in.get(admin_url(Event, "changelist")).content.decode()

    assert '<td class="field-status_column">Scheduled</td>' in html
    assert '<td class="field-status_column">Published</td>' in html


def test_the_scheduled_filter_shows_only_scheduled_events(logged_in):
    scheduled = EventFactory(
        status=Status.PUBLISHED, publish_at=timezone.now() + dt.timedelta(hours=2)
    )
    EventFactory(published=True)
    EventFactory()

    response = logged_in.get(admin_url(Event, "changelist"), {"publication": "scheduled"})

    assert list(response.context["cl"].result_list) == [scheduled]


def test_the_list_filters_by_category_and_date(logged_in):
    politics = CategoryFactory(name="Politics and elections")
    wanted = EventFactory(category=politics, date=dt.date(2010, 4, 8))
    EventFactory(category=politics, date=dt.date(2010, 4, 7))
    EventFactory(date=dt.date(2010, 4, 8))

    response = logged_in.get(
        admin_url(Event, "changelist"),
        {"category__id__exact": politics.pk, "date__year": 2010, "date__month": 4, "date__day": 8},
    )

    assert list(response.context["cl"].result_list) == [wanted]


def test_the_list_searches_headline_summary_and_entity_names(logged_in):
    by_entity = EventFactory(headline="Interim government formed")
    by_entity.entities.add("Roza Otunbayeva", "Bishkek")
    by_summary = EventFactory(headline="Talks", summary="Otunbayeva met the envoys.")
    EventFactory(headline="Floods in the south")

    response = logged_in.get(admin_url(Event, "changelist"), {"q": "otunbayeva"})

    assert set(response.context["cl"].result_list) == {by_entity, by_summary}
    assert response.context["cl"].result_count == 2


# Adding an event with citations ------------------------------------------------------------------


def test_an_event_is_added_with_two_pasted_links_as_two_ordered_citations(client, journalist):
    bbc = PublisherDomainFactory(domain="bbc.co.uk").publisher
    client.force_login(journalist)
    data = new_event_data(client)
    add_row(data, "citations", url="https://www.bbc.co.uk/news/10.stm")
    add_row(data, "citations", url="https://www.aljazeera.com/news/2010/4/7/kyrgyz")

    response = post(client, add_url(), data)

    assert response.status_code == 302, form_errors(response)
    event = Event.objects.get()
    assert citation_urls(event) == [
        (1, "https://www.bbc.co.uk/news/10.stm"),
        (2, "https://www.aljazeera.com/news/2010/4/7/kyrgyz"),
    ]
    assert event.citations.first().source.publisher == bbc
    assert (event.created_by, event.modified_by, event.status) == (
        journalist,
        journalist,
        Status.DRAFT,
    )
    assert event.slug == "protesters-storm-the-government-building-in-bishkek"


def test_one_link_pasted_in_two_spellings_in_two_events_is_one_source(logged_in):
    data = new_event_data(logged_in, headline="First event")
    add_row(data, "citations", url="https://News.example.org/story?id=7&utm_source=twitter")
    assert post(logged_in, add_url(), data).status_code == 302

    data = new_event_data(logged_in, headline="Second event")
    add_row(data, "citations", url="HTTPS://news.example.org:443/story?id=7#comments")
    assert post(logged_in, add_url(), data).status_code == 302

    assert list(Source.objects.values_list("url", flat=True)) == [
        "https://news.example.org/story?id=7"
    ]
    assert EventCitation.objects.count() == 2


def test_an_existing_source_is_reused_when_its_link_is_pasted(logged_in):
    known = SourceFactory(url="https://example.org/report", title="The report")
    data = new_event_data(logged_in)
    add_row(data, "citations", url="https://EXAMPLE.org/report?fbclid=abc")

    assert post(logged_in, add_url(), data).status_code == 302

    assert Event.objects.get().citations.get().source == known
    assert Source.objects.count() == 1


@pytest.mark.parametrize("bad_url", ["ftp://x", "javascript:alert(1)", "not a url"])
def test_a_bad_citation_link_is_shown_on_its_row_and_nothing_is_created(logged_in, bad_url):
    data = new_event_data(logged_in)
    add_row(data, "citations", url="https://example.org/fine")
    add_row(data, "citations", url=bad_url)

    response = post(logged_in, add_url(), data)

    assert response.status_code == 200
    citations = next(
        i.formset
        for i in response.context["inline_admin_formsets"]
        if i.formset.prefix == "citations"
    )
    bad_row = next(f for f in citations.forms if f["url"].value() == bad_url)
    assert bad_row.errors["url"] == [
        f"“{bad_url}” is not a web address: only http:// and https:// links can be cited."
    ]
    assert escape(bad_row.errors["url"][0]) in response.content.decode()
    assert (Event.objects.count(), Source.objects.count(), EventCitation.objects.count()) == (
        0,
        0,
        0,
    )


def test_the_same_source_twice_in_the_same_role_is_refused_with_a_clear_message(logged_in):
    data = new_event_data(logged_in)
    add_row(data, "citations", url="https://example.org/a")
    add_row(data, "citations", url="https://example.org/a#again")

    response = post(logged_in, add_url(), data)

    assert response.status_code == 200
    assert any("already cited" in message for message in form_errors(response))
    assert Event.objects.count() == 0


def test_the_same_source_may_be_cited_in_two_roles(logged_in):
    data = new_event_data(logged_in)
    add_row(data, "citations", url="https://example.org/a", role="source")
    add_row(data, "citations", url="https://example.org/a", role="image_credit")

    response = post(logged_in, add_url(), data)

    assert response.status_code == 302, form_errors(response)
    assert Event.objects.get().citations.count() == 2


def test_typed_positions_order_the_citations_and_are_renumbered_from_one(logged_in):
    data = new_event_data(logged_in)
    add_row(data, "citations", url="https://example.org/third", order="30")
    add_row(data, "citations", url="https://example.org/first", order="5")
    add_row(data, "citations", url="https://example.org/last", order="")
    add_row(data, "citations", url="https://example.org/second", order="10")

    assert post(logged_in, add_url(), data).status_code == 302

    assert [url.rsplit("/", 1)[1] for _, url in citation_urls(Event.objects.get())] == [
        "first",
        "second",
        "third",
        "last",
    ]
    assert [p for p, _ in citation_urls(Event.objects.get())] == [1, 2, 3, 4]


# Changing an event -------------------------------------------------------------------------------


@pytest.fixture
def cited_event():
    event = EventFactory()
    for position, name in enumerate(["one", "two", "three"], start=1):
        source = SourceFactory(url=f"https://example.org/{name}")
        EventCitationFactory(item=event, source=source, position=position)
    return event


def test_swapping_two_citations_positions_reorders_them(logged_in, cited_event):
    url = admin_url(Event, "change", cited_event.pk)
    data = browser_data(logged_in.get(url))
    data["citations-0-order"], data["citations-2-order"] = "3", "1"

    response = post(logged_in, url, data)

    assert response.status_code == 302, form_errors(response)
    assert citation_urls(cited_event) == [
        (1, "https://example.org/three"),
        (2, "https://example.org/two"),
        (3, "https://example.org/one"),
    ]


def test_deleting_a_citation_and_adding_one_keeps_the_list_numbered(logged_in, cited_event):
    url = admin_url(Event, "change", cited_event.pk)
    data = browser_data(logged_in.get(url))
    data["citations-1-DELETE"] = "on"
    add_row(data, "citations", url="https://example.org/four")

    response = post(logged_in, url, data)

    assert response.status_code == 302, form_errors(response)
    assert citation_urls(cited_event) == [
        (1, "https://example.org/one"),
        (2, "https://example.org/three"),
        (3, "https://example.org/four"),
    ]


def test_saving_an_event_untouched_changes_no_citation(logged_in, cited_event):
    url = admin_url(Event, "change", cited_event.pk)
    before = citation_urls(cited_event)

    response = post(logged_in, url, browser_data(logged_in.get(url)))

    assert response.status_code == 302, form_errors(response)
    assert citation_urls(cited_event) == before
    assert Source.objects.count() == 3


def test_replacing_a_citations_link_points_it_at_another_source(logged_in, cited_event):
    url = admin_url(Event, "change", cited_event.pk)
    data = browser_data(logged_in.get(url))
    assert data["citations-1-url"] == "https://example.org/two"
    data["citations-1-url"] = "https://example.org/two-updated"

    assert post(logged_in, url, data).status_code == 302

    assert citation_urls(cited_event)[1] == (2, "https://example.org/two-updated")


def test_status_cannot_be_set_through_the_form(logged_in):
    event = EventFactory()
    url = admin_url(Event, "change", event.pk)
    data = browser_data(logged_in.get(url))
    data.update(status="published", publish_at="2010-04-07 10:00:00", version="99")

    assert post(logged_in, url, data).status_code == 302

    event.refresh_from_db()
    assert event.status == Status.DRAFT
    assert event.publish_at is None
    assert event.version == 2


def test_the_change_form_shows_a_scheduled_events_time_read_only(logged_in):
    when = timezone.now() + dt.timedelta(days=2)
    event = EventFactory(status=Status.PUBLISHED, publish_at=when)

    html = logged_in.get(admin_url(Event, "change", event.pk)).content.decode()

    assert f"Scheduled for {timezone.localtime(when):%Y-%m-%d %H:%M}" in html


def test_saving_records_who_changed_the_event(client, editor, journalist):
    event = EventFactory(created_by=journalist)
    client.force_login(editor)
    url = admin_url(Event, "change", event.pk)

    assert post(client, url, browser_data(client.get(url))).status_code == 302

    event.refresh_from_db()
    assert (event.created_by, event.modified_by) == (journalist, editor)


# Entities, images, related events -------------------------------------------------------------


def test_entities_typed_as_text_are_created_and_attached(logged_in):
    EntityFactory(name="Bishkek", kind=Entity.Kind.PLACE)
    data = new_event_data(logged_in, entities="Roza Otunbayeva, Bishkek")

    response = post(logged_in, add_url(), data)

    assert response.status_code == 302, form_errors(response)
    event = Event.objects.get()
    assert sorted(e.name for e in event.entities.all()) == ["Bishkek", "Roza Otunbayeva"]
    assert Entity.objects.count() == 2


def test_a_file_that_is_not_an_image_is_refused_as_cover_image(logged_in):
    data = new_event_data(logged_in, cover_image_alt="A crowd")
    data["cover_image"] = SimpleUploadedFile(
        "crowd.jpg", b"this is not a picture", content_type="image/jpeg"
    )

    response = post(logged_in, add_url(), data)

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["cover_image"]
    assert "Upload a valid image" in errors[0]
    assert Event.objects.count() == 0


def test_a_real_cover_image_is_saved_with_its_text_alternative(logged_in):
    data = new_event_data(logged_in, cover_image_alt="A crowd on the square")
    data["cover_image"] = image_file("crowd.png")

    response = post(logged_in, add_url(), data)

    assert response.status_code == 302, form_errors(response)
    assert Event.objects.get().cover_image.name.endswith(".png")


def test_a_cover_image_without_a_text_alternative_is_refused(logged_in):
    data = new_event_data(logged_in)
    data["cover_image"] = image_file("crowd.png")

    response = post(logged_in, add_url(), data)

    assert response.status_code == 200
    assert "cover_image_alt" in response.context["adminform"].form.errors


def test_related_events_are_saved_in_the_order_typed(logged_in):
    event, first, second = EventFactory(), EventFactory(), EventFactory()
    url = admin_url(Event, "change", event.pk)
    data = browser_data(logged_in.get(url))
    add_row(data, "related_links", to_event=str(second.pk), order="2")
    add_row(data, "related_links", to_event=str(first.pk), order="1")

    response = post(logged_in, url, data)

    assert response.status_code == 302, form_errors(response)
    assert list(
        RelatedEvent.objects.filter(from_event=event).values_list("to_event", "position")
    ) == [
        (first.pk, 1),
        (second.pk, 2),
    ]


def test_an_event_cannot_be_related_to_itself(logged_in):
    event = EventFactory()
    url = admin_url(Event, "change", event.pk)
    data = browser_data(logged_in.get(url))
    add_row(data, "related_links", to_event=str(event.pk))

    response = post(logged_in, url, data)

    assert response.status_code == 200
    assert "An event cannot be related to itself." in form_errors(response)
    assert not RelatedEvent.objects.exists()


def test_the_same_related_event_twice_is_refused(logged_in):
    event, other = EventFactory(), EventFactory()
    url = admin_url(Event, "change", event.pk)
    data = browser_data(logged_in.get(url))
    add_row(data, "related_links", to_event=str(other.pk))
    add_row(data, "related_links", to_event=str(other.pk))

    response = post(logged_in, url, data)

    assert response.status_code == 200
    assert not RelatedEvent.objects.exists()


def test_related_stories_are_attached_from_the_form(logged_in):
    story = StoryFactory()
    data = new_event_data(logged_in, related_stories=[str(story.pk)])

    assert post(logged_in, add_url(), data).status_code == 302

    assert list(Event.objects.get().related_stories.all()) == [story]


# Autocomplete ------------------------------------------------------------------------------------


def autocomplete(client, model_name: str, field_name: str, term: str = ""):
    return client.get(
        reverse("admin:autocomplete"),
        {"app_label": "events", "model_name": model_name, "field_name": field_name, "term": term},
    )


@pytest.mark.parametrize(
    ("model_name", "field_name"),
    [("event", "related_events"), ("relatedevent", "to_event")],
)
def test_related_event_autocomplete_finds_events_by_headline(logged_in, model_name, field_name):
    EventFactory(headline="Interim government formed")
    EventFactory(headline="Floods in the south")

    response = autocomplete(logged_in, model_name, field_name, "interim")

    assert response.status_code == 200
    assert [r["text"] for r in response.json()["results"]] == ["Interim government formed"]


def test_place_autocomplete_offers_places_only(logged_in):
    EntityFactory(name="Bishkek", kind=Entity.Kind.PLACE)
    EntityFactory(name="Bishkek city council", kind=Entity.Kind.ORGANISATION)

    response = autocomplete(logged_in, "event", "place", "bishkek")

    assert [r["text"] for r in response.json()["results"]] == ["Bishkek"]


@pytest.mark.parametrize(
    ("field_name", "make", "term"),
    [
        ("category", lambda: CategoryFactory(name="Disasters and accidents"), "disaster"),
        ("topic", lambda: EntityFactory(name="2010 Kyrgyz revolution", kind="topic"), "kyrgyz"),
        ("related_stories", lambda: StoryFactory(headline="Kyrgyzstan in turmoil"), "turmoil"),
    ],
)
def test_event_form_autocompletes_answer(logged_in, field_name, make, term):
    expected = str(make())

    response = autocomplete(logged_in, "event", field_name, term)

    assert response.status_code == 200
    assert [r["text"] for r in response.json()["results"]] == [expected]


def test_a_journalist_may_use_the_category_autocomplete(client, journalist):
    CategoryFactory(name="Politics and elections")
    client.force_login(journalist)
    assert autocomplete(client, "event", "category", "pol").status_code == 200
