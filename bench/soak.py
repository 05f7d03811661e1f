"""Soak: readers, an editor and an import at once, under failures; is every read what was
published, and is every edit kept?

    .venv/bin/python bench/soak.py                  # SQLite: two scenarios of 60 s
    .venv/bin/python bench/soak.py --postgres       # a throwaway PostgreSQL cluster: three
    .venv/bin/python bench/soak.py --quick --json -  # 12 s, 10 readers, figures as JSON

In a temporary folder (removed afterwards; `--keep` keeps it) it builds a database once, with
the production settings: `migrate`, `load_demo --force`, then spreadsheets of more events
through `manage.py import_items --publish` (a background of past days, and the *watched*
events of today, whose headlines carry a token `SOAK<item>V<version>K`). Each scenario gets a
fresh copy of that database and runs gunicorn with 2 workers (DEBUG off, plain HTTP) while:

- `--readers` keep-alive connections (asyncio, in a process of their own) read event pages,
  their `.md` twins, day pages and twins, topic pages and the front page, for `--seconds`;
- an editor logs in to the desk and, through the real change forms (GET, parse, POST with
  the CSRF token), edits headlines and presses "Unpublish" and "Publish now", or uses the
  list's bulk actions; each edit notes when it was sent and when its answer came back;
- a quarter of the way in, `manage.py import_items --publish` runs in a child process: it
  changes the headlines of some watched events and publishes new ones.

Scenarios: `default` (the default backend, a file cache, in a folder of the scenario's
own), `redis` (CACHE_URL to a redis-server started here, killed at 40 % of the run and
started again 10 s later) and, with `--postgres`, `postgres-restart` (its own cluster, made
with initdb in the temporary folder on a free port, restarted with `pg_ctl restart`
half-way).

A read is *stale* when it began more than 1 s after an edit's answer came back and shows a
watched event as it was before that edit (the old headline, or the page after "Unpublish").
An edit is *lost* when the editor was told it was saved and the database, after the run,
does not have it (every headline the editor saved must be in the item's history, and each
item must end as the editor left it). *Back* is the time from the end of a failure until
every kind of page answers again. Targets: 0 stale, 0 lost, no 5xx outside a database
restart, back within 5 s.

`--induce-stale` checks the harness itself: half-way it changes one watched headline with
plain SQL, behind the application's back, and keeps the editor still for a few seconds, so
that no cache can know and stale reads must be reported.
"""

import argparse
import asyncio
import contextlib
import csv
import datetime as dt
import http.client
import json
import multiprocessing
import os
import pwd
import random
import re
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import asdict, dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from common import (
    HOST,
    PYTHON,
    ROOT,
    Gunicorn,
    child_env,
    free_port,
    manage,
    production_env,
    wait_for_port,
)

sys.path.insert(0, str(ROOT))
from events.demo_content import CATEGORIES, EDITOR_PASSWORD, EDITOR_USERNAME

TOKEN = re.compile(rb"SOAK(\d+)V(\d+)K")
STALE_AFTER = 1.0  # seconds after an edit's answer from which every read must show it
BACK_TARGET = 5.0
ABSENT = -1  # the state of a watched event that readers must not see (404 on its page)
UNKNOWN = -2  # after an edit whose outcome the desk never told: any state may be seen
WATCHED_TOPICS = ("Soak desk north", "Soak desk south", "Soak import desk")


def headline(item: int, version: int) -> str:
    return f"Soak watch {item} reads SOAK{item}V{version}K today"


# The database -------------------------------------------------------------------------------


@dataclass
class Plan:
    """The watched events: which the editor changes, which the import changes or creates."""

    editor_items: list[int]
    import_items: list[int]  # existing, their headlines changed by the import
    new_items: list[int]  # created and published by the import
    quiet_item: int  # changed behind the application's back by --induce-stale

    @classmethod
    def make(cls, editors: int = 8) -> "Plan":
        editor_items = list(range(editors))
        return cls(
            editor_items=editor_items,
            import_items=list(range(editors, editors + 4)),
            new_items=list(range(editors + 4, editors + 8)),
            quiet_item=editors + 8,
        )

    def topic(self, item: int) -> str:
        if item in self.editor_items:
            return WATCHED_TOPICS[item % 2]
        return WATCHED_TOPICS[2]

    @property
    def initial_items(self) -> list[int]:
        return [*self.editor_items, *self.import_items, self.quiet_item]


def event_row(date: dt.date, slug: str, text: str, topic: str, n: int) -> dict[str, str]:
    return {
        "date": date.isoformat(),
        "slug": slug,
        "headline": text,
        "summary": f"{text}. Written by the soak to be read while it changes.",
        "category": CATEGORIES[n % len(CATEGORIES)],
        "topic": topic,
        "entities": f"place: Soak town {n % 5}",
        "citations": f"Soak Wire | https://soakwire.example/{slug}",
    }


