"""Readers' pages: a fixed clock and one section in the navigation, as in the view tests."""

import datetime as dt

import pytest
import time_machine

from events.models import Event
from tests.factories import EventFactory, SectionFactory

NOW = dt.datetime(2010, 4, 20, 12, 0, tzinfo=dt.UTC)
APRIL_7 = dt.date(2010, 4, 7)


@pytest.fixture(autouse=True)
def clock():
    """Noon UTC on 20 April 2010; `published=True` means an hour before."""
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def one_section(db):
    return SectionFactory(name="World", slug="world")


def published_event(**kwargs) -> Event:
    return EventFactory(published=True, **kwargs)
