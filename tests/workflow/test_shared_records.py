"""Shared records (sources, publishers, entities, authors, sections, categories): journalists
never change, unreviewed, one that a live page shows; editors may, and every change is kept as
a revision (who, when, what) that the history compares and reverts. Journalists still create
the records their drafts need, and change them until a live page shows them."""

import datetime as dt

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from reversion.models import Version

from events.models import Category, Event
from newsroom.models import Author, Entity, ImportRecord, Section, Status, StoryAuthor
from newsroom.roles import EDITOR, JOURNALIST
from sources.models import Publisher, PublisherDomain, Source
from tests.admin_forms import add_row, admin_url, browser_data, form_errors, post
from tests.factories import (
    AuthorFactory,
    CategoryFactory,
    EntityFactory,
    EventCitationFactory,
    EventFactory,
    PublisherDomainFactory,
    PublisherFactory,
    SectionFactory,
    SourceFactory,
    StoryCitationFactory,
    StoryFactory,
    UserFactory,
    invisible_states,
)
from tests.imports.conftest import csv_bytes, import_file

pytestmark = pytest.mark.django_db

EVIL = "https://evil.example.org/phish"
NOW = timezone.now()


def versions_of(record) -> list[Version]:
    return list(Version.objects.get_for_object(record).select_related("revision__user"))


def fields_of(record) -> dict:
    return {f.attname: getattr(record, f.attname) for f in record._meta.concrete_fields}


def unchanged(record) -> bool:
    return fields_of(type(record).objects.get(pk=record.pk)) == fields_of(record)


@pytest.fixture
def live_source(db):
    """A source that a live event cites (its publisher is shown with it)."""
    source = SourceFactory(
        url="https://www.aljazeera.com/news/2010/4/7/bishkek",
        publisher=PublisherFactory(name="Al Jazeera"),
    )
    EventCitationFactory(item=EventFactory(published=True), source=source)
    return source


@pytest.fixture
def live_entity(db):
    entity = EntityFactory(name="Roza Otunbayeva")
    EventFactory(published=True).entities.add(entity)
    return entity


@pytest.fixture
def live_author(db):
    author = AuthorFactory(name="Jane Doe")
    StoryAuthor.objects.create(story=StoryFactory(published=True), author=author)
    return author


# What "shown on a live page" means, for many records and for one ------------------------------


def assert_shown(record, expected: bool) -> None:
    """`is_shown_live` (asked or annotated) and `shown_live()` agree, and say `expected`."""
    assert record.is_shown_live is expected
    assert type(record).objects.shown_live().filter(pk=record.pk).exists() is expected
    assert type(record).objects.with_shown_live().get(pk=record.pk).is_shown_live is expected


@pytest.mark.parametrize("citing", [EventCitationFactory, StoryCitationFactory])
def test_a_source_and_its_publisher_are_shown_once_a_live_item_cites_the_source(citing):
    source = SourceFactory()
    draft = citing(source=source)
    assert_shown(source, False)
    assert_shown(source.publisher, False)

    type(draft.item).objects.filter(pk=draft.item.pk).update(
        status=Status.PUBLISHED, publish_at=NOW - dt.timedelta(minutes=1)
    )

    assert_shown(source, True)
    assert_shown(source.publisher, True)
    assert_shown(SourceFactory(publisher=source.publisher), False)


def test_a_scheduled_item_counts_as_live_for_the_records_it_shows():
    source = SourceFactory()
    EventCitationFactory(
        item=EventFactory(status=Status.PUBLISHED, publish_at=NOW + dt.timedelta(days=1)),
        source=source,
    )
    assert_shown(source, True)


@pytest.mark.parametrize(
    "state", [p for p in invisible_states(NOW) if p.id != "scheduled"], ids=lambda p: None
)
def test_records_of_hidden_items_are_not_shown(state):
    source, entity = SourceFactory(), EntityFactory()
    event = EventFactory(**state)
    EventCitationFactory(item=event, source=source)
    event.entities.add(entity)
    assert_shown(source, False)
    assert_shown(entity, False)


@pytest.mark.parametrize(
    "link",
    [
        lambda entity: EventFactory(published=True).entities.add(entity),
        lambda entity: StoryFactory(published=True).entities.add(entity),
        lambda entity: EventFactory(published=True, topic=entity),
        lambda entity: EventFactory(published=True, place=entity),
        lambda entity: StoryFactory(published=True, dateline=entity),
    ],
    ids=["event tag", "story tag", "event topic", "event place", "story dateline"],
)
def test_an_entity_is_shown_by_every_way_a_live_item_carries_it(link):
    entity = EntityFactory()
    assert_shown(entity, False)
    link(entity)
    assert_shown(entity, True)


