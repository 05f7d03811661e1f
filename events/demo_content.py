"""The demo newsroom's content: ten days of April 2010 in Kyrgyzstan, written by us.

Pure data, read by `manage.py load_demo`. Every text here is our own; names, places and dates
are public facts. Source URLs are plausible addresses on the publishers' real domains; they are
demo data and need not resolve. Some are written the way people paste them (capitals in the
host, tracking parameters, fragments) to show that citations land on one normalized `Source`.

Keys (`"e-bishkek-shooting"`, `"bbc-clashes"`) only tie the records below together; the loader
matches rows in the database on natural keys (names, slugs, normalized URLs, date + slug).
"""

import datetime as dt
from dataclasses import dataclass

# Demo accounts. These passwords are public (README, `load_demo --help`): the command refuses
# to create the accounts when DEBUG is off unless `--force` is given.
JOURNALIST_USERNAME = "journalist"
JOURNALIST_PASSWORD = "demo-journalist-2010"
EDITOR_USERNAME = "editor"
EDITOR_PASSWORD = "demo-editor-2010"
ADMIN_USERNAME = "admin"
ADMIN_PASSWORD = "demo-admin-2010"

# Times below are local to Bishkek, which kept UTC+6 all year in 2010.
LOCAL_TIME = dt.timezone(dt.timedelta(hours=6), "KGT")
TOPIC = "2010 Kyrgyz revolution"
GRAPHICS_CREDIT = "Newsroom graphics"

# Workflow states of the demo items; "scheduled" is published with publish_at tomorrow.
PUBLISHED = "published"
DRAFT = "draft"
IN_REVIEW = "in_review"
SCHEDULED = "scheduled"


@dataclass(frozen=True)
class PublisherData:
    name: str
    kind: str
    country: str
    homepage: str
    domains: tuple[str, ...]
    description: str = ""


@dataclass(frozen=True)
class SourceData:
    key: str
    url: str
    title: str
    published_on: dt.date
    language: str = "en"
    author: str = ""


@dataclass(frozen=True)
class EntityData:
    name: str
    kind: str
    description: str = ""


@dataclass(frozen=True)
class Cover:
    """A picture the loader draws with Pillow: a map of Kyrgyzstan or a plain gradient."""

    title: str
    alt: str
    caption: str = ""
    map: bool = True  # False: two rings on the gradient instead of a map
    pins: tuple[str, ...] = ()  # places from MAP_PLACES, the first one highlighted
    arrow: tuple[str, str] | None = None  # from place, to place
    palette: tuple[tuple[int, int, int], tuple[int, int, int]] = ((18, 42, 66), (122, 30, 38))


@dataclass(frozen=True)
class EventData:
    key: str
    date: dt.date
    time: dt.time  # when it went live on our site, local time
    headline: str
    summary: str
    category: str
    place: str
    entities: tuple[str, ...]
    sources: tuple[str, ...]
    related: tuple[str, ...] = ()
    stories: tuple[str, ...] = ()
    body: str = ""
    status: str = PUBLISHED
    cover: Cover | None = None
    image_credit: str = ""  # key of the source a cover picture came from
    image_credit_name: str = ""  # who made that picture


@dataclass(frozen=True)
class AuthorData:
    slug: str
    name: str
    role: str
    bio: str
    user: str = ""  # username of the demo account linked to this author


@dataclass(frozen=True)
class StoryData:
    slug: str
    headline: str
    kicker: str
    dek: str
    section: str
    authors: tuple[str, ...]
    published: dt.datetime  # local time; for drafts, when it was started
    body: str
    entities: tuple[str, ...]
    sources: tuple[str, ...]
    related: tuple[str, ...] = ()
    dateline: str = "Bishkek"
    status: str = PUBLISHED
    cover: Cover | None = None


# --- the desk ------------------------------------------------------------------------------

# The headings of Wikipedia's current-events portal, in its order.
CATEGORIES = (
    "Armed conflicts and attacks",
    "Arts and culture",
    "Business and economy",
    "Disasters and accidents",
    "Health and environment",
    "International relations",
    "Law and crime",
    "Politics and elections",
    "Science and technology",
    "Sports",
)

