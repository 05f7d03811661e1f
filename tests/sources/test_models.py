"""Publishers, sources and the citation rules every citing app inherits."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError

from sources.models import Citation, PublisherDomain, Source
from tests.factories import (
    EventCitationFactory,
    EventFactory,
    PublisherDomainFactory,
    PublisherFactory,
    SourceFactory,
)

pytestmark = pytest.mark.django_db


def test_a_source_is_stored_under_its_normalized_url():
    source = Source.objects.create(url="HTTPS://WWW.Example.com:443/a?utm_source=x#top")
    assert source.url == "https://www.example.com/a"


def test_the_same_document_in_two_spellings_is_one_source():
    first, created = Source.objects.for_url("https://example.com/story?utm_medium=email")
    second, created_again = Source.objects.for_url("HTTPS://EXAMPLE.COM/story#comments")
    assert created and not created_again
    assert first == second
    assert Source.objects.count() == 1


def test_a_second_row_with_the_same_url_is_refused_by_the_database():
    Source.objects.create(url="https://example.com/x")
    with pytest.raises(IntegrityError), transaction.atomic():
        Source.objects.create(url="https://example.com/x#again")


def test_the_publisher_is_inferred_from_the_domain():
    bbc = PublisherFactory(name="BBC")
    PublisherDomainFactory(publisher=bbc, domain="bbc.co.uk")
    source = Source.objects.create(url="http://news.bbc.co.uk/2/hi/asia-pacific/8606504.stm")
    assert source.publisher == bbc


def test_the_most_specific_domain_wins():
    parent = PublisherFactory(name="Big Media Group")
    PublisherDomainFactory(publisher=parent, domain="media.example")
    desk = PublisherFactory(name="World Desk")
    PublisherDomainFactory(publisher=desk, domain="world.media.example")
    assert Source.objects.create(url="https://world.media.example/a").publisher == desk
    assert Source.objects.create(url="https://sport.media.example/a").publisher == parent


def test_an_unknown_domain_leaves_the_publisher_empty():
    assert Source.objects.create(url="https://nobody.example/a").publisher is None


def test_a_publisher_given_explicitly_is_kept():
    bbc = PublisherFactory(name="BBC")
    PublisherDomainFactory(publisher=bbc, domain="bbc.co.uk")
    syndicator = PublisherFactory(name="Syndicator")
    source = Source.objects.create(url="https://bbc.co.uk/x", publisher=syndicator)
    assert source.publisher == syndicator


@pytest.mark.parametrize(
    "bad", ["ftp://example.com/file.txt", "javascript:alert(1)", "example.com/no-scheme"]
)
def test_validation_explains_a_url_that_is_not_a_web_address(bad):
    with pytest.raises(ValidationError) as error:
        Source(url=bad).full_clean()
    assert "url" in error.value.message_dict
    assert any("http" in message for message in error.value.message_dict["url"])


def test_publisher_domains_are_stored_bare_and_lowercase():
    domain = PublisherDomainFactory(domain="WWW.Aljazeera.NET.")
    assert domain.domain == "aljazeera.net"


def test_a_domain_belongs_to_one_publisher_only():
    PublisherDomainFactory(domain="rt.com")
    with pytest.raises(IntegrityError), transaction.atomic():
        PublisherDomainFactory(domain="rt.com")


def test_a_publisher_gets_a_slug_from_its_name():
    assert PublisherFactory(name="RIA Novosti").slug == "ria-novosti"


def test_domain_validation_refuses_a_url_in_place_of_a_host():
    with pytest.raises(ValidationError):
        PublisherDomain(publisher=PublisherFactory(), domain="https://bbc.co.uk/news").full_clean()


def immediately():
    """Check deferred constraints now rather than at commit (PostgreSQL)."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


postgresql_only = pytest.mark.skipif(
    not connection.features.supports_deferrable_unique_constraints,
    reason="only PostgreSQL has the deferred citation constraints; SQLite relies on the admin",
)


@postgresql_only
def test_one_source_is_cited_once_per_role_in_an_item():
    citation = EventCitationFactory(position=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        EventCitationFactory(item=citation.item, source=citation.source, position=2)
        immediately()
    EventCitationFactory(
        item=citation.item, source=citation.source, position=2, role=Citation.Role.IMAGE_CREDIT
    )
    immediately()


@postgresql_only
def test_two_rows_can_swap_their_sources_in_one_transaction():
    event = EventFactory()
    first = EventCitationFactory(item=event, position=1)
    second = EventCitationFactory(item=event, position=2)
    with transaction.atomic():
        first.source, second.source = second.source, first.source
        first.save()
        second.save()
        immediately()


@postgresql_only
def test_positions_can_be_swapped_in_one_transaction_but_not_left_duplicated():
    event = EventFactory()
    first = EventCitationFactory(item=event, position=1)
    second = EventCitationFactory(item=event, position=2)
    with transaction.atomic():
        first.position, second.position = 2, 1
        first.save()
        second.save()
        immediately()
    assert list(event.citations.values_list("pk", flat=True)) == [second.pk, first.pk]
    with pytest.raises(IntegrityError), transaction.atomic():
        EventCitationFactory(item=event, position=1)
        immediately()


def test_a_cited_source_cannot_be_deleted():
    citation = EventCitationFactory()
    with pytest.raises(ProtectedError):
        citation.source.delete()
    assert SourceFactory._meta.model.objects.filter(pk=citation.source_id).exists()
