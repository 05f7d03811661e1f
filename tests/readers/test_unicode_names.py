"""Names in any script: slugs in Chinese, Cyrillic or with accents, made through the desk, a
spreadsheet or the archive, give pages that answer 200, with links percent-encoded.

Every page is reached as a reader would: from the sitemaps, then each item's Markdown twin, its
feeds and the publishers' pages, and a search in the names' own script.
"""

import re
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

import pytest
from django.core.management import call_command
from django.test import Client

from events.models import Event
from newsroom.models import Author, Entity, Section, Story
from newsroom.workflow import publish
from sources.models import Publisher
from sources.slugs import make_slug
from tests.admin_forms import add_row, admin_url, browser_data, form_errors, post
from tests.factories import SectionFactory
from tests.imports.conftest import EVENT_HEADER, csv_bytes, import_file

pytestmark = pytest.mark.django_db

CHINESE = Path(__file__).parents[1] / "archive" / "fixtures" / "chinese"
TOPIC = "严重急性呼吸道症候群"
LOC = re.compile(r"<loc>([^<]*)</loc>")
HREF = re.compile(r'href="(/[^"]*)"')
URL = re.compile(r"(?:https?://testserver|\]\()(/[^<\")\s]*)")  # in feeds, sitemaps, twins


def path_of(url: str) -> str:
    return urlsplit(url).path


def sitemap_paths(client: Client) -> list[str]:
    """Every address the sitemaps list (as paths), after checking each is percent-encoded."""
    index = client.get("/sitemap.xml")
    assert index.status_code == 200
    paths = []
    for sitemap in LOC.findall(index.content.decode()):
        response = client.get(path_of(sitemap))
        assert response.status_code == 200, sitemap
        for url in LOC.findall(response.content.decode()):
            assert url.isascii(), url
            paths.append(path_of(url))
    return paths


def assert_every_page_answers(client: Client) -> list[str]:
    """Every reader's page of what is published answers 200; returns the pages' paths."""
    paths = sitemap_paths(client)
    for event in Event.objects.published():
        url = event.get_absolute_url()
        paths += [url.removesuffix("/") + ".md", url.rsplit("/", 2)[0] + ".md"]
    topics = [unquote(path.split("/")[2]) for path in paths if path.startswith("/topics/")]
    assert topics
    for entity in Entity.objects.filter(slug__in=topics):
        paths += [f"{entity.get_absolute_url()}feed/", f"{entity.get_absolute_url()}atom/"]
    cited = {
        citation.source.publisher
        for item in [*Event.objects.published(), *Story.objects.published()]
        for citation in item.citations.select_related("source__publisher")
    } - {None}
    assert cited
    paths += [publisher.get_absolute_url() for publisher in cited]
    for publisher in Publisher.objects.exclude(pk__in=[p.pk for p in cited]):
        assert client.get(publisher.get_absolute_url()).status_code == 404  # nothing cites it
    paths += [f"{section.get_absolute_url()}feed/" for section in Section.objects.all()]
    paths += ["/", "/feeds/events/", "/feeds/stories/atom/", "/sitemap-news.xml"]
    encoded = set()
    for path in paths:
        assert path.isascii(), path
        response = client.get(path)
        assert response.status_code == 200, path
        text = response.content.decode()
        links = HREF.findall(text) if "html" in response["Content-Type"] else URL.findall(text)
        assert all(link.isascii() for link in links), path
        encoded.update(link for link in links if "%" in link)
    assert len(encoded) > 5  # names in other scripts were linked, percent-encoded
    return paths


def test_the_one_slug_rule_keeps_every_script():
    assert make_slug(f"{TOPIC}：最新消息") == f"{TOPIC}最新消息"
    assert make_slug("Ош: рынок снова открыт") == "ош-рынок-снова-открыт"
    assert make_slug("Recep Tayyip Erdoğan") == "recep-tayyip-erdoğan"
    assert make_slug("Zoë Ébène", max_length=3) == "zoë"
    assert make_slug("!!! ---") == ""


def test_a_chinese_edition_of_the_archive_gives_working_pages(client):
    call_command("import_archive", str(CHINESE), stdout=None)

    events = Event.objects.published()
    assert events.count() == 5
    assert events.filter(slug="卫生部门公布新增病例并加强医院防护措施").exists()
    topic = Entity.objects.get(name=TOPIC)
    assert topic.slug == TOPIC
    assert Publisher.objects.get(name="新华通讯社").slug == "新华通讯社"
    paths = assert_every_page_answers(client)
    assert quote(f"/topics/{TOPIC}/") in paths
    assert quote("/events/2003/04/03/ош-рынок-снова-открыт-после-ремонта/") in paths
    event_page = client.get(events.get(date__day=2).get_absolute_url()).content.decode()
    assert f'href="{quote(f"/topics/{TOPIC}/")}"' in event_page
    twin = client.get(quote("/events/2003/04/02/专家组抵达广州调查病毒来源.md")).content.decode()
    assert quote("/events/2003/04/01/卫生部门公布新增病例并加强医院防护措施.md") in twin
    found = client.get("/search/", {"q": "广州"})
    assert found.status_code == 200


