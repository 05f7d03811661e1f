"""Benchmark of spreadsheet imports: our bulk importer against a plain ModelResource.

    .venv/bin/python bench/imports.py                # 100,000 rows, SQLite and PostgreSQL
    .venv/bin/python bench/imports.py --rows 5000    # a quick run
    .venv/bin/python bench/imports.py --databases sqlite

It writes a CSV of N events, each with 3 entities (from a pool of 5,000 names, so most rows
find existing ones) and 3 citations (new links on 40 publishers' domains), then, on each
database, in a fresh child process and a freshly migrated database each time:

- import:   our importer, first import of the file (everything created), then the same file
            again ("reimport", everything unchanged);
- dry run:  our importer's preview of the same file on an empty database (nothing written);
- baseline: django-import-export's ModelResource with per-row saves, entities set through
            taggit and citations created per row (the documented bulk mode drops both), on the
            first --baseline-rows rows (at its speed, the whole file would take hours).

Reported: rows per second, SQL statements per row (a COPY counts as one), peak memory (the
child's maximum resident set size, Django included) and the speed ratio to the baseline.
PostgreSQL uses the database `bench_import` on 127.0.0.1 (dropped and created per run; set
BENCH_POSTGRES_URL to change).
"""

import argparse
import csv
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
POSTGRES_URL = os.environ.get(
    "BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/bench_import"
)
KINDS = ["person", "place", "organisation", "topic"]


def generate(path: Path, rows: int, seed: int = 2010) -> None:
    """N event rows: date, headline, summary, 3 entities, 3 citations."""
    rng = random.Random(seed)
    first = ["Roza", "Almaz", "Kurman", "Omur", "Temir", "Aida", "Bakyt", "Nurlan", "Asel", "Erlan"]
    last = ["Otunbayeva", "Atambayev", "Bakiyev", "Tekebayev", "Sariev", "Usenov", "Beknazarov"]
    names = [
        f"{rng.choice(KINDS)}: {rng.choice(first)} {rng.choice(last)} {n}" for n in range(5000)
    ]
    publishers = [(f"Wire Service {n}", f"wire{n}.example") for n in range(40)]
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(["date", "headline", "summary", "entities", "citations"])
        for n in range(rows):
            day = f"20{10 + n % 15:02d}-{1 + n % 12:02d}-{1 + n % 28:02d}"
            cites = []
            for k in range(3):
                name, domain = rng.choice(publishers)
                url = f"https://www.{domain}/{day.replace('-', '/')}/story-{n}-{k}?utm_source=x"
                cites.append(f"{name} | {url}" if k else url)
            writer.writerow(
                [
                    day,
                    f"Event {n} happened in the capital as crowds gathered {rng.random():.6f}",
                    "A short paragraph of context for the event, as editors write it. " * 2,
                    "; ".join(rng.sample(names, 3)),
                    "\n".join(cites),
                ]
            )


def fresh_database(url: str) -> None:
    if url.startswith("sqlite"):
        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
        return
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def child(mode: str, database: str, file: Path, baseline_rows: int) -> dict:
    os.environ["DATABASE_URL"] = database
    os.environ.setdefault("SECRET_KEY", "bench-only-not-secret")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
    sys.path.insert(0, str(ROOT))
    fresh_database(database)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    statements = [0]

    def count(execute, sql, params, many, context):
        statements[0] += 1
        return execute(sql, params, many, context)

    if connection.vendor == "postgresql":
        # COPY runs on the raw psycopg cursor, past Django's execute wrappers: count it here.
        from newsroom.spreadsheets import engine

        insert_rows = engine.insert_rows

        def counted_insert_rows(model, rows, **kwargs):
            statements[0] += 1 if rows else 0
            return insert_rows(model, rows, **kwargs)

        engine.insert_rows = counted_insert_rows

    results = {}
    with connection.execute_wrapper(count):
        if mode in {"import", "dry-run"}:
            from events.resources import EventImporter
            from newsroom.spreadsheets.files import open_sheet

            runs = ["import", "reimport"] if mode == "import" else ["dry-run"]
            for run in runs:
                sheet = open_sheet(lambda: file.open("rb"), size=file.stat().st_size)
                statements[0] = 0
                started = time.perf_counter()
                report = EventImporter(dry_run=run == "dry-run").run(sheet)
                elapsed = time.perf_counter() - started
                assert report.ok, report.problems[:5]
                results[run] = {
                    "rows": sheet.total_rows,
                    "seconds": elapsed,
                    "statements": statements[0],
                    "counts": dict(report.counts),
                }
        else:
            results["baseline"] = baseline(file, baseline_rows, statements)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    for value in results.values():
        value["peak_bytes"] = peak
        value["load"] = os.getloadavg()[0]
    return results