def test_an_author_is_shown_in_a_live_byline(live_author):
    assert_shown(live_author, True)
    draft_author = AuthorFactory()
    StoryAuthor.objects.create(story=StoryFactory(), author=draft_author)
    assert_shown(draft_author, False)


@pytest.mark.parametrize("factory", [SectionFactory, CategoryFactory])
def test_sections_and_categories_are_always_shown(factory):
    """Every page's navigation lists the sections; the search form offers every category."""
    assert_shown(factory(), True)


def test_only_editors_hold_the_change_live_permissions():
    codenames = {
        "change_live_source",
        "change_live_publisher",
        "change_live_entity",
        "change_live_author",
        "change_live_section",
        "change_live_category",
    }
    held = Permission.objects.filter(codename__startswith="change_live_")
    assert set(held.values_list("codename", flat=True)) == codenames
    editors = Group.objects.get(name=EDITOR).permissions
    assert set(editors.filter(codename__in=codenames).values_list("codename", flat=True)) == (
        codenames
    )
    assert not Group.objects.get(name=JOURNALIST).permissions.filter(codename__in=codenames)


# Journalists: live records are read-only, by every path --------------------------------------


def test_a_journalist_sees_a_live_source_read_only_with_the_reason(client, journalist, live_source):
    client.force_login(journalist)

    response = client.get(admin_url(Source, "change", live_source.pk))

    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="url"' not in html
    assert 'id="shared-record-refusal"' in html
    assert "only editors can change or delete it" in html


def test_a_journalist_cannot_change_a_live_sources_address_by_posting(
    client, journalist, live_source
):
    client.force_login(journalist)
    data = {"url": EVIL, "title": "Totally legit", "publisher": live_source.publisher_id}

    response = client.post(admin_url(Source, "change", live_source.pk), data)

    assert response.status_code == 403
    assert unchanged(live_source)
    assert not Source.objects.filter(url=EVIL).exists()


def test_a_journalist_cannot_rename_a_live_entity(client, journalist, live_entity):
    client.force_login(journalist)
    data = {"name": "Someone Else", "slug": "someone-else", "kind": "person"}

    response = client.post(admin_url(Entity, "change", live_entity.pk), data)

    assert response.status_code == 403
    assert unchanged(live_entity)


def test_a_journalist_cannot_change_a_live_entity_from_the_list(client, journalist, live_entity):
    draft_entity = EntityFactory(name="A name in a draft", kind=Entity.Kind.PERSON)
    client.force_login(journalist)
    url = admin_url(Entity, "changelist")
    page = client.get(url).content.decode()
    data = {
        "form-TOTAL_FORMS": "2",
        "form-INITIAL_FORMS": "2",
        "form-0-id": str(draft_entity.pk),
        "form-0-kind": Entity.Kind.PLACE,
        "form-1-id": str(live_entity.pk),
        "form-1-kind": Entity.Kind.PLACE,
        "_save": "Save",
    }

    response = client.post(url, data)

    assert page.count('name="form-0-kind"') == 1  # the draft's row only
    assert 'name="form-1-kind"' not in page
    assert response.status_code == 302
    assert unchanged(live_entity)
    draft_entity.refresh_from_db()
    assert draft_entity.kind == Entity.Kind.PLACE


def test_a_journalist_cannot_edit_a_live_publishers_page_nor_its_domains(
    client, journalist, live_source
):
    publisher = live_source.publisher
    PublisherDomainFactory(publisher=publisher, domain="aljazeera.com")
    client.force_login(journalist)
    url = admin_url(Publisher, "change", publisher.pk)

    html = client.get(url).content.decode()
    data = {
        "name": "Al Jazeera",
        "slug": publisher.slug,
        "kind": "other",
        "homepage": EVIL,
        "description": "Now with phishing.",
        "domains-TOTAL_FORMS": "1",
        "domains-INITIAL_FORMS": "0",
        "domains-0-domain": "evil.example.org",
    }
    response = client.post(url, data)

    assert 'name="homepage"' not in html
    assert 'name="domains-0-domain"' not in html
    assert response.status_code == 403
    assert unchanged(publisher)
    assert list(PublisherDomain.objects.values_list("domain", flat=True)) == ["aljazeera.com"]


