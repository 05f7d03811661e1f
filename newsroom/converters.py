"""Zero-padded dates in readers' addresses (`/stories/2010/04/07/…`).

`DAY` is the route prefix every app's URLconf uses for a date.
"""

from django.urls import register_converter


class FourDigitConverter:
    regex = "[0-9]{4}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int | str) -> str:
        return f"{int(value):04d}"


class TwoDigitConverter:
    regex = "[0-9]{2}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int | str) -> str:
        return f"{int(value):02d}"


register_converter(FourDigitConverter, "yyyy")
register_converter(TwoDigitConverter, "mm")
register_converter(TwoDigitConverter, "dd")

DAY = "<yyyy:year>/<mm:month>/<dd:day>/"
