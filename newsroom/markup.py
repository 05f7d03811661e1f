"""Markdown to safe HTML for story and event bodies.

Journalists write Markdown; anything that could run in a reader's browser (script, event
handlers, javascript: links, inline styles) is removed after rendering, whatever was typed.
"""

import functools

import markdown
import nh3
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = {
    "a", "abbr", "blockquote", "br", "code", "em", "figcaption", "figure", "h2", "h3", "h4",
    "hr", "li", "ol", "p", "pre", "strong", "sub", "sup", "table", "tbody", "td", "th",
    "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "td": {"align"}, "th": {"align"}}


@functools.lru_cache(maxsize=512)
def render_markdown(text: str) -> SafeString:
    """Safe HTML of `text`. Remembered per process for the most recent texts: rendering costs
    about 2 ms for a few paragraphs, and every content change makes every page render again."""
    html = markdown.markdown(text or "", extensions=["extra", "sane_lists"], output_format="html")
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )
    return mark_safe(clean)