@pytest.mark.parametrize(
    ("model", "make", "data"),
    [
        (Section, SectionFactory, {"name": "Opinion!", "slug": "opinion", "position": "9"}),
        (
            Category,
            CategoryFactory,
            {"name": "Hoaxes", "slug": "hoaxes", "position": "9", "description": ""},
        ),
        (
            Author,
            lambda: (
                StoryAuthor.objects.create(
                    story=StoryFactory(published=True), author=AuthorFactory()
                ).author
            ),
            {"name": "Impostor", "slug": "impostor", "role": "", "bio": ""},
        ),
    ],
    ids=["section", "category", "author"],
)
def test_a_journalist_cannot_edit_a_live_section_category_or_author(
    client, journalist, model, make, data
):
    record = make()
    client.force_login(journalist)

    page = client.get(admin_url(model, "change", record.pk))
    response = client.post(admin_url(model, "change", record.pk), data)

    assert page.status_code == 200
    assert 'id="shared-record-refusal"' in page.content.decode()
    assert response.status_code == 403
    assert unchanged(record)


@pytest.fixture
def journalist_who_may_delete(db):
    """A journalist also given the delete permissions (as a newsroom might): still not enough
    to delete what live pages show."""
    user = UserFactory(username="jo-deletes", groups=[JOURNALIST])
    user.user_permissions.add(
        *Permission.objects.filter(codename__in=["delete_source", "delete_entity"])
    )
    return user


def test_deleting_a_live_record_needs_an_editor(
    client, journalist_who_may_delete, live_source, live_entity
):
    draft_entity = EntityFactory(name="Typo in a draft")
    client.force_login(journalist_who_may_delete)

    one = client.post(admin_url(Entity, "delete", live_entity.pk), {"post": "yes"})
    bulk = client.post(
        admin_url(Entity, "changelist"),
        {
            "action": "delete_selected",
            "_selected_action": [live_entity.pk, draft_entity.pk],
            "post": "yes",
        },
    )
    source = client.post(admin_url(Source, "delete", live_source.pk), {"post": "yes"})

    assert one.status_code == 403
    assert bulk.status_code == 403
    assert source.status_code == 403
    assert Entity.objects.filter(pk__in=[live_entity.pk, draft_entity.pk]).count() == 2
    assert Source.objects.filter(pk=live_source.pk).exists()
    # What no live page shows, they may delete.
    deleted = client.post(admin_url(Entity, "delete", draft_entity.pk), {"post": "yes"})
    assert deleted.status_code == 302
    assert not Entity.objects.filter(pk=draft_entity.pk).exists()


def test_a_journalist_cannot_revert_a_live_source_from_its_history(
    client, editor, journalist, live_source
):
    client.force_login(editor)
    change = admin_url(Source, "change", live_source.pk)
    data = browser_data(client.get(change))
    assert post(client, change, {**data, "title": "First title"}).status_code == 302
    assert post(client, change, {**data, "title": "Second title"}).status_code == 302
    older = versions_of(live_source)[-1]
    client.force_login(journalist)
    revert = reverse("admin:sources_source_revision", args=[live_source.pk, older.pk])

    response = client.post(revert, {**data, "title": "First title"})

    assert response.status_code == 403
    live_source.refresh_from_db()
    assert live_source.title == "Second title"
    assert len(versions_of(live_source)) == 2


def test_a_journalist_cannot_import_sources_nor_confirm_an_editors_preview(
    client, editor, journalist, live_source
):
    sheet = csv_bytes([["url", "title"], [live_source.url, "Rewritten by a sheet"]])
    client.force_login(journalist)
    upload = SimpleUploadedFile("sources.csv", sheet, content_type="text/csv")
    refused = client.post(reverse("admin:sources_source_import"), {"file": upload})
    client.force_login(editor)
    upload = SimpleUploadedFile("sources.csv", sheet, content_type="text/csv")
    client.post(reverse("admin:sources_source_import"), {"file": upload})
    preview = ImportRecord.objects.get()
    client.force_login(journalist)

    confirm = client.post(reverse("admin:newsroom_importrecord_confirm", args=[preview.pk]))

    assert refused.status_code == 403
    assert confirm.status_code == 403
    assert unchanged(live_source)


@pytest.fixture
def importing_journalist(db):
    """A journalist also given the import permissions: still not enough to change, by a
    spreadsheet, what live pages show."""
    user = UserFactory(username="jo-imports", groups=[JOURNALIST])
    user.user_permissions.add(
        *Permission.objects.filter(codename__in=["import_source", "import_publisher"])
    )
    return user


