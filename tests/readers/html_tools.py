"""Reading pages as a browser would: JSON-LD blocks, meta tags (with the stdlib parser)."""

import itertools
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


VOID = {
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
    "track", "wbr",
}  # fmt: skip
#: Elements that may not sit inside a <p> (the parser would end the paragraph before them).
BLOCKS = {
    "div", "section", "article", "ul", "ol", "figure", "header", "footer", "nav", "form",
    "fieldset", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "dl", "table", "main",
}  # fmt: skip
LANDMARKS = {"header": "banner", "nav": "navigation", "main": "main", "footer": "contentinfo"}


class Checker(HTMLParser):
    """A strict, small HTML5 conformance check for our own pages (no network validator).

    Reports: a missing doctype or `lang`, unclosed, misnested or stray end tags, end tags on
    void elements, duplicate ids, `<img>` without `alt`, form controls without a label,
    `for=`/`aria-labelledby` pointing nowhere, and collects headings and landmarks.
    """

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.stack: list[str] = []
        self.ids: dict[str, int] = {}
        self.headings: list[int] = []
        self.landmarks: list[str] = []
        self.label_targets: set[str] = set()
        self.labelled_by: set[str] = set()
        self.controls: list[tuple[str, dict]] = []
        self.doctype = False
        self.lang = ""

    def handle_decl(self, decl):
        self.doctype = decl.lower() == "doctype html"

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        names = [name for name, _ in attrs]
        if len(names) != len(set(names)):
            self.problems.append(f"<{tag}> repeats an attribute: {names}")
        if "id" in attributes:
            self.ids[attributes["id"]] = self.ids.get(attributes["id"], 0) + 1
        if tag == "html":
            self.lang = attributes.get("lang", "")
        if tag == "img" and "alt" not in attributes:
            self.problems.append(f"<img src={attributes.get('src')!r}> has no alt")
        if tag in {"h1", "h2", "h3", "h4", "h5", "h6"}:
            self.headings.append(int(tag[1]))
        if tag in LANDMARKS:
            self.landmarks.append(tag)
        if tag == "label" and "for" in attributes:
            self.label_targets.add(attributes["for"])
        if "aria-labelledby" in attributes:
            self.labelled_by.update(attributes["aria-labelledby"].split())
        if tag in {"input", "select", "textarea"} and attributes.get("type") != "hidden":
            self.controls.append((tag, attributes))
        if tag in {"p"} and self.stack and self.stack[-1] == "p":
            self.problems.append("<p> inside <p>")
        if tag in BLOCKS and self.stack[-1:] == ["p"]:
            self.problems.append(f"<{tag}> inside <p> (the parser would close the <p>)")
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.problems.append(f"<{tag}/> is not a void element")
            self.stack.pop()

    def handle_endtag(self, tag):
        if tag in VOID:
            self.problems.append(f"</{tag}> closes a void element")
            return
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"</{tag}> does not close the open <{self.stack[-1:]}>")
            if tag in self.stack:
                while self.stack and self.stack.pop() != tag:
                    pass
            return
        self.stack.pop()

    def finish(self) -> "Checker":
        self.close()
        if not self.doctype:
            self.problems.append("no <!doctype html>")
        if not self.lang:
            self.problems.append("<html> has no lang")
        if self.stack:
            self.problems.append(f"unclosed elements at the end: {self.stack}")
        self.problems += [f"id {i!r} used {n} times" for i, n in self.ids.items() if n > 1]
        self.problems += [
            f"label for={target!r} points nowhere"
            for target in self.label_targets
            if target not in self.ids
        ]
        self.problems += [
            f"aria-labelledby={target!r} points nowhere"
            for target in self.labelled_by
            if target not in self.ids
        ]
        self.problems += [
            f"<{tag} name={attrs.get('name')!r}> has no label"
            for tag, attrs in self.controls
            if attrs.get("id") not in self.label_targets and "aria-label" not in attrs
        ]
        return self


def check_html(html: str) -> Checker:
    checker = Checker()
    checker.feed(html)
    return checker.finish()


def heading_problems(levels: list[int]) -> list[str]:
    """One h1, first; no level skipped on the way down."""
    problems = []
    if levels.count(1) != 1:
        problems.append(f"{levels.count(1)} h1 elements")
    if levels and levels[0] != 1:
        problems.append(f"the first heading is h{levels[0]}")
    for before, after in itertools.pairwise(levels):
        if after > before + 1:
            problems.append(f"h{before} is followed by h{after}")
    return problems