def test_a_spreadsheet_in_several_scripts_gives_working_pages(client, editor):
    rows = [
        EVENT_HEADER,
        ["2010-06-12", "", "Ош: рынок снова открыт", "", "Ош; Роза Отунбаева",
         "Азаттык | https://azattyk.example/1"],
        ["2010-06-12", "", "香港学校推迟开学", "", "香港; 世界卫生组织",
         "明报 | https://mingbao.example/1"],
        ["2010-06-13", "", "Erdoğan offers aid to Kyrgyzstan", "", "Recep Tayyip Erdoğan",
         "Anadolu Ajansı | https://aa.example/1"],
    ]  # fmt: skip

    record = import_file(csv_bytes(rows), user=editor, publish=True)

    assert record.errors == []
    assert set(Event.objects.values_list("slug", flat=True)) == {
        "ош-рынок-снова-открыт",
        "香港学校推迟开学",
        "erdoğan-offers-aid-to-kyrgyzstan",
    }
    assert Entity.objects.get(name="Роза Отунбаева").slug == "роза-отунбаева"
    assert Publisher.objects.get(name="Anadolu Ajansı").slug == "anadolu-ajansı"
    paths = assert_every_page_answers(client)
    assert quote("/topics/recep-tayyip-erdoğan/") in paths
    assert quote("/sources/азаттык/") in paths


def test_story_and_publisher_sheets_take_slugs_in_any_script(client, editor):
    SectionFactory(name="Мир", slug="мир")
    publishers = [["name", "slug"], ["Агентство «Кабар»", "кабар"], ["Zürcher Zeitung", ""]]
    stories = [
        ["slug", "headline", "body", "section", "authors", "entities", "citations"],
        ["北京报道", "北京举行新闻发布会", "正文。", "Мир", "Zoë Ébène", "北京", "https://k.example/1"],
        ["", "Ош: рынок открыт", "Текст.", "Мир", "Асель Бекова", "Ош", "Агентство «Кабар» | https://kabar.example/2"],
    ]  # fmt: skip

    for resource, rows, live in (("publishers", publishers, False), ("stories", stories, True)):
        record = import_file(csv_bytes(rows), resource, user=editor, publish=live)
        assert (record.state, record.errors) == ("imported", []), record.message

    assert set(Story.objects.values_list("slug", flat=True)) == {"北京报道", "ош-рынок-открыт"}
    assert set(Author.objects.values_list("slug", flat=True)) == {"zoë-ébène", "асель-бекова"}
    assert Publisher.objects.get(name="Zürcher Zeitung").slug == "zürcher-zeitung"
    paths = assert_every_page_answers(client)
    assert quote("/sources/кабар/") in paths
    assert quote("/sections/мир/") in paths


def add(client: Client, model, **fields) -> None:
    data = browser_data(client.get(admin_url(model, "add")))
    data.update(fields)
    response = post(client, admin_url(model, "add"), data)
    assert response.status_code == 302, form_errors(response)


def test_names_typed_at_the_desk_in_several_scripts_give_working_pages(client, editor):
    desk = Client()
    desk.force_login(editor)
    add(desk, Section, name="Мир", slug="мир")
    add(desk, Author, name="Zoë Ébène", slug="zoë-ébène")
    data = browser_data(desk.get(admin_url(Publisher, "add")))
    data.update(name="明报", slug="明报")
    add_row(data, "domains", domain="mingbao.example")
    response = post(desk, admin_url(Publisher, "add"), data)
    assert response.status_code == 302, form_errors(response)
    data = browser_data(desk.get(admin_url(Story, "add")))
    data.update(
        headline="Ош: рынок снова открыт после ремонта",
        slug="ош-рынок",
        body="Торговцы вернулись.",
        section=str(Section.objects.get().pk),
        entities="Ош, 香港, Recep Tayyip Erdoğan",
    )
    add_row(data, "bylines", author=str(Author.objects.get().pk), order="1")
    add_row(data, "citations", url="https://mingbao.example/20100612")
    response = post(desk, admin_url(Story, "add"), data)
    assert response.status_code == 302, form_errors(response)
    story = Story.objects.get()
    publish(story, by=editor)

    assert sorted(story.entities.values_list("slug", flat=True)) == [
        "recep-tayyip-erdoğan",
        "ош",
        "香港",
    ]
    paths = assert_every_page_answers(client)
    assert story.get_absolute_url() in paths
    assert quote("/sections/мир/") in paths
    assert client.get(quote("/sources/明报/")).status_code == 200
    assert client.get("/search/", {"entity": "香港"}).status_code == 200


@pytest.mark.parametrize("slug", ["ош рынок", "a/b", "<b>"])
def test_the_desk_refuses_a_slug_that_is_not_one(client, editor, slug):
    desk = Client()
    desk.force_login(editor)
    data = browser_data(desk.get(admin_url(Section, "add")))
    data.update(name="Мир", slug=slug)

    response = post(desk, admin_url(Section, "add"), data)

    assert response.status_code == 200
    assert not Section.objects.exists()


def test_an_entity_whose_name_spreads_when_normalized_still_gets_a_slug_that_fits():
    spreading = "ﷺ" * 6  # one character, eighteen once normalized
    entity = Entity.objects.create(name=spreading)
    twin = Entity.objects.create(name=spreading + " ")

    assert len(make_slug(spreading)) > Entity._meta.get_field("slug").max_length
    assert entity.slug.startswith(make_slug("ﷺ"))
    assert len(twin.slug) <= Entity._meta.get_field("slug").max_length
    assert entity.slug != twin.slug
    assert client_for_readers().get(entity.get_absolute_url()).status_code == 404  # no 500


def client_for_readers() -> Client:
    return Client(raise_request_exception=False)
