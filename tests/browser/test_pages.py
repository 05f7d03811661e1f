"""Every readers' page type in a real browser, at desktop (1280) and phone (390) widths:
landmarks, one h1 and headings in order, images with text alternatives and dimensions, no
sideways scrolling on a phone; a full-page screenshot of each under test-artifacts/."""

import itertools

import pytest

from tests.readers.pages import build_newsroom

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

WIDTHS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
PAGE_TYPES = [
    "front", "story", "day", "month", "year", "event", "section", "topic", "publisher",
    "search", "not-found",
]  # fmt: skip

HEADING_LEVELS = """() => Array.from(document.querySelectorAll('h1,h2,h3,h4,h5,h6'))
    .map(h => Number(h.tagName[1]))"""
IMAGES = """() => Array.from(document.images).map(img => ({
    src: img.currentSrc, alt: img.getAttribute('alt'), width: img.getAttribute('width'),
    height: img.getAttribute('height'), loading: img.getAttribute('loading'),
    loaded: img.complete && img.naturalWidth > 0}))"""


@pytest.mark.parametrize("width", WIDTHS)
def test_every_page_type_reads_well_at_desktop_and_phone_widths(
    live_server, page, screenshot, width
):
    newsroom = build_newsroom()
    page.set_viewport_size(WIDTHS[width])

    for page_type in PAGE_TYPES:
        url = f"{live_server.url}{newsroom.pages[page_type]}"
        response = page.goto(url)
        page.wait_for_load_state("load")
        assert response.status == (404 if page_type == "not-found" else 200), page_type

        assert page.get_by_role("banner").count() == 1, page_type
        assert page.get_by_role("main").count() == 1, page_type
        assert page.get_by_role("contentinfo").count() == 1, page_type
        assert page.get_by_role("navigation").count() >= 1, page_type
        levels = page.evaluate(HEADING_LEVELS)
        assert levels.count(1) == 1 and levels[0] == 1, (page_type, levels)
        assert all(b <= a + 1 for a, b in itertools.pairwise(levels)), levels

        for image in page.evaluate(IMAGES):
            assert image["alt"], (page_type, image)
            assert image["width"] and image["height"], (page_type, image)
        if page_type in {"story", "event"}:
            lead = page.locator("figure.lead-image img")
            assert lead.get_attribute("loading") is None  # the lead image is never lazy
            lead.scroll_into_view_if_needed()
            page.wait_for_function(
                "img => img.complete && img.naturalWidth > 0", arg=lead.element_handle()
            )
            source = page.evaluate("img => img.currentSrc", lead.element_handle())
            assert "/media/renditions/" in source and source.endswith(".webp"), source

        overflow = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
        assert overflow[0] <= overflow[1], (page_type, overflow)
        screenshot(f"{page_type}-{width}")
