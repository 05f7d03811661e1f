"""Serving benchmark: the event, day and topic pages from a database of 100,000 events.

    .venv/bin/python bench/serve.py                 # SQLite file in a temporary folder
    .venv/bin/python bench/serve.py --postgres      # PostgreSQL (database `newsroom_bench`)

What it does, in a temporary folder that it removes afterwards (`--keep` keeps it):
1. migrates a fresh database and fills it with `bulk_create`: 100,000 published events, each
   with 7 citations, 4 entities and 5 related events (the shape of the Wagtail comparison in
   issue #5), plus stories; collects the static files;
2. renders each page once in-process, counting its queries, and writes the event page's bytes
   into the static files, to be served as a static file (the ceiling); times two searches
   in-process against the event page;
3. starts gunicorn on 127.0.0.1 with 2 workers (gthread, keep-alive), twice: with the page
   cache off (every request renders) and on (anonymous readers get stored pages);
4. drives it with a keep-alive HTTP/1.1 load generator written here (asyncio, raw sockets,
   one process per CPU), in rounds that take each page in turn (the median round counts), and
   prints requests/s and p50/p99 latency for each page, the static file, and the ratios the
   issue sets as targets.

Figures depend on the machine; run it on a quiet one. It is not a test: nothing here fails a
build. `--duration`, `--rounds`, `--connections`, `--events` and `--threads` change the load and
the size.
"""

import argparse
import asyncio
import datetime as dt
import multiprocessing
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from common import (
    HOST,
    POSTGRES_URL,
    ROOT,
    Gunicorn,
    free_port,
    manage,
    production_env,
    recreate_postgres,
)

PAGES = ("event", "day", "topic")
WORDS = [
    "government", "protest", "capital", "minister", "election", "parliament", "border",
    "talks", "crowd", "police", "opposition", "president", "agreement", "vote", "troops",
    "city", "region", "leaders", "report", "council", "court", "ceasefire", "rally", "strike",
    "aid", "flood", "storm", "market", "bank", "trade", "summit", "treaty", "mayor",
]  # fmt: skip


# Command line and environment ---------------------------------------------------------------


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--postgres", action="store_true", help="use PostgreSQL, not SQLite")
    parser.add_argument(
        "--postgres-url",
        default=POSTGRES_URL,
        help="database to (re)create for the run; it is dropped afterwards",
    )
    parser.add_argument(
        "--cache-url", help="CACHE_URL for gunicorn (default: the file cache, in the run's folder)"
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4, help="gthread threads per worker")
    parser.add_argument("--connections", type=int, default=8, help="keep-alive connections")
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per measurement")
    parser.add_argument("--rounds", type=int, default=3, help="measurements per page (median)")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds before measuring")
    parser.add_argument("--port", type=int, default=0, help="default: a free port")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    return parser.parse_args()


def bench_env(args, workdir: Path) -> dict[str, str]:
    database = args.postgres_url if args.postgres else f"sqlite:///{workdir / 'bench.sqlite3'}"
    return {
        **production_env(workdir, database_url=database, cache_url=args.cache_url),
        "PAGE_CACHE_SECONDS": "0",  # in-process rendering counts queries without the cache
    }


# The database -------------------------------------------------------------------------------


