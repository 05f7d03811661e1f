"""The admin of publishers and sources."""

import re

import pytest
from django.contrib import admin
from django.urls import reverse

from sources.models import Publisher, PublisherDomain, Source
from tests.admin_forms import admin_url, browser_data, form_errors, post, registered_models
from tests.factories import PublisherDomainFactory, PublisherFactory, SourceFactory

FACTORIES = {Publisher: PublisherFactory, Source: SourceFactory}


def test_every_sources_model_is_in_the_admin():
    assert set(registered_models("sources")) == {Publisher, Source}


@pytest.mark.parametrize("model", registered_models("sources"), ids=lambda m: m.__name__)
def test_changelist_add_and_change_pages_load_for_a_superuser(client, superuser, model):
    obj = FACTORIES[model]()
    client.force_login(superuser)
    assert client.get(admin_url(model, "changelist")).status_code == 200
    assert client.get(admin_url(model, "add")).status_code == 200
    assert client.get(admin_url(model, "change", obj.pk)).status_code == 200


def test_the_publisher_list_shows_domains_and_how_many_sources_cite_them(client, superuser):
    bbc = PublisherFactory(name="BBC")
    PublisherDomainFactory(publisher=bbc, domain="bbc.co.uk")
    PublisherDomainFactory(publisher=bbc, domain="bbc.com")
    SourceFactory.create_batch(3, publisher=bbc)
    client.force_login(superuser)

    response = client.get(admin_url(Publisher, "changelist"))

    publisher = response.context["cl"].result_list.get(pk=bbc.pk)
    assert publisher.source_count == 3
    assert "bbc.co.uk, bbc.com" in response.content.decode()


def test_a_publisher_is_added_with_its_domains_written_as_bare_lowercase_hosts(client, superuser):
    client.force_login(superuser)
    data = browser_data(client.get(admin_url(Publisher, "add")))
    data.update(name="Al Jazeera", slug="al-jazeera", kind="broadcaster", country="Qatar")
    data["domains-0-domain"] = "www.AlJazeera.com"

    response = post(client, admin_url(Publisher, "add"), data)

    assert response.status_code == 302, form_errors(response)
    publisher = Publisher.objects.get(slug="al-jazeera")
    assert list(publisher.domains.values_list("domain", flat=True)) == ["aljazeera.com"]


def test_a_source_pasted_with_tracking_parameters_is_stored_normalized_with_its_publisher(
    client, superuser
):
    bbc = PublisherDomainFactory(domain="bbc.co.uk").publisher
    client.force_login(superuser)
    data = browser_data(client.get(admin_url(Source, "add")))
    data["url"] = "https://WWW.BBC.co.uk/news/world-asia-12345?utm_source=tw#top"

    response = post(client, admin_url(Source, "add"), data)

    assert response.status_code == 302, form_errors(response)
    source = Source.objects.get()
    assert source.url == "https://www.bbc.co.uk/news/world-asia-12345"
    assert source.publisher == bbc


def test_a_source_already_known_under_another_spelling_is_refused_on_the_form(client, superuser):
    SourceFactory(url="https://example.org/report")
    client.force_login(superuser)
    data = browser_data(client.get(admin_url(Source, "add")))
    data["url"] = "https://EXAMPLE.org:443/report#section-2"

    response = post(client, admin_url(Source, "add"), data)

    assert response.status_code == 200
    assert any("already exists" in message for message in form_errors(response))
    assert Source.objects.count() == 1


def test_sources_are_found_by_their_publishers_name(client, superuser):
    SourceFactory(title="Riots in Bishkek", publisher=PublisherFactory(name="RIA Novosti"))
    SourceFactory(title="Weather report", publisher=PublisherFactory(name="Met Office"))
    client.force_login(superuser)

    response = client.get(admin_url(Source, "changelist"), {"q": "novosti"})

    assert [s.title for s in response.context["cl"].result_list] == ["Riots in Bishkek"]


def test_sources_filter_by_publisher_and_show_when_they_were_added(client, superuser):
    ria = PublisherFactory(name="RIA Novosti")
    source = SourceFactory(publisher=ria)
    SourceFactory()
    client.force_login(superuser)

    listing = client.get(admin_url(Source, "changelist"), {"publisher__id__exact": ria.pk})
    page = client.get(admin_url(Source, "change", source.pk))

    assert list(listing.context["cl"].result_list) == [source]
    assert "created_at" not in page.context["adminform"].form.fields
    assert re.search(r"Created at", page.content.decode(), re.IGNORECASE)


def test_the_source_list_costs_the_same_queries_for_many_sources(
    client, superuser, django_assert_max_num_queries
):
    SourceFactory.create_batch(30)
    client.force_login(superuser)
    with django_assert_max_num_queries(12):
        assert client.get(admin_url(Source, "changelist")).status_code == 200


def test_publisher_autocomplete_answers_for_the_source_form(client, superuser):
    PublisherFactory(name="Al Jazeera")
    PublisherFactory(name="BBC")
    client.force_login(superuser)

    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "sources", "model_name": "source", "field_name": "publisher", "term": "jaz"},
    )

    assert response.status_code == 200
    assert [r["text"] for r in response.json()["results"]] == ["Al Jazeera"]


def test_a_publisher_domain_is_listed_under_its_publisher_only():
    assert PublisherDomain not in admin.site._registry