SECTIONS = (
    ("World", "world", "Reporting from our correspondents and the wires."),
    ("Analysis", "analysis", "Why it happened and what comes next."),
)

AUTHORS = (
    AuthorData(
        slug="asel-toktogulova",
        name="Asel Toktogulova",
        role="Central Asia correspondent",
        bio="Reports on Kyrgyzstan, Kazakhstan and Tajikistan from Bishkek.",
        user=JOURNALIST_USERNAME,
    ),
    AuthorData(
        slug="daniel-marsh",
        name="Daniel Marsh",
        role="Moscow bureau chief",
        bio="Covers Russia and its neighbours; previously based in Tbilisi.",
    ),
    AuthorData(
        slug="helen-okafor",
        name="Helen Okafor",
        role="Security and diplomacy analyst",
        bio="Writes about military bases, alliances and the politics of supply routes.",
    ),
)

# --- who said it ---------------------------------------------------------------------------

PUBLISHERS = (
    PublisherData(
        "Al Jazeera",
        "broadcaster",
        "Qatar",
        "https://www.aljazeera.com/",
        ("aljazeera.com", "aljazeera.net"),
        "Qatar-based broadcaster with an English-language channel since 2006.",
    ),
    PublisherData(
        "BBC",
        "broadcaster",
        "United Kingdom",
        "https://www.bbc.co.uk/news",
        ("bbc.co.uk", "bbc.com"),
        "The British public broadcaster.",
    ),
    PublisherData(
        "RIA Novosti",
        "agency",
        "Russia",
        "https://ria.ru/",
        ("rian.ru", "ria.ru"),
        "Russian state news agency.",
    ),
    PublisherData(
        "Xinhua",
        "agency",
        "China",
        "http://www.xinhuanet.com/english/",
        ("xinhuanet.com", "news.cn"),
        "China's state news agency.",
    ),
    PublisherData(
        "Reuters",
        "agency",
        "United Kingdom",
        "https://www.reuters.com/",
        ("reuters.com",),
        "International news agency.",
    ),
    PublisherData(
        "AKIpress",
        "agency",
        "Kyrgyzstan",
        "https://akipress.com/",
        ("akipress.com", "akipress.org"),
        "Independent Kyrgyz news agency based in Bishkek.",
    ),
    PublisherData(
        "Kabar",
        "agency",
        "Kyrgyzstan",
        "https://kabar.kg/",
        ("kabar.kg",),
        "Kyrgyz National Information Agency, the state news agency.",
    ),
    PublisherData(
        "RFE/RL",
        "broadcaster",
        "Czech Republic",
        "https://www.rferl.org/",
        ("rferl.org", "azattyk.org"),
        "Radio Free Europe/Radio Liberty; its Kyrgyz service is Radio Azattyk.",
    ),
)

D = dt.date