def build_database(count: int) -> dict:
    """Fill the (migrated, empty) database; returns the sample items the pages show."""
    from django.db import transaction
    from django.utils import timezone

    from events.models import Category, Event, EventCitation, RelatedEvent, TaggedEvent
    from newsroom.models import Entity, Section, Status, Story, TaggedStory
    from sources.models import Publisher, Source

    rng = random.Random(5)
    now = timezone.now()
    live = now - dt.timedelta(days=1)

    def sentence(n: int) -> str:
        return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "."

    batch = 5_000
    with transaction.atomic():
        categories = Category.objects.bulk_create(
            Category(name=f"Category {n}", slug=f"category-{n}", position=n) for n in range(8)
        )
        sections = Section.objects.bulk_create(
            Section(name=f"Section {n}", slug=f"section-{n}", position=n) for n in range(4)
        )
        topics = Entity.objects.bulk_create(
            Entity(name=f"Topic {n}", slug=f"topic-{n}", kind=Entity.Kind.TOPIC) for n in range(200)
        )
        people = Entity.objects.bulk_create(
            Entity(
                name=f"Person or place {n}",
                slug=f"entity-{n}",
                kind=Entity.Kind.PERSON if n % 3 else Entity.Kind.PLACE,
            )
            for n in range(1_800)
        )
        publishers = Publisher.objects.bulk_create(
            Publisher(
                name=f"Publisher {n}", slug=f"publisher-{n}", homepage=f"https://p{n}.example/"
            )
            for n in range(40)
        )
        sources = Source.objects.bulk_create(
            (
                Source(
                    url=f"https://p{n % 40}.example/articles/{n}",
                    title=sentence(8),
                    publisher=publishers[n % 40],
                )
                for n in range(30_000)
            ),
            batch_size=batch,
        )
        first_day = dt.date(1999, 1, 1)
        events = Event.objects.bulk_create(
            (
                Event(
                    date=first_day + dt.timedelta(days=n // 10),
                    slug=f"event-{n}",
                    headline=sentence(14),
                    summary=" ".join(sentence(12) for _ in range(3)),
                    category=categories[n % 8],
                    topic=topics[n % 200],
                    place=people[(n * 3) % 1_800],
                    status=Status.PUBLISHED,
                    publish_at=live,
                    first_published_at=live,
                    last_published_at=live,
                )
                for n in range(count)
            ),
            batch_size=batch,
        )
        tagged = []
        for n, event in enumerate(events):
            chosen = {
                (n // 5) % 1_800,
                (n // 25 + 600) % 1_800,
                (n * 13 + 900) % 1_800,
                (n * 7 + 1_200) % 1_800,
            }
            k = 0
            while len(chosen) < 4:
                chosen.add((n + 300 + k) % 1_800)
                k += 1
            tagged += [TaggedEvent(content_object=event, tag=people[i]) for i in chosen]
        TaggedEvent.objects.bulk_create(tagged, batch_size=batch)
        del tagged
        EventCitation.objects.bulk_create(
            (
                EventCitation(item=event, source=sources[(n * 7 + k) % 30_000], position=k + 1)
                for n, event in enumerate(events)
                for k in range(7)
            ),
            batch_size=batch,
        )
        RelatedEvent.objects.bulk_create(
            (
                RelatedEvent(
                    from_event=event,
                    to_event=events[n - 1 - k if n - 1 - k >= 0 else n + 1 + k],
                    position=k + 1,
                )
                for n, event in enumerate(events)
                for k in range(5)
            ),
            batch_size=batch,
        )
        stories = Story.objects.bulk_create(
            (
                Story(
                    headline=sentence(10),
                    slug=f"story-{n}",
                    dek=sentence(16),
                    body="\n\n".join(sentence(20) for _ in range(6)),
                    section=sections[n % 4],
                    status=Status.PUBLISHED,
                    publish_at=live - dt.timedelta(hours=n),
                    first_published_at=live - dt.timedelta(hours=n),
                    last_published_at=live - dt.timedelta(hours=n),
                )
                for n in range(2_000)
            ),
            batch_size=batch,
        )
        TaggedStory.objects.bulk_create(
            (
                TaggedStory(content_object=story, tag=tag)
                for n, story in enumerate(stories)
                for tag in {topics[n % 200], people[n % 1_800]}
            ),
            batch_size=batch,
        )
    # Planner statistics, as PostgreSQL's autovacuum keeps them and as a SQLite site gets
    # from `PRAGMA optimize`: without them SQLite may scan where an index lookup would do.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    sample = events[len(events) // 2]
    return {
        "event": sample.get_absolute_url(),
        "day": sample.get_day_url(),
        "topic": sample.topic.get_absolute_url(),
    }


def render_and_count(urls: dict[str, str], static_root: Path) -> dict[str, tuple[int, int]]:
    """Render each page in-process: (queries, bytes). Saves the event page as a static file.

    The cache is emptied before each page, so the count includes the section navigation (a
    page rendered right after a content change); while nothing changes it costs one fewer.
    """
    from django.conf import settings
    from django.core.cache import caches
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST=HOST)
    found = {}
    for name, url in urls.items():
        caches[settings.NEWSROOM_PAGE_CACHE_ALIAS].clear()
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        found[name] = (len(queries), len(response.content))
        if name == "event":
            (static_root / "bench").mkdir(parents=True, exist_ok=True)
            (static_root / "bench" / "event.html").write_bytes(response.content)
    return found


def time_search(event_url: str, repeat: int = 5) -> dict[str, tuple[float, int]]:
    """In-process: median ms and queries of a search for a common word and for two words,
    next to the uncached event page timed the same way (the yardstick). Search is not served
    under load here; this shows whether it reads an index or every row."""
    from django.conf import settings
    from django.core.cache import caches
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST=HOST)
    found = {}
    for url in (event_url, "/search/?q=flood", "/search/?q=ceasefire+summit"):
        times = []
        for _ in range(repeat + 1):  # the first renders cold, and is dropped
            caches[settings.NEWSROOM_PAGE_CACHE_ALIAS].clear()
            began = time.perf_counter()
            with CaptureQueriesContext(connection) as queries:
                response = client.get(url)
            times.append((time.perf_counter() - began) * 1000)
            assert response.status_code == 200, (url, response.status_code)
        found[url] = (statistics.median(times[1:]), len(queries))
    return found


# The server ---------------------------------------------------------------------------------


# The load generator -------------------------------------------------------------------------


async def connection_loop(port: int, request: bytes, until: float, start: float, out: list):
    reader, writer = await asyncio.open_connection(HOST, port)
    errors = 0
    try:
        while True:
            sent = time.perf_counter()
            if sent >= until:
                break
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            lowered = head.lower()
            at = lowered.index(b"content-length:") + 15
            length = int(lowered[at : lowered.index(b"\r\n", at)])
            await reader.readexactly(length)
            done = time.perf_counter()
            if head[9:12] != b"200":
                errors += 1
            if sent >= start:
                out.append(done - sent)
            if b"connection: close" in lowered:
                writer.close()
                reader, writer = await asyncio.open_connection(HOST, port)
    finally:
        writer.close()
    return errors


def load_process(port: int, path: str, connections: int, warmup: float, duration: float):
    request = (
        f"GET {path} HTTP/1.1\r\nHost: {HOST}\r\nAccept: text/html\r\n"
        "Accept-Encoding: identity\r\nConnection: keep-alive\r\n\r\n"
    ).encode()

    async def run():
        now = time.perf_counter()
        start, until = now + warmup, now + warmup + duration
        latencies: list[float] = []
        errors = await asyncio.gather(
            *(connection_loop(port, request, until, start, latencies) for _ in range(connections))
        )
        return latencies, sum(errors)

    return asyncio.run(run())


def measure(port: int, path: str, args) -> dict:
    processes = max(1, min(os.cpu_count() or 1, args.connections))
    per_process = [args.connections // processes] * processes
    for i in range(args.connections % processes):
        per_process[i] += 1
    with multiprocessing.get_context("spawn").Pool(processes) as pool:
        results = pool.starmap(
            load_process,
            [(port, path, n, args.warmup, args.duration) for n in per_process],
        )
    latencies = sorted(value for values, _ in results for value in values)
    errors = sum(errors for _, errors in results)
    if not latencies:
        return {"rps": 0.0, "p50": float("nan"), "p99": float("nan"), "errors": errors}
    return {
        "rps": len(latencies) / args.duration,
        "p50": statistics.median(latencies) * 1000,
        "p99": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000,
        "errors": errors,
    }


# Main ---------------------------------------------------------------------------------------


def main() -> int:
    args = parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="newsroom-bench-"))
    args.cache_url = args.cache_url or f"file://{workdir / 'cache'}"
    env = bench_env(args, workdir)
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    port = args.port or free_port()
    database = "PostgreSQL" if args.postgres else "SQLite"
    try:
        if args.postgres:
            recreate_postgres(args.postgres_url)
        began = time.perf_counter()
        manage(env, "migrate", "--no-input")
        manage(env, "collectstatic", "--no-input")
        import django

        django.setup()
        urls = build_database(args.events)
        built = time.perf_counter() - began
        print(f"Built a {database} database of {args.events:,} events in {built:.0f} s.")
        counts = render_and_count(urls, workdir / "static")
        searches = time_search(urls["event"])
        from django.db import connections

        connections.close_all()
        static_path = "/static/bench/event.html"

        results: dict[tuple[str, str], dict] = {}
        for mode, seconds in (("uncached", "0"), ("cached", "600")):
            server = Gunicorn(
                {**env, "PAGE_CACHE_SECONDS": seconds},
                port=port,
                workers=args.workers,
                threads=args.threads,
            )
            try:
                # Warm every worker up on every address first (imports, first renders, the
                # cache's first stores), so no page pays for coming first.
                warm = argparse.Namespace(**{**vars(args), "duration": 1.0, "warmup": 0.5})
                for path in [*urls.values(), static_path]:
                    measure(port, path, warm)
                # Rounds, each page in turn: a machine whose load drifts then weighs on every
                # page alike, and the median of the rounds is reported.
                rounds: dict[tuple[str, str], list[dict]] = {}
                targets = [(page, mode, urls[page]) for page in PAGES]
                if mode == "cached":
                    targets.append(("static", "file", static_path))
                for _ in range(args.rounds):
                    for page, kind, path in targets:
                        rounds.setdefault((page, kind), []).append(measure(port, path, args))
                for key, runs in rounds.items():
                    results[key] = sorted(runs, key=lambda run: run["rps"])[len(runs) // 2]
            finally:
                server.stop()
        report(args, database, urls, counts, results, searches)
    finally:
        from django.db import connections

        connections.close_all()
        if args.postgres:
            recreate_postgres(args.postgres_url, drop_only=True)
        if args.keep:
            print(f"Kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


def report(args, database, urls, counts, results, searches) -> None:
    print(
        f"\ngunicorn: {args.workers} workers x {args.threads} threads (gthread), "
        f"{args.connections} keep-alive connections, median of {args.rounds} runs of "
        f"{args.duration:.0f} s, "
        f"{database}, cache {args.cache_url}\n"
    )
    print(f"{'page':<8}{'queries':>8}{'bytes':>8}  {'mode':<9}{'req/s':>9}{'p50 ms':>9}"
          f"{'p99 ms':>9}{'errors':>8}")  # fmt: skip
    for page in PAGES:
        queries, size = counts[page]
        for mode in ("uncached", "cached"):
            r = results[(page, mode)]
            print(f"{page:<8}{queries:>8}{size:>8}  {mode:<9}{r['rps']:>9.0f}{r['p50']:>9.2f}"
                  f"{r['p99']:>9.2f}{r['errors']:>8}")  # fmt: skip
    static = results[("static", "file")]
    print(f"{'static':<8}{'-':>8}{counts['event'][1]:>8}  {'file':<9}{static['rps']:>9.0f}"
          f"{static['p50']:>9.2f}{static['p99']:>9.2f}{static['errors']:>8}")  # fmt: skip
    event_uncached = results[("event", "uncached")]["rps"]
    cached_share = results[("event", "cached")]["rps"] / static["rps"] if static["rps"] else 0
    print("\nTargets:")
    checks = [
        (f"uncached event page >= 250 req/s: {event_uncached:.0f}", event_uncached >= 250),
        (f"cached event page >= 80% of the static file: {cached_share:.0%}", cached_share >= 0.8),
    ]
    for page in ("day", "topic"):
        for mode in ("uncached", "cached"):
            ratio = results[("event", mode)]["rps"] / max(results[(page, mode)]["rps"], 1e-9)
            checks.append((f"{page} {mode} within 2x of event: event/{page} = {ratio:.2f}",
                           ratio <= 2))  # fmt: skip
    worst = max(queries for queries, _ in counts.values())
    checks.append((f"at most 8 queries on any page: {worst}", worst <= 8))
    for text, ok in checks:
        print(f"  [{'ok' if ok else 'MISSED'}] {text}")
    # The 250 req/s target was set on a machine whose static file reached about 3,940 req/s;
    # machines differ and drift, so the same proportion of this run's own ceiling is shown too.
    share = event_uncached / static["rps"] if static["rps"] else 0
    print(
        f"\nUncached event page / static file: {share:.1%} "
        f"(the target's proportion: 250 / 3,940 = {250 / 3940:.1%}; "
        f"at this run's ceiling, {static['rps'] * 250 / 3940:.0f} req/s)"
    )
    print("\nIn-process, page cache emptied, median of 5 (search is not served under load):")
    event_ms = searches[urls["event"]][0]
    for url, (ms, queries) in searches.items():
        ratio = ms / event_ms
        print(f"  {url:<36}{ms:>8.1f} ms{queries:>4} queries  {ratio:>6.1f}x the event page")
    print("\nPages:", ", ".join(f"{name} {url}" for name, url in urls.items()))


if __name__ == "__main__":
    sys.exit(main())
