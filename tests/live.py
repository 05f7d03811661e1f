"""Real servers for tests: gunicorn on the production settings, and a redis-server of our own.

Both start on a free port of 127.0.0.1 and stop (their whole process) when the test is done.
The gunicorn workers read the test database (a file on SQLite, see tests/settings.py; the
test database on PostgreSQL), so the data they should see must be committed: use them from
tests marked `django_db(transaction=True)`.
"""

import http.cookiejar
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(condition, *, timeout: float = 20.0, what: str = "the server") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} did not start within {timeout:g} s")
        time.sleep(0.05)


def accepts_connections(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
    except OSError:
        return False
    return True


def database_url_of_tests() -> str:
    """The address of the database the tests run on, for another process to open."""
    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{db['NAME']}"
    user = urllib.parse.quote(db["USER"] or "")
    password = f":{urllib.parse.quote(db['PASSWORD'])}" if db["PASSWORD"] else ""
    return f"postgres://{user}{password}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


def production_env(**overrides: str) -> dict[str, str]:
    """The environment of a production run on this machine (newsroom.settings, DEBUG off),
    over plain HTTP, on the test database and the tests' cache unless overridden."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("DJANGO_", "PYTEST_", "COV_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="newsroom.settings",
        DEBUG="0",
        SECRET_KEY="live-tests-only-not-secret",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_COOKIES="0",
        SECURE_SSL_REDIRECT="0",
        SECURE_HSTS_SECONDS="0",
        DATABASE_URL=database_url_of_tests(),
        MEDIA_ROOT=tempfile.mkdtemp(prefix="newsroom-live-media-"),
        PYTHONUNBUFFERED="1",
    )
    env.update(overrides)
    return env


def collect_static() -> str:
    """Static files collected as production serves them (hashed, compressed): a folder."""
    static_root = tempfile.mkdtemp(prefix="newsroom-live-static-")
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "--verbosity", "0"],
        cwd=ROOT,
        env=production_env(STATIC_ROOT=static_root),
        check=True,
        timeout=300,
    )
    return static_root


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    """`manage.py …` in its own process, on the production settings and the test database."""
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=production_env(**env),
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    text: str


class Gunicorn:
    """`gunicorn newsroom.wsgi` with `workers` processes, on the production settings."""

    def __init__(self, *, static_root: str, workers: int = 2, **env: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = production_env(STATIC_ROOT=static_root, **env)
        self.workers = workers
        self.log_path = Path(tempfile.mkdtemp(prefix="newsroom-live-log-")) / "gunicorn.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> "Gunicorn":
        self.log = self.log_path.open("w")
        self.process = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "newsroom.wsgi",
                f"--bind=127.0.0.1:{self.port}",
                f"--workers={self.workers}",
                "--timeout=30",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_for(lambda: self.answers(), what="gunicorn")
        return self

    def answers(self) -> bool:
        if self.process.poll() is not None:
            raise RuntimeError(f"gunicorn stopped:\n{self.output()}")
        return accepts_connections(self.port)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=30)
        self.log.close()

    def output(self) -> str:
        return self.log_path.read_text()

    def __enter__(self) -> "Gunicorn":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def get(self, path: str, *, opener=None) -> Response:
        return request(opener or urllib.request.build_opener(NoRedirect), self.url + path)

    def browser(self) -> "Browser":
        return Browser(self.url)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def request(opener, url: str, data: dict | None = None, headers: dict | None = None) -> Response:
    body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
    try:
        with opener.open(urllib.request.Request(url, body, headers or {}), timeout=30) as answer:
            return Response(answer.status, dict(answer.headers), answer.read().decode())
    except urllib.error.HTTPError as error:
        return Response(error.code, dict(error.headers), error.read().decode())


class Browser:
    """A user agent that keeps cookies and does not follow redirects (to see them)."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), NoRedirect
        )

    def get(self, path: str) -> Response:
        return request(self.opener, self.base_url + path)

    def post(self, path: str, data: dict) -> Response:
        """Posts a form as the desk's pages do: with the CSRF cookie's token."""
        token = next(cookie.value for cookie in self.cookies if cookie.name == "csrftoken")
        referer = self.base_url + path
        return request(
            self.opener,
            self.base_url + path,
            {"csrfmiddlewaretoken": token, **data},
            {"Referer": referer},
        )

    def log_in(self, username: str, password: str) -> Response:
        page = self.get("/admin/login/")
        assert page.status == 200, page.status
        answer = self.post(
            "/admin/login/?next=/admin/", {"username": username, "password": password}
        )
        assert answer.status == 302 and answer.headers["Location"] == "/admin/", (
            answer.status,
            re.findall(r'class="errornote[^>]*>([^<]*)', answer.text),
        )
        return answer


class RedisServer:
    """A `redis-server` of our own on a free port, in memory only; `stop()` kills it (the way
    a crash would) and `start()` brings it back, empty, on the same port."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None
        self.paused_until = 0.0

    def pause(self, *, seconds: float) -> None:
        """Stop answering clients for a while, keeping the data (a hung or unreachable server)."""
        import redis

        with redis.Redis.from_url(self.url) as client:
            client.client_pause(int(seconds * 1000), all=True)
        self.paused_until = time.monotonic() + seconds

    def is_paused(self) -> bool:
        return time.monotonic() < self.paused_until

    def start(self) -> "RedisServer":
        executable = shutil.which("redis-server") or "/usr/bin/redis-server"
        self.process = subprocess.Popen(
            [
                executable,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(lambda: accepts_connections(self.port), what="redis-server")
        return self

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    def __enter__(self) -> "RedisServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def fetch(url: str) -> tuple[int, dict, bytes]:
    """(status, headers, body) of a GET, whatever the status."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


class ServeScript:
    """`make serve` (scripts/serve) run for real, as the README's production setup: DEBUG off,
    migrations, hashed static files, gunicorn. On a SQLite file and folders of its own under
    `folder`, since the script migrates whatever database it is given."""

    def __init__(self, folder: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.key_file = folder / "secret-key"
        self.log = folder / "serve.log"
        self.env = {
            "PATH": os.environ["PATH"],
            "HOME": os.environ.get("HOME", str(folder)),
            "PORT": str(self.port),
            "DATABASE_URL": f"sqlite:///{folder / 'db.sqlite3'}",
            "STATIC_ROOT": str(folder / "static"),
            "MEDIA_ROOT": str(folder / "media"),
            "SECRET_KEY_FILE": str(self.key_file),
        }
        self.process: subprocess.Popen | None = None

    def start(self) -> "ServeScript":
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
        while not accepts_connections(self.port):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"scripts/serve did not start:\n{self.log.read_text()}")
            time.sleep(0.3)
        return self

    def workers(self) -> int:
        pid = self.process.pid
        return len(Path(f"/proc/{pid}/task/{pid}/children").read_text().split())

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=30)
