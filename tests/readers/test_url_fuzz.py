"""No address answers 500.

Every URL pattern of the site (readers' pages, their `.md` twins, feeds, sitemaps, previews and
the desk, logged out) is walked from the resolver and requested with generated arguments: the
shapes its converters accept, numbers of any size, text in any script, impossible dates, and
query strings (`page=`, `q=`, date filters…) of any content. Whatever comes in, the answer is a
page, a redirect or a 404, never a server error. Impossible dates and unknown slugs answer 404.
"""

import datetime as dt
import re
from urllib.parse import quote

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RegexPattern, RoutePattern
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import (
    EntityFactory,
    EventCitationFactory,
    EventFactory,
    PublisherFactory,
    SectionFactory,
    SourceFactory,
    StoryFactory,
)

from .conftest import APRIL_7

pytestmark = pytest.mark.django_db


def walk(resolver: URLResolver, parents: tuple = ()):
    """(the patterns from the root to a view, the view's name) for every view of the site."""
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from walk(entry, (*parents, entry.pattern))
        elif isinstance(entry, URLPattern):
            yield (*parents, entry.pattern), entry.name


def label(patterns: tuple) -> str:
    return "".join(str(pattern) for pattern in patterns) or "(root)"


ROUTES = {label(patterns): patterns for patterns, _name in walk(get_resolver())}
DESK = sorted(name for name in ROUTES if name.startswith("admin/"))
READERS = sorted(name for name in ROUTES if name not in DESK)
CONVERTER = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<parameter>[^>]+)>")

#: Text at the edges of what dates and numbers may be.
EDGES = [
    *("0", "00", "01", "02", "12", "13", "29", "30", "31", "32", "99"),
    *("0000", "0001", "9998", "9999", "10000"),
    *("-1", "1e3", "٣", "²", " 1", "2010-02-30", "9999-12-31", "0001-01-01", "0000-00-00"),
]
any_number = st.integers().map(str) | st.integers(min_value=10**18).map(str)
any_text = st.text(min_size=1, max_size=60)
scripts = st.sampled_from(
    ["严重急性呼吸道症候群", "Ош", "Erdoğan", "ελλάδα", "עברית", "😀", "a\x00b"]
)
#: Names the `content` fixture gives its rows, so that generated addresses reach them.
KNOWN = [
    "protests-in-bishkek",
    "bishkek",
    "world",
    "kyrgyz-revolution",
    "bbc",
    "严重急性呼吸道症候群",
]
argument_text = st.sampled_from(EDGES) | any_number | any_text | scripts | st.sampled_from(KNOWN)


def argument(converter) -> st.SearchStrategy[str]:
    """Text for one converter: the shapes it accepts, at their edges too, and anything else."""
    shapes = [st.from_regex(converter.regex, fullmatch=True)]
    if fitting := [edge for edge in EDGES if re.fullmatch(converter.regex, edge)]:
        shapes.insert(0, st.sampled_from(fitting))
    if digits := re.fullmatch(r"\[0-9\]\{(\d)\}", converter.regex):
        width = int(digits[1])
        shapes.insert(0, st.integers(0, 10**width - 1).map(lambda n: f"{n:0{width}d}"))
    return st.one_of(*shapes, argument_text)


def route_part(pattern, given: dict[str, str]) -> st.SearchStrategy[str]:
    """The text of one piece of an address, its arguments percent-encoded; `given` arguments
    by parameter name, the others generated."""
    if isinstance(pattern, RegexPattern):
        return st.from_regex(pattern._regex, fullmatch=True).map(lambda text: quote(text, "/"))
    assert isinstance(pattern, RoutePattern)
    route, parts, position = pattern._route, [], 0
    for match in CONVERTER.finditer(route):
        parts.append(st.just(route[position : match.start()]))
        parameter = match["parameter"]
        value = given.get(parameter)
        value = st.just(value) if value is not None else argument(pattern.converters[parameter])
        parts.append(value.map(lambda text: quote(text, safe="")))
        position = match.end()
    parts.append(st.just(route[position:]))
    return st.tuples(*parts).map("".join)


def address(patterns: tuple, **given: str) -> st.SearchStrategy[str]:
    return st.tuples(*(route_part(pattern, given) for pattern in patterns)).map(
        lambda parts: "/" + "".join(parts)
    )


near_the_ends = st.one_of(
    st.sampled_from([dt.date.min, dt.date.max, dt.date(9999, 12, 1), dt.date(2010, 2, 28)]),
    st.dates(max_value=dt.date.min + dt.timedelta(days=60)),
    st.dates(min_value=dt.date.max - dt.timedelta(days=60)),
    st.dates(),
).map(lambda day: (f"{day.year:04d}", f"{day.month:02d}", f"{day.day:02d}"))
impossible_days = st.tuples(
    st.integers(0, 9999).map("{:04d}".format),
    st.integers(0, 13).map("{:02d}".format),
    st.integers(0, 32).map("{:02d}".format),
)
DATED = sorted(name for name in READERS if "<yyyy:year>" in name)


