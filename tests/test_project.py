"""The project as a whole: system checks, migrations in step with models, settings."""

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from newsroom.settings import cache_from_url

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.django_db
def test_system_checks_pass_with_production_settings():
    call_command("check", "--deploy", "--fail-level", "ERROR", stdout=StringIO())


@pytest.mark.django_db
def test_migrations_are_in_step_with_the_models():
    call_command("makemigrations", "--check", "--dry-run", stdout=StringIO())


@pytest.mark.django_db
def test_the_roles_exist_and_journalists_cannot_delete_stories():
    from django.contrib.auth.models import Group

    journalist = Group.objects.get(name="Journalist")
    editor = Group.objects.get(name="Editor")
    journalist_perms = set(journalist.permissions.values_list("codename", flat=True))
    editor_perms = set(editor.permissions.values_list("codename", flat=True))
    assert {"add_event", "change_event", "add_story", "add_source"} <= journalist_perms
    assert "delete_story" not in journalist_perms
    assert "delete_event" not in journalist_perms
    assert journalist_perms < editor_perms


def run_settings(
    env: dict[str, str], shown: str = "s.DEBUG, s.DATABASES['default']['ENGINE']"
) -> subprocess.CompletedProcess:
    """Load the settings in a fresh process with only `env` set; prints `shown`."""
    inherited = {
        *("DEBUG", "SECRET_KEY", "DATABASE_URL", "DJANGO_SETTINGS_MODULE"),
        "PG_PREPARE_THRESHOLD",
        "CACHE_URL",
    }
    clean = {k: v for k, v in os.environ.items() if k not in inherited}
    return subprocess.run(
        [sys.executable, "-c", f"import newsroom.settings as s; print({shown})"],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=False,
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = run_settings({})
    assert result.returncode != 0
    assert "Set SECRET_KEY" in result.stderr


def test_debug_is_off_unless_asked_for():
    result = run_settings({"SECRET_KEY": "x" * 50})
    assert result.stdout.split()[0] == "False"


def test_sqlite_is_the_default_and_database_url_switches_engine():
    assert run_settings({"DEBUG": "1"}).stdout.split()[1] == "django.db.backends.sqlite3"
    result = run_settings({"DEBUG": "1", "DATABASE_URL": "postgres://u@127.0.0.1:5432/db"})
    assert result.stdout.split()[1] == "django.db.backends.postgresql"


@pytest.mark.parametrize(("threshold", "expected"), [(None, "2"), ("5", "5"), ("", "None")])
def test_postgresql_prepares_repeated_queries_unless_told_not_to(threshold, expected):
    env = {"DEBUG": "1", "DATABASE_URL": "postgres://u@127.0.0.1:5432/db"}
    if threshold is not None:
        env["PG_PREPARE_THRESHOLD"] = threshold
    result = run_settings(env, shown="s.DATABASES['default']['OPTIONS']")
    assert f"'prepare_threshold': {expected}" in result.stdout
    assert "'server_side_binding': True" in result.stdout


@pytest.mark.parametrize(
    ("url", "backend"),
    [
        ("locmem://", "django.core.cache.backends.locmem.LocMemCache"),
        ("redis://127.0.0.1:6379/1", "newsroom.caching.ResilientRedisCache"),
        ("file:///var/tmp/newsroom", "newsroom.caching.ResilientFileBasedCache"),
        ("dummy://", "django.core.cache.backends.dummy.DummyCache"),
    ],
)
def test_cache_url_chooses_the_backend(url, backend):
    assert cache_from_url(url)["BACKEND"] == backend


def test_the_default_cache_is_a_folder_of_the_project_shared_by_every_process():
    result = run_settings({"DEBUG": "1"}, shown="s.CACHES['default']")
    assert "ResilientFileBasedCache" in result.stdout
    assert f"'LOCATION': '{ROOT / 'var' / 'cache'}'" in result.stdout


def test_a_file_cache_url_names_its_folder():
    assert cache_from_url("file:///srv/cache")["LOCATION"] == "/srv/cache"


def test_an_unknown_cache_url_is_refused_clearly():
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured, match="CACHE_URL"):
        cache_from_url("memcached://x")


def test_the_redis_cache_really_stores_and_reads():
    """Against the real server the README names; skipped where no Redis is configured."""
    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        pytest.skip("set TEST_REDIS_URL=redis://127.0.0.1:6379/15 to test against Redis")
    from django.core.cache.backends.redis import RedisCache

    cache = RedisCache(url, {})
    cache.set("newsroom-test", {"a": 1}, 5)
    assert cache.get("newsroom-test") == {"a": 1}
    cache.delete("newsroom-test")
