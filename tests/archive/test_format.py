"""The archive format on its own: the writer's exact text, and a parser that survives real files.

No database here: records in, text out, and back.
"""

import datetime as dt
import string

from hypothesis import given
from hypothesis import strategies as st

from events.archive import (
    ARCHIVE_LINKS,
    DayEntry,
    DayRecord,
    EventRecord,
    RelatedItem,
    SourceItem,
    display_date,
    parse_day,
    parse_event,
    parse_target,
    render_day,
    render_event,
)

JUNE_12 = dt.date(2010, 6, 12)

EVENT = EventRecord(
    date=JUNE_12,
    slug="curfew-extended-in-osh",
    headline="Curfew extended in Osh as clashes continue.",
    summary="The curfew now runs from dusk to dawn.\n\nA second paragraph.",
    topic="2010 South Kyrgyzstan ethnic clashes",
    sources=(
        SourceItem("BBC", "http://news.bbc.co.uk/2/hi/asia-pacific/1.stm"),
        SourceItem("Anadolu Ajansı", "https://www.aa.com.tr/en/osh/2"),
    ),
    cover_images=("http://www.aljazeera.com/",),
    related=(
        RelatedItem(
            dt.date(2010, 6, 14),
            "aid-arrives-in-osh",
            "Aid arrives in Osh [by air].",
            ("Osh", "Roza Otunbayeva"),
        ),
        RelatedItem(dt.date(2010, 6, 11), "clashes-begin", "Clashes begin.", ("Osh",)),
    ),
)

EVENT_TEXT = """\
### [2010-06-12](/news/2010/06/12/index.md)

##### 2010 South Kyrgyzstan ethnic clashes

# Curfew extended in Osh as clashes continue.

The curfew now runs from dusk to dawn.

A second paragraph.

### Source:

1. [BBC](http://news.bbc.co.uk/2/hi/asia-pacific/1.stm)
2. [Anadolu Ajansı](https://www.aa.com.tr/en/osh/2)
2. [Cover Image](http://www.aljazeera.com/)

### Related:

1. [Aid arrives in Osh \\[by air\\].](/news/2010/06/14/aid-arrives-in-osh.md) \
_Context: Osh, Roza Otunbayeva_
2. [Clashes begin.](/news/2010/06/11/clashes-begin.md) _Context: Osh_
"""

DAY = DayRecord(
    date=JUNE_12,
    entries=(
        DayEntry("curfew-extended-in-osh", "Curfew extended in Osh.", topic="2010 clashes"),
        DayEntry("aid-flight", "An aid flight lands.", summary="Tents and medicine."),
        DayEntry("talks", "Talks in Bishkek.", context=("Bishkek", "Roza Otunbayeva")),
    ),
    previous_day=dt.date(2010, 6, 9),
)

DAY_TEXT = """\
## [2010-06-12](/news/2010/06/12/index.md)

##### 2010 clashes
### [Curfew extended in Osh.](/news/2010/06/12/curfew-extended-in-osh.md)

### [An aid flight lands.](/news/2010/06/12/aid-flight.md)
Tents and medicine.

### [Talks in Bishkek.](/news/2010/06/12/talks.md)
_Context: Bishkek, Roza Otunbayeva_

## [Previous Day...](/news/2010/06/9/index.md)
"""


def test_dates_display_with_the_day_unpadded():
    assert display_date(dt.date(2010, 4, 7)) == "2010-04-7"
    assert ARCHIVE_LINKS.day(dt.date(2010, 4, 7)) == "/news/2010/04/7/index.md"
    assert ARCHIVE_LINKS.event(dt.date(2010, 12, 31), "x") == "/news/2010/12/31/x.md"


def test_event_file_text():
    assert render_event(EVENT) == EVENT_TEXT


def test_event_file_reads_back_as_the_same_record():
    assert parse_event(EVENT_TEXT, day=JUNE_12, slug="curfew-extended-in-osh") == EVENT


def test_headline_only_event_has_no_empty_sections():
    record = EventRecord(JUNE_12, "quiet", "A quiet day.")
    text = render_event(record)
    assert text == "### [2010-06-12](/news/2010/06/12/index.md)\n\n# A quiet day.\n"
    assert parse_event(text, day=JUNE_12, slug="quiet") == record


def test_cover_image_alone_is_numbered_one():
    record = EventRecord(JUNE_12, "pic", "A picture.", cover_images=("https://a.example/",))
    assert "\n1. [Cover Image](https://a.example/)\n" in render_event(record)
    assert parse_event(render_event(record), day=JUNE_12, slug="pic") == record


def test_day_file_text_and_back():
    assert render_day(DAY) == DAY_TEXT
    assert parse_day(DAY_TEXT, day=JUNE_12) == DAY


def test_first_day_has_no_previous_day_line():
    text = render_day(DayRecord(JUNE_12, DAY.entries[:1]))
    assert "Previous Day" not in text
    assert text.endswith(".md)\n")


# --- the parser's tolerance -----------------------------------------------------------------

