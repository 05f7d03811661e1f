"""`make serve` (scripts/serve): the production setup on this machine, run for real.

DEBUG off, migrations, collectstatic with hashed names, gunicorn with two workers on
127.0.0.1: the front page and its stylesheet answer 200, with the security headers, and the
secret key it generated is kept for the next run. Always on a SQLite file of its own: the
script migrates the database it is given.
"""

import re

import pytest

from .live import ServeScript, fetch


@pytest.fixture
def served(tmp_path):
    server = ServeScript(tmp_path)
    yield server
    server.stop()


def test_make_serve_runs_the_production_setup(served):
    served.start()

    status, headers, body = fetch(served.url + "/")
    assert status == 200, served.log.read_text()
    assert "Content-Security-Policy" in headers
    # Plain HTTP on this machine, as the script says: no redirect, no HSTS.
    assert "Strict-Transport-Security" not in headers
    log = served.log.read_text()
    assert "SECURE_SSL_REDIRECT=0 SECURE_HSTS_SECONDS=0 SECURE_COOKIES=0" in log
    assert served.workers() == 2

    # The stylesheet has a hashed name (collected with DEBUG off) and is served.
    stylesheet = re.search(rb'href="(/static/css/site\.[0-9a-f]{12}\.css)"', body)
    assert stylesheet, body[:500]
    status, headers, css = fetch(served.url + stylesheet.group(1).decode())
    assert status == 200
    assert headers["Content-Type"].startswith("text/css")
    assert b".preview-banner" in css
    status, _, _ = fetch(served.url + "/admin/login/")
    assert status == 200

    # The generated secret key is private and kept for the next run.
    key = served.key_file.read_text()
    assert len(key.strip()) >= 50
    assert served.key_file.stat().st_mode & 0o077 == 0
    served.stop()
    served.start()
    assert fetch(served.url + "/")[0] == 200
    assert served.key_file.read_text() == key
    assert served.log.read_text().count("generated a secret key") == 1
