"""`/healthz` tells a load balancer whether this process can serve: 200 when the database (and
a Redis cache, when there is one) answer, 503 otherwise; never cached, redirected or cookied."""

import json

import pytest
import redis
from django.db import connection

from newsroom.caching import GENERATION_KEY, page_cache
from tests.live import Gunicorn, RedisServer, free_port

live = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def health(answer) -> dict:
    return json.loads(answer.text if hasattr(answer, "text") else answer.content)


@live  # autocommit, as in production
def test_answers_ok_with_one_cheap_query_when_the_database_answers(
    client, django_assert_num_queries
):
    page_cache().clear()
    # PostgreSQL: BEGIN, SET LOCAL statement_timeout, SELECT 1, COMMIT.
    queries = 4 if connection.vendor == "postgresql" else 1
    with django_assert_num_queries(queries):
        answer = client.get("/healthz")

    assert answer.status_code == 200
    assert health(answer) == {"status": "ok", "checks": {"database": "ok", "cache": "ok"}}
    assert "no-store" in answer["Cache-Control"]
    assert not answer.cookies
    assert "X-Page-Cache" not in answer
    assert page_cache().get(GENERATION_KEY) is None  # the page cache was not even read


@pytest.mark.django_db
def test_head_is_answered_and_writes_are_refused(client):
    assert client.head("/healthz").status_code == 200
    assert client.post("/healthz").status_code == 405


@pytest.mark.django_db
def test_plain_http_is_not_redirected_with_production_settings(client, settings):
    settings.SECURE_SSL_REDIRECT = True

    assert client.get("/healthz").status_code == 200
    assert client.get("/").status_code == 301  # every other address goes to HTTPS


@pytest.fixture(scope="module")
def static_root(tmp_path_factory):
    return str(tmp_path_factory.mktemp("static"))  # /healthz serves no static file


@live
def test_with_redis_down_it_answers_503_and_200_again_once_redis_is_back(static_root):
    with (
        RedisServer() as server,
        Gunicorn(static_root=static_root, workers=1, CACHE_URL=server.url) as app,
    ):
        with redis.Redis.from_url(server.url) as client:
            keys = client.dbsize()
            up = [app.get("/healthz") for _ in range(3)]
            assert client.dbsize() == keys  # its own key is deleted, no page is stored

        server.stop()
        down = app.get("/healthz")
        server.start()
        again = app.get("/healthz")

    assert [answer.status for answer in up] == [200] * 3
    assert health(up[0])["checks"] == {"database": "ok", "cache": "ok"}
    assert "Set-Cookie" not in up[0].headers
    assert "no-store" in up[0].headers["Cache-Control"]
    assert down.status == 503
    assert health(down)["status"] == "failing"
    assert health(down)["checks"]["database"] == "ok"
    assert health(down)["checks"]["cache"] == "error: default: ConnectionError"
    assert f"{server.port}" not in down.text  # the details, which name the server, are logged
    assert f"/healthz: ConnectionError: Error 111 connecting to 127.0.0.1:{server.port}" in (
        app.output()
    )
    assert again.status == 200


@pytest.mark.parametrize(
    "database_url",
    [
        "sqlite:////nonexistent-folder-of-healthz-tests/db.sqlite3",
        f"postgres://postgres@127.0.0.1:{free_port()}/closed",
    ],
    ids=["sqlite-missing-folder", "postgresql-closed-port"],
)
@live
def test_with_the_database_down_it_answers_503(static_root, database_url):
    with Gunicorn(static_root=static_root, workers=1, DATABASE_URL=database_url) as app:
        answer = app.get("/healthz")

    assert answer.status == 503
    assert health(answer)["status"] == "failing"
    assert health(answer)["checks"]["database"] == "error: OperationalError"
    assert "/healthz: OperationalError: " in app.output()
    assert health(answer)["checks"]["cache"] == "ok"
    assert "Traceback" not in app.output()
