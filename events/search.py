"""Search across published stories and events.

On PostgreSQL: full-text search of each table's stored, GIN-indexed document (headline,
standfirst/summary and body, weighted; see `newsroom.fulltext`), with `websearch` queries,
so readers may type quotes, `or` and `-word`, ranked with `SearchRank`, with
`SearchHeadline` snippets. Elsewhere (SQLite): every word must appear
somewhere in the text (`icontains`), newest first, with a snippet cut around the first match.

Snippets are escaped here and only our own `<mark>` is added, whatever the text or the query
contain: matches are delimited by control characters no text field holds, then the text is
escaped, then the delimiters become `<mark>` tags.
"""

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from django import forms
from django.db import connection
from django.db.models import (
    CharField,
    DateField,
    F,
    Q,
    QuerySet,
    TextField,
    Value,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Concat, TruncDate
from django.utils.html import escape, strip_tags
from django.utils.safestring import SafeString, mark_safe

from newsroom import fulltext
from newsroom.models import Section, Story

from .models import Category, Event

START, STOP = "\x02", "\x03"
MARKED = re.compile(f"{START}([^{START}{STOP}]*){STOP}")
SNIPPET_WORDS = 40
SEARCH_CONFIG = fulltext.SEARCH_CONFIG
MAX_QUERY_LENGTH = 200


def uses_full_text() -> bool:
    return connection.vendor == "postgresql"


class SearchForm(forms.Form):
    q = forms.CharField(label="Search for", max_length=MAX_QUERY_LENGTH, required=False)
    start = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label="To", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    section = forms.ModelChoiceField(
        queryset=Section.objects.all(),
        to_field_name="slug",
        required=False,
        empty_label="Any section",
        help_text="Stories only.",
    )
    category = forms.ModelChoiceField(
        queryset=Category.objects.all(),
        to_field_name="slug",
        required=False,
        empty_label="Any category",
        help_text="Events only.",
    )
    entity = forms.SlugField(
        allow_unicode=True,
        label="Person, place or topic",
        required=False,
        help_text="Its address name, e.g. bishkek.",
    )

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            raise forms.ValidationError("The start date is after the end date.")
        return data

    @property
    def has_search(self) -> bool:
        return self.is_valid() and any(self.cleaned_data.get(name) for name in self.fields)


@dataclass(frozen=True)
class SearchPart:
    kind: str
    items: QuerySet
    day: Any
    document: Any  # the text searched, as an expression


def document(*fields: str):
    """The fields' text, each from a new line (so that a body's Markdown starts a line)."""
    parts = []
    for field in fields:
        parts += [F(field), Value("\n")]
    return Concat(*parts, output_field=TextField())


def search_parts(form: SearchForm) -> list[SearchPart]:
    """The published stories and events matching the form, each part filtered in SQL."""
    data = form.cleaned_data
    parts = []
    if not data.get("category"):
        stories = Story.objects.published()
        if data.get("section"):
            stories = stories.filter(section=data["section"])
        parts.append(
            SearchPart(
                "story",
                stories,
                TruncDate("publish_at", output_field=DateField()),
                document("headline", "dek", "body"),
            )
        )
    if not data.get("section"):
        events = Event.objects.published()
        if data.get("category"):
            events = events.filter(category=data["category"])
        parts.append(
            SearchPart("event", events, F("date"), document("headline", "summary", "body"))
        )
    filtered = []
    for part in parts:
        items = part.items.annotate(search_day=part.day)
        if data.get("start"):
            items = items.filter(search_day__gte=data["start"])
        if data.get("end"):
            items = items.filter(search_day__lte=data["end"])
        if data.get("entity"):
            tagged = part.items.model.objects.filter(
                tagged_entities__tag__slug=data["entity"]
            ).values("pk")
            items = items.filter(pk__in=tagged)
        filtered.append(SearchPart(part.kind, items, part.day, part.document))
    return [matching(part, data.get("q", "")) for part in filtered]


def full_text_vector(model):
    """The model's stored, indexed document (`newsroom.fulltext`), for matching and ranking."""
    from django.contrib.postgres.search import SearchVectorField

    qn = connection.ops.quote_name
    return RawSQL(
        f"{qn(model._meta.db_table)}.{qn(fulltext.COLUMN)}", (), output_field=SearchVectorField()
    )


def full_text_query(text: str):
    from django.contrib.postgres.search import SearchQuery

    return SearchQuery(text, search_type="websearch", config=SEARCH_CONFIG)


def words(text: str) -> list[str]:
    return [word for word in re.split(r"\s+", text.strip()) if word][:10]


def matching(part: SearchPart, text: str) -> SearchPart:
    """Keep the part's items that match `text`, annotated with `search_rank`."""
    items = part.items
    if not text.strip():
        return SearchPart(part.kind, items.annotate(search_rank=Value(0.0)), part.day, None)
    if uses_full_text():
        from django.contrib.postgres.search import SearchRank

        vector, query = full_text_vector(part.items.model), full_text_query(text)
        items = items.annotate(search_vector=vector).filter(search_vector=query)
        items = items.annotate(search_rank=SearchRank(vector, query))
    else:
        condition = Q()
        for word in words(text):
            condition &= (
                Q(headline__icontains=word)
                | Q(body__icontains=word)
                | Q(**{f"{'dek' if part.kind == 'story' else 'summary'}__icontains": word})
            )
        items = items.filter(condition).annotate(search_rank=Value(0.0))
    return SearchPart(part.kind, items, part.day, part.document)


def result_rows(parts: list[SearchPart]) -> QuerySet:
    """One UNION of (kind, pk, rank, day, published at) rows, best first, for the paginator."""
    rows = [
        part.items.order_by()
        .annotate(search_kind=Value(part.kind, output_field=CharField()), search_at=F("publish_at"))
        .values_list("search_kind", "pk", "search_rank", "search_day", "search_at")
        for part in parts
    ]
    first, *others = rows
    union = first.union(*others, all=True) if others else first
    return union.order_by("-search_rank", "-search_day", "-search_at", "search_kind")


def with_snippets(part: SearchPart, text: str, pks: list[int]) -> dict[int, Any]:
    """The page's items of one kind (one query), each with `snippet`, safe HTML."""
    items = part.items.model.objects.filter(pk__in=pks)
    items = (
        items.select_related("category", "topic")
        if part.kind == "event"
        else (items.select_related("section"))
    )
    if text.strip() and uses_full_text():
        from django.contrib.postgres.search import SearchHeadline

        items = items.annotate(
            raw_snippet=SearchHeadline(
                part.document,
                full_text_query(text),
                config=SEARCH_CONFIG,
                start_sel=START,
                stop_sel=STOP,
                max_words=SNIPPET_WORDS,
                min_words=15,
                max_fragments=2,
                fragment_delimiter=" … ",
            )
        )
    loaded = items.in_bulk()
    for item in loaded.values():
        raw = getattr(item, "raw_snippet", None)
        if raw is not None:
            raw = plain_text(raw)  # cut from the Markdown the body is written in
        else:
            own = " ".join(
                value
                for value in (
                    getattr(item, "dek", "") or getattr(item, "summary", ""),
                    strip_tags(item.body_html) if item.body else "",
                )
                if value
            )
            raw = plain_snippet(own, words(text))
        item.snippet = marked(raw)
    return loaded


def plain_snippet(text: str, terms: list[str]) -> str:
    """Up to SNIPPET_WORDS words around the first match, matches delimited by START/STOP."""
    tokens = text.split()
    lowered = [token.casefold() for token in tokens]
    folded = [term.casefold() for term in terms]
    first = next((i for i, token in enumerate(lowered) if any(term in token for term in folded)), 0)
    begin = max(0, first - 8)
    chosen = tokens[begin : begin + SNIPPET_WORDS]
    if folded:
        pattern = re.compile("|".join(re.escape(term) for term in folded), re.IGNORECASE)
        chosen = [pattern.sub(lambda m: f"{START}{m.group(0)}{STOP}", token) for token in chosen]
    snippet = " ".join(chosen)
    if begin > 0:
        snippet = "… " + snippet
    if begin + SNIPPET_WORDS < len(tokens):
        snippet += " …"
    return snippet


#: Markdown's syntax, as it shows in a snippet cut from a body: links and images keep their
#: text (also when the cut fell inside them), and emphasis, code, heading, quote and list
#: markers go. Snake_case words, lone asterisks and dashes in prose stay.
MARKDOWN_SYNTAX = [
    (re.compile(r"!?\[([^\]]*)\]\([^)\s]*(?:\s+\"[^\"]*\")?\)"), r"\1"),  # [text](url "title")
    (re.compile(r"\]\([^)\s]*\)?|\(https?://[^)\s]*\)?|!?\["), ""),  # pieces of a cut link
    (  # emphasis, strike-through and code markers, at the edge of a word
        re.compile(
            r"(?<![\w*])(\*{1,3}|_{1,3}|~~|`+)(?=\S)|(?<=\S)(\*{1,3}|_{1,3}|~~|`+)(?![\w*])"
        ),
        "",
    ),
    (re.compile(r"(?m)^[ \t]*(?:#{1,6}|>|[*+-]|\d+\.)[ \t]+(?=\S)"), ""),  # at a line's start
]


def plain_text(markdown_fragment: str) -> str:
    """A fragment of Markdown as readers would read it, for a snippet."""
    for pattern, replacement in MARKDOWN_SYNTAX:
        markdown_fragment = pattern.sub(replacement, markdown_fragment)
    return markdown_fragment


def marked(raw: str) -> SafeString:
    """Escape everything, then turn our delimiters (and only them) into <mark> tags."""
    safe = MARKED.sub(r"<mark>\1</mark>", str(escape(raw)))
    return mark_safe(safe.replace(START, "").replace(STOP, ""))  # strays: never unbalanced


@dataclass(frozen=True)
class SearchResult:
    kind: str
    item: Any
    day: dt.date
