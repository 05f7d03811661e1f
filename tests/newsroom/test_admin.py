"""The desk's admin: entities, sections, authors, and the story form with its inlines."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from newsroom.models import (
    Author,
    Correction,
    Entity,
    ImportRecord,
    Section,
    Status,
    Story,
    StoryAuthor,
    StoryCitation,
)
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
    AuthorFactory,
    CorrectionFactory,
    EntityFactory,
    EventFactory,
    SectionFactory,
    SourceFactory,
    StoryCitationFactory,
    StoryFactory,
    image_file,
)

# Every test here uses the database, some through request.getfixturevalue: say so, so that
# pytest-django runs them with the other database tests, before any live-server test.
pytestmark = pytest.mark.django_db

FACTORIES = {
    Author: AuthorFactory,
    Entity: EntityFactory,
    Section: SectionFactory,
    Story: StoryFactory,
}
# Import records are read-only pages, tested with the importer (tests/imports/test_admin.py).
DESK_MODELS = [model for model in registered_models("newsroom") if model is not ImportRecord]


@pytest.fixture
def logged_in(client, superuser):
    client.force_login(superuser)
    return client


def add_url() -> str:
    return admin_url(Story, "add")


def new_story_data(client, **fields) -> dict:
    data = browser_data(client.get(add_url()))
    data.update(
        {
            "headline": "Kyrgyz opposition forms an interim government",
            "slug": "kyrgyz-opposition-forms-interim-government",
            "dek": "Roza Otunbayeva will lead it for six months.",
            "body": "First paragraph.\n\n## What next\n\nSecond paragraph.",
            "section": str(SectionFactory(name="World", slug="world").pk),
            **fields,
        }
    )
    return data


def bylines(story: Story) -> list[tuple[int, str]]:
    return [(b.position, b.author.name) for b in story.bylines.select_related("author")]


# Every page opens --------------------------------------------------------------------------


def test_every_newsroom_model_with_a_page_of_its_own_is_in_the_admin():
    assert set(DESK_MODELS) == set(FACTORIES)


@pytest.mark.parametrize("model", DESK_MODELS, ids=lambda m: m.__name__)
def test_changelist_add_and_change_pages_load_for_a_superuser(logged_in, model):
    obj = FACTORIES[model]()
    assert logged_in.get(admin_url(model, "changelist")).status_code == 200
    assert logged_in.get(admin_url(model, "add")).status_code == 200
    assert logged_in.get(admin_url(model, "change", obj.pk)).status_code == 200


def test_a_story_with_bylines_citations_and_corrections_opens(logged_in):
    story = StoryFactory(published=True)
    StoryAuthor.objects.create(story=story, author=AuthorFactory(), position=1)
    StoryCitationFactory(item=story)
    CorrectionFactory(story=story)

    response = logged_in.get(admin_url(Story, "change", story.pk))

    assert response.status_code == 200
    assert "An earlier version gave the wrong date" in response.content.decode()


@pytest.mark.parametrize("role", ["editor", "journalist"])
def test_editors_and_journalists_open_the_story_list_and_the_add_page(client, request, role):
    client.force_login(request.getfixturevalue(role))
    StoryFactory()
    assert client.get(admin_url(Story, "changelist")).status_code == 200
    assert client.get(add_url()).status_code == 200


# The story list --------------------------------------------------------------------------------


def test_the_story_list_shows_bylines_in_order_and_counts_citations(logged_in):
    story = StoryFactory(headline="Turmoil in Kyrgyzstan")
    for position, name in enumerate(["Asel Bekova", "John Smith"], start=1):
        StoryAuthor.objects.create(story=story, author=AuthorFactory(name=name), position=position)
    StoryCitationFactory.create_batch(2, item=story)

    response = logged_in.get(admin_url(Story, "changelist"))

    html = response.content.decode()
    assert '<td class="field-byline_list">Asel Bekova, John Smith</td>' in html
    assert '<td class="field-citation_count">2</td>' in html


def _story_list_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(admin_url(Story, "changelist")).status_code == 200
    return len(queries)


def test_the_story_list_costs_the_same_queries_for_one_story_or_many(logged_in):
    StoryFactory()
    one = _story_list_queries(logged_in)
    for _ in range(6):
        story = StoryFactory(section=SectionFactory())
        StoryAuthor.objects.create(story=story, author=AuthorFactory())
        StoryCitationFactory.create_batch(2, item=story)

    assert _story_list_queries(logged_in) == one


def test_the_story_list_shows_scheduled_stories_as_scheduled(logged_in):
    StoryFactory(status=Status.PUBLISHED, publish_at=timezone.now() + dt.timedelta(hours=3))

    html = logged_in.get(admin_url(Story, "changelist")).content.decode()

    assert '<td class="field-status_column">Scheduled</td>' in html


def test_the_story_list_searches_headlines_and_entities(logged_in):
    tagged = StoryFactory(headline="Interim government formed")
    tagged.entities.add("Roza Otunbayeva")
    StoryFactory(headline="Floods in the south")

    response = logged_in.get(admin_url(Story, "changelist"), {"q": "otunbayeva"})

    assert list(response.context["cl"].result_list) == [tagged]


def test_the_story_list_filters_by_section_and_status(logged_in):
    world = SectionFactory(name="World", slug="world")
    wanted = StoryFactory(section=world, published=True)
    StoryFactory(section=world)
    StoryFactory(published=True)

    response = logged_in.get(
        admin_url(Story, "changelist"), {"section__id__exact": world.pk, "publication": "live"}
    )

    assert list(response.context["cl"].result_list) == [wanted]


# The story form --------------------------------------------------------------------------------


def test_a_journalist_adds_a_story_with_ordered_bylines_and_citations(client, journalist):
    first, second = AuthorFactory(name="Asel Bekova"), AuthorFactory(name="John Smith")
    client.force_login(journalist)
    data = new_story_data(client, entities="Roza Otunbayeva, Bishkek")
    add_row(data, "bylines", author=str(second.pk), order="2")
    add_row(data, "bylines", author=str(first.pk), order="1")
    add_row(data, "citations", url="https://www.bbc.co.uk/news/world-asia-10?utm_medium=rss")
    add_row(data, "citations", url="https://example.org/second")

    response = post(client, add_url(), data)

    assert response.status_code == 302, form_errors(response)
    story = Story.objects.get()
    assert bylines(story) == [(1, "Asel Bekova"), (2, "John Smith")]
    assert [(c.position, c.source.url) for c in story.citations.select_related("source")] == [
        (1, "https://www.bbc.co.uk/news/world-asia-10"),
        (2, "https://example.org/second"),
    ]
    assert sorted(story.entities.names()) == ["Bishkek", "Roza Otunbayeva"]
    assert (story.status, story.created_by, story.modified_by) == (
        Status.DRAFT,
        journalist,
        journalist,
    )


def test_the_same_author_twice_in_the_bylines_is_refused(logged_in):
    author = AuthorFactory()
    data = new_story_data(logged_in)
    add_row(data, "bylines", author=str(author.pk))
    add_row(data, "bylines", author=str(author.pk))

    response = post(logged_in, add_url(), data)

    assert response.status_code == 200
    assert Story.objects.count() == 0


def test_reordering_bylines_swaps_their_positions(logged_in):
    story = StoryFactory()
    for position, name in enumerate(["Asel Bekova", "John Smith"], start=1):
        StoryAuthor.objects.create(story=story, author=AuthorFactory(name=name), position=position)
    url = admin_url(Story, "change", story.pk)
    data = browser_data(logged_in.get(url))
    data["bylines-0-order"], data["bylines-1-order"] = "2", "1"

    response = post(logged_in, url, data)

    assert response.status_code == 302, form_errors(response)
    assert bylines(story) == [(1, "John Smith"), (2, "Asel Bekova")]


def test_a_story_citation_with_a_bad_link_creates_nothing(logged_in):
    data = new_story_data(logged_in)
    add_row(data, "citations", url="javascript:alert(1)")

    response = post(logged_in, add_url(), data)

    assert response.status_code == 200
    assert "only http:// and https:// links can be cited" in " ".join(form_errors(response))
    assert (Story.objects.count(), Source.objects.count()) == (0, 0)


def test_a_story_and_an_event_citing_one_link_share_its_source(logged_in):
    SourceFactory(url="https://example.org/report")
    data = new_story_data(logged_in)
    add_row(data, "citations", url="https://example.org/report#summary")

    assert post(logged_in, add_url(), data).status_code == 302

    assert Source.objects.count() == 1
    assert StoryCitation.objects.get().source.url == "https://example.org/report"


def test_swapping_story_citations_positions_reorders_them(logged_in):
    story = StoryFactory()
    StoryCitationFactory(item=story, source=SourceFactory(url="https://example.org/a"), position=1)
    StoryCitationFactory(item=story, source=SourceFactory(url="https://example.org/b"), position=2)
    url = admin_url(Story, "change", story.pk)
    data = browser_data(logged_in.get(url))
    data["citations-0-order"], data["citations-1-order"] = "2", "1"

    response = post(logged_in, url, data)

    assert response.status_code == 302, form_errors(response)
    assert [c.source.url for c in story.citations.all()] == [
        "https://example.org/b",
        "https://example.org/a",
    ]


def test_a_non_image_lead_image_is_refused(logged_in):
    data = new_story_data(logged_in, lead_image_alt="A crowd")
    data["lead_image"] = SimpleUploadedFile("crowd.jpg", b"GIF89a? no.", content_type="image/jpeg")

    response = post(logged_in, add_url(), data)

    assert response.status_code == 200
    assert "Upload a valid image" in response.context["adminform"].form.errors["lead_image"][0]
    assert Story.objects.count() == 0


def test_a_lead_image_is_saved_with_its_text_alternative(logged_in):
    data = new_story_data(logged_in, lead_image_alt="Protesters on Ala-Too Square")
    data["lead_image"] = image_file("square.jpg", fmt="JPEG")

    response = post(logged_in, add_url(), data)

    assert response.status_code == 302, form_errors(response)
    assert Story.objects.get().lead_image.name.endswith(".jpg")


def test_status_and_publishing_times_are_read_only(logged_in):
    story = StoryFactory()
    url = admin_url(Story, "change", story.pk)
    page = logged_in.get(url)
    data = browser_data(page)
    data.update(status="published", publish_at="2010-04-07 10:00:00")

    assert post(logged_in, url, data).status_code == 302

    story.refresh_from_db()
    assert (story.status, story.publish_at) == (Status.DRAFT, None)
    assert "status" not in page.context["adminform"].form.fields
    assert "Draft" in page.content.decode()


def test_the_story_list_offers_the_workflow_actions(logged_in):
    actions = logged_in.get(admin_url(Story, "changelist")).context["action_form"]
    assert [name for name, _ in actions.fields["action"].choices if name] == [
        "delete_selected",
        "submit_selected",
        "publish_selected",
        "schedule_selected",
        "unpublish_selected",
        "back_to_draft_selected",
    ]


def test_an_editor_adds_a_correction_signed_with_their_name(client, editor):
    story = StoryFactory(published=True)
    client.force_login(editor)
    url = admin_url(Story, "change", story.pk)
    data = browser_data(client.get(url))
    add_row(
        data,
        "corrections",
        published_at_0="2010-04-08",
        published_at_1="09:30:00",
        text="An earlier version misspelt the minister's name.",
    )

    response = post(client, url, data)

    assert response.status_code == 302, form_errors(response)
    correction = Correction.objects.get()
    assert (correction.story, correction.created_by) == (story, editor)


def test_story_form_autocompletes_answer(logged_in):
    EntityFactory(name="Bishkek", kind=Entity.Kind.PLACE)
    EntityFactory(name="Bishkek Times", kind=Entity.Kind.ORGANISATION)
    story = StoryFactory(headline="Kyrgyzstan in turmoil", section=SectionFactory(name="World"))

    def autocomplete(field_name, term):
        response = logged_in.get(
            "/admin/autocomplete/",
            {
                "app_label": "newsroom",
                "model_name": "story",
                "field_name": field_name,
                "term": term,
            },
        )
        assert response.status_code == 200
        return [r["text"] for r in response.json()["results"]]

    assert autocomplete("dateline", "bishkek") == ["Bishkek"]
    assert autocomplete("related_stories", "turmoil") == ["Kyrgyzstan in turmoil"]
    assert autocomplete("section", "wor") == [str(story.section)]


def test_author_autocomplete_answers_for_bylines(logged_in):
    AuthorFactory(name="Asel Bekova")
    response = logged_in.get(
        "/admin/autocomplete/",
        {
            "app_label": "newsroom",
            "model_name": "storyauthor",
            "field_name": "author",
            "term": "ase",
        },
    )
    assert [r["text"] for r in response.json()["results"]] == ["Asel Bekova"]


# Entities ----------------------------------------------------------------------------------------


def test_the_entity_list_counts_stories_and_events(logged_in):
    otunbayeva = EntityFactory(name="Roza Otunbayeva")
    for story in StoryFactory.create_batch(2):
        story.entities.add(otunbayeva)
    EventFactory().entities.add(otunbayeva)

    response = logged_in.get(admin_url(Entity, "changelist"))

    row = response.context["cl"].result_list.get(pk=otunbayeva.pk)
    assert (row.story_count, row.event_count) == (2, 1)


def test_an_entitys_kind_is_changed_from_the_list(logged_in):
    bishkek = EntityFactory(name="Bishkek", kind=Entity.Kind.TOPIC)
    response = logged_in.get(admin_url(Entity, "changelist"))
    data = {
        "form-TOTAL_FORMS": "1",
        "form-INITIAL_FORMS": "1",
        "form-0-id": str(bishkek.pk),
        "form-0-kind": Entity.Kind.PLACE,
        "_save": "Save",
    }
    assert response.status_code == 200

    assert logged_in.post(admin_url(Entity, "changelist"), data).status_code == 302

    bishkek.refresh_from_db()
    assert bishkek.kind == Entity.Kind.PLACE


def test_entities_filter_by_kind_and_search_by_name(logged_in):
    EntityFactory(name="Bishkek", kind=Entity.Kind.PLACE)
    EntityFactory(name="Osh", kind=Entity.Kind.PLACE)
    EntityFactory(name="Bishkek city council", kind=Entity.Kind.ORGANISATION)

    response = logged_in.get(admin_url(Entity, "changelist"), {"kind": "place", "q": "bish"})

    assert [e.name for e in response.context["cl"].result_list] == ["Bishkek"]


def test_sections_and_authors_are_searchable(logged_in):
    SectionFactory(name="World", slug="world")
    AuthorFactory(name="Asel Bekova", role="Central Asia correspondent")

    sections = logged_in.get(admin_url(Section, "changelist"), {"q": "wor"})
    authors = logged_in.get(admin_url(Author, "changelist"), {"q": "central asia"})

    assert [s.name for s in sections.context["cl"].result_list] == ["World"]
    assert [a.name for a in authors.context["cl"].result_list] == ["Asel Bekova"]
