"""URL normalization: one canonical spelling per cited document."""

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from sources.links import candidate_domains, domain_of, normalize_url

label = st.from_regex(r"[a-z][a-z0-9]{0,10}", fullmatch=True)
hosts = st.lists(label, min_size=2, max_size=4).map(".".join)
path_chars = st.sampled_from(list("abcXYZ019-._~/!$'()*+,;=:@ %éж?#&"))
# Pasted URLs are stripped at both ends, as browsers do, so a generated path never ends in a
# space: "http://a.example/ " and "http://a.example/ #x" rightly normalize differently.
paths = st.lists(path_chars, max_size=30).map(
    lambda cs: "/" + "".join(cs).replace("?", "").replace("#", "").rstrip()
)
query_names = st.from_regex(r"[a-z]{1,6}", fullmatch=True).filter(lambda n: not n.startswith("utm"))
query_pairs = st.lists(st.tuples(query_names, st.text("abc123é/%+", max_size=6)), max_size=4)
schemes = st.sampled_from(["http", "https"])


def build(scheme: str, host: str, path: str, pairs: list[tuple[str, str]]) -> str:
    query = "&".join(f"{name}={value}" for name, value in pairs)
    return f"{scheme}://{host}{path}" + (f"?{query}" if query else "")


urls = st.builds(build, schemes, hosts, paths, query_pairs)


@given(urls)
def test_normalizing_twice_changes_nothing(url):
    once = normalize_url(url)
    assert normalize_url(once) == once


@given(urls)
def test_scheme_and_host_case_do_not_matter(url):
    scheme, rest = url.split("://", 1)
    host, _, tail = rest.partition("/")
    shouted = f"{scheme.upper()}://{host.upper()}/{tail}"
    assert normalize_url(shouted) == normalize_url(url)


@given(urls, st.text(max_size=10))
def test_the_fragment_is_dropped(url, fragment):
    assert normalize_url(f"{url}#{fragment}") == normalize_url(url)


@given(schemes, hosts, paths, query_pairs)
def test_default_ports_are_dropped(scheme, host, path, pairs):
    port = {"http": 80, "https": 443}[scheme]
    assert normalize_url(build(scheme, f"{host}:{port}", path, pairs)) == normalize_url(
        build(scheme, host, path, pairs)
    )


@given(
    schemes,
    hosts,
    paths,
    query_pairs,
    st.sampled_from(["utm_source", "UTM_Medium", "fbclid", "gclid"]),
)
def test_tracking_parameters_are_dropped_wherever_they_stand(scheme, host, path, pairs, tracker):
    plain = normalize_url(build(scheme, host, path, pairs))
    for index in range(len(pairs) + 1):
        tracked = [*pairs[:index], (tracker, "newsletter"), *pairs[index:]]
        assert normalize_url(build(scheme, host, path, tracked)) == plain


@given(urls)
def test_the_result_is_a_plain_http_url_without_fragment_or_spaces(url):
    result = normalize_url(url)
    assert result.startswith(("http://", "https://"))
    assert "#" not in result
    assert not any(char.isspace() for char in result)
    assert result.isascii()


@pytest.mark.parametrize(
    ("given_url", "expected"),
    [
        ("HTTP://News.BBC.co.uk:80/2/hi/8606504.stm#top", "http://news.bbc.co.uk/2/hi/8606504.stm"),
        ("https://example.com", "https://example.com/"),
        ("  https://example.com/a  ", "https://example.com/a"),
        ("https://example.com/a?utm_source=x&id=3&fbclid=1", "https://example.com/a?id=3"),
        ("https://example.com/page?", "https://example.com/page"),
        ("https://example.com/%7euser/", "https://example.com/~user/"),
        ("https://example.com/a%2fb", "https://example.com/a%2Fb"),
        ("https://example.com/a b", "https://example.com/a%20b"),
        ("https://example.com/100%", "https://example.com/100%25"),
        ("https://bücher.example/x", "https://xn--bcher-kva.example/x"),
        ("https://user:secret@example.com/", "https://example.com/"),
        ("https://example.com:8443/", "https://example.com:8443/"),
        ("https://example.com/?b=2&a=1", "https://example.com/?b=2&a=1"),
        ("https://example.com/?q=a+b", "https://example.com/?q=a+b"),
        ("https://example.com/Path/", "https://example.com/Path/"),
    ],
)
def test_known_spellings(given_url, expected):
    assert normalize_url(given_url) == expected


@pytest.mark.parametrize(
    "bad",
    ["ftp://example.com/file", "javascript:alert(1)", "mailto:desk@example.org", "not a url",
     "", "https://", "http://exa mple.com/", "https://example.com:99999/", "//example.com/x"],
)  # fmt: skip
def test_anything_but_a_web_address_is_refused_with_a_message(bad):
    with pytest.raises(ValidationError) as error:
        normalize_url(bad)
    assert error.value.messages[0]


def test_domain_of_drops_www():
    assert domain_of("https://www.aljazeera.com/news/") == "aljazeera.com"


def test_candidate_domains_go_from_specific_to_general():
    assert candidate_domains("news.bbc.co.uk") == ["news.bbc.co.uk", "bbc.co.uk", "co.uk"]
