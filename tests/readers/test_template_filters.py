"""The Jinja2 environment of readers' pages prints what Django's tags and filters printed."""

import datetime as dt
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from django.urls import set_script_prefix
from django.utils import timezone

from newsroom.jinja2 import date, iso_datetime, isodate, regroup, url

LATE_EVENING_UTC = dt.datetime(2010, 4, 7, 22, 30, tzinfo=dt.UTC)  # 8 April in Bishkek


def test_dates_are_shown_in_the_active_time_zone():
    with timezone.override(ZoneInfo("Asia/Bishkek")):
        assert date(LATE_EVENING_UTC, "j F Y") == "8 April 2010"
        assert isodate(LATE_EVENING_UTC) == "2010-04-08"
        assert iso_datetime(LATE_EVENING_UTC) == "2010-04-08T04:30:00+06:00"


def test_a_day_is_printed_as_it_is():
    day = dt.date(2010, 4, 7)

    assert isodate(day) == date(day, "Y-m-d") == "2010-04-07"
    assert date(day, "l j F Y") == "Wednesday 7 April 2010"
    assert isodate(None) == iso_datetime(None) == ""


def test_regroup_keeps_the_order_given_like_django_regroup():
    items = [SimpleNamespace(kind=kind) for kind in ("b", "b", "a", "b")]

    groups = regroup(items, "kind")

    assert [(group.grouper, len(group.list)) for group in groups] == [("b", 2), ("a", 1), ("b", 1)]


def test_addresses_without_arguments_follow_the_script_prefix():
    assert url("events:search") == "/search/"
    set_script_prefix("/news/")
    try:
        assert url("events:search") == "/news/search/"
        assert url("events:topic", slug="roza") == "/news/topics/roza/"
    finally:
        set_script_prefix("/")
    assert url("events:search") == "/search/"