def test_a_sheet_that_changes_a_live_source_or_publisher_needs_an_editor(
    importing_journalist, editor, live_source
):
    draft_source = SourceFactory(url="https://example.org/draft")
    sources = csv_bytes(
        [
            ["url", "title"],
            ["https://example.org/new", "A new one"],
            [draft_source.url, "Fixed title"],
            [live_source.url, "Rewritten by a sheet"],
        ]
    )
    publishers = csv_bytes([["name", "homepage"], ["Al Jazeera", EVIL]])

    refused = import_file(sources, "sources", user=importing_journalist)
    refused_publisher = import_file(publishers, "publishers", user=importing_journalist)

    assert refused.state == ImportRecord.State.FAILED
    assert [(e["row"], e["column"]) for e in refused.errors] == [(4, "url")]
    assert "shown on published pages" in refused.errors[0]["message"]
    assert refused_publisher.state == ImportRecord.State.FAILED
    assert unchanged(live_source) and unchanged(live_source.publisher)
    assert unchanged(draft_source)
    assert not Source.objects.filter(url="https://example.org/new").exists()

    done = import_file(sources, "sources", user=editor)

    assert done.state == ImportRecord.State.IMPORTED
    live_source.refresh_from_db()
    assert live_source.title == "Rewritten by a sheet"


# Journalists still create records, and change those no live page shows -----------------------


def test_a_journalist_adds_sources_entities_and_publishers_also_from_popups(client, journalist):
    client.force_login(journalist)

    source = client.post(
        admin_url(Source, "add"), {"url": "https://example.org/new", "title": "New"}
    )
    entity = client.post(
        admin_url(Entity, "add") + "?_to_field=id&_popup=1",
        {"name": "Osh", "slug": "osh", "kind": "place", "_popup": "1", "_to_field": "id"},
    )
    publisher = client.post(
        admin_url(Publisher, "add") + "?_to_field=id&_popup=1",
        {
            "name": "Kloop",
            "slug": "kloop",
            "kind": "online",
            "_popup": "1",
            "_to_field": "id",
            "domains-TOTAL_FORMS": "1",
            "domains-INITIAL_FORMS": "0",
            "domains-0-domain": "kloop.kg",
        },
    )

    assert source.status_code == 302
    assert "Popup closing" in entity.content.decode()
    assert "Popup closing" in publisher.content.decode()
    assert Source.objects.filter(url="https://example.org/new").exists()
    assert Entity.objects.filter(name="Osh").exists()
    assert Publisher.objects.get(name="Kloop").domains.get().domain == "kloop.kg"


def test_a_journalist_edits_a_record_their_draft_cites_until_it_goes_live(
    client, journalist, editor
):
    from newsroom import workflow

    client.force_login(journalist)
    url = admin_url(Event, "add")
    data = browser_data(client.get(url))
    data.update(date="2010-04-07", headline="Crowds gather in Osh", entities="Osh")
    add_row(data, "citations", url="https://kloop.kg/blog/2010/04/07/osh")
    assert post(client, url, data).status_code == 302, form_errors(post(client, url, data))
    event = Event.objects.get()
    source, entity = Source.objects.get(), Entity.objects.get(name="Osh")
    source_url, entity_url = (
        admin_url(Source, "change", source.pk),
        admin_url(Entity, "change", entity.pk),
    )

    fixed = post(client, source_url, {**browser_data(client.get(source_url)), "title": "Osh"})
    assert fixed.status_code == 302
    assert Source.objects.get().title == "Osh"
    renamed = post(client, entity_url, {**browser_data(client.get(entity_url)), "kind": "place"})
    assert renamed.status_code == 302

    workflow.publish(event, by=editor)

    assert client.post(source_url, {"url": EVIL, "title": "Osh"}).status_code == 403
    assert client.post(entity_url, {"name": "Os", "slug": "os", "kind": "place"}).status_code == (
        403
    )
    assert Source.objects.get().url == "https://kloop.kg/blog/2010/04/07/osh"


def test_a_draft_citing_a_live_source_by_another_address_creates_a_new_source(
    client, journalist, live_source
):
    """The citation row finds or creates a source; it never rewrites the one cited."""
    event = EventFactory()
    citation = EventCitationFactory(item=event, source=live_source)
    client.force_login(journalist)
    url = admin_url(Event, "change", event.pk)
    data = browser_data(client.get(url))
    data["citations-0-url"] = EVIL

    response = post(client, url, data)

    assert response.status_code == 302, form_errors(response)
    assert unchanged(live_source)
    citation.refresh_from_db()
    assert citation.source.url == EVIL


# Editors: change anything, and every change is a revision ------------------------------------