OLD_STYLE = (
    "### [2010-06-12](/news/2010/06/12/index.md)\r\n"
    "\r\n"
    "#    2010 Kyrgyzstan riots: Curfew extended in Osh.  \r\n"
    "\r\n"
    "The government&#039;s curfew&nbsp;holds; ''Kommersant'' reports '''gunfire'''. \r\n"
    "\r\n"
    "\r\n"
    "### Source:\r\n"
    "\r\n"
    "1. [BBC](http://news.bbc.co.uk/1.stm)\r\n"
    "1. [Reuters](http://www.reuters.com/2)\r\n"
    "2. [Cover Image](http://www.aljazeera.com)\r\n"
)


def test_old_style_file():
    record = parse_event(OLD_STYLE, day=JUNE_12, slug="old")
    assert record.headline == "Curfew extended in Osh."
    assert record.topic == "2010 Kyrgyzstan riots"
    assert record.summary == "The government's curfew holds; Kommersant reports gunfire."
    assert record.sources == (
        SourceItem("BBC", "http://news.bbc.co.uk/1.stm"),
        SourceItem("Reuters", "http://www.reuters.com/2"),
    )
    assert record.cover_images == ("http://www.aljazeera.com",)
    assert record.related == ()


def test_story_prefix_equal_to_the_topic_line_is_dropped():
    text = "##### Osh clashes\n\n# Osh clashes: Curfew extended.\n"
    record = parse_event(text, day=JUNE_12, slug="x")
    assert (record.topic, record.headline) == ("Osh clashes", "Curfew extended.")


def test_a_colon_without_a_year_led_story_name_stays_in_the_headline():
    record = parse_event("# Kyrgyzstan: curfew extended.\n", day=JUNE_12, slug="x")
    assert (record.topic, record.headline) == ("", "Kyrgyzstan: curfew extended.")


def test_newer_file_with_formats_sources_and_changes():
    text = (
        "Formats: [HTML](/news/2010/06/12/x.html)  [JSON](/news/2010/06/12/x.json)\n"
        "\n"
        "### [2010-06-12](/news/2010/06/12/index.md)\n"
        "\n"
        "##### Turkey&ndash;Kyrgyzstan relations\n"
        "\n"
        "# Recep Tayyip Erdoğan offers aid.\n"
        "\n"
        "### Sources:\n"
        "\n"
        "1. [Anadolu Ajansı](https://www.aa.com.tr/1)\n"
        "2. [Wikipedia](https://en.wikipedia.org/wiki/Osh_(city))\n"
        "\n"
        "### Related:\n"
        "\n"
        "1. [Other](/news/2010/06/11/other.md) _Context: Recep Tayyip Erdoğan, Osh_\n"
        "\n"
        "### Changes:\n"
        "\n"
        "1. [2010-06-12 09:10](/news/2010/06/12/x/1.md)\n"
    )
    record = parse_event(text, day=JUNE_12, slug="x")
    assert record.topic == "Turkey–Kyrgyzstan relations"
    assert record.headline == "Recep Tayyip Erdoğan offers aid."
    assert record.summary == ""
    assert [s.url for s in record.sources] == [
        "https://www.aa.com.tr/1",
        "https://en.wikipedia.org/wiki/Osh_(city)",
    ]
    assert record.related == (
        RelatedItem(dt.date(2010, 6, 11), "other", "Other", ("Recep Tayyip Erdoğan", "Osh")),
    )
    assert record.changes == ("[2010-06-12 09:10](/news/2010/06/12/x/1.md)",)


def test_sections_may_be_missing_or_unknown():
    text = (
        "# Only related.\n\n### Gallery:\n\n- a picture\n\n"
        "### Related\n\n* [A](/news/2010/6/1/a.md)\n"
    )
    record = parse_event(text, day=JUNE_12, slug="x")
    assert record.sources == ()
    assert record.related == (RelatedItem(dt.date(2010, 6, 1), "a", "A"),)
    assert any("Gallery" in note for note in record.notes)


def test_list_items_without_a_usable_link_are_noted_not_fatal():
    text = "# H.\n\n### Source:\n\n1. BBC, no link\n\n### Related:\n\n1. [X](https://elsewhere.example/)\n"
    record = parse_event(text, day=JUNE_12, slug="x")
    assert record.sources == ()
    assert record.related == ()
    assert len(record.notes) == 2


def test_ampersands_in_urls_and_text_are_not_taken_for_entities():
    text = "# R&D &amp; AT&T &copy 2010.\n\n### Source:\n\n1. [X](https://x.example/?a=1&region=2&amp;b=3)\n"
    record = parse_event(text, day=JUNE_12, slug="x")
    assert record.headline == "R&D & AT&T &copy 2010."
    assert record.sources[0].url == "https://x.example/?a=1&region=2&b=3"


def test_unbalanced_parentheses_in_a_url_are_escaped():
    record = EventRecord(JUNE_12, "x", "H.", sources=(SourceItem("W", "https://w.example/a)b"),))
    assert "1. [W](https://w.example/a%29b)\n" in render_event(record)
    assert parse_event(render_event(record), day=JUNE_12, slug="x").sources[0].url == (
        "https://w.example/a%29b"
    )