SOURCES = (
    SourceData(
        "aj-talas",
        "http://english.aljazeera.net/news/asia/2010/04/20104614523877155.html",
        "Protesters seize government offices in north-western Kyrgyz town",
        D(2010, 4, 6),
    ),
    SourceData(
        "aj-capital",
        "http://English.Aljazeera.net/news/asia/2010/04/201047162953419618.html#comments",
        "Kyrgyz opposition says it now controls the capital",
        D(2010, 4, 7),
    ),
    SourceData(
        "aj-kazakhstan",
        "https://www.aljazeera.com/news/asia/2010/04/2010415163712468.html",
        "Deposed Kyrgyz leader flies to Kazakhstan",
        D(2010, 4, 15),
    ),
    SourceData(
        "bbc-clashes",
        "http://news.bbc.co.uk/2/hi/asia-pacific/8606122.stm",
        "Deadly clashes as Kyrgyz protesters storm government offices",
        D(2010, 4, 7),
    ),
    SourceData(
        "bbc-six-months",
        "http://news.bbc.co.uk/2/hi/asia-pacific/8608839.stm?utm_source=twitter&utm_medium=social",
        "Kyrgyz interim leader promises elections within six months",
        D(2010, 4, 8),
    ),
    SourceData(
        "bbc-osh",
        "http://news.bbc.co.uk/2/hi/asia-pacific/8622937.stm",
        "Gunshots cut short Bakiyev rally in Osh",
        D(2010, 4, 15),
    ),
    SourceData(
        "ria-usenov",
        "http://en.rian.ru/exsoviet/20100407/158468912.html",
        "Kyrgyz premier has resigned, opposition says",
        D(2010, 4, 7),
    ),
    SourceData(
        "ria-putin",
        "http://en.rian.ru/world/20100408/158480331.html",
        "Putin discusses situation in Kyrgyzstan with Otunbayeva by phone",
        D(2010, 4, 8),
    ),
    SourceData(
        "ria-kant",
        "http://en.rian.ru/exsoviet/20100409/158492770.html",
        "Russian paratroopers arrive at Kant air base",
        D(2010, 4, 9),
    ),
    SourceData(
        "xinhua-emergency",
        "http://news.xinhuanet.com/english2010/world/2010-04/07/c_13242583.htm",
        "Kyrgyzstan declares state of emergency after clashes",
        D(2010, 4, 7),
    ),
    SourceData(
        "xinhua-blake",
        "http://news.xinhuanet.com/english2010/world/2010-04/14/c_13251784.htm",
        "U.S. assistant secretary of state meets Kyrgyz interim leader",
        D(2010, 4, 14),
    ),
    SourceData(
        "reuters-talas",
        "http://www.reuters.com/article/idUSTRE6351JX20100406?feedType=RSS&feedName=worldNews"
        "&utm_source=feedburner",
        "Kyrgyz protesters take over government building in Talas",
        D(2010, 4, 6),
    ),
    SourceData(
        "reuters-immunity",
        "http://www.reuters.com/article/idUSTRE63B2KQ20100412",
        "Kyrgyz interim rulers strip Bakiyev of immunity",
        D(2010, 4, 12),
    ),
    SourceData(
        "reuters-departure",
        "HTTP://WWW.REUTERS.COM:80/article/idUSTRE63E1TM20100415",
        "Bakiyev leaves Kyrgyzstan after signing resignation, interim rulers say",
        D(2010, 4, 15),
    ),
    SourceData(
        "akipress-arrests",
        "http://www.akipress.com/_en_news.php?id=80132",
        "Opposition leaders detained in Bishkek overnight",
        D(2010, 4, 7),
    ),
    SourceData(
        "akipress-tariffs",
        "http://www.akipress.com/_en_news.php?id=80471",
        "Interim government cancels rise in power and heating prices",
        D(2010, 4, 12),
    ),
    SourceData(
        "kabar-government",
        "http://www.kabar.kg/en/news/2010/04/08/15544.html",
        "Members of the interim government named",
        D(2010, 4, 8),
    ),
    SourceData(
        "kabar-mourning",
        "http://www.kabar.kg/en/news/2010/04/09/15612.html",
        "April 9 declared a day of national mourning",
        D(2010, 4, 9),
    ),
    SourceData(
        "rferl-parliament",
        "http://www.rferl.org/content/Kyrgyz_Interim_Government_Dissolves_Parliament/2006521.html",
        "Kyrgyz interim government dissolves parliament",
        D(2010, 4, 8),
    ),
    SourceData(
        "rferl-defiant",
        "http://www.rferl.org/content/Bakiev_Says_He_Will_Not_Resign/2006904.html",
        "Bakiev, in the south, says he will not resign",
        D(2010, 4, 8),
    ),
    SourceData(
        "rferl-trial",
        "http://www.rferl.org/content/Otunbaeva_Says_Bakiev_Must_Stand_Trial/2013384.html",
        "Otunbaeva says Bakiev must stand trial",
        D(2010, 4, 14),
    ),
)

# --- people, places, organisations, topics --------------------------------------------------

PERSON, PLACE, ORGANISATION, TOPIC_KIND = "person", "place", "organisation", "topic"

