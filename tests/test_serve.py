"""`make serve` (scripts/serve): the production setup on this machine, run for real.

DEBUG off, migrations, collectstatic with hashed names, gunicorn with two workers on
127.0.0.1: the front page and its stylesheet answer 200, with the security headers, and the
secret key it generated is kept for the next run. Always on a SQLite file of its own: the
script migrates the database it is given.
"""

import os
import re
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(url: str) -> tuple[int, dict, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


class Served:
    def __init__(self, tmp_path: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.key_file = tmp_path / "secret-key"
        self.log = tmp_path / "serve.log"
        self.env = {
            "PATH": os.environ["PATH"],
            "HOME": os.environ.get("HOME", str(tmp_path)),
            "PORT": str(self.port),
            "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
            "STATIC_ROOT": str(tmp_path / "static"),
            "MEDIA_ROOT": str(tmp_path / "media"),
            "SECRET_KEY_FILE": str(self.key_file),
        }
        self.process = None

    def start(self) -> None:
        with self.log.open("a") as log:
            self.process = subprocess.Popen(
                [str(ROOT / "scripts" / "serve")],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"scripts/serve stopped:\n{self.log.read_text()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.3)
        pytest.fail(f"scripts/serve did not listen within 120 s:\n{self.log.read_text()}")

    def workers(self) -> int:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return len(children.read_text().split())

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=30)


@pytest.fixture
def served(tmp_path):
    server = Served(tmp_path)
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