def baseline(file: Path, rows: int, statements: list[int]) -> dict:
    """A plain ModelResource: one save a row, taggit's set() and a save per citation."""
    import tablib
    from import_export import fields, resources

    from events.models import Event, EventCitation, headline_slug
    from sources.models import Source

    class PlainEventResource(resources.ModelResource):
        entities = fields.Field(column_name="entities")
        citations = fields.Field(column_name="citations")

        class Meta:
            model = Event
            fields = ("date", "slug", "headline", "summary")
            import_id_fields = ("date", "slug")

        def before_import_row(self, row, **kwargs):
            row["slug"] = headline_slug(row["headline"])

        def after_save_instance(self, instance, row, **kwargs):
            if kwargs.get("dry_run"):
                return
            names = [part.split(":", 1)[-1].strip() for part in row["entities"].split(";")]
            instance.entities.set(names)
            instance.citations.all().delete()
            for position, line in enumerate(row["citations"].splitlines(), start=1):
                source, _ = Source.objects.for_url(line.split("|")[-1].strip())
                EventCitation.objects.create(item=instance, source=source, position=position)

    with file.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        headers = next(reader)
        dataset = tablib.Dataset(headers=[*headers, "slug"])
        for _, row in zip(range(rows), reader, strict=False):
            dataset.append([*row, ""])
    statements[0] = 0
    started = time.perf_counter()
    result = PlainEventResource().import_data(dataset, dry_run=False, use_transactions=True)
    elapsed = time.perf_counter() - started
    assert not result.has_errors(), [e.error for r in result.row_errors() for e in r[1]][:3]
    return {"rows": len(dataset), "seconds": elapsed, "statements": statements[0]}


def run_child(mode: str, database: str, file: Path, baseline_rows: int) -> dict:
    command = [sys.executable, __file__, "--child", mode, "--database", database]
    command += ["--file", str(file), "--baseline-rows", str(baseline_rows)]
    output = subprocess.run(command, check=True, capture_output=True, text=True, cwd=ROOT)
    return json.loads(output.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--baseline-rows", type=int, default=2000)
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--database", help=argparse.SUPPRESS)
    parser.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.database, args.file, args.baseline_rows)))
        return

    with tempfile.TemporaryDirectory(prefix="bench-import-") as folder:
        file = Path(folder) / "events.csv"
        generate(file, args.rows)
        size = file.stat().st_size
        print(f"{args.rows:,} event rows, 3 entities and 3 citations each: {size / 1e6:.1f} MB CSV")
        print(f"{os.cpu_count()} CPUs; 'load' is the 1-minute load average when a run ended")
        urls = {"sqlite": f"sqlite:///{folder}/bench.sqlite3", "postgres": POSTGRES_URL}
        for name in args.databases.split(","):
            results = {}
            for mode in ("import", "dry-run", "baseline"):
                results.update(run_child(mode, urls[name], file, args.baseline_rows))
            base_rate = results["baseline"]["rows"] / results["baseline"]["seconds"]
            print(f"\n{name}")
            print(
                f"  {'run':<10}{'rows':>9}{'seconds':>10}{'rows/s':>10}{'queries/row':>13}"
                f"{'peak MB':>9}{'x baseline':>12}{'load':>6}  outcome"
            )
            for run, value in results.items():
                rate = value["rows"] / value["seconds"]
                counts = ", ".join(f"{v:,} {k}" for k, v in value.get("counts", {}).items())
                print(
                    f"  {run:<10}{value['rows']:>9,}{value['seconds']:>10.1f}{rate:>10,.0f}"
                    f"{value['statements'] / value['rows']:>13.3f}"
                    f"{value['peak_bytes'] / 1e6:>9.0f}{rate / base_rate:>12.1f}"
                    f"{value['load']:>6.1f}  {counts}"
                )


if __name__ == "__main__":
    main()
