"""`manage.py load_demo`: a believable small newsroom, loaded safely and only once."""

import datetime as dt
from io import StringIO

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from PIL import Image

from events import demo_content as demo
from events.models import Event, EventCitation, RelatedEvent
from newsroom.models import Author, Entity, Status, Story
from newsroom.roles import EDITOR, JOURNALIST
from sources.links import normalize_url
from sources.models import Citation, Publisher, PublisherDomain, Source

pytestmark = pytest.mark.django_db

User = get_user_model()


def load_demo(*args) -> str:
    out = StringIO()
    call_command("load_demo", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def debug(settings):
    settings.DEBUG = True


@pytest.fixture
def loaded(debug) -> str:
    return load_demo()


def row_counts() -> dict[str, int]:
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


# --- what it loads -----------------------------------------------------------------------


def test_an_empty_database_gets_a_small_newsroom(loaded):
    assert Event.objects.count() == 12
    assert Story.objects.count() == 3
    assert Publisher.objects.count() == 8
    assert 18 <= Source.objects.count() <= 24
    assert PublisherDomain.objects.count() >= 8
    assert Event.objects.dates("date", "day").count() >= 6
    assert {e.date for e in Event.objects.all()} <= {dt.date(2010, 4, day) for day in range(6, 16)}
    assert "12 events" in loaded


def test_the_entities_cover_people_places_organisations_and_the_topic(loaded):
    kinds = dict(Entity.objects.values_list("name", "kind"))
    assert kinds["Roza Otunbayeva"] == Entity.Kind.PERSON
    assert kinds["Kurmanbek Bakiyev"] == Entity.Kind.PERSON
    assert kinds["Bishkek"] == Entity.Kind.PLACE
    assert kinds["Social Democratic Party of Kyrgyzstan"] == Entity.Kind.ORGANISATION
    assert kinds["2010 Kyrgyz revolution"] == Entity.Kind.TOPIC


def test_every_event_has_a_category_a_place_the_topic_and_one_to_seven_citations(loaded):
    for event in Event.objects.all():
        assert event.category is not None
        assert event.place.kind == Entity.Kind.PLACE
        assert event.topic.name == "2010 Kyrgyz revolution"
        assert event.place in event.entities.all()
        assert event.topic not in event.entities.all()  # the archive's "##### topic" line
        assert 1 <= event.citations.filter(role=Citation.Role.SOURCE).count() <= 7


def test_citations_are_numbered_from_one_in_order(loaded):
    for event in Event.objects.all():
        positions = list(event.citations.values_list("position", flat=True))
        assert positions == list(range(1, len(positions) + 1))


def test_some_sources_are_shared_by_several_events(loaded):
    shared = [
        source
        for source in Source.objects.all()
        if EventCitation.objects.filter(source=source).values("item").distinct().count() > 1
    ]
    assert len(shared) >= 3


def test_every_source_url_is_normalized_and_its_publisher_inferred_from_the_domain(loaded):
    for source in Source.objects.all():
        assert source.url == normalize_url(source.url)
        assert source.publisher is not None, source.url
        assert PublisherDomain.objects.publisher_for(source.url) == source.publisher


def test_links_pasted_with_tracking_parameters_land_on_their_clean_source(loaded):
    assert Source.objects.filter(url__contains="utm_").count() == 0
    assert Source.objects.filter(url__contains="#").count() == 0
    assert Source.objects.filter(url__startswith="http://www.reuters.com/").count() >= 2


def test_related_events_are_ordered_and_share_an_entity_besides_the_topic(loaded):
    topic = Entity.objects.get(name="2010 Kyrgyz revolution")
    assert RelatedEvent.objects.count() >= 12
    for event in Event.objects.all():
        mine = set(event.entities.exclude(pk=topic.pk))
        assert mine
        links = list(event.related_links.order_by("position"))
        assert [link.position for link in links] == list(range(1, len(links) + 1))
        for link in links:
            assert mine & set(link.to_event.entities.all()), (event, link.to_event)


def test_stories_have_sections_bylines_a_bishkek_dateline_subheadings_and_citations(loaded):
    assert {s.section.name for s in Story.objects.all()} == {"World", "Analysis"}
    for story in Story.objects.all():
        assert story.bylines.exists()
        assert story.dateline.name == "Bishkek"
        assert "\n## " in story.body
        assert story.body.count("\n\n") >= 3
        assert "<h2>" in story.body_html
        assert story.citations.exists()
        assert story.entities.filter(kind=Entity.Kind.PERSON).exists()
        assert story.related_stories.exists()
    assert Event.objects.filter(related_stories__isnull=False).exists()


def test_cover_pictures_are_drawn_with_alt_text_and_our_credit(loaded):
    events = Event.objects.exclude(cover_image="")
    stories = Story.objects.exclude(lead_image="")
    assert events.exists()
    assert stories.exists()
    for field in [e.cover_image for e in events] + [s.lead_image for s in stories]:
        with field.open("rb"), Image.open(field) as picture:
            assert picture.format == "JPEG"
            assert picture.size == (1200, 675)
    # Their sizes are stored, so pages can give width and height without opening files.
    assert {(e.cover_image_width, e.cover_image_height) for e in events} == {(1200, 675)}
    assert {(s.lead_image_width, s.lead_image_height) for s in stories} == {(1200, 675)}
    assert all(e.cover_image_alt and e.cover_image_credit == "Newsroom graphics" for e in events)
    assert all(s.lead_image_alt and s.lead_image_credit == "Newsroom graphics" for s in stories)


def test_an_image_credit_is_cited_after_the_sources(loaded):
    credit = EventCitation.objects.get(role=Citation.Role.IMAGE_CREDIT)
    last_source = credit.item.citations.filter(role=Citation.Role.SOURCE).last()
    assert credit.position == last_source.position + 1
    assert credit.item.cover_image_credit


# --- the workflow has something to show ---------------------------------------------------


def test_most_items_are_published_on_the_day_they_happened(loaded):
    published = Event.objects.published()
    assert published.count() >= 8
    for event in published:
        local = timezone.localtime(event.publish_at, demo.LOCAL_TIME)
        assert local.date() == event.date
        assert event.first_published_at == event.last_published_at == event.publish_at
    assert Story.objects.published().count() == 2


def test_some_items_wait_as_drafts_in_review_or_scheduled(loaded):
    assert Event.objects.filter(status=Status.DRAFT).count() == 1
    assert Event.objects.filter(status=Status.IN_REVIEW).count() == 1
    assert Story.objects.filter(status=Status.DRAFT).count() == 1
    (scheduled,) = [e for e in Event.objects.all() if e.is_scheduled]
    tomorrow = timezone.now() + dt.timedelta(days=1)
    assert abs(scheduled.publish_at - tomorrow) < dt.timedelta(hours=1)
    assert scheduled.first_published_at is None
    assert scheduled not in Event.objects.published()
    for item in Event.objects.exclude(status=Status.PUBLISHED):
        assert item.publish_at is None


# --- accounts -----------------------------------------------------------------------------


def test_the_demo_accounts_sign_in_with_their_published_passwords(loaded):
    journalist = User.objects.get(username=demo.JOURNALIST_USERNAME)
    editor = User.objects.get(username=demo.EDITOR_USERNAME)
    admin = User.objects.get(username=demo.ADMIN_USERNAME)
    assert list(journalist.groups.values_list("name", flat=True)) == [JOURNALIST]
    assert list(editor.groups.values_list("name", flat=True)) == [EDITOR]
    assert journalist.is_staff and editor.is_staff and admin.is_superuser
    assert not journalist.is_superuser and not editor.is_superuser
    for username, password in [
        (demo.JOURNALIST_USERNAME, demo.JOURNALIST_PASSWORD),
        (demo.EDITOR_USERNAME, demo.EDITOR_PASSWORD),
        (demo.ADMIN_USERNAME, demo.ADMIN_PASSWORD),
    ]:
        assert User.objects.get(username=username).check_password(password), username
        assert password in loaded


def test_the_journalist_writes_as_one_of_the_authors(loaded):
    author = Author.objects.get(user__username=demo.JOURNALIST_USERNAME)
    assert author.stories.exists()
    assert Event.objects.filter(created_by=author.user).exists()


def test_the_help_text_gives_the_demo_passwords():
    from events.management.commands.load_demo import Command

    for password in (demo.JOURNALIST_PASSWORD, demo.EDITOR_PASSWORD, demo.ADMIN_PASSWORD):
        assert password in Command.help


def test_without_debug_it_refuses_to_create_accounts_and_writes_nothing(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match=r"DEBUG is off.*passwords are public.*--force"):
        load_demo()
    assert not User.objects.exists()
    assert not Event.objects.exists()


def test_without_debug_force_creates_the_accounts(settings):
    settings.DEBUG = False
    load_demo("--force")
    assert User.objects.filter(is_staff=True).count() == 3


def test_without_debug_the_content_alone_loads(settings):
    settings.DEBUG = False
    output = load_demo("--no-users")
    assert not User.objects.exists()
    assert Event.objects.count() == 12
    assert Author.objects.get(slug="asel-toktogulova").user is None
    assert "demo-" not in output


# --- running it again ---------------------------------------------------------------------


def test_running_it_twice_leaves_every_table_as_it_was(loaded):
    before = row_counts()
    versions = dict(Event.objects.values_list("pk", "version"))
    output = load_demo()
    assert row_counts() == before
    assert dict(Event.objects.values_list("pk", "version")) == versions
    assert "nothing to change" in output


def test_running_it_twice_draws_no_new_pictures(loaded, settings):
    files = sorted(p for p in settings.MEDIA_ROOT.rglob("*") if p.is_file())
    load_demo()
    assert sorted(p for p in settings.MEDIA_ROOT.rglob("*") if p.is_file()) == files


def test_a_second_run_keeps_the_scheduled_time_and_the_accounts_passwords(loaded):
    scheduled = Event.objects.get(status=Status.PUBLISHED, publish_at__gt=timezone.now())
    editor = User.objects.get(username=demo.EDITOR_USERNAME)
    editor.set_password("changed-by-the-editor")
    editor.save()
    output = load_demo()
    assert Event.objects.get(pk=scheduled.pk).publish_at == scheduled.publish_at
    assert User.objects.get(pk=editor.pk).check_password("changed-by-the-editor")
    assert "password kept" in output


def test_a_second_run_puts_back_what_was_changed_or_removed(loaded):
    event = Event.objects.filter(cover_image="").published().first()
    event.headline = "Edited"
    event.save()
    event.citations.all().delete()
    event.entities.clear()
    RelatedEvent.objects.filter(from_event=event).delete()
    first = Event.objects.exclude(cover_image="").first()
    first.cover_image.storage.delete(first.cover_image.name)

    load_demo()

    fresh = Event.objects.get(pk=event.pk)
    assert fresh.headline != "Edited"
    assert fresh.citations.exists()
    assert fresh.entities.exists()
    assert fresh.related_links.exists()  # every demo event has related events
    first.refresh_from_db()
    assert first.cover_image.storage.exists(first.cover_image.name)
