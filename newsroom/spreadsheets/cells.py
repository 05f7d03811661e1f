"""Reading cells into values, and writing values into cells that no spreadsheet will run.

The format (README, "Spreadsheets"): dates as ISO dates; entities as `kind: Name` separated by
`;`; citations one per line as `Publisher | URL` or a bare URL (an optional third part gives a
role other than "source"); related items by slug. Nothing is guessed: a cell that can be read
two ways is refused with a message saying how to write it.
"""

import datetime as dt
import re
from typing import Any

from django.core.exceptions import ValidationError

from sources.links import normalize_url
from sources.models import Citation

#: A cell starting with one of these is run as a formula by spreadsheet programs.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
ISO_DATETIME_MIDNIGHT = re.compile(r"(\d{4}-\d{1,2}-\d{1,2})[T ]00:00(:00)?")
SLUG = re.compile(r"[-\w]+")  # in any script, as Django's validate_unicode_slug
LIST_SEPARATORS = re.compile(r"[;\n]")
ROLE_BY_NAME = {
    **{value.casefold(): value for value in Citation.Role.values},
    **{label.casefold(): value for value, label in Citation.Role.choices},
}


class CellError(ValueError):
    """A cell that cannot be read; the message is written for the desk."""


def escape_formula(value: Any) -> Any:
    """Text that a spreadsheet would run as a formula, made inert with a leading apostrophe.

    Text that already starts with an apostrophe before such a character gets a second one, so
    that `unescape_formula` gives back exactly what was exported.
    """
    if isinstance(value, str) and (
        value.startswith(FORMULA_TRIGGERS)
        or (value.startswith("'") and value[1:].startswith((*FORMULA_TRIGGERS, "'")))
    ):
        return "'" + value
    return value


def unescape_formula(text: str) -> str:
    """The inverse of `escape_formula` for a cell read back from a file."""
    if text.startswith("'") and (
        text[1:].startswith(FORMULA_TRIGGERS)
        or (text[1:].startswith("'") and text[2:].startswith((*FORMULA_TRIGGERS, "'")))
    ):
        return text[1:]
    return text


def text_of(value: Any, *, strip: bool = True) -> str:
    """A cell as text: numbers without a spurious `.0`, dates as ISO, outer spaces removed
    (unless `strip` is false: long texts keep theirs, so that a round trip loses nothing).

    A formula (`=SUM(A1:A3)`) is text like any other: it is stored as typed, never run.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if not strip:
        return unescape_formula(str(value))
    return unescape_formula(str(value).strip()).strip()


def date_of(value: Any) -> dt.date | None:
    """An ISO date (2010-04-07, or 2010-04-7 as the archive writes it); None for an empty cell.

    Spreadsheet programs' own date cells are dates already. Any other spelling (07/04/2010,
    April 7, 2010) is refused: 04/07 means April to some editors and July to others.
    """
    if isinstance(value, dt.datetime):
        if value.time() != dt.time(0):
            raise CellError(f"“{value}” has a time of day; give the date alone, e.g. 2010-04-07.")
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = text_of(value)
    if not text:
        return None
    midnight = ISO_DATETIME_MIDNIGHT.fullmatch(text)
    if midnight:
        text = midnight.group(1)
    match = ISO_DATE.fullmatch(text)
    if not match:
        raise CellError(
            f"“{text}” is not a date in the form YYYY-MM-DD. Write it like 2010-04-07 "
            "(year, month, day) so that it cannot be misread."
        )
    try:
        return dt.date(*(int(part) for part in match.groups()))
    except ValueError:
        raise CellError(f"“{text}” is not a real date.") from None


def name_key(name: str) -> str:
    """How names are matched: case and runs of spaces do not matter."""
    return " ".join(name.split()).casefold()


def tidy_name(name: str) -> str:
    return " ".join(name.split())


def entities_of(value: Any, *, kinds: set[str], max_length: int = 100) -> list[tuple[str, str]]:
    """`person: Roza Otunbayeva; Bishkek` -> [("person", "Roza Otunbayeva"), ("", "Bishkek")].

    A prefix before `:` that is not a kind is part of the name. Repeats are dropped.
    """
    found: dict[str, tuple[str, str]] = {}
    for part in LIST_SEPARATORS.split(text_of(value)):
        kind, name = "", part
        if ":" in part:
            prefix, rest = part.split(":", 1)
            if prefix.strip().casefold() in kinds:
                kind, name = prefix.strip().casefold(), rest
        name = tidy_name(name)
        if not name:
            continue
        if len(name) > max_length:
            raise CellError(f"“{name[:40]}…” is longer than {max_length} characters.")
        found.setdefault(name_key(name), (kind, name))
    return list(found.values())


def names_of(value: Any) -> list[str]:
    """Names separated by `;` or new lines, tidied, without repeats, in order."""
    found: dict[str, str] = {}
    for part in LIST_SEPARATORS.split(text_of(value)):
        name = tidy_name(part)
        if name:
            found.setdefault(name_key(name), name)
    return list(found.values())


def citations_of(value: Any) -> list[tuple[str, str, str]]:
    """One citation per line -> [(publisher name or "", normalized URL, role)].

    `Publisher | URL`, a bare URL, or `Publisher | URL | role` for a role other than source.
    """
    citations = []
    seen = set()
    for number, line in enumerate(text_of(value).splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        parts = [part.strip() for part in line.split("|")]
        if len(parts) > 3:
            raise CellError(
                f"Line {number} “{line[:60]}” has too many “|”: write “Publisher | URL”."
            )
        publisher, url, role = "", parts[0], Citation.Role.SOURCE.value
        if len(parts) >= 2:
            publisher, url = tidy_name(parts[0]), parts[1]
        if len(parts) == 3 and parts[2]:
            role = ROLE_BY_NAME.get(parts[2].casefold())
            if role is None:
                labels = ", ".join(label.lower() for label in Citation.Role.labels)
                raise CellError(f"Line {number}: “{parts[2]}” is not a role; use one of {labels}.")
        try:
            url = normalize_url(url)
        except ValidationError as error:
            raise CellError(f"Line {number}: {error.messages[0]}") from None
        if (url, role) in seen:
            raise CellError(f"Line {number} cites {url} a second time.")
        seen.add((url, role))
        citations.append((publisher, url, role))
    return citations


def slugs_of(value: Any, *, with_dates: bool = False) -> list[str]:
    """Slugs separated by `;` or new lines; with `with_dates`, `2010-04-07/slug` too."""
    slugs = []
    for part in LIST_SEPARATORS.split(text_of(value)):
        part = part.strip()
        if not part:
            continue
        slug = part.rsplit("/", 1)[1] if with_dates and "/" in part else part
        if not SLUG.fullmatch(slug):
            raise CellError(f"“{part}” is not a slug (letters, digits, hyphens).")
        if with_dates and "/" in part:
            date_of(part.rsplit("/", 1)[0])
        if part not in slugs:
            slugs.append(part)
    return slugs