ENTITIES = (
    EntityData(
        TOPIC, TOPIC_KIND, "The uprising that removed President Kurmanbek Bakiyev in April 2010."
    ),
    EntityData(
        "Roza Otunbayeva",
        PERSON,
        "Former foreign minister and opposition leader; head of the interim government "
        "from April 2010.",
    ),
    EntityData(
        "Kurmanbek Bakiyev",
        PERSON,
        "President of Kyrgyzstan from 2005 until he was driven from power in April 2010.",
    ),
    EntityData("Daniyar Usenov", PERSON, "Prime minister under Bakiyev until April 2010."),
    EntityData(
        "Almazbek Atambayev",
        PERSON,
        "Leader of the Social Democratic Party of Kyrgyzstan; a deputy head of the interim "
        "government.",
    ),
    EntityData(
        "Omurbek Tekebayev",
        PERSON,
        "Leader of the Ata-Meken party; in charge of constitutional reform in the interim "
        "government.",
    ),
    EntityData("Vladimir Putin", PERSON, "Prime Minister of Russia in 2010."),
    EntityData("Dmitry Medvedev", PERSON, "President of Russia from 2008 to 2012."),
    EntityData("Nursultan Nazarbayev", PERSON, "President of Kazakhstan."),
    EntityData("Barack Obama", PERSON, "President of the United States from 2009 to 2017."),
    EntityData(
        "Robert Blake",
        PERSON,
        "US Assistant Secretary of State for South and Central Asian Affairs.",
    ),
    EntityData("Bishkek", PLACE, "Capital of Kyrgyzstan."),
    EntityData(
        "Talas", PLACE, "Town in north-western Kyrgyzstan, where the April 2010 unrest began."
    ),
    EntityData("Osh", PLACE, "Kyrgyzstan's second city, in the south."),
    EntityData("Jalal-Abad", PLACE, "Southern city and Bakiyev's home region."),
    EntityData("Kant", PLACE, "Town east of Bishkek with a Russian air base."),
    EntityData("Kazakhstan", PLACE, "Kyrgyzstan's northern neighbour."),
    EntityData("Russia", PLACE, "Kyrgyzstan's main ally; it keeps an air base at Kant."),
    EntityData(
        "Social Democratic Party of Kyrgyzstan",
        ORGANISATION,
        "Opposition party led by Almazbek Atambayev; Roza Otunbayeva led its group in parliament.",
    ),
    EntityData("Ata-Meken", ORGANISATION, "Socialist opposition party led by Omurbek Tekebayev."),
    EntityData(
        "Supreme Council of Kyrgyzstan",
        ORGANISATION,
        "The parliament, known as the Jogorku Kenesh.",
    ),
    EntityData(
        "Collective Security Treaty Organization",
        ORGANISATION,
        "CSTO: a military alliance of Russia and five other former Soviet republics.",
    ),
    EntityData(
        "Transit Center at Manas",
        ORGANISATION,
        "US military base at Bishkek's Manas airport, a hub for flights to Afghanistan.",
    ),
)

# --- what happened, day by day ---------------------------------------------------------------


