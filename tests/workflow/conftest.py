import pytest

from tests.factories import EventCitationFactory, EventFactory, StoryFactory


@pytest.fixture
def ready_event(db):
    """A draft event with everything publishing needs: a headline and one citation."""
    event = EventFactory(headline="Protesters storm the government building in Bishkek")
    EventCitationFactory(item=event)
    return event


@pytest.fixture
def ready_story(db):
    return StoryFactory(headline="A caretaker cabinet takes over")