def test_a_file_without_headline_is_an_error():
    import pytest

    from events.archive import ArchiveFormatError

    with pytest.raises(ArchiveFormatError):
        parse_event("### [2010-06-12](/news/2010/06/12/index.md)\n\nText.\n", day=JUNE_12, slug="x")


def test_byte_order_mark_and_non_ascii():
    record = parse_event("\ufeff# Ош: бишкек.\n", day=JUNE_12, slug="x")
    assert record.headline == "Ош: бишкек."


def test_day_file_quirks():
    text = (
        "## [2010-06-12](/news/2010/06/12/index.md)\n"
        "\n"
        "###  [2010 Kyrgyzstan riots: Curfew extended. ](/news/2010/06/12/curfew.md)\n"
        "_Context: Osh,  Roza Otunbayeva_\n"
        "### [Aid &amp; tents.](/news/2010/06/12/aid.md)\n"
        "First line\n"
        "second line.\n"
        "### [Aid again.](/news/2010/06/12/aid.md)\n"
        "### [Another day's event.](/news/2010/06/13/other.md)\n"
        "## [Previous Day...](/news/2010/06/11/index.md)\n"
    )
    record = parse_day(text, day=JUNE_12)
    assert record.entries == (
        DayEntry(
            "curfew",
            "Curfew extended.",
            topic="2010 Kyrgyzstan riots",
            context=("Osh", "Roza Otunbayeva"),
        ),
        DayEntry("aid", "Aid & tents.", summary="First line second line."),
    )
    assert record.previous_day == dt.date(2010, 6, 11)
    assert len(record.notes) == 2


def test_link_targets_in_archive_and_site_shapes():
    assert parse_target("/news/2010/04/7/index.md") == (dt.date(2010, 4, 7), "")
    assert parse_target("/news/2010/04/7/a-b.md") == (dt.date(2010, 4, 7), "a-b")
    assert parse_target("/events/2010/04/07/a-b.md") == (dt.date(2010, 4, 7), "a-b")
    assert parse_target("/events/2010/04/07.md") == (dt.date(2010, 4, 7), "")
    assert parse_target("/news/2010/02/30/x.md") is None
    assert parse_target("https://example.org/") is None


# --- writer and parser agree on any record --------------------------------------------------

# Markup of every kind, and colons that could make a headline's start read as a story's name.
MARKUP = "'’-.,;:éğОш[]\\()&#*_`<>!|~{}=+"
words = st.text(string.ascii_letters + string.digits + MARKUP, min_size=1).map(
    lambda s: " ".join(s.split())
)
text_line = st.lists(words, min_size=1, max_size=6).map(" ".join).filter(str.strip)
names = st.text(string.ascii_letters + " ğ" + MARKUP, min_size=1).map(lambda s: " ".join(s.split()))
names = names.filter(bool)
slugs = st.from_regex(r"[a-z0-9][a-z0-9-]{0,30}", fullmatch=True).filter(lambda s: s != "index")
days = st.dates(dt.date(1990, 1, 1), dt.date(2030, 12, 31))
urls = st.from_regex(
    r"https://[a-z]{1,10}\.example/[a-z0-9_/]{0,9}(\([a-z]*\))?(\?[a-z]{1,6}=1(&[a-z]{1,6}=2)?)?",
    fullmatch=True,
)
records = st.builds(
    EventRecord,
    date=days,
    slug=slugs,
    headline=text_line,
    summary=st.lists(text_line, max_size=3).map("\n\n".join),
    topic=st.one_of(st.just(""), names),
    sources=st.lists(st.builds(SourceItem, publisher=names, url=urls), max_size=4).map(tuple),
    cover_images=st.lists(urls, max_size=1).map(tuple),
    related=st.lists(
        st.builds(
            RelatedItem,
            date=days,
            slug=slugs,
            headline=text_line,
            context=st.lists(names, max_size=3).map(lambda xs: tuple(dict.fromkeys(xs))),
        ),
        max_size=4,
    ).map(tuple),
)


@given(records)
def test_any_event_record_survives_writing_and_reading(record):
    assert parse_event(render_event(record), day=record.date, slug=record.slug) == record


day_records = st.builds(
    DayRecord,
    date=days,
    entries=st.lists(
        st.one_of(
            st.builds(DayEntry, slug=slugs, headline=text_line, topic=names, summary=text_line),
            st.builds(
                DayEntry,
                slug=slugs,
                headline=text_line,
                context=st.lists(names, min_size=1, max_size=3).map(
                    lambda xs: tuple(dict.fromkeys(xs))
                ),
            ),
        ),
        max_size=5,
        unique_by=lambda entry: entry.slug,
    ).map(tuple),
    previous_day=st.one_of(st.none(), days),
)


@given(day_records)
def test_any_day_record_survives_writing_and_reading(record):
    assert parse_day(render_day(record), day=record.date) == record
