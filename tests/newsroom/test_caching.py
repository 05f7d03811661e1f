"""The page cache with real servers: what readers see never depends on which worker answers,
nor on which process made the change, and a cache outage degrades to uncached pages.

Two gunicorn workers on the production settings (tests/live.py) share the tests' cache; the
changes are made in this process (the ORM, as from a shell), by `manage.py publish` in a
process of its own, and by an editor through the desk.
"""

import logging
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.checks import Error
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.urls import reverse

from newsroom import workflow
from newsroom.caching import (
    GENERATION_KEY,
    ResilientCacheMixin,
    ResilientFileBasedCache,
    current_generation,
)
from newsroom.checks import page_cache_is_shared
from newsroom.models import Status
from newsroom.roles import EDITOR
from tests.factories import EventCitationFactory, EventFactory, UserFactory
from tests.live import Gunicorn, RedisServer, collect_static, manage

PASSWORD = "correct horse battery staple"  # tests.factories.UserFactory's
live = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture(scope="session")
def static_root():
    return collect_static()


@pytest.fixture
def editor_ed(transactional_db, settings):
    """An editor whose password the production settings can check (tests hash with MD5)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    return UserFactory(username="ed", groups=[EDITOR])


@pytest.fixture
def live_event(transactional_db):
    return EventFactory(published=True, headline="Crowds gather in the main square")


@pytest.fixture
def server(static_root, transactional_db):
    with Gunicorn(static_root=static_root, workers=2) as gunicorn:
        yield gunicorn


def read(server, url: str, times: int) -> list[tuple[int, str]]:
    """(status, X-Page-Cache) of `times` reads, each on a new connection (any worker)."""
    answers = [server.get(url) for _ in range(times)]
    return [(answer.status, answer.headers.get("X-Page-Cache", "")) for answer in answers]


def read_together(server, url: str, times: int) -> list[tuple[int, str]]:
    """Like `read`, with the requests made at the same time (so that several workers answer)."""
    with ThreadPoolExecutor(times) as pool:
        answers = list(pool.map(lambda _: server.get(url), range(times)))
    return [(answer.status, answer.headers.get("X-Page-Cache", "")) for answer in answers]


def cached_everywhere(server, url: str) -> None:
    """Read the page until it comes from the cache, as readers would have it."""
    answers = read(server, url, 30)
    assert {status for status, _ in answers} == {200}
    assert answers[-1][1] == "hit"


def statuses_from_now(server, url: str, *, reads: int = 30) -> set[int]:
    """The statuses of reads made from now on: at least `reads`, and for at least a second."""
    started, statuses = time.monotonic(), set()
    while reads > 0 or time.monotonic() - started < 1:
        statuses.add(server.get(url).status)
        reads -= 1
    return statuses


# Every writer reaches every worker at once ----------------------------------------------------


@live
def test_unpublishing_through_the_orm_hides_the_page_on_every_worker_at_once(
    server, live_event, editor_ed
):
    url = live_event.get_absolute_url()
    cached_everywhere(server, url)

    workflow.unpublish(live_event, by=editor_ed)

    assert statuses_from_now(server, url) == {404}


@live
def test_unpublishing_with_the_publish_command_hides_the_page_on_every_worker_at_once(
    server, live_event, editor_ed
):
    url = live_event.get_absolute_url()
    cached_everywhere(server, url)

    manage("publish", "events.event", str(live_event.pk), "--user", "ed", "--action", "unpublish")

    live_event.refresh_from_db()
    assert live_event.status == Status.UNPUBLISHED
    assert statuses_from_now(server, url) == {404}


@live
def test_an_editor_unpublishing_in_the_desk_hides_the_page_on_every_worker_at_once(
    server, live_event, editor_ed
):
    url = live_event.get_absolute_url()
    cached_everywhere(server, url)
    desk = server.browser()
    desk.log_in("ed", PASSWORD)
    desk.get("/admin/events/event/")

    answer = desk.post(
        "/admin/events/event/",
        {"action": "unpublish_selected", "_selected_action": live_event.pk, "index": 0},
    )

    assert answer.status == 302
    live_event.refresh_from_db()
    assert live_event.status == Status.UNPUBLISHED
    assert statuses_from_now(server, url) == {404}


@live
def test_publishing_from_another_process_shows_the_page_on_every_worker_at_once(server, editor_ed):
    event = EventFactory(status=Status.IN_REVIEW, headline="A caretaker cabinet takes over")
    EventCitationFactory(item=event)
    EventFactory(published=True, date=event.date)  # the day page is cached, with another event
    day = reverse("events:day", kwargs={"year": 2010, "month": 4, "day": 7})
    cached_everywhere(server, day)
    assert server.get(event.get_absolute_url()).status == 404

    manage("publish", "events.event", str(event.pk), "--user", "ed")

    assert statuses_from_now(server, event.get_absolute_url()) == {200}
    assert all("A caretaker cabinet takes over" in server.get(day).text for _ in range(20))


# A cache outage -------------------------------------------------------------------------------


def warnings_in(server) -> int:
    return server.output().count("The cache is failing")


@live
def test_with_redis_down_readers_get_pages_and_the_desk_works_then_caching_resumes(
    static_root, live_event, editor_ed
):
    url = live_event.get_absolute_url()
    with (
        RedisServer() as redis,
        Gunicorn(static_root=static_root, workers=2, CACHE_URL=redis.url) as server,
    ):
        cached_everywhere(server, url)

        redis.stop()
        during = read(server, url, 30)
        desk = server.browser()
        login_page = desk.get("/admin/login/")
        desk.log_in("ed", PASSWORD)
        dashboard = desk.get("/admin/")
        more = read(server, url, 10)

        assert during + more == [(200, "")] * 40  # served, and never from the cache
        assert login_page.status == 200
        assert dashboard.status == 200
        assert 1 <= warnings_in(server) <= 2  # at most once a minute in each worker
        assert "Traceback" not in server.output()

        redis.start()
        time.sleep(ResilientCacheMixin.RETRY_AFTER + 0.2)
        after = read(server, url, 10)

        assert {status for status, _ in after} == {200}
        assert after[-1][1] == "hit"
        assert 1 <= warnings_in(server) <= 2


@live
def test_pages_cached_before_an_outage_are_not_served_after_it(static_root, live_event, editor_ed):
    """Redis stops answering (paused, its data kept) while a command unpublishes the event: the
    command cannot replace the generation, so the workers, which met the outage, start a new
    one when Redis answers again."""
    url = live_event.get_absolute_url()
    with (
        RedisServer() as redis,
        Gunicorn(static_root=static_root, workers=2, CACHE_URL=redis.url) as server,
    ):
        cached_everywhere(server, url)

        redis.pause(seconds=8)
        manage(
            *("publish", "events.event", str(live_event.pk), "--user", "ed"),
            *("--action", "unpublish"),
            CACHE_URL=redis.url,
        )
        during = []
        while warnings_in(server) < 2 and redis.is_paused():
            during += read_together(server, url, 4)  # one worker waits on Redis, the other answers
        assert warnings_in(server) == 2, "both workers should have met the outage"
        while redis.is_paused():
            time.sleep(0.1)
        after = [server.get(url).status for _ in range(20)]
        time.sleep(ResilientCacheMixin.RETRY_AFTER + 0.2)
        later = [server.get(url).status for _ in range(20)]

    assert {status for status, _ in during} == {404}
    assert set(after) == {404}
    assert set(later) == {404}


# The failure handling itself, on a real file cache that cannot write -------------------------


def test_a_failing_file_cache_reads_as_empty_skips_writes_and_warns_once(tmp_path, caplog):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should be")
    cache = ResilientFileBasedCache(str(blocker / "cache"), {})

    with caplog.at_level(logging.WARNING, logger="newsroom.caching"):
        cache.set("key", "value")
        assert cache.get("key", "default") == "default"
        assert cache.add("key", "value") is False
        assert cache.get_many(["key"]) == {}
        cache.delete("key")

    assert [record.getMessage()[:22] for record in caplog.records] == ["The cache is failing ("]


def test_a_file_cache_that_recovers_starts_a_new_generation(tmp_path, monkeypatch):
    monkeypatch.setattr(ResilientCacheMixin, "RETRY_AFTER", 0.2)
    folder = tmp_path / "cache"
    folder.write_text("in the way")
    cache = ResilientFileBasedCache(str(folder), {})
    cache.set("page", "stale")
    folder.unlink()
    folder.mkdir()
    cache.set(GENERATION_KEY, "before", None)  # skipped: the cache rests after an error
    assert cache.get(GENERATION_KEY) is None

    time.sleep(0.3)

    assert cache.get(GENERATION_KEY) not in (None, "before")
    cache.set("page", "fresh")
    assert cache.get("page") == "fresh"


def test_with_the_cache_down_no_generation_is_given_so_nothing_is_cached(settings, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    settings.CACHES = {
        "default": {
            "BACKEND": "newsroom.caching.ResilientFileBasedCache",
            "LOCATION": str(blocker / "cache"),
        }
    }
    assert current_generation() is None


# The system check ----------------------------------------------------------------------------


def locmem(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


@pytest.mark.django_db
def test_the_check_refuses_a_per_process_page_cache_outside_debug(settings):
    locmem(settings)
    settings.DEBUG = False

    [error] = page_cache_is_shared()

    assert isinstance(error, Error)
    assert error.id == "newsroom.E001"
    assert "each process's own memory" in error.msg
    with pytest.raises(SystemCheckError, match=r"newsroom\.E001"):
        call_command("check")


def test_the_check_allows_local_memory_in_debug_or_with_the_page_cache_off(settings):
    locmem(settings)
    settings.DEBUG = True
    assert page_cache_is_shared() == []
    settings.DEBUG = False
    settings.NEWSROOM_PAGE_CACHE_SECONDS = 0
    assert page_cache_is_shared() == []


@pytest.mark.parametrize("url", ["file:///tmp/newsroom-cache", "redis://127.0.0.1:6379/0"])
def test_the_check_accepts_the_shared_caches(settings, url):
    from newsroom.settings import cache_from_url

    settings.CACHES = {"default": cache_from_url(url)}
    settings.DEBUG = False
    assert page_cache_is_shared() == []
