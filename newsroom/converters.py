"""What readers' addresses accept: zero-padded dates (`/stories/2010/04/07/…`) and names in any
script (`/topics/严重急性呼吸道症候群/`).

`DAY` is the route prefix every app's URLconf uses for a date. A part that cannot be a date
(year 0000, month 13, day 32) does not match, so the address answers 404; a whole date that
does not exist (30 February) is refused by `day_or_404()`, which every dated view calls.
"""

import datetime as dt

from django.http import Http404
from django.urls import register_converter

#: The years readers' addresses reach. Python's first and last years are left out: a day there
#: cannot be turned into the times it spans in every time zone (the bounds overflow).
FIRST_YEAR, LAST_YEAR = dt.MINYEAR + 1, dt.MAXYEAR - 1


class NumberConverter:
    """A zero-padded number of `digits` digits between `low` and `high`."""

    digits, low, high = 2, 0, 99

    def __init__(self) -> None:
        self.regex = f"[0-9]{{{self.digits}}}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if not self.low <= number <= self.high:
            raise ValueError(f"{value} is out of range")  # the pattern does not match: 404
        return number

    def to_url(self, value: int | str) -> str:
        return f"{int(value):0{self.digits}d}"


class YearConverter(NumberConverter):
    digits, low, high = 4, FIRST_YEAR, LAST_YEAR


class MonthConverter(NumberConverter):
    low, high = 1, 12


class DayConverter(NumberConverter):
    low, high = 1, 31


class NameConverter:
    """A slug in any script: letters, digits, `_` and `-` (Django's `validate_unicode_slug`)."""

    regex = r"[-\w]+"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


class ArchiveSlugConverter:
    """An event's slug: anything but a slash or a control character, since slugs imported from
    the archive are kept as they were (`erdo-an`, `''italic''`), and old links must work."""

    regex = r"[^/\x00-\x1f\x7f]+"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(YearConverter, "yyyy")
register_converter(MonthConverter, "mm")
register_converter(DayConverter, "dd")
register_converter(NameConverter, "name")
register_converter(ArchiveSlugConverter, "archive_slug")

DAY = "<yyyy:year>/<mm:month>/<dd:day>/"


def day_or_404(year: int, month: int, day: int) -> dt.date:
    """The date of an address's parts, or 404 for one that does not exist (30 February)."""
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise Http404("No such day.") from None
