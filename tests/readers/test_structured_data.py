"""schema.org NewsArticle JSON-LD and Open Graph tags on story and event pages, parsed."""

import datetime as dt

import pytest

from events.models import EventCorrection
from newsroom.models import Author, Correction, StoryAuthor
from newsroom.renditions import rendition_name
from tests.factories import (
    CategoryFactory,
    EntityFactory,
    EventCitationFactory,
    SectionFactory,
    StoryFactory,
    image_file,
)

from .conftest import NOW, published_event
from .html_tools import json_ld, open_graph

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("one_section")]


def full_story():
    osh = EntityFactory(name="Osh", kind="place")
    story = StoryFactory(
        published=True,
        headline="Curfew in Osh after a night of clashes",
        dek="The city was quiet by morning.",
        section=SectionFactory(name="Asia", slug="asia"),
        dateline=osh,
        lead_image=image_file(size=(120, 80)),
        lead_image_alt="Soldiers at a checkpoint",
        lead_image_caption="A checkpoint on the main road.",
        lead_image_credit="Jane Doe / Agency",
    )
    story.entities.add(osh, EntityFactory(name="Kyrgyzstan", kind="place"))
    for position, name in enumerate(["Ann Reporter", "Bo Writer"]):
        author = Author.objects.create(name=name, slug=name.lower().replace(" ", "-"))
        StoryAuthor.objects.create(story=story, author=author, position=position)
    Correction.objects.create(
        story=story, text="An earlier version misnamed the mayor.", published_at=NOW
    )
    return story


def test_story_carries_a_news_article_with_authors_dates_image_dateline_and_corrections(client):
    story = full_story()

    html = client.get(story.get_absolute_url()).content.decode()
    [data] = json_ld(html)

    url = f"http://testserver{story.get_absolute_url()}"
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "NewsArticle"
    assert data["mainEntityOfPage"] == {"@type": "WebPage", "@id": url}
    assert data["headline"] == "Curfew in Osh after a night of clashes"
    assert data["description"] == "The city was quiet by morning."
    assert data["author"] == [
        {"@type": "Person", "name": "Ann Reporter"},
        {"@type": "Person", "name": "Bo Writer"},
    ]
    assert dt.datetime.fromisoformat(data["datePublished"]) == story.publish_at
    assert dt.datetime.fromisoformat(data["dateModified"]) == NOW  # the correction
    [image] = data["image"]
    assert image["@type"] == "ImageObject"
    # The widest JPEG rendition, re-encoded without metadata, rather than the upload itself.
    rendition = rendition_name(story.lead_image.name, 120, "jpg")
    assert image["url"] == f"http://testserver/media/{rendition}"
    assert (image["width"], image["height"]) == (120, 80)
    assert image["creditText"] == "Jane Doe / Agency"
    assert data["dateline"] == "Osh"
    assert data["locationCreated"] == {"@type": "Place", "name": "Osh"}
    assert data["articleSection"] == "Asia"
    assert sorted(data["keywords"]) == ["Kyrgyzstan", "Osh"]
    assert data["correction"] == [
        {
            "@type": "CorrectionComment",
            "datePublished": NOW.isoformat(),
            "text": "An earlier version misnamed the mayor.",
        }
    ]
    assert data["publisher"] == {"@type": "NewsMediaOrganization", "name": "Newsroom"}


def test_story_open_graph_tags(client):
    story = full_story()

    og = open_graph(client.get(story.get_absolute_url()).content.decode())

    assert og["og:type"] == ["article"]
    assert og["og:title"] == ["Curfew in Osh after a night of clashes"]
    assert og["og:url"] == [f"http://testserver{story.get_absolute_url()}"]
    rendition = rendition_name(story.lead_image.name, 120, "jpg")
    assert og["og:image"] == [f"http://testserver/media/{rendition}"]
    assert og["og:image:width"] == ["120"] and og["og:image:height"] == ["80"]
    assert og["og:image:alt"] == ["Soldiers at a checkpoint"]
    assert og["article:section"] == ["Asia"]
    assert sorted(og["article:tag"]) == ["Kyrgyzstan", "Osh"]
    assert dt.datetime.fromisoformat(og["article:published_time"][0]) == story.publish_at


def test_event_carries_a_news_article_with_place_category_citations_and_corrections(client):
    place = EntityFactory(name="Bishkek", kind="place")
    topic = EntityFactory(name="2010 Kyrgyz revolution", kind="topic")
    event = published_event(
        headline="The president flees",
        summary="He left by plane.",
        place=place,
        topic=topic,
        category=CategoryFactory(name="Politics"),
        cover_image=image_file(size=(90, 60)),
        cover_image_alt="A plane on the runway",
        cover_image_credit="Al Jazeera",
    )
    EventCitationFactory(item=event, position=1, source__url="https://news.example/a")
    EventCorrection.objects.create(event=event, text="He left on Thursday.", published_at=NOW)

    [data] = json_ld(client.get(event.get_absolute_url()).content.decode())

    assert data["@type"] == "NewsArticle"
    assert data["headline"] == "The president flees"
    assert data["description"] == "He left by plane."
    assert data["author"] == [{"@type": "Organization", "name": "Newsroom"}]
    assert data["locationCreated"] == {"@type": "Place", "name": "Bishkek"}
    assert data["articleSection"] == "Politics"
    assert data["keywords"][0] == "2010 Kyrgyz revolution"
    assert data["citation"] == ["https://news.example/a"]
    assert data["image"][0]["width"] == 90 and data["image"][0]["height"] == 60
    assert data["correction"][0]["text"] == "He left on Thursday."


def test_long_headlines_are_cut_for_search_engines_but_not_for_open_graph(client):
    headline = "A very long headline " * 10
    event = published_event(headline=headline.strip())
    html = client.get(event.get_absolute_url()).content.decode()

    [data] = json_ld(html)

    assert len(data["headline"]) == 110 and data["headline"].endswith("…")
    assert open_graph(html)["og:title"] == [headline.strip()]


def test_hostile_text_cannot_close_the_json_ld_script(client):
    event = published_event(headline="</script><script>alert(1)</script> & <!--")

    html = client.get(event.get_absolute_url()).content.decode()

    assert "</script><script>alert(1)" not in html
    [data] = json_ld(html)
    assert data["headline"] == "</script><script>alert(1)</script> & <!--"