EVENTS = (
    EventData(
        key="e-talas",
        date=D(2010, 4, 6),
        time=dt.time(19, 10),
        headline=(
            "Opposition supporters take over the regional administration building in Talas "
            "and call for President Kurmanbek Bakiyev to resign."
        ),
        summary=(
            "The crowd gathered after a local opposition figure was detained. Police "
            "retook the building for a few hours before protesters drove them out again; "
            "anger over this year's sharp rise in electricity and heating bills fed the rally."
        ),
        category="Politics and elections",
        place="Talas",
        entities=("Kurmanbek Bakiyev", "Talas", "Ata-Meken"),
        sources=("reuters-talas", "aj-talas"),
        related=("e-arrests", "e-government"),
    ),
    EventData(
        key="e-arrests",
        date=D(2010, 4, 7),
        time=dt.time(8, 30),
        headline=(
            "Police detain opposition leaders in Bishkek overnight, including Almazbek "
            "Atambayev and Omurbek Tekebayev, as the unrest spreads from Talas."
        ),
        summary=(
            "Party offices were searched and several leaders were held for questioning. "
            "Their supporters began to gather in the capital in the morning."
        ),
        category="Law and crime",
        place="Bishkek",
        entities=(
            "Almazbek Atambayev",
            "Omurbek Tekebayev",
            "Social Democratic Party of Kyrgyzstan",
            "Ata-Meken",
            "Bishkek",
            "Talas",
        ),
        sources=("akipress-arrests", "bbc-clashes"),
        related=("e-talas", "e-government", "e-shooting"),
    ),
    EventData(
        key="e-shooting",
        date=D(2010, 4, 7),
        time=dt.time(16, 45),
        headline=(
            "Security forces open fire on protesters outside the presidential administration "
            "building in Bishkek; dozens are killed and hundreds wounded."
        ),
        summary=(
            "Thousands marched on Ala-Too Square. The government declared a state of "
            "emergency and a night curfew in Bishkek and several regions."
        ),
        category="Armed conflicts and attacks",
        place="Bishkek",
        entities=("Bishkek", "Kurmanbek Bakiyev"),
        sources=("bbc-clashes", "xinhua-emergency", "aj-capital"),
        related=("e-government", "e-arrests"),
        stories=("kyrgyz-opposition-takes-power-after-a-day-of-bloodshed",),
        # As in archives imported from elsewhere: a credited picture we don't hold a copy of.
        image_credit="aj-capital",
        image_credit_name="Al Jazeera",
    ),
    EventData(
        key="e-government",
        date=D(2010, 4, 7),
        time=dt.time(22, 5),
        headline=(
            "President Kurmanbek Bakiyev leaves Bishkek as the opposition takes over "
            "government buildings and names Roza Otunbayeva head of an interim government."
        ),
        summary=(
            "Opposition leaders said Prime Minister Daniyar Usenov had signed his "
            "resignation. Bakiyev flew south from the capital's airport and did not say "
            "whether he would step down."
        ),
        body=(
            "Protesters occupied the parliament and the state broadcaster during the evening, "
            "and the offices of the prosecutor-general were set on fire.\n\n"
            "Otunbayeva, who led the Social Democrats in parliament, told a crowd outside the "
            "government headquarters that the interim cabinet would restore order first."
        ),
        category="Politics and elections",
        place="Bishkek",
        entities=(
            "Roza Otunbayeva",
            "Kurmanbek Bakiyev",
            "Daniyar Usenov",
            "Almazbek Atambayev",
            "Bishkek",
            "Social Democratic Party of Kyrgyzstan",
        ),
        sources=(
            "aj-capital",
            "bbc-clashes",
            "ria-usenov",
            "xinhua-emergency",
            "kabar-government",
        ),
        related=("e-six-months", "e-putin-call", "e-departure", "e-shooting", "e-arrests"),
        stories=("kyrgyz-opposition-takes-power-after-a-day-of-bloodshed",),
        cover=Cover(
            title="Interim government named in Bishkek",
            alt=(
                "Map of Kyrgyzstan with Bishkek highlighted in the north and Talas, Osh and "
                "Jalal-Abad marked."
            ),
            pins=("Bishkek", "Talas", "Osh", "Jalal-Abad"),
        ),
    ),
    EventData(
        key="e-six-months",
        date=D(2010, 4, 8),
        time=dt.time(14, 20),
        headline=(
            "Roza Otunbayeva says the interim government will dissolve parliament and rule "
            "for six months until elections; Bakiyev, in the south, refuses to resign."
        ),
        summary=(
            "The interim government said it would write a new constitution. Speaking from "
            "Jalal-Abad, Bakiyev said he was still the lawful president."
        ),
        category="Politics and elections",
        place="Bishkek",
        entities=(
            "Roza Otunbayeva",
            "Kurmanbek Bakiyev",
            "Supreme Council of Kyrgyzstan",
            "Jalal-Abad",
            "Bishkek",
        ),
        sources=("bbc-six-months", "rferl-parliament", "rferl-defiant"),
        related=("e-government", "e-departure"),
    ),
    EventData(
        key="e-putin-call",
        date=D(2010, 4, 8),
        time=dt.time(18, 0),
        headline=(
            "Russian Prime Minister Vladimir Putin speaks by telephone with Roza Otunbayeva, "
            "treating her as Kyrgyzstan's leader, and offers humanitarian aid."
        ),
        summary=(
            "Moscow was the first foreign government to deal openly with the interim authorities."
        ),
        category="International relations",
        place="Bishkek",
        entities=("Vladimir Putin", "Roza Otunbayeva", "Russia"),
        sources=("ria-putin", "kabar-government"),
        related=("e-kant", "e-government", "e-blake"),
    ),
    EventData(
        key="e-kant",
        date=D(2010, 4, 9),
        time=dt.time(11, 40),
        headline=(
            "Russia flies about 150 paratroopers to its Kant air base outside Bishkek to "
            "protect Russian servicemen and their families."
        ),
        summary=(
            "The base, some 20 km east of the capital, is run by Russia for the Collective "
            "Security Treaty Organization."
        ),
        category="International relations",
        place="Kant",
        entities=("Russia", "Kant", "Collective Security Treaty Organization"),
        sources=("ria-kant", "ria-putin"),
        related=("e-putin-call",),
    ),
    EventData(
        key="e-mourning",
        date=D(2010, 4, 9),
        time=dt.time(10, 0),
        headline=(
            "Kyrgyzstan observes a day of national mourning as the victims of the Bishkek "
            "shootings are buried."
        ),
        summary="",
        category="Armed conflicts and attacks",
        place="Bishkek",
        entities=("Bishkek", "Roza Otunbayeva"),
        sources=("kabar-mourning",),
        related=("e-shooting",),
        status=DRAFT,
    ),
    EventData(
        key="e-immunity",
        date=D(2010, 4, 12),
        time=dt.time(15, 30),
        headline=(
            "The interim government says it has stripped Kurmanbek Bakiyev of the immunity "
            "from prosecution he held as head of state."
        ),
        summary=(
            "Prosecutors said they wanted to question the deposed president about the "
            "shootings in Bishkek on 7 April."
        ),
        category="Law and crime",
        place="Bishkek",
        entities=("Kurmanbek Bakiyev", "Roza Otunbayeva", "Jalal-Abad"),
        sources=("reuters-immunity", "rferl-trial"),
        related=("e-blake", "e-six-months", "e-departure"),
        status=SCHEDULED,
    ),
    EventData(
        key="e-tariffs",
        date=D(2010, 4, 12),
        time=dt.time(17, 0),
        headline=(
            "The interim government cancels this year's rises in electricity and heating "
            "prices, a grievance behind the protests that began in Talas."
        ),
        summary="The previous government had raised power and heating prices sharply in January.",
        category="Business and economy",
        place="Bishkek",
        entities=("Roza Otunbayeva", "Talas", "Bishkek"),
        sources=("akipress-tariffs",),
        related=("e-talas", "e-six-months"),
        status=IN_REVIEW,
    ),
    EventData(
        key="e-blake",
        date=D(2010, 4, 14),
        time=dt.time(16, 15),
        headline=(
            "US envoy Robert Blake meets Roza Otunbayeva in Bishkek; she says Bakiyev must "
            "stand trial and that the lease on the Manas air base will be extended."
        ),
        summary=("Blake was the most senior American official to visit since the uprising."),
        category="International relations",
        place="Bishkek",
        entities=(
            "Robert Blake",
            "Roza Otunbayeva",
            "Kurmanbek Bakiyev",
            "Transit Center at Manas",
            "Bishkek",
        ),
        sources=("xinhua-blake", "rferl-trial"),
        related=("e-government", "e-departure", "e-putin-call"),
    ),
    EventData(
        key="e-departure",
        date=D(2010, 4, 15),
        time=dt.time(21, 30),
        headline=(
            "Kurmanbek Bakiyev flies from Jalal-Abad to Kazakhstan, hours after gunfire broke "
            "up his rally in Osh; the interim government says he signed a letter of "
            "resignation."
        ),
        summary=(
            "Kazakhstan said the departure had been arranged with the presidents of Russia "
            "and the United States and called it a step towards stability."
        ),
        category="Politics and elections",
        place="Jalal-Abad",
        entities=(
            "Kurmanbek Bakiyev",
            "Jalal-Abad",
            "Osh",
            "Kazakhstan",
            "Nursultan Nazarbayev",
            "Dmitry Medvedev",
            "Barack Obama",
        ),
        sources=("reuters-departure", "aj-kazakhstan", "bbc-osh"),
        related=("e-government", "e-six-months", "e-blake"),
        stories=("bakiyev-leaves-kyrgyzstan-for-kazakhstan",),
        cover=Cover(
            title="Bakiyev leaves for Kazakhstan",
            alt=(
                "Map of Kyrgyzstan with an arrow from Jalal-Abad in the south to Kazakhstan "
                "in the north; Osh and Bishkek are marked."
            ),
            pins=("Jalal-Abad", "Osh", "Bishkek"),
            arrow=("Jalal-Abad", "Taraz"),
            palette=((24, 38, 58), (150, 96, 30)),
        ),
    ),
)