PARAMETERS = ["page", "q", "start", "end", "section", "category", "entity", "p", "format"]
query = st.dictionaries(st.sampled_from(PARAMETERS), argument_text, max_size=4)


@pytest.fixture
def content(db):
    """A little of everything, so that arguments that fit lead to real rows."""
    section = SectionFactory(name="World", slug="world")
    topic = EntityFactory(name="Kyrgyz revolution", slug="kyrgyz-revolution", kind="topic")
    event = EventFactory(
        published=True, date=APRIL_7, slug="protests-in-bishkek", headline="Protests", topic=topic
    )
    event.entities.add(
        topic, EntityFactory(name="严重急性呼吸道症候群", slug="严重急性呼吸道症候群")
    )
    EventCitationFactory(item=event, source=SourceFactory(publisher=PublisherFactory(slug="bbc")))
    story = StoryFactory(published=True, slug="bishkek", headline="Bishkek", section=section)
    story.entities.add(topic)


def reader() -> Client:
    return Client(raise_request_exception=False)


fuzzing = settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.mark.usefixtures("content")
@pytest.mark.parametrize("route", READERS)
@fuzzing
@given(data=st.data())
def test_no_readers_address_answers_500(route, data):
    path = data.draw(address(ROUTES[route]), label="path")
    params = data.draw(query, label="query")

    response = reader().get(path, params)

    assert response.status_code < 500, (path, params)


@pytest.mark.usefixtures("content")
@pytest.mark.parametrize("route", DATED)
@fuzzing
@given(day=near_the_ends | impossible_days, data=st.data())
def test_no_day_at_the_ends_of_the_calendar_answers_500(route, day, data):
    year, month, day = day
    path = data.draw(address(ROUTES[route], year=year, month=month, day=day), label="path")

    response = reader().get(path)

    assert response.status_code < 500, path


@pytest.mark.usefixtures("content")
@pytest.mark.parametrize("route", DESK)
@settings(fuzzing, max_examples=5)
@given(data=st.data())
def test_no_desk_address_answers_500_to_a_visitor(route, data):
    path = data.draw(address(ROUTES[route]), label="path")

    response = reader().get(path, data.draw(query, label="query"))

    assert response.status_code < 500, path


def test_every_readers_page_is_fuzzed(settings):
    assert not settings.DEBUG  # as in production: errors answer 500, not a debug page
    assert {"(root)", "events/<yyyy:year>/<mm:month>/", "sitemap-<section>.xml"} <= set(READERS)
    assert any(name.endswith(".md") for name in READERS)
    assert any("feed/" in name for name in READERS)


IMPOSSIBLE = [
    "/events/9999/12/",
    "/events/9999/",
    "/events/0000/",
    "/events/0000/01/",
    "/events/2010/00/",
    "/events/2010/13/",
    "/events/2010/02/30/",
    "/events/2010/04/31/",
    "/events/2010/04/00/",
    "/events/2010/02/30.md",
    "/events/2010/02/30/protests-in-bishkek/",
    "/events/2010/02/30/protests-in-bishkek.md",
    "/events/9999/12/31/",
    "/events/9999/12/31.md",
    "/events/9999/12/31/protests-in-bishkek/",
    "/events/0001/01/01/protests-in-bishkek/",
    "/stories/9999/12/31/bishkek/",
    "/stories/0001/01/01/bishkek/",
    "/stories/0000/01/01/bishkek/",
    "/stories/2010/02/30/no-such-story/",
    "/stories/2010/04/20/no-such-story/",
    "/events/2010/04/07/no-such-event/",
    "/events/2010/04/07/no-such-event.md",
    "/topics/no-such-topic/",
    "/topics/no-such-topic/feed/",
    "/topics/%E6%97%A0/atom/",
    "/sources/no-such-publisher/",
    "/sections/no-such-section/",
    "/sections/no-such-section/feed/",
    "/sitemap-no-such.xml",
    "/sitemap-events.xml?p=0",
    "/sitemap-events.xml?p=99999999999999999999999",
    "/sections/world/?page=99999999999999999999999",
    "/topics/kyrgyz-revolution/?page=-1",
    "/search/?q=protests&page=99999999999999999999",
    "/preview/not-a-token/",
]


@pytest.mark.usefixtures("content")
@pytest.mark.parametrize("path", IMPOSSIBLE)
def test_impossible_dates_and_unknown_names_answer_404(path):
    assert reader().get(path).status_code == 404


@pytest.mark.usefixtures("content")
def test_the_fixture_pages_exist():
    """The fuzzing reaches real rows: the pages its arguments aim at answer 200."""
    client = reader()
    for path in [
        "/events/2010/",
        "/events/2010/04/",
        "/events/2010/04/07/",
        "/events/2010/04/07.md",
        "/events/2010/04/07/protests-in-bishkek/",
        "/topics/kyrgyz-revolution/",
        "/sources/bbc/",
        "/sections/world/",
    ]:
        assert client.get(path).status_code == 200, path
