import pytest

from newsroom.roles import EDITOR, JOURNALIST

from .factories import UserFactory


@pytest.fixture(autouse=True)
def _media_and_cache(settings, tmp_path):
    """Every test gets its own media folder and an empty cache."""
    from django.core.cache import cache

    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()


@pytest.fixture
def journalist(db):
    return UserFactory(username="jo", groups=[JOURNALIST])


@pytest.fixture
def editor(db):
    return UserFactory(username="ed", groups=[EDITOR])


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_superuser=True)