# --- stories ------------------------------------------------------------------------------

STORIES = (
    StoryData(
        slug="kyrgyz-opposition-takes-power-after-a-day-of-bloodshed",
        headline="Kyrgyz opposition takes power after a day of bloodshed",
        kicker="Kyrgyzstan",
        dek=(
            "President Bakiyev has left the capital and an interim government led by Roza "
            "Otunbayeva says it is in charge."
        ),
        section="world",
        authors=("asel-toktogulova", "daniel-marsh"),
        published=dt.datetime(2010, 4, 7, 23, 40, tzinfo=LOCAL_TIME),
        body="""\
Kyrgyzstan's opposition said late on Wednesday that it had taken control of the country, after
a day in which police and troops fired on crowds in the centre of Bishkek and protesters
overran the parliament, the state television building and the prosecutor-general's office.

Roza Otunbayeva, a former foreign minister, said she would lead a caretaker cabinet until a
new constitution and fresh elections could be organised. President Kurmanbek Bakiyev was
reported to have flown south from the capital's airport. He did not say whether he would
resign.

The health ministry put the number of dead in the dozens, with hundreds more treated in the
city's hospitals.

## From Talas to the capital

The unrest began a day earlier in Talas, a town of about 30,000 people in the north-west,
where demonstrators took over the regional administration. Their complaints were familiar:
electricity and heating bills that had risen sharply since January, and a president who had
placed relatives in charge of the state's most valuable assets.

Overnight arrests of opposition leaders in Bishkek did not stop the protests spreading. By
midday on Wednesday thousands had gathered near the government headquarters, and the first
shots were heard shortly afterwards.

## What happens next

The interim government said its first task was to restore order in the capital, where shops
were looted after dark. Prime Minister Daniyar Usenov had signed a letter of resignation, it
said. Bakiyev's
supporters in his home region around Jalal-Abad have not yet said what they will do.
""",
        entities=(
            TOPIC,
            "Roza Otunbayeva",
            "Kurmanbek Bakiyev",
            "Daniyar Usenov",
            "Bishkek",
            "Talas",
            "Jalal-Abad",
            "Social Democratic Party of Kyrgyzstan",
        ),
        sources=("aj-capital", "bbc-clashes", "ria-usenov", "kabar-government"),
        related=("bakiyev-leaves-kyrgyzstan-for-kazakhstan",),
        cover=Cover(
            title="From Talas to Bishkek",
            alt="Map of northern Kyrgyzstan with an arrow from Talas east to Bishkek.",
            caption="The protests began in Talas on 6 April and reached the capital a day later.",
            pins=("Bishkek", "Talas"),
            arrow=("Talas", "Bishkek"),
        ),
    ),
    StoryData(
        slug="bakiyev-leaves-kyrgyzstan-for-kazakhstan",
        headline="Bakiyev leaves Kyrgyzstan for Kazakhstan",
        kicker="Kyrgyzstan",
        dek=(
            "The deposed president flew out of Jalal-Abad after signing his resignation, "
            "the interim government says, ending a week-long stand-off."
        ),
        section="world",
        authors=("asel-toktogulova",),
        published=dt.datetime(2010, 4, 15, 23, 55, tzinfo=LOCAL_TIME),
        body="""\
Kurmanbek Bakiyev left Kyrgyzstan on Thursday evening aboard a military transport plane
bound for Kazakhstan, eight days after he was forced out of the capital. Officials of the
interim government said he had signed a handwritten letter of resignation before boarding.

Kazakhstan's foreign ministry said the departure had been agreed with the leaders of Russia
and the United States, and described it as a step towards calm in the region.

## A rally cut short

Earlier in the day Bakiyev had tried to address supporters in Osh, the largest city in the
south. He had barely begun to speak when shots rang out near the stage; his guards pushed
him into a car and drove away. Nobody was reported hurt.

The scene in Osh showed how little support he had left, even in the south, where his family
comes from and where he had spent the week promising to stay.

## Questions left open

Roza Otunbayeva's government has said Bakiyev should answer in court for the shootings of
7 April, and has already lifted his immunity. His brothers, one of whom commanded the
presidential guard, are still being sought.
""",
        entities=(
            TOPIC,
            "Kurmanbek Bakiyev",
            "Roza Otunbayeva",
            "Osh",
            "Jalal-Abad",
            "Kazakhstan",
            "Bishkek",
        ),
        sources=("reuters-departure", "aj-kazakhstan", "bbc-osh", "rferl-trial"),
        related=("kyrgyz-opposition-takes-power-after-a-day-of-bloodshed",),
    ),
    StoryData(
        slug="why-moscow-and-washington-both-watched-bishkek",
        headline="Why Moscow and Washington both watched Bishkek",
        kicker="Analysis",
        dek=(
            "Kyrgyzstan hosts a Russian air base and an American one. Its new leaders must "
            "keep both powers on side."
        ),
        section="analysis",
        authors=("helen-okafor",),
        published=dt.datetime(2010, 4, 16, 9, 0, tzinfo=LOCAL_TIME),
        body="""\
Few countries of five million people can say that both Russia and the United States keep
soldiers on their soil. Kyrgyzstan can, and that is why the week's events in Bishkek were
followed as closely in Moscow and Washington as in the rest of Central Asia.

## Two bases, one small country

The American Transit Center at Manas, at the capital's civilian airport, moves troops and
fuel to and from Afghanistan. Russia's base at Kant, a short drive east, serves the
Collective Security Treaty Organization. Moscow sent paratroopers there two days after the
uprising; Washington paused troop flights through Manas for several days.

## Who moved first

Vladimir Putin telephoned Roza Otunbayeva within a day of her taking charge and offered aid,
a signal read in Bishkek as recognition. The United States was slower, sending Assistant
Secretary of State Robert Blake a week later. The interim government has said the Manas lease
will run on for now; how long that holds may depend on which capital is more generous.
""",
        entities=(
            TOPIC,
            "Vladimir Putin",
            "Roza Otunbayeva",
            "Robert Blake",
            "Russia",
            "Kant",
            "Bishkek",
            "Collective Security Treaty Organization",
            "Transit Center at Manas",
        ),
        sources=("ria-putin", "ria-kant", "xinhua-blake"),
        related=(
            "kyrgyz-opposition-takes-power-after-a-day-of-bloodshed",
            "bakiyev-leaves-kyrgyzstan-for-kazakhstan",
        ),
        status=DRAFT,
        cover=Cover(
            title="Analysis: two bases, one country",
            alt=(
                "Two overlapping rings on a dark blue to green gradient, above the words "
                "“Analysis: two bases, one country”."
            ),
            map=False,
            palette=((14, 30, 48), (30, 110, 90)),
        ),
    ),
)