def write_sheet(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def import_sheet(env: dict[str, str], path: Path) -> None:
    manage(
        env,
        *("import_items", str(path), "--model", "events", "--publish"),
        *("--user", EDITOR_USERNAME, "--no-progress"),
    )


def build_database(env: dict[str, str], workdir: Path, plan: Plan, events: int) -> None:
    """Migrate, load the demo and import the background and the watched events."""
    manage(env, "migrate", "--no-input")
    manage(env, "createcachetable")  # for a database cache, if the settings use one
    manage(env, "load_demo", "--force")
    today = dt.date.today()
    background = [
        event_row(
            today - dt.timedelta(days=1 + n % 40),
            f"soak-background-{n}",
            f"Soak background event {n} happened",
            f"Soak background topic {n % 10}",
            n,
        )
        for n in range(events)
    ]
    import_sheet(env, write_sheet(workdir / "background.csv", background))
    watched = [
        event_row(today, f"soak-watch-{i}", headline(i, 0), plan.topic(i), i)
        for i in plan.initial_items
    ]
    import_sheet(env, write_sheet(workdir / "watched.csv", watched))


def mid_run_sheet(workdir: Path, plan: Plan) -> Path:
    """The import run during the soak: new headlines for some watched events, new events."""
    today = dt.date.today()
    rows = [
        event_row(today, f"soak-watch-{i}", headline(i, 1), plan.topic(i), i)
        for i in plan.import_items
    ] + [
        event_row(today, f"soak-watch-{i}", headline(i, 0), plan.topic(i), i)
        for i in plan.new_items
    ]
    return write_sheet(workdir / "during.csv", rows)


DESCRIBE = """
import json
from django.urls import reverse
from events.models import Event
from newsroom.models import Entity

def twin(url):
    return url.rstrip("/") + ".md"

watched = {}
for event in Event.objects.filter(slug__startswith="soak-watch-").select_related("topic"):
    watched[event.slug.removeprefix("soak-watch-")] = {
        "pk": event.pk, "page": event.get_absolute_url(), "day": event.get_day_url(),
        "topic": event.topic.get_absolute_url() if event.topic else None,
    }
background = [
    {"page": e.get_absolute_url(), "day": e.get_day_url(),
     "topic": e.topic.get_absolute_url() if e.topic else None}
    for e in Event.objects.published().filter(slug__startswith="soak-background-")
    .select_related("topic").order_by("pk")[:40]
]
print(json.dumps({"watched": watched, "background": background}))
"""


def describe(env: dict[str, str]) -> dict:
    return json.loads(manage(env, "shell", "--no-imports", "-c", DESCRIBE, capture=True))


class Sqlite:
    """A SQLite database file, copied fresh for each scenario from the one built once."""

    name = "SQLite"

    def __init__(self, workdir: Path):
        self.workdir = workdir
        self.template = workdir / "template.sqlite3"

    def url(self, path: Path) -> str:
        return f"sqlite:///{path}"

    def template_url(self) -> str:
        return self.url(self.template)

    def fresh(self, scenario: str) -> str:
        path = self.workdir / f"{scenario}.sqlite3"
        shutil.copyfile(self.template, path)
        return self.url(path)

    def write_behind(self, database_url: str, slug: str, text: str) -> None:
        path = database_url.removeprefix("sqlite:///")
        with contextlib.closing(sqlite3.connect(path, timeout=30)) as connection, connection:
            connection.execute("UPDATE events_event SET headline = ? WHERE slug = ?", (text, slug))

    def restart(self) -> None:
        raise RuntimeError("SQLite has no server to restart")

    def stop(self) -> None:
        pass


class Postgres:
    """A throwaway PostgreSQL cluster of our own (initdb) on a free port, so that it can be
    restarted without touching the machine's server."""

    name = "PostgreSQL"

    def __init__(self, workdir: Path):
        # PostgreSQL refuses to run as root: then the cluster belongs to the user `postgres`,
        # in a folder of its own (the soak's folder is private to root).
        self.folder = Path(tempfile.mkdtemp(prefix="newsroom-soak-pg-"))
        self.as_owner: list[str] = []
        if os.geteuid() == 0:
            owner = pwd.getpwnam("postgres")
            os.chown(self.folder, owner.pw_uid, owner.pw_gid)
            self.as_owner = ["runuser", "-u", "postgres", "--"]
        self.data = self.folder / "data"
        self.port = free_port()
        initdb, self.pg_ctl = find_postgres_binaries()
        subprocess.run(
            [
                *self.as_owner,
                initdb,
                "-D",
                str(self.data),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        options = f"-p {self.port} -k {self.folder} -c listen_addresses={HOST} -c fsync=off"
        self.ctl("start", "-o", options, "-l", str(self.folder / "postgres.log"))
        self.run_sql('CREATE DATABASE "soak_template"')

    def ctl(self, *command: str) -> None:
        subprocess.run(
            [*self.as_owner, self.pg_ctl, "-D", str(self.data), "-w", "-t", "60", *command],
            check=True,
            stdout=subprocess.DEVNULL,
        )

    def url(self, name: str) -> str:
        return f"postgres://postgres@{HOST}:{self.port}/{name}"

    def run_sql(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(self.url("postgres"), autocommit=True) as connection:
            connection.execute(sql)

    def template_url(self) -> str:
        return self.url("soak_template")

    def fresh(self, scenario: str) -> str:
        name = f"soak_{scenario.replace('-', '_')}"
        self.run_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.run_sql(f'CREATE DATABASE "{name}" TEMPLATE "soak_template"')
        return self.url(name)

    def write_behind(self, database_url: str, slug: str, text: str) -> None:
        import psycopg

        with psycopg.connect(database_url, autocommit=True) as connection:
            connection.execute(
                "UPDATE events_event SET headline = %s WHERE slug = %s", (text, slug)
            )

    def restart(self) -> None:
        self.ctl("restart", "-m", "fast")

    def stop(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self.ctl("stop", "-m", "immediate")
        shutil.rmtree(self.folder, ignore_errors=True)


def find_postgres_binaries() -> tuple[str, str]:
    found = []
    for name in ("initdb", "pg_ctl"):
        path = shutil.which(name) or next(
            (str(p) for p in sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))), None
        )
        if path is None:
            raise SystemExit(f"--postgres needs PostgreSQL's {name} (package postgresql).")
        found.append(path)
    return found[0], found[1]


class Redis:
    """A redis-server of our own on a free port, without persistence: killed, it forgets."""

    def __init__(self, workdir: Path):
        self.port = free_port()
        self.workdir = workdir
        self.process: subprocess.Popen | None = None
        self.start()

    @property
    def url(self) -> str:
        return f"redis://{HOST}:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise SystemExit("The redis scenario needs redis-server (package redis-server).")
        self.process = subprocess.Popen(
            [
                binary,
                "--port",
                str(self.port),
                "--bind",
                HOST,
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
            ],
            stdout=subprocess.DEVNULL,
        )
        if not wait_for_port(self.port, process=self.process):
            raise RuntimeError("redis-server did not start")

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()


# The readers ----------------------------------------------------------------------------------


@dataclass
class Page:
    path: str
    kind: str
    watches: list[int]  # watched events this page may show


class Closed(Exception):
    """The server closed a kept-alive connection before answering: send again, fresh."""


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bytes, bool]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    if headers.get("transfer-encoding", "").lower() == "chunked":
        body = b""
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            chunk = await reader.readexactly(size + 2)
            if size == 0:
                break
            body += chunk[:-2]
    else:
        body = await reader.readexactly(int(headers.get("content-length", "0")))
    return status, body, headers.get("connection", "").lower() == "close"


async def reader_loop(port, pages, weights, seed, start, until, out) -> None:
    rng = random.Random(seed)
    connection = None
    while time.monotonic() < until:
        index = rng.choices(range(len(pages)), weights)[0]
        page = pages[index]
        request = (
            f"GET {page.path} HTTP/1.1\r\nHost: {HOST}\r\nAccept-Encoding: identity\r\n"
            "Connection: keep-alive\r\n\r\n"
        ).encode()
        began = time.monotonic()
        status, found, error = 0, (), None
        for _attempt in (1, 2):
            try:
                if connection is None:
                    connection = await asyncio.wait_for(asyncio.open_connection(HOST, port), 5)
                    fresh = True
                else:
                    fresh = False
                reader, writer = connection
                writer.write(request)
                try:
                    status, body, close = await asyncio.wait_for(read_response(reader), 15)
                except asyncio.IncompleteReadError as incomplete:
                    if not incomplete.partial and not fresh:
                        raise Closed from incomplete
                    raise
                if close:
                    writer.close()
                    connection = None
                if page.watches and status == 200:
                    found = tuple({(int(a), int(b)) for a, b in TOKEN.findall(body)})
                error = None
                break
            except Closed:
                connection = None
                continue
            except (OSError, asyncio.IncompleteReadError, TimeoutError, ValueError) as problem:
                if connection is not None:
                    connection[1].close()
                connection = None
                error = type(problem).__name__
                break
        ended = time.monotonic()
        if began >= start:
            out.append((began, ended, index, status, error, found))
        if error:
            await asyncio.sleep(0.05)  # a refused connection answers at once: do not spin


def readers_process(port, pages, weights, readers, start, until) -> list:
    async def run():
        out: list = []
        await asyncio.gather(
            *(reader_loop(port, pages, weights, n, start, until, out) for n in range(readers))
        )
        return out

    return asyncio.run(run())


def reader_pages(described: dict, plan: Plan) -> tuple[list[Page], list[float]]:
    """Every page the readers take, with the watched events each may show, and weights."""
    watched = {int(key): value for key, value in described["watched"].items()}
    all_items = [*plan.initial_items, *plan.new_items]
    pages: list[Page] = []
    weights: list[float] = []

    def add(path, kind, watches, weight):
        pages.append(Page(path, kind, watches))
        weights.append(weight)

    add("/", "front", all_items, 3)
    for item in all_items:
        info = watched.get(item)
        if info is None:  # created by the import: its address is known from its date and slug
            sample = watched[plan.editor_items[0]]
            info = {
                "page": f"{sample['day']}soak-watch-{item}/",
                "day": sample["day"],
                "topic": watched[plan.import_items[0]]["topic"],
            }
            watched[item] = info
        add(info["page"], "event", [item], 3)
        add(info["page"].rstrip("/") + ".md", "event.md", [item], 1)
    day = watched[plan.editor_items[0]]["day"]
    add(day, "day", all_items, 3)
    add(day.rstrip("/") + ".md", "day.md", all_items, 1)
    for topic in sorted({info["topic"] for info in watched.values()}):
        add(topic, "topic", [i for i in all_items if watched[i]["topic"] == topic], 2)
    for info in described["background"]:
        add(info["page"], "event", [], 1)
        add(info["page"].rstrip("/") + ".md", "event.md", [], 0.3)
        add(info["day"], "day", [], 0.5)
        add(info["topic"], "topic", [], 0.5)
    return pages, weights


# The editor ---------------------------------------------------------------------------------


class FormFields(HTMLParser):
    """What a browser submits from the form with id `form_id` when nothing is touched."""

    def __init__(self, form_id: str | None) -> None:
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.inside = False
        self.fields: list[tuple[str, str]] = []
        self.select: str | None = None
        self.textarea: str | None = None
        self.text: list[str] = []
        self.messages: list[tuple[str, str]] = []
        self.message: str | None = None
        self.errors = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        classes = (attrs.get("class") or "").split()
        if tag == "li" and self.message is None and {"success", "error", "warning"} & set(classes):
            self.message = classes[0]
            self.text = []
        if "errornote" in classes or "errorlist" in classes:
            self.errors = True
        if tag == "form":
            self.inside = self.form_id is None or attrs.get("id") == self.form_id
        if not self.inside:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind in {"submit", "button", "image", "file", "reset"}:
                return
            if kind in {"checkbox", "radio"} and "checked" not in attrs:
                return
            self.fields.append((name, attrs.get("value") or ("on" if kind == "checkbox" else "")))
        elif tag == "select":
            self.select = name
        elif tag == "option" and self.select and "selected" in attrs:
            self.fields.append((self.select, attrs.get("value", "")))
        elif tag == "textarea" and name:
            self.textarea, self.text = name, []

    def handle_data(self, data):
        if self.textarea is not None or self.message is not None:
            self.text.append(data)

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self.select = None
        elif tag == "textarea" and self.textarea is not None:
            text = "".join(self.text)
            self.fields.append((self.textarea, text.removeprefix("\r\n").removeprefix("\n")))
            self.textarea = None
        elif tag == "li" and self.message is not None:
            self.messages.append((self.message, "".join(self.text).strip()))
            self.message = None


def parse(html: str, form_id: str | None = None) -> FormFields:
    parser = FormFields(form_id)
    parser.feed(html)
    return parser


class Uncertain(Exception):
    """No usable answer (connection lost, 5xx): the edit may or may not have happened."""


class Desk:
    """An editor's browser: one keep-alive connection, cookies, CSRF, redirects."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}
        self.connection: http.client.HTTPConnection | None = None

    def request(self, method: str, path: str, data: list[tuple[str, str]] | None = None):
        headers = {"Host": f"{HOST}:{self.port}", "Accept-Encoding": "identity"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if data is not None:
            body = urllib.parse.urlencode(data).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = f"http://{HOST}:{self.port}"
            headers["Referer"] = f"http://{HOST}:{self.port}{path}"
        for attempt in (1, 2):
            if self.connection is None:
                self.connection = http.client.HTTPConnection(HOST, self.port, timeout=30)
            try:
                self.connection.request(method, path, body=body, headers=headers)
                response = self.connection.getresponse()
                content = response.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.connection.close()
                self.connection = None
                if attempt == 2 or method == "POST":
                    raise Uncertain(f"{method} {path}: connection lost") from None
                continue
            except OSError as problem:
                self.connection.close()
                self.connection = None
                raise Uncertain(f"{method} {path}: {problem}") from None
            break
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
        if response.status >= 500:
            raise Uncertain(f"{method} {path}: {response.status}")
        return response.status, response.getheader("Location"), content.decode()

    def get(self, path: str) -> str:
        status, location, text = self.request("GET", path)
        if status in (301, 302):
            return self.get(location)
        if status != 200:
            raise Uncertain(f"GET {path}: {status}")
        return text

    def post_form(self, path: str, data: list[tuple[str, str]]) -> tuple[bool, str, list]:
        """POST; follows the redirect. (saved, page text, messages of the next page)."""
        status, location, text = self.request("POST", path, data)
        if status in (301, 302):
            text = self.get(location)
            return True, text, parse(text).messages
        return False, text, parse(text).messages

    def login(self) -> None:
        page = parse(self.get("/admin/login/?next=/admin/"), "login-form")
        data = [(k, v) for k, v in page.fields if k not in ("username", "password")]
        data += [("username", EDITOR_USERNAME), ("password", EDITOR_PASSWORD)]
        saved, text, _ = self.post_form("/admin/login/?next=/admin/", data)
        if not saved or "log out" not in text.lower():
            raise RuntimeError("The editor could not log in to the desk.")


@dataclass
class Edit:
    item: int
    action: str  # headline, unpublish, publish, bulk-unpublish, bulk-publish, import, behind
    began: float
    answered: float
    state: int  # ABSENT or the headline version readers should see
    version: int  # the headline version the database should keep
    outcome: str  # saved, refused, uncertain
    note: str = ""


@dataclass
class ItemState:
    pk: int
    version: int = 0
    live: bool = True

    @property
    def state(self) -> int:
        return self.version if self.live else ABSENT


class Editor(threading.Thread):
    """Edits the editor's watched events through the desk until `until`, one at a time."""

    def __init__(self, port, items: dict[int, ItemState], until: float, seed: int = 7):
        super().__init__(daemon=True)
        self.desk = Desk(port)
        self.items = items
        self.until = until
        self.rng = random.Random(seed)
        self.edits: list[Edit] = []
        self.pause_until = 0.0
        self.busy = False
        self.problems: list[str] = []
        self.bulk_path = "/admin/events/event/"

    def run(self) -> None:
        while time.monotonic() < self.until:
            try:
                self.desk.login()
                break
            except (Uncertain, RuntimeError) as problem:
                self.problems.append(f"login: {problem}")
                time.sleep(0.5)
        while time.monotonic() < self.until:
            self.busy = True  # before looking at the pause, so that a pause never races an edit
            if time.monotonic() < self.pause_until or not self.items:
                self.busy = False
                time.sleep(0.1)
                continue
            item = self.rng.choice(list(self.items))
            state = self.items[item]
            if state.live:
                action = self.rng.choices(["headline", "unpublish", "bulk-unpublish"], [6, 2, 1])[0]
            else:
                action = self.rng.choices(["publish", "bulk-publish", "headline"], [4, 1, 1])[0]
            try:
                self.edit(item, action)
            except Exception as problem:
                self.problems.append(f"{action} of {item}: {type(problem).__name__}: {problem}")
                time.sleep(0.2)
            finally:
                self.busy = False
            time.sleep(self.rng.uniform(0.1, 0.4))

    def change_path(self, item: int) -> str:
        return f"/admin/events/event/{self.items[item].pk}/change/"

    def edit(self, item: int, action: str) -> None:
        state = self.items[item]
        began = time.monotonic()
        target = ItemState(state.pk, state.version, state.live)
        try:
            if action.startswith("bulk-"):
                saved, messages = self.bulk(item, action.removeprefix("bulk-"))
            else:
                form = parse(self.desk.get(self.change_path(item)), "event_form")
                data = list(form.fields)
                if action == "headline":
                    target.version = state.version + 1
                    data = [(k, v) for k, v in data if k != "headline"]
                    data += [("headline", headline(item, target.version)), ("_continue", "1")]
                else:
                    data.append(("_transition", action))
                began = time.monotonic()
                saved, _, messages = self.desk.post_form(self.change_path(item), data)
        except Uncertain as problem:
            self.resync(item, began, action, str(problem))
            return
        answered = time.monotonic()
        errors = [text for kind, text in messages if kind == "error"]
        if action != "headline" and saved and not errors:
            target.live = action.endswith("publish") and not action.endswith("unpublish")
        outcome = "saved" if saved and not errors else "refused"
        if outcome == "saved":
            self.items[item] = target
        note = "; ".join(errors)[:200]
        self.edits.append(
            Edit(item, action, began, answered, target.state, target.version, outcome, note)
        )

    def bulk(self, item: int, name: str) -> tuple[bool, list]:
        """The list's bulk action ("Publish selected now", "Unpublish selected")."""
        page = parse(self.desk.get(self.bulk_path), "changelist-form")
        token = next(v for k, v in page.fields if k == "csrfmiddlewaretoken")
        data = [
            ("csrfmiddlewaretoken", token),
            ("action", f"{name}_selected"),
            ("_selected_action", str(self.items[item].pk)),
            ("index", "0"),
        ]
        saved, _, messages = self.desk.post_form(self.bulk_path, data)
        return saved, messages

    def resync(self, item: int, began: float, action: str, problem: str) -> None:
        """After an answer that says nothing, read the item back from the desk (retrying while
        the site is down): readers may see either state until then."""
        text = None
        while text is None and time.monotonic() < self.until + 30:
            try:
                text = self.desk.get(self.change_path(item))
            except Uncertain:
                time.sleep(0.2)
        if text is None:  # never known: from now on this item cannot be judged
            del self.items[item]
            answered = time.monotonic()
            self.edits.append(Edit(item, action, began, answered, UNKNOWN, -1, "uncertain"))
            return
        fields = dict(parse(text, "event_form").fields)
        match = TOKEN.search(fields.get("headline", "").encode())
        version = int(match.group(2)) if match else self.items[item].version
        live = "Status: <strong>published" in text
        self.items[item] = ItemState(self.items[item].pk, version, live)
        answered = time.monotonic()
        state = version if live else ABSENT
        self.edits.append(
            Edit(item, action, began, answered, state, version, "uncertain", problem[:200])
        )


# Failures and the probe ---------------------------------------------------------------------


def page_ok(port: int, path: str) -> bool:
    connection = http.client.HTTPConnection(HOST, port, timeout=5)
    try:
        connection.request("GET", path, headers={"Host": HOST})
        return connection.getresponse().status == 200
    except OSError:
        return False
    finally:
        connection.close()


def time_until_back(port: int, paths: list[str], since: float, limit: float = 60) -> float | None:
    """Seconds from `since` until every one of `paths` answered 200 (each asked until it
    does); None if they were not all back within `limit` seconds."""
    waiting = list(paths)
    while waiting and time.monotonic() < since + limit:
        waiting = [path for path in waiting if not page_ok(port, path)]
        if waiting:
            time.sleep(0.05)
    return None if waiting else time.monotonic() - since


# A scenario ---------------------------------------------------------------------------------


@dataclass
class Scenario:
    name: str
    cache: str  # "default" or "redis"
    fault: str | None  # None, "redis" or "postgres"


SCENARIOS = {
    "default": Scenario("default", "default", None),
    "redis": Scenario("redis", "redis", "redis"),
    "postgres-restart": Scenario("postgres-restart", "default", "postgres"),
}


@dataclass
class Result:
    scenario: str
    database: str
    cache: str
    seconds: float
    readers: int
    requests: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    stale_reads: int = 0
    stale_examples: list[str] = field(default_factory=list)
    wrong_examples: list[str] = field(default_factory=list)  # states no edit explains
    worst_stale_s: float = 0.0
    stale_by_item: dict[int, int] = field(default_factory=dict)  # reads that missed its edit
    induced_item: int | None = None  # changed behind the application's back (--induce-stale)
    edits: dict[str, int] = field(default_factory=dict)
    lost_edits: int = 0
    lost_examples: list[str] = field(default_factory=list)
    import_seconds: float | None = None
    import_ok: bool = False
    fault: str | None = None
    fault_window: list[float] | None = None
    back_s: float | None = None
    editor_problems: list[str] = field(default_factory=list)


def run_scenario(args, scenario: Scenario, database, workdir: Path, plan: Plan) -> Result:
    redis = Redis(workdir) if scenario.cache == "redis" else None
    database_url = database.fresh(scenario.name)
    # The default backend (a file cache), in a folder of the scenario's own: each scenario
    # starts from a fresh copy of the database, and pages cached over another database (an
    # earlier scenario or run) would be served as if they were this one's.
    cache_url = args.cache_url or f"file://{workdir / f'cache-{scenario.name}'}"
    env = production_env(
        workdir, database_url=database_url, cache_url=redis.url if redis else cache_url
    )
    described = describe(env)
    pages, weights = reader_pages(described, plan)
    items = {
        int(key): ItemState(value["pk"])
        for key, value in described["watched"].items()
        if int(key) in plan.editor_items
    }
    port = free_port()
    server = Gunicorn(
        env,
        port=port,
        workers=args.workers,
        threads=args.threads,
        log=workdir / f"gunicorn-{scenario.name}.log",
    )
    result = Result(scenario.name, database.name, env.get("CACHE_URL", "(default)"),
                    args.seconds, args.readers)  # fmt: skip
    try:
        # One page of each kind, and the desk's login page: "back" once all answer 200.
        kinds = {page.kind: page.path for page in reversed(pages) if not page.watches}
        probe = ["/", *kinds.values(), "/admin/login/"]
        # Every worker imports and renders once before the clock starts; watched pages are
        # stored in the page cache.
        for path in [*probe, *(page.path for page in pages if page.watches)]:
            page_ok(port, path)
        start = time.monotonic() + 1.0
        until = start + args.seconds
        pool = multiprocessing.get_context("spawn").Pool(1)
        readers = pool.apply_async(
            readers_process, (port, pages, weights, args.readers, start, until)
        )
        editor = Editor(port, items, until)
        editor.start()
        others: list[Edit] = []
        fault_window: list[float] = []
        outage = min(10.0, args.seconds * 0.3)

        def at(fraction: float) -> None:
            time.sleep(max(0.0, start + args.seconds * fraction - time.monotonic()))

        def run_import() -> None:
            at(0.15)
            began = time.monotonic()
            done = subprocess.run(
                [PYTHON, str(ROOT / "manage.py"), "import_items",
                 str(mid_run_sheet(workdir, plan)), "--model", "events", "--publish",
                 "--user", EDITOR_USERNAME, "--no-progress"],
                cwd=ROOT, env=child_env(env), capture_output=True, text=True,
            )  # fmt: skip
            answered = time.monotonic()
            result.import_seconds = answered - began
            result.import_ok = done.returncode == 0
            # A failed import may have failed after its commit: its items cannot be judged.
            saved = done.returncode == 0
            outcome = "saved" if saved else "uncertain"
            for item in plan.import_items:
                state = 1 if saved else UNKNOWN
                others.append(Edit(item, "import", began, answered, state, 1, outcome))
            for item in plan.new_items:
                state = 0 if saved else UNKNOWN
                others.append(Edit(item, "import", began, answered, state, 0, outcome))
            if done.returncode:
                last = (done.stderr.strip().splitlines() or ["(no message)"])[-1]
                editor.problems.append(f"import: {last[:300]}")

        def write_behind() -> None:
            """Before the import commits, with the editor still: nothing invalidates pages."""
            at(0.1)
            editor.pause_until = time.monotonic() + min(5.0, args.seconds * 0.25)
            while editor.busy and time.monotonic() < until:
                time.sleep(0.02)
            began = time.monotonic()
            slug, text = f"soak-watch-{plan.quiet_item}", headline(plan.quiet_item, 1)
            database.write_behind(database_url, slug, text)
            answered = time.monotonic()
            others.append(Edit(plan.quiet_item, "behind", began, answered, 1, 1, "saved"))
            result.induced_item = plan.quiet_item

        def fault() -> None:
            at(0.4 if scenario.fault == "redis" else 0.5)
            began = time.monotonic()
            if scenario.fault == "redis":
                redis.kill()
                time.sleep(outage)
                redis.start()
            else:
                database.restart()
            back = time.monotonic()
            fault_window.extend([began - start, back - start])
            result.back_s = time_until_back(port, probe, back)

        steps = [run_import]
        if args.induce_stale:
            steps.append(write_behind)
        if scenario.fault:
            steps.append(fault)
        threads = [threading.Thread(target=step, daemon=True) for step in steps]
        for thread in threads:
            thread.start()
        records = readers.get(timeout=args.seconds + 120)
        pool.close()
        editor.join(timeout=60)
        for thread in threads:
            thread.join(timeout=120)
    finally:
        server.stop()
        if redis is not None:
            redis.kill()
    result.fault = scenario.fault
    result.fault_window = fault_window or None
    result.editor_problems = editor.problems[:10]
    edits = editor.edits + others
    tally(result, records, pages, edits, plan, start, fault_window, scenario)
    check_lost(result, env, edits, plan)
    return result


def tally(result, records, pages, edits, plan, start, fault_window, scenario) -> None:
    """Count the reads: errors by kind, latency, and stale reads against the edits."""
    timelines: dict[int, list[Edit]] = {}
    initial = dict.fromkeys(plan.initial_items, 0) | dict.fromkeys(plan.new_items, ABSENT)
    for edit in sorted(edits, key=lambda edit: edit.answered):
        if edit.outcome != "refused":
            timelines.setdefault(edit.item, []).append(edit)
    # Errors during a database restart (and the 5 s allowed to come back) are excused.
    excused = None
    if fault_window and scenario.fault == "postgres":
        excused = (start + fault_window[0], start + fault_window[1] + BACK_TARGET)
    errors: dict[str, int] = {}
    latencies = []
    stale = 0
    stale_items: dict[int, int] = {}
    examples: list[str] = []
    worst = 0.0

    def count(kind: str, began: float, ended: float) -> None:
        """A read still in flight when the restart began is excused too."""
        if excused and ended >= excused[0] and began <= excused[1] and kind != "4xx unexpected":
            kind += " (during the restart)"
        errors[kind] = errors.get(kind, 0) + 1

    for began, ended, index, status, error, found in records:
        page = pages[index]
        latencies.append(ended - began)
        if error:
            count("connection", began, ended)
            continue
        if status >= 500:
            count("5xx", began, ended)
            continue
        if status not in (200, 404):
            count("4xx unexpected" if 400 <= status < 500 else f"status {status}", began, ended)
            continue
        if not page.watches:
            if status != 200:
                count("4xx unexpected", began, ended)
            continue
        seen = {}
        for item, version in found:
            seen[item] = max(seen.get(item, ABSENT), version)
        verdict = "fresh"
        for item in page.watches:
            observed = seen.get(item, ABSENT)
            judged, age = judge(initial[item], timelines.get(item, []), began, ended, observed)
            if judged == "stale":
                verdict = "stale"
                stale_items[item] = stale_items.get(item, 0) + 1
                worst = max(worst, age)
                if len(examples) < 5:
                    examples.append(
                        f"{page.path} at {began - start:.1f} s showed item {item} as "
                        f"{'absent' if observed == ABSENT else f'version {observed}'}, "
                        f"{age:.1f} s after a later edit was saved"
                    )
            elif judged == "unexplained" and verdict == "fresh":
                verdict = "unexplained"
                if len(result.wrong_examples) < 5:
                    result.wrong_examples.append(
                        f"{page.path} ({status}) at {began - start:.1f} s showed item {item} as "
                        f"{'absent' if observed == ABSENT else f'version {observed}'}; "
                        f"edits: {[(e.action, e.state) for e in timelines.get(item, [])]}"
                    )
        if verdict == "stale":
            stale += 1
        elif verdict == "unexplained":
            count("4xx unexpected" if status == 404 else "wrong content", began, ended)
    latencies.sort()
    result.requests = len(records)
    result.errors = errors
    if latencies:
        result.p50_ms = statistics.median(latencies) * 1000
        result.p99_ms = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000
    result.stale_reads = stale
    result.stale_examples = examples
    result.worst_stale_s = worst
    result.stale_by_item = dict(sorted(stale_items.items()))
    outcomes: dict[str, int] = {}
    for edit in edits:
        key = f"{edit.action} {edit.outcome}"
        outcomes[key] = outcomes.get(key, 0) + 1
    result.edits = dict(sorted(outcomes.items()))


def judge(initial: int, timeline: list[Edit], began: float, ended: float, observed: int):
    """("fresh" | "stale" | "unexplained", seconds since the edit that the read missed).

    Of the states an item went through, a read that began at `began` may show the one of the
    last edit answered more than STALE_AFTER before it, or any later one already sent by the
    time the read ended. Showing an earlier one is stale.
    """
    states = [(float("-inf"), float("-inf"), initial)] + [
        (edit.began, edit.answered, edit.state) for edit in timeline
    ]
    settled = 0
    for index, (_, answered, _) in enumerate(states):
        if answered + STALE_AFTER <= began:
            settled = index
    allowed = {state for sent, _, state in states[settled:] if sent <= ended}
    allowed.add(states[settled][2])
    if observed in allowed or UNKNOWN in allowed:
        return "fresh", 0.0
    if any(state == observed for _, _, state in states[:settled]):
        return "stale", began - states[settled][1]
    return "unexplained", 0.0


def check_lost(result: Result, env, edits: list[Edit], plan: Plan) -> None:
    """Every saved edit must be in the database: its headline in the item's history, and each
    item as its last saved edit left it."""
    by_slug = verify_items(env, plan)
    lost = []
    last: dict[int, Edit] = {}
    for edit in sorted(edits, key=lambda edit: edit.answered):
        if edit.outcome == "refused" or edit.action == "behind":
            continue
        last[edit.item] = edit
        if edit.outcome != "saved" or edit.state == UNKNOWN:
            continue
        record = by_slug.get(edit.item)
        token = f"SOAK{edit.item}V{edit.version}K"
        if record is None:
            lost.append(f"item {edit.item} ({edit.action}): not in the database")
        elif edit.action == "headline" and not (
            token in record["headline"] or any(token in text for text in record["history"])
        ):
            lost.append(f"item {edit.item}: headline {token} saved but not kept")
    for item, edit in last.items():
        record = by_slug.get(item)
        if record is None or edit.state == UNKNOWN:
            continue
        live = edit.state != ABSENT
        token = f"SOAK{item}V{edit.version}K"
        if token not in record["headline"] or record["live"] != live:
            lost.append(
                f"item {item}: the last {edit.action} ({edit.outcome}) left it "
                f"{'live' if live else 'hidden'} with {token}; the database has it "
                f"{'live' if record['live'] else 'hidden'} with “{record['headline']}”"
            )
    result.lost_edits = len(lost)
    result.lost_examples = lost[:5]


def verify_items(env, plan: Plan) -> dict[int, dict]:
    slugs = [f"soak-watch-{item}" for item in [*plan.initial_items, *plan.new_items]]
    script = VERIFY_SLUGS % json.dumps(slugs)
    found = json.loads(manage(env, "shell", "--no-imports", "-c", script, capture=True))
    return {int(slug.removeprefix("soak-watch-")): record for slug, record in found.items()}


VERIFY_SLUGS = """
import json
from reversion.models import Version
from events.models import Event

found = {}
for event in Event.objects.filter(slug__in=json.loads('%s')):
    found[event.slug] = {
        "headline": event.headline,
        "live": Event.objects.published().filter(pk=event.pk).exists(),
        "history": [v.serialized_data for v in Version.objects.get_for_object(event)],
    }
print(json.dumps(found))
"""


# Main -----------------------------------------------------------------------------------------


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="length of each scenario")
    parser.add_argument("--readers", type=int, default=100, help="concurrent readers")
    parser.add_argument("--events", type=int, default=300, help="events besides the watched")
    parser.add_argument("--postgres", action="store_true", help="a PostgreSQL cluster of its own")
    parser.add_argument("--scenarios", help="comma-separated: default, redis, postgres-restart")
    parser.add_argument(
        "--cache-url", default=None, help="CACHE_URL (default: a file cache of the run's own)"
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4, help="gthread threads per worker")
    parser.add_argument("--quick", action="store_true", help="12 s, 10 readers, 40 events")
    parser.add_argument("--induce-stale", action="store_true", help="check the harness itself")
    parser.add_argument(
        "--json", metavar="FILE", help="also write the figures as JSON (- : stdout)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()
    if args.quick:
        args.seconds, args.readers, args.events = 12.0, 10, 40
    names = ["default", "redis"] + (["postgres-restart"] if args.postgres else [])
    if args.scenarios:
        names = [name.strip() for name in args.scenarios.split(",") if name.strip()]
    unknown = [name for name in names if name not in SCENARIOS]
    if unknown:
        parser.error(f"unknown scenarios: {', '.join(unknown)}")
    if "postgres-restart" in names and not args.postgres:
        parser.error("postgres-restart needs --postgres")
    args.scenario_list = [SCENARIOS[name] for name in names]
    return args


def main() -> int:
    args = parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="newsroom-soak-"))
    database = None
    results: list[Result] = []
    out = sys.stderr if args.json == "-" else sys.stdout
    try:
        database = Postgres(workdir) if args.postgres else Sqlite(workdir)
        plan = Plan.make()
        env = production_env(workdir, database_url=database.template_url(), cache_url="dummy://")
        began = time.monotonic()
        build_database(env, workdir, plan, args.events)
        manage(env, "collectstatic", "--no-input")
        print(
            f"Built a {database.name} database (demo, {args.events} more events, "
            f"{len(plan.initial_items)} watched) in {time.monotonic() - began:.0f} s.",
            file=out,
        )
        for scenario in args.scenario_list:
            print(f"Scenario {scenario.name}: {args.seconds:.0f} s, {args.readers} readers…",
                  file=out, flush=True)  # fmt: skip
            results.append(run_scenario(args, scenario, database, workdir, plan))
        report(results, out)
        if args.json:
            figures = json.dumps([asdict(result) for result in results], indent=2)
            if args.json == "-":
                print(figures)
            else:
                Path(args.json).write_text(figures + "\n")
    finally:
        if database is not None:
            database.stop()
        if args.keep:
            print(f"Kept {workdir}", file=out)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


