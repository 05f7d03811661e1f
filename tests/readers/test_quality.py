"""Every page type is valid HTML5 (our strict checker), with landmarks, a skip link, headings
in order, labelled controls, no script but our JSON-LD; and the palette meets WCAG AA."""

import re
from pathlib import Path

import pytest
from django.conf import settings

from .html_tools import check_html, heading_problems
from .pages import build_newsroom

pytestmark = [pytest.mark.django_db]

PAGE_TYPES = [
    "front", "story", "day", "month", "year", "event", "section", "topic", "publisher",
    "search", "search-empty", "not-found",
]  # fmt: skip


@pytest.fixture
def newsroom(db):
    return build_newsroom()


@pytest.mark.parametrize("page_type", PAGE_TYPES)
def test_every_page_is_valid_accessible_html(client, newsroom, page_type):
    response = client.get(newsroom.pages[page_type])
    assert response.status_code == (404 if page_type == "not-found" else 200)
    html = response.content.decode()

    checker = check_html(html)

    assert checker.problems == []
    assert heading_problems(checker.headings) == []
    assert checker.landmarks.count("main") == 1
    assert {"header", "nav", "footer"} <= set(checker.landmarks)
    assert '<a class="skip-link" href="#content">' in html
    assert '<main id="content"' in html
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    scripts = re.findall(r"<script[^>]*>", html)
    assert set(scripts) <= {'<script type="application/ld+json">'}  # works without JS


def test_the_checker_catches_what_it_claims_to():
    bad = (
        "<html><body><main><p><div>x</div></p><img src=a.png>"
        '<h1 id="a">x</h1><h3 id="a">y</h3><input name="q"><span></main></body></html>'
    )
    checker = check_html(bad)
    text = " ".join(checker.problems)
    assert "no <!doctype html>" in text
    assert "no lang" in text
    assert "<div> inside <p>" in text
    assert "has no alt" in text
    assert "id 'a' used 2 times" in text
    assert "has no label" in text
    assert "does not close" in text
    assert heading_problems(checker.headings) == ["h1 is followed by h3"]


# Colour contrast ------------------------------------------------------------------------


def css_palettes() -> list[dict[str, str]]:
    """The light palette (:root) and the dark one (prefers-color-scheme: dark)."""
    css = (Path(settings.BASE_DIR) / "static/css/site.css").read_text()
    blocks = re.findall(r":root\s*\{([^}]*)\}", css)
    palettes = [dict(re.findall(r"--([\w-]+):\s*(#[0-9a-fA-F]{3,6})", block)) for block in blocks]
    light, dark = palettes[0], {**palettes[0], **palettes[1]}
    return [light, dark]


def luminance(colour: str) -> float:
    hex_digits = colour.lstrip("#")
    if len(hex_digits) == 3:
        hex_digits = "".join(digit * 2 for digit in hex_digits)
    channels = [int(hex_digits[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(one: str, other: str) -> float:
    lighter, darker = sorted([luminance(one), luminance(other)], reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def test_contrast_is_computed_as_wcag_says():
    assert contrast("#000000", "#ffffff") == pytest.approx(21)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)


#: (foreground, background) pairs of the stylesheet that carry text.
TEXT_PAIRS = [
    ("text", "background"), ("muted", "background"), ("link", "background"),
    ("link-visited", "background"), ("accent", "background"), ("text", "panel"),
    ("muted", "panel"), ("link", "panel"), ("link-visited", "panel"), ("text", "mark"),
    ("background", "text"),  # the skip link and buttons
]  # fmt: skip


@pytest.mark.parametrize("palette", css_palettes(), ids=["light", "dark"])
@pytest.mark.parametrize(("foreground", "background"), TEXT_PAIRS)
def test_every_text_colour_meets_wcag_aa_on_its_background(palette, foreground, background):
    assert contrast(palette[foreground], palette[background]) >= 4.5


@pytest.mark.parametrize("palette", css_palettes(), ids=["light", "dark"])
def test_the_focus_ring_and_form_borders_are_visible(palette):
    assert contrast(palette["focus"], palette["text"]) >= 3 or (
        contrast(palette["focus"], palette["background"]) >= 1.5
    )
    assert contrast(palette["muted"], palette["background"]) >= 3  # input borders
