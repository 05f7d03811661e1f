"""Reading pages as a browser would: JSON-LD blocks, meta tags (with the stdlib parser)."""

import json
from html.parser import HTMLParser


class HeadReader(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.json_ld: list[str] = []
        self.meta: list[tuple[str, str]] = []
        self._in_json_ld = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script" and attrs.get("type") == "application/ld+json":
            self._in_json_ld = True
            self.json_ld.append("")
        if tag == "meta" and "property" in attrs:
            self.meta.append((attrs["property"], attrs.get("content", "")))

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_json_ld = False

    def handle_data(self, data):
        if self._in_json_ld:
            self.json_ld[-1] += data


def read_head(html: str) -> HeadReader:
    reader = HeadReader()
    reader.feed(html)
    reader.close()
    return reader


def json_ld(html: str) -> list[dict]:
    return [json.loads(block) for block in read_head(html).json_ld]


def open_graph(html: str) -> dict[str, list[str]]:
    tags: dict[str, list[str]] = {}
    for name, content in read_head(html).meta:
        tags.setdefault(name, []).append(content)
    return tags
