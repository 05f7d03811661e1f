"""What the serving benchmark (serve.py) and the soak (soak.py) share: the environment of a
production-like run, the database, `manage.py` in a child process, and gunicorn."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
HOST = "127.0.0.1"
POSTGRES_URL = os.environ.get(
    "BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/newsroom_bench"
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, *, timeout: float = 30.0, process=None) -> bool:
    """True once something accepts connections on `port`; False after `timeout` seconds, or
    as soon as `process` (if given) has exited."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            return False
        try:
            with socket.create_connection((HOST, port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.1)
    return False


def production_env(
    workdir: Path, *, database_url: str, cache_url: str | None = None
) -> dict[str, str]:
    """The production settings (DEBUG off) for a run on plain HTTP at 127.0.0.1.

    `cache_url=None` leaves CACHE_URL unset, so the settings' own default applies.
    """
    env = {
        "DJANGO_SETTINGS_MODULE": "newsroom.settings",
        "DEBUG": "0",
        "SECRET_KEY": "bench-only-not-secret",
        "ALLOWED_HOSTS": f"{HOST},localhost",
        "DATABASE_URL": database_url,
        "MEDIA_ROOT": str(workdir / "media"),
        "STATIC_ROOT": str(workdir / "static"),
        "LOG_LEVEL": "WARNING",
        # Plain HTTP on this machine: no secure-only cookies, no redirect to HTTPS, no HSTS.
        "SECURE_COOKIES": "0",
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_HSTS_SECONDS": "0",
    }
    if cache_url is not None:
        env["CACHE_URL"] = cache_url
    return env


def child_env(env: dict[str, str]) -> dict[str, str]:
    """This process's environment with `env` on top; a CACHE_URL left out of `env` is
    removed too, so the settings' default applies in the child."""
    merged = {**os.environ, **env}
    if "CACHE_URL" not in env:
        merged.pop("CACHE_URL", None)
    return merged


def recreate_postgres(url: str, *, drop_only: bool = False, template: str | None = None) -> None:
    """Drop the database of `url` and create it again (empty, or as a copy of `template`)."""
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not drop_only:
            copy = f' TEMPLATE "{template}"' if template else ""
            connection.execute(f'CREATE DATABASE "{name}"{copy}')


def manage(env: dict[str, str], *command: str, capture: bool = False) -> str:
    """Run `manage.py command` in a child process; its standard output if `capture`."""
    done = subprocess.run(
        [PYTHON, str(ROOT / "manage.py"), *command],
        cwd=ROOT,
        env=child_env(env),
        check=True,
        stdout=subprocess.PIPE if capture else subprocess.DEVNULL,
        text=True,
    )
    return done.stdout if capture else ""


class Gunicorn:
    """gunicorn serving the project on 127.0.0.1 (gthread workers, keep-alive)."""

    def __init__(
        self, env: dict[str, str], *, port: int, workers: int, threads: int, log: Path | None = None
    ):
        """`log`: a file for the server's output (its own and the application's logging)."""
        self.port = port
        command = [
            *(GUNICORN, "newsroom.wsgi:application", "--bind", f"{HOST}:{port}"),
            *("--workers", str(workers), "--worker-class", "gthread"),
            *("--threads", str(threads), "--keep-alive", "30", "--log-level", "warning"),
        ]
        output = log.open("ab") if log else None
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=child_env(env), stdout=output, stderr=output
        )
        if output:
            output.close()
        if not wait_for_port(port, process=self.process):
            self.stop()
            raise RuntimeError("gunicorn did not start")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