def report(results: list[Result], out) -> None:
    print(
        f"\n{'scenario':<18}{'requests':>9}{'5xx':>6}{'4xx?':>6}{'conn':>6}{'wrong':>6}"
        f"{'p50 ms':>8}{'p99 ms':>8}{'stale':>7}{'lost':>6}{'back s':>8}",
        file=out,
    )
    for r in results:
        e = r.errors
        back = "-" if r.fault is None else ("never" if r.back_s is None else f"{r.back_s:.1f}")
        print(
            f"{r.scenario:<18}{r.requests:>9}{e.get('5xx', 0):>6}"
            f"{e.get('4xx unexpected', 0):>6}{e.get('connection', 0):>6}"
            f"{e.get('wrong content', 0):>6}{r.p50_ms:>8.1f}{r.p99_ms:>8.1f}"
            f"{r.stale_reads:>7}{r.lost_edits:>6}{back:>8}",
            file=out,
        )
    for r in results:
        print(f"\n{r.scenario} ({r.database}, CACHE_URL {r.cache}):", file=out)
        print("  edits: " + ", ".join(f"{k} {v}" for k, v in r.edits.items()), file=out)
        if r.import_seconds is not None:
            state = "done" if r.import_ok else "FAILED"
            print(f"  import during the run: {state} in {r.import_seconds:.1f} s", file=out)
        if r.fault_window:
            print(f"  {r.fault} down from {r.fault_window[0]:.1f} s to "
                  f"{r.fault_window[1]:.1f} s", file=out)  # fmt: skip
        excused = {k: v for k, v in r.errors.items() if "restart" in k}
        if excused:
            print("  excused: " + ", ".join(f"{k} {v}" for k, v in excused.items()), file=out)
        if r.stale_reads:
            print(f"  stale reads up to {r.worst_stale_s:.1f} s after the edit, e.g.:", file=out)
            for example in r.stale_examples:
                print(f"    {example}", file=out)
        for example in r.wrong_examples:
            print(f"  wrong content: {example}", file=out)
        for example in r.lost_examples:
            print(f"  lost: {example}", file=out)
        for problem in r.editor_problems:
            print(f"  editor: {problem}", file=out)
        checks = [
            ("0 stale reads", r.stale_reads == 0),
            ("0 lost edits", r.lost_edits == 0),
            ("0 5xx outside a database restart", r.errors.get("5xx", 0) == 0),
        ]
        if r.fault:
            checks.append(("back within 5 s", r.back_s is not None and r.back_s <= BACK_TARGET))
        print("  " + "  ".join(f"[{'ok' if ok else 'MISSED'}] {text}" for text, ok in checks),
              file=out)  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