# Longitude and latitude of places the cover maps can mark.
MAP_PLACES = {
    "Bishkek": (74.59, 42.87),
    "Talas": (72.24, 42.52),
    "Osh": (72.80, 40.53),
    "Jalal-Abad": (73.00, 40.93),
    "Kant": (74.85, 42.89),
    "Taraz": (71.37, 42.90),
}

# A rough outline of Kyrgyzstan (longitude, latitude), enough for a cover graphic.
KYRGYZSTAN_OUTLINE = (
    (70.9, 42.25),
    (71.8, 42.8),
    (73.4, 42.55),
    (74.5, 43.0),
    (75.6, 42.85),
    (77.5, 43.0),
    (78.5, 42.9),
    (79.5, 42.7),
    (80.25, 42.2),
    (79.8, 41.9),
    (78.6, 41.5),
    (77.5, 41.0),
    (76.6, 40.4),
    (75.6, 40.6),
    (74.8, 40.5),
    (73.9, 39.6),
    (73.0, 39.4),
    (71.8, 39.5),
    (70.6, 39.6),
    (69.4, 39.7),
    (69.5, 40.1),
    (70.8, 40.25),
    (72.0, 40.3),
    (72.6, 40.4),
    (72.95, 40.75),
    (72.85, 41.1),
    (72.0, 41.05),
    (71.0, 41.3),
    (70.4, 41.6),
    (71.0, 42.0),
)
