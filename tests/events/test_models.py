"""Events: slugs unique per day, ordered related events, citation counts."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from events.models import SLUG_MAX_LENGTH, Event, RelatedEvent, headline_slug
from sources.models import Citation
from tests.factories import (
    EventCitationFactory,
    EventFactory,
    PublisherFactory,
    RelatedEventFactory,
    SourceFactory,
)

pytestmark = pytest.mark.django_db

APRIL_7 = dt.date(2010, 4, 7)


def test_the_slug_comes_from_the_headline():
    event = EventFactory(headline="Protesters overrun parliament in Bishkek", date=APRIL_7)
    assert event.slug == "protesters-overrun-parliament-in-bishkek"
    assert event.get_absolute_url() == (
        "/events/2010/04/07/protesters-overrun-parliament-in-bishkek/"
    )


def test_the_same_headline_on_the_same_day_gets_a_second_slug():
    first = EventFactory(headline="Curfew declared", date=APRIL_7)
    second = EventFactory(headline="Curfew declared", date=APRIL_7)
    assert (first.slug, second.slug) == ("curfew-declared", "curfew-declared-2")


def test_the_same_slug_on_another_day_is_fine():
    EventFactory(headline="Curfew declared", date=APRIL_7)
    assert EventFactory(headline="Curfew declared", date=APRIL_7 + dt.timedelta(1)).slug == (
        "curfew-declared"
    )


def test_a_duplicate_slug_on_the_same_day_gets_a_clear_message():
    EventFactory(slug="curfew", date=APRIL_7)
    duplicate = EventFactory.build(slug="curfew", date=APRIL_7, category=None)
    with pytest.raises(ValidationError) as error:
        duplicate.full_clean()
    assert "Another event on this day already uses this slug." in str(error.value)


def test_the_database_refuses_a_duplicate_slug_on_the_same_day():
    EventFactory(slug="curfew", date=APRIL_7)
    with pytest.raises(IntegrityError), transaction.atomic():
        EventFactory(slug="curfew", date=APRIL_7)


def test_full_clean_fills_an_empty_slug_so_a_form_can_leave_it_blank():
    event = EventFactory.build(headline="Talas governor's office seized", slug="", category=None)
    event.full_clean()
    assert event.slug == "talas-governors-office-seized"


def test_long_headlines_are_cut_at_a_word_boundary():
    slug = headline_slug("word " * 100)
    assert len(slug) <= SLUG_MAX_LENGTH
    assert not slug.endswith("-")
    assert slug.endswith("word")


def test_related_events_keep_their_order():
    event = EventFactory()
    later, earlier = EventFactory(), EventFactory()
    RelatedEventFactory(from_event=event, to_event=later, position=2)
    RelatedEventFactory(from_event=event, to_event=earlier, position=1)
    ordered = [link.to_event for link in event.related_links.all()]
    assert ordered == [earlier, later]


def test_an_event_cannot_be_related_to_itself():
    event = EventFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        RelatedEvent.objects.create(from_event=event, to_event=event)


def test_an_event_is_related_to_another_only_once():
    link = RelatedEventFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        RelatedEvent.objects.create(from_event=link.from_event, to_event=link.to_event)


def test_citation_counts_count_distinct_publishers():
    event = EventFactory()
    bbc, xinhua = PublisherFactory(name="BBC"), PublisherFactory(name="Xinhua")
    EventCitationFactory(item=event, source=SourceFactory(publisher=bbc))
    EventCitationFactory(item=event, source=SourceFactory(publisher=bbc))
    EventCitationFactory(item=event, source=SourceFactory(publisher=xinhua))
    EventCitationFactory(
        item=event, source=SourceFactory(publisher=None), role=Citation.Role.IMAGE_CREDIT
    )
    EventFactory()  # an event without citations
    counted = {
        e.pk: (e.citation_count, e.publisher_count) for e in Event.objects.with_citation_counts()
    }
    assert counted[event.pk] == (4, 2)
    assert sorted(counted.values()) == [(0, 0), (4, 2)]


def test_deleting_an_event_removes_its_citations_but_keeps_the_sources():
    citation = EventCitationFactory()
    citation.item.delete()
    assert not citation._meta.model.objects.exists()
    assert SourceFactory._meta.model.objects.filter(pk=citation.source_id).exists()