def test_an_editor_changes_a_live_source_and_the_history_compares_and_reverts_it(
    client, editor, live_source
):
    old_url = live_source.url
    new_url = "https://www.aljazeera.com/news/2010/4/7/bishkek-updated"
    client.force_login(editor)
    change = admin_url(Source, "change", live_source.pk)
    original = browser_data(client.get(change))
    assert post(client, change, {**original, "title": "Before"}).status_code == 302
    saved = post(client, change, {**original, "title": "Before", "url": new_url})
    assert saved.status_code == 302, form_errors(saved)

    newest, oldest = versions_of(live_source)
    assert newest.revision.user == editor
    assert "URL" in newest.revision.get_comment()
    history = client.get(admin_url(Source, "history", live_source.pk))
    assert [a["version_id"] for a in history.context["action_list"]] == [newest.pk, oldest.pk]
    compared = client.get(
        reverse("admin:sources_source_compare", args=[live_source.pk]),
        {"a": oldest.pk, "b": newest.pk},
    )
    changes = {row.label: (row.old, row.new) for row in compared.context["rows"] if row.changed}
    assert changes == {"URL": (old_url, new_url)}

    revert = compared.context["revert_url"]
    reverted = post(client, revert, browser_data(client.get(revert)))

    assert reverted.status_code == 302, form_errors(reverted)
    live_source.refresh_from_db()
    assert live_source.url == old_url
    latest = versions_of(live_source)[0]
    assert latest.revision.user == editor
    assert latest.revision.get_comment().startswith("Reverted to previous version")


@pytest.mark.parametrize(
    ("model", "record", "field", "value"),
    [
        (Entity, "live_entity", "name", "Roza Isakovna Otunbayeva"),
        (Publisher, "live_publisher", "homepage", "https://www.aljazeera.net/"),
        (Author, "live_author", "role", "Central Asia correspondent"),
        (Section, "section", "description", "What we think."),
        (Category, "category", "description", "Wars and attacks."),
    ],
)
def test_an_editor_changes_each_kind_of_live_record_and_a_revision_keeps_it(
    client, editor, request, model, record, field, value
):
    fixtures = {
        "live_publisher": lambda: request.getfixturevalue("live_source").publisher,
        "section": SectionFactory,
        "category": CategoryFactory,
    }
    obj = fixtures[record]() if record in fixtures else request.getfixturevalue(record)
    assert obj.is_shown_live
    client.force_login(editor)
    url = admin_url(model, "change", obj.pk)
    data = browser_data(client.get(url))
    assert 'id="shared-record-refusal"' not in client.get(url).content.decode()

    response = post(client, url, {**data, field: value})

    assert response.status_code == 302, form_errors(response)
    obj.refresh_from_db()
    assert getattr(obj, field) == value
    (version,) = versions_of(obj)
    assert version.revision.user == editor
    assert version.field_dict[field] == value


def test_the_publisher_history_compares_its_domains_too(client, editor, live_source):
    publisher = live_source.publisher
    client.force_login(editor)
    url = admin_url(Publisher, "change", publisher.pk)
    data = browser_data(client.get(url))
    assert post(client, url, data).status_code == 302
    data = browser_data(client.get(url))
    add_row(data, "domains", domain="aljazeera.net")
    assert post(client, url, data).status_code == 302
    newest, oldest = versions_of(publisher)

    compared = client.get(
        reverse("admin:sources_publisher_compare", args=[publisher.pk]),
        {"a": oldest.pk, "b": newest.pk},
    )

    changes = {row.label: (row.old, row.new) for row in compared.context["rows"] if row.changed}
    assert changes == {"publisher domains": ("—", "aljazeera.net")}


@pytest.mark.parametrize("model", [Entity, Source, Publisher])
def test_a_journalists_list_costs_the_same_however_many_live_records_it_shows(
    client, journalist, django_assert_max_num_queries, model
):
    client.force_login(journalist)
    make = {Entity: EntityFactory, Source: SourceFactory, Publisher: PublisherFactory}[model]

    def cited_live(count: int) -> None:
        for _ in range(count):
            record = make()
            if model is Entity:
                EventFactory(published=True).entities.add(record)
                continue
            source = record if model is Source else SourceFactory(publisher=record)
            EventCitationFactory(item=EventFactory(published=True), source=source)

    cited_live(2)
    with CaptureQueriesContext(connection) as few:
        assert client.get(admin_url(model, "changelist")).status_code == 200
    cited_live(10)

    with django_assert_max_num_queries(len(few)):
        assert client.get(admin_url(model, "changelist")).status_code == 200
