"""Security posture: password guessing is locked out per username and address, every page
carries a Content-Security-Policy, HTTPS is enforced outside DEBUG unless switched off, and
the proxy's headers are believed only when BEHIND_PROXY says a proxy sets them."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.urls import reverse
from django.utils.csp import CSP

from newsroom.roles import EDITOR
from tests.factories import EventFactory, SectionFactory, UserFactory

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "correct horse battery staple"
ATTACKER = "203.0.113.7"
COLLEAGUE = "198.51.100.20"


def log_in(client, username, password, address=ATTACKER, **headers):
    return client.post(
        reverse("admin:login"),
        {"username": username, "password": password, "next": "/admin/"},
        REMOTE_ADDR=address,
        **headers,
    )


def guess_wrong(client, username, times, address=ATTACKER, **headers):
    return [
        log_in(client, username, f"wrong-{n}", address, **headers).status_code for n in range(times)
    ]


def run_python(code: str, **env) -> str:
    """Run `code` in a fresh interpreter with only the given environment (plus PATH)."""
    environment = {"PATH": os.environ["PATH"], "SECRET_KEY": "s" * 60, **env}
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout.strip()


def production_setting(name: str, **env) -> str:
    return run_python(
        f"import newsroom.settings as s; print(repr(getattr(s, {name!r}, None)))", **env
    )


# Password guessing


@pytest.fixture
def target(db):
    return UserFactory(username="ed", groups=[EDITOR])


def test_wrong_passwords_lock_out_that_username_from_that_address(client, settings, target):
    settings.AXES_FAILURE_LIMIT = 3

    assert guess_wrong(client, "ed", 2) == [200, 200]
    assert guess_wrong(client, "ed", 1) == [429]

    # Even the right password is refused now, and the page says why in words.
    response = log_in(client, "ed", PASSWORD)
    assert response.status_code == 429
    text = response.content.decode()
    assert "Login paused" in text
    assert "Too many failed logins for “ed” from your address" in text
    assert "after 3 wrong passwords in a row" in text
    assert "Try again in 30 minutes" in text
    assert "under “Access attempts”" in text
    assert "_auth_user_id" not in client.session


def test_the_same_user_from_another_address_and_another_user_are_not_locked(
    client, settings, target
):
    settings.AXES_FAILURE_LIMIT = 3
    UserFactory(username="jo")
    guess_wrong(client, "ed", 3)

    assert log_in(client, "ed", PASSWORD, address=COLLEAGUE).status_code == 302
    client.logout()
    assert log_in(client, "jo", PASSWORD).status_code == 302


def test_a_successful_login_forgets_earlier_failures(client, settings, target):
    settings.AXES_FAILURE_LIMIT = 3
    guess_wrong(client, "ed", 2)
    assert log_in(client, "ed", PASSWORD).status_code == 302
    client.logout()

    assert guess_wrong(client, "ed", 2) == [200, 200]


def test_without_a_cool_off_the_lockout_lasts_until_lifted(client, settings, target):
    settings.AXES_FAILURE_LIMIT = 2
    settings.AXES_COOLOFF_TIME = None
    guess_wrong(client, "ed", 2)

    response = log_in(client, "ed", PASSWORD)
    assert response.status_code == 429
    assert "The pause lasts until it is lifted." in response.content.decode()


def test_an_editor_lifts_a_lockout_in_the_desk(client, settings, target):
    settings.AXES_FAILURE_LIMIT = 3
    guess_wrong(client, "ed", 3)
    attempt = AccessAttempt.objects.get(username="ed", ip_address=ATTACKER)

    colleague = UserFactory(username="chief", groups=[EDITOR])
    desk = Client()  # another browser: the editor's own
    desk.force_login(colleague)
    changelist = desk.get(reverse("admin:axes_accessattempt_changelist"))
    assert changelist.status_code == 200
    assert ATTACKER in changelist.content.decode()
    delete_url = reverse("admin:axes_accessattempt_delete", args=[attempt.pk])
    assert desk.get(delete_url).status_code == 200
    assert desk.post(delete_url, {"post": "yes"}).status_code == 302

    assert not AccessAttempt.objects.exists()
    assert log_in(client, "ed", PASSWORD).status_code == 302


def test_a_journalist_cannot_see_or_lift_lockouts(client, journalist):
    client.force_login(journalist)
    assert client.get(reverse("admin:axes_accessattempt_changelist")).status_code == 403


def test_a_forged_forwarded_address_does_not_escape_the_lockout(client, settings, target):
    settings.AXES_FAILURE_LIMIT = 2
    guess_wrong(client, "ed", 2)

    forged = log_in(client, "ed", PASSWORD, HTTP_X_FORWARDED_FOR=COLLEAGUE)
    assert forged.status_code == 429


def test_behind_a_proxy_the_address_is_the_one_the_proxy_added(client, settings, target):
    settings.BEHIND_PROXY = True
    settings.AXES_FAILURE_LIMIT = 2
    # The proxy runs on this machine (REMOTE_ADDR) and appends the client's address.
    statuses = guess_wrong(
        client, "ed", 2, "127.0.0.1", HTTP_X_FORWARDED_FOR=f"1.2.3.4, {ATTACKER}"
    )
    assert statuses == [200, 429]
    assert AccessAttempt.objects.get().ip_address == ATTACKER

    colleague = log_in(client, "ed", PASSWORD, "127.0.0.1", HTTP_X_FORWARDED_FOR=COLLEAGUE)
    assert colleague.status_code == 302


def test_the_failure_limit_and_cool_off_come_from_the_environment():
    assert production_setting("AXES_FAILURE_LIMIT") == "5"
    assert production_setting("AXES_COOLOFF_TIME") == "datetime.timedelta(seconds=1800)"
    assert production_setting("AXES_FAILURE_LIMIT", AXES_FAILURE_LIMIT="8") == "8"
    assert (
        production_setting("AXES_COOLOFF_TIME", AXES_COOLOFF_MINUTES="90")
        == "datetime.timedelta(seconds=5400)"
    )
    assert production_setting("AXES_COOLOFF_TIME", AXES_COOLOFF_MINUTES="0") == "None"
    assert production_setting("AXES_LOCKOUT_PARAMETERS") == "[['username', 'ip_address']]"


# Content Security Policy


def policy_of(response) -> dict[str, list[str]]:
    header = response[CSP.HEADER_ENFORCE]
    return {
        name: values for name, *values in (directive.split() for directive in header.split(";"))
    }


def assert_strict_policy(response):
    policy = policy_of(response)
    assert policy["default-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    for directive in ("script-src", "style-src"):
        assert "'self'" in policy[directive]
        assert CSP.UNSAFE_INLINE not in policy[directive]
        assert CSP.UNSAFE_EVAL not in policy[directive]


def test_readers_pages_carry_the_policy_when_rendered_and_when_cached(client):
    SectionFactory(slug="world")
    event = EventFactory(published=True)

    for url in ["/", event.get_absolute_url(), "/search/?q=capital", "/no-such-page/"]:
        response = client.get(url)
        assert response.status_code in (200, 404), url
        assert_strict_policy(response)

    cached = client.get(event.get_absolute_url())
    assert cached["X-Page-Cache"] == "hit"
    assert_strict_policy(cached)


def test_the_desk_carries_the_policy_with_a_nonce_for_the_admins_own_inline_blocks(client, editor):
    assert_strict_policy(client.get(reverse("admin:login")))
    client.force_login(editor)
    changelist = client.get(reverse("admin:events_event_changelist"))
    assert_strict_policy(changelist)
    form = client.get(reverse("admin:events_event_add"))
    assert_strict_policy(form)
    nonce = next(v for v in policy_of(form)["script-src"] if v.startswith("'nonce-"))
    assert f'nonce="{nonce[7:-1]}"' in form.content.decode()


def test_no_template_of_the_project_has_inline_script_style_or_handlers():
    offenders = []
    for path in (ROOT / "templates").rglob("*.html"):
        text = path.read_text()
        for marker in ("<script>", "<style", " style=", " onclick=", " onchange=", " onload="):
            if marker in text:
                offenders.append(f"{path.relative_to(ROOT)}: {marker.strip()}")
    assert offenders == []


# HTTPS, HSTS and the proxy


def test_outside_debug_https_is_enforced_by_default():
    assert production_setting("SECURE_SSL_REDIRECT") == "True"
    assert production_setting("SECURE_HSTS_SECONDS") == "31536000"
    assert production_setting("SECURE_HSTS_INCLUDE_SUBDOMAINS") == "True"
    assert production_setting("SESSION_COOKIE_SECURE") == "True"
    assert production_setting("SECURE_PROXY_SSL_HEADER") == "None"


def test_a_plain_http_run_switches_https_off_through_the_environment():
    plain = {"SECURE_SSL_REDIRECT": "0", "SECURE_HSTS_SECONDS": "0", "SECURE_COOKIES": "0"}
    assert production_setting("SECURE_SSL_REDIRECT", **plain) == "False"
    assert production_setting("SECURE_HSTS_SECONDS", **plain) == "0"
    assert production_setting("SESSION_COOKIE_SECURE", **plain) == "False"
    assert production_setting("CSRF_COOKIE_SECURE", **plain) == "False"


def test_debug_runs_over_plain_http():
    assert production_setting("SECURE_SSL_REDIRECT", DEBUG="1") == "False"
    assert production_setting("SECURE_HSTS_SECONDS", DEBUG="1") == "0"


def test_the_proxy_header_is_trusted_only_behind_a_proxy():
    assert production_setting("BEHIND_PROXY") == "False"
    assert production_setting("SECURE_PROXY_SSL_HEADER", BEHIND_PROXY="1") == (
        "('HTTP_X_FORWARDED_PROTO', 'https')"
    )


@pytest.fixture
def https_enforced(settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    return settings


def test_plain_http_is_redirected_and_https_gets_hsts(client, https_enforced):
    plain = client.get("/robots.txt")
    assert plain.status_code == 301
    assert plain["Location"] == "https://testserver/robots.txt"

    secure = client.get("/robots.txt", secure=True)
    assert secure.status_code == 200
    assert secure["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def test_a_client_claiming_https_is_not_believed_without_a_proxy(client, https_enforced):
    claimed = client.get("/robots.txt", HTTP_X_FORWARDED_PROTO="https")
    assert claimed.status_code == 301
    assert "Strict-Transport-Security" not in claimed


def test_behind_a_proxy_its_https_header_is_believed(client, https_enforced):
    https_enforced.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    forwarded = client.get("/robots.txt", HTTP_X_FORWARDED_PROTO="https")
    assert forwarded.status_code == 200
    assert "Strict-Transport-Security" in forwarded
    assert client.get("/robots.txt").status_code == 301


@pytest.mark.parametrize("behind_proxy", ["0", "1"])
def test_check_deploy_is_clean_with_the_production_settings(behind_proxy, tmp_path):
    env = {
        "PATH": os.environ["PATH"],
        "DJANGO_SETTINGS_MODULE": "newsroom.settings",
        "SECRET_KEY": "Xq3" + "k9LmZ2vB7nR4tY8wE1uI6oP0aSdFgHjKl" * 2,
        "ALLOWED_HOSTS": "news.example.org",
        "CSRF_TRUSTED_ORIGINS": "https://news.example.org",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "CACHE_URL": "redis://127.0.0.1:6379/0",
        "BEHIND_PROXY": behind_proxy,
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
