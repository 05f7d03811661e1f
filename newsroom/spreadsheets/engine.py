"""The bulk importer: rows in chunks, a few queries a chunk, one transaction for the file.

How a file is imported (`BulkImporter.run`):

1. The header is checked: unknown columns and missing required ones stop the import.
2. Rows are read in chunks. For each chunk, every entity, publisher, source and existing item
   it names is found with a few queries (entities and publishers are loaded once per import
   and matched case- and space-insensitively in Python), the missing ones are created with
   `bulk_create`, and the items are created or updated with `bulk_create`/`bulk_update` and
   their through rows (entities, citations) replaced only where they differ. An item whose
   values and relations all equal what is stored is counted "unchanged" and not written.
3. Links to other items (related events and stories) are resolved after the last chunk, so
   a row may name an item further down the file.
4. If the editor chose to publish, the publication rules of `Publishable.publish_problems()`
   are checked for all items at once, then the items are published.
5. Every created or updated item gets a `reversion` Version in one Revision for the import,
   written in bulk by `record_bulk_revision` (the archive importer uses it too).

Everything happens in one transaction. Any problem in any row, or a dry run, rolls it back:
the database is left exactly as it was, and the report still says what each row would do.
"""

import json
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import DEFAULT_DB_ALIAS, connection, models, transaction
from django.utils import timezone
from reversion.models import Revision, Version

from newsroom.caching import invalidate_pages
from newsroom.models import Entity, ItemRedirect, PublishProblem, Status
from newsroom.workflow import can_publish
from sources.links import candidate_domains, domain_of
from sources.models import Publisher, PublisherDomain, Source
from sources.slugs import make_slug

from .cells import CellError, citations_of, entities_of, name_key, text_of
from .files import Sheet

CREATED, UPDATED, UNCHANGED, SKIPPED, ERROR = "created", "updated", "unchanged", "skipped", "error"
ENTITY_KINDS = set(Entity.Kind.values)
#: SQLite allows 32,766 parameters a statement; stay far below it.
IN_BATCH = 2000


class ImportRefused(Exception):
    """The whole import is refused before any row is read (e.g. a journalist asked to publish)."""


@dataclass
class Report:
    """What became of a file: counts, every problem, and every row's outcome."""

    dry_run: bool = False
    total_rows: int = 0
    counts: Counter = field(default_factory=Counter)
    problems: list[dict] = field(default_factory=list)
    #: [row number, outcome, label] for every row, in file order.
    outcomes: list[list] = field(default_factory=list)
    revision: Revision | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def written(self) -> bool:
        return self.ok and not self.dry_run

    def summary(self) -> str:
        counts = ", ".join(
            f"{self.counts[outcome]:,} {outcome}" for outcome in (CREATED, UPDATED, UNCHANGED)
        )
        if self.counts[SKIPPED]:
            counts += f", {self.counts[SKIPPED]:,} blank rows skipped"
        if self.problems:
            return (
                f"Nothing was imported: {len(self.problems):,} problem(s) found. "
                f"Fix them and import the file again. Without them: {counts}."
            )
        if self.dry_run:
            return f"Preview only, nothing was written. The import would give: {counts}."
        changed = self.counts[CREATED] + self.counts[UPDATED]
        if not changed:
            return f"Nothing changed: every row matches what is stored ({counts})."
        return f"Imported: {counts}."


def serialize(model: type[models.Model], row: dict[str, Any], m2m: dict | None = None) -> str:
    """A row of `model.objects.values()` in the JSON form django-reversion stores.

    The same document Django's JSON serializer writes for the object, built from a values()
    row so that no model instance is made for it.
    """
    fields = {}
    for model_field in model._meta.concrete_fields:
        if not model_field.primary_key:
            fields[model_field.name] = row[model_field.attname]
    fields.update(m2m or {})
    data = [{"model": model._meta.label_lower, "pk": row["pk"], "fields": fields}]
    return json.dumps(data, cls=DjangoJSONEncoder)


def insert_rows(
    model: type[models.Model], rows: list[dict[str, Any]], *, returning: bool = False
) -> list[int]:
    """INSERT `rows` ({attname: value}; missing fields get their defaults) in bulk.

    Like `bulk_create` without building model instances or compiling a statement per batch:
    at tens of thousands of rows that overhead is most of an import's time. No `save()`, no
    signals. With `returning`, the new primary keys come back in the order of `rows`.
    PostgreSQL gets the rows by COPY; other databases by multi-row INSERTs.
    """
    if not rows:
        return []
    ops = connection.ops
    fields = [
        f
        for f in model._meta.concrete_fields
        if not (f.primary_key and isinstance(f, models.AutoField))
    ]
    plan = []
    for f in fields:
        if isinstance(f, models.DateTimeField):
            adapt = ops.adapt_datetimefield_value
        elif isinstance(f, models.DateField):
            adapt = ops.adapt_datefield_value
        else:
            adapt = None
        plan.append((f.attname, f.get_default(), adapt))
    params = [
        tuple(
            adapt(row.get(name, default)) if adapt else row.get(name, default)
            for name, default, adapt in plan
        )
        for row in rows
    ]
    quote = ops.quote_name
    table = model._meta.db_table
    columns = [f.column for f in fields]
    pks: list[int] = []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY is several times faster than INSERT. New keys are drawn from the table's
            # sequence first (safe under concurrent inserts) and written with the rows.
            if returning:
                pk_column = model._meta.pk.column
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                    [table, pk_column, len(params)],
                )
                pks = [pk for (pk,) in cursor.fetchall()]
                columns = [pk_column, *columns]
                params = [(pk, *row) for pk, row in zip(pks, params, strict=True)]
            statement = "COPY {} ({}) FROM STDIN".format(
                quote(table), ", ".join(quote(column) for column in columns)
            )
            with cursor.cursor.copy(statement) as copy:
                for row in params:
                    copy.write_row(row)
            return pks
        # Elsewhere, many rows a statement: one round trip and one plan each, well under
        # SQLite's limit of 32,766 parameters.
        head = "INSERT INTO {} ({}) VALUES ".format(
            quote(table), ", ".join(quote(column) for column in columns)
        )
        placeholders = "({})".format(", ".join(["%s"] * len(fields)))
        tail = " RETURNING " + quote(model._meta.pk.column) if returning else ""
        per_statement = max(1, min(1000, 30_000 // len(fields)))
        for batch in chunked(params, per_statement):
            values = ", ".join([placeholders] * len(batch))
            cursor.execute(head + values + tail, [value for row in batch for value in row])
            if returning:
                pks.extend(pk for (pk,) in cursor.fetchall())
    return pks


def m2m_of(model: type[models.Model], pks: list[int]) -> dict[int, dict[str, list]]:
    """Auto-created many-to-many values of `pks`, as the serializer would give them."""
    values: dict[int, dict[str, list]] = defaultdict(dict)
    for m2m in model._meta.many_to_many:
        through = getattr(m2m.remote_field, "through", None)
        if through is None or not through._meta.auto_created:
            continue
        source = m2m.m2m_field_name() + "_id"
        target = m2m.m2m_reverse_field_name() + "_id"
        rows = through.objects.filter(**{f"{source}__in": pks}).values_list(source, target)
        for pk in pks:
            values[pk][m2m.name] = []
        for pk, other in rows.order_by(source, target):
            values[pk][m2m.name].append(other)
    return values


def repr_of(row: dict[str, Any]) -> str:
    """What `str()` of an item gives, from its values() row."""
    for name in ("headline", "name", "title", "url"):
        if row.get(name):
            return str(row[name])
    return str(row["pk"])


def record_bulk_revision(
    model: type[models.Model], pks: Iterable[int], *, user=None, comment: str = ""
) -> Revision | None:
    """One reversion Revision holding a Version of each item of `model` in `pks`; None if none.

    For writers that skip `save()` (bulk imports), where `reversion.create_revision()` sees
    nothing. Written in bulk: 2 queries, plus per batch of IN_BATCH items one for the rows,
    one per auto-created many-to-many field and one to insert the versions. A Version holds
    the item's own fields and auto-created many-to-many links, not the through rows that
    reversion's `follow=` would add (entities, citations, related events); `Version.revert()`
    restores those fields.
    """
    pks = sorted(set(pks))
    if not pks:
        return None
    revision = Revision.objects.create(
        date_created=timezone.now(), user=user, comment=comment[:1000]
    )
    content_type = ContentType.objects.get_for_model(model)
    attnames = [f.attname for f in model._meta.concrete_fields if not f.primary_key]
    for batch in chunked(pks):
        m2m = m2m_of(model, batch)
        rows = model._base_manager.filter(pk__in=batch).order_by("pk").values("pk", *attnames)
        insert_rows(
            Version,
            [
                {
                    "revision_id": revision.pk,
                    "object_id": str(row["pk"]),
                    "content_type_id": content_type.pk,
                    "db": DEFAULT_DB_ALIAS,
                    "format": "json",
                    "serialized_data": serialize(model, row, m2m.get(row["pk"])),
                    "object_repr": repr_of(row),
                }
                for row in rows
            ],
        )
    return revision


def pks_by_pairs(model: type[models.Model], fields: tuple[str, str], pairs: list[tuple]) -> list:
    """Primary keys of the rows whose two `fields` equal one of `pairs`, in one query.

    A join to a VALUES list: each pair is one index look-up, and the statement stays cheap to
    plan however many pairs there are (an OR of pairs is not, on PostgreSQL; two IN lists
    would match every combination).
    """
    if not pairs:
        return []
    ops, quote = connection.ops, connection.ops.quote_name
    first, second = (model._meta.get_field(name) for name in fields)

    def adapt(field, value):
        if isinstance(field, models.DateField):
            return ops.adapt_datefield_value(value)
        return value

    values = ", ".join(["(%s, %s)"] * len(pairs))
    table = quote(model._meta.db_table)
    sql = (
        f"SELECT t.{quote(model._meta.pk.column)} FROM {table} t JOIN (VALUES {values}) AS v "
        f"ON t.{quote(first.column)} = v.column1 AND t.{quote(second.column)} = v.column2"
    )
    params = [
        adapt(field, value)
        for pair in pairs
        for field, value in zip((first, second), pair, strict=True)
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [pk for (pk,) in cursor.fetchall()]


def same_value(stored: Any, imported: Any) -> bool:
    """Equal, counting Windows and Unix line ends as the same (XLSX and ODS keep only \\n)."""
    if stored == imported:
        return True
    return (
        isinstance(stored, str)
        and isinstance(imported, str)
        and stored.replace("\r\n", "\n") == imported.replace("\r\n", "\n")
    )


def chunked(items: list, size: int = IN_BATCH) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class EntityLookup:
    """Every entity by its name key, loaded once; missing ones created in one statement."""

    def __init__(self) -> None:
        self.pks: dict[str, int] = {}
        self.slugs: set[str] = set()
        for pk, name, slug in Entity.objects.values_list("pk", "name", "slug"):
            self.pks.setdefault(name_key(name), pk)
            self.slugs.add(slug)

    def ensure(self, wanted: dict[str, tuple[str, str]]) -> None:
        """Create the entities of `wanted` ({key: (kind, name)}) that do not exist yet."""
        missing = {key: value for key, value in wanted.items() if key not in self.pks}
        if not missing:
            return
        maker = Entity()
        new = []
        for kind, name in missing.values():
            base = make_slug(name, max_length=90) or "entity"
            slug, n = base, 1
            while slug in self.slugs:
                slug, n = maker.slugify(base, n), n + 1
            self.slugs.add(slug)
            new.append(Entity(name=name, slug=slug, kind=kind or Entity.Kind.TOPIC))
        for entity in Entity.objects.bulk_create(new):
            self.pks[name_key(entity.name)] = entity.pk


class PublisherLookup:
    """Publishers by name key and slug, and their web domains, loaded once per import."""

    def __init__(self) -> None:
        self.pks: dict[str, int] = {}
        self.slugs: set[str] = set()
        self.names: dict[int, str] = {}
        for pk, name, slug in Publisher.objects.values_list("pk", "name", "slug"):
            self.pks[name_key(name)] = pk
            self.pks.setdefault(name_key(slug), pk)
            self.slugs.add(slug)
            self.names[pk] = name
        self.domains = dict(PublisherDomain.objects.values_list("domain", "publisher_id"))

    def ensure(self, names: Iterable[str]) -> None:
        new, seen = [], set()
        for name in names:
            key = name_key(name)
            if not key or key in self.pks or key in seen:
                continue
            seen.add(key)
            base = make_slug(name, max_length=190) or "publisher"
            slug, n = base, 2
            while slug in self.slugs:
                slug, n = f"{base}-{n}", n + 1
            self.slugs.add(slug)
            new.append(Publisher(name=name, slug=slug))
        for publisher in Publisher.objects.bulk_create(new):
            self.pks[name_key(publisher.name)] = publisher.pk
            self.names[publisher.pk] = publisher.name

    def pk(self, name: str) -> int | None:
        return self.pks.get(name_key(name)) if name else None

    def for_url(self, url: str) -> int | None:
        """Like `PublisherDomain.objects.publisher_for`, from memory."""
        for candidate in candidate_domains(domain_of(url)):
            if candidate in self.domains:
                return self.domains[candidate]
        return None


class SourceLookup:
    """Sources of a chunk by normalized URL: one query to find, one statement to create."""

    def __init__(self, publishers: PublisherLookup) -> None:
        self.publishers = publishers

    @staticmethod
    def existing(urls: list[str]) -> dict[str, int]:
        """{url: pk} of the stored sources among `urls`."""
        found: dict[str, int] = {}
        quote = connection.ops.quote_name
        table, pk = quote(Source._meta.db_table), quote(Source._meta.pk.column)
        with connection.cursor() as cursor:
            for batch in chunked(urls, 5000):
                if connection.vendor == "postgresql":
                    # One array parameter instead of thousands: far cheaper to send and plan.
                    cursor.execute(f"SELECT url, {pk} FROM {table} WHERE url = ANY(%s)", [batch])
                    found.update(cursor.fetchall())
                else:
                    found.update(Source.objects.filter(url__in=batch).values_list("url", "pk"))
        return found

    def ensure(self, wanted: dict[str, str]) -> dict[str, int]:
        """{url: publisher name or ""} -> {url: source pk}, creating the missing sources."""
        urls = list(wanted)
        pks = self.existing(urls)
        missing = [url for url in urls if url not in pks]
        if not missing:
            return pks
        self.publishers.ensure(wanted[url] for url in missing if wanted[url])
        now = timezone.now()
        new_pks = insert_rows(
            Source,
            [
                {
                    "url": url,
                    "publisher_id": self.publishers.pk(wanted[url]) or self.publishers.for_url(url),
                    "created_at": now,
                }
                for url in missing
            ],
            returning=True,
        )
        pks.update(zip(missing, new_pks, strict=True))
        return pks


class BulkImporter:
    """Base of the importers: the run, the header check, outcomes, revisions.

    Subclasses set `name`, `model`, `columns` ({column: what to write in it}),
    `required_columns`, and implement `import_chunk()`.
    """

    name: str = ""
    model: type[models.Model]
    columns: dict[str, str] = {}
    required_columns: tuple[str, ...] = ()
    chunk_size = 1000

    def __init__(
        self,
        *,
        user=None,
        dry_run: bool = False,
        publish: bool = False,
        comment: str = "",
        progress: Callable[[int, int], None] | None = None,
    ) -> None:
        self.user = user
        self.dry_run = dry_run
        self.publish = publish
        self.comment = comment or f"Imported {self.name} from a spreadsheet"
        self.progress = progress
        self.report = Report(dry_run=dry_run)
        self.row_index: dict[int, int] = {}  # item pk -> index in report.outcomes
        self.touched: set[int] = set()  # pks of created or updated items
        #: {through model: {item pk: targets before this import}} for the links it changed.
        self.links_before: dict[type[models.Model], dict[int, list[int]]] = {}

    # Problems and outcomes ---------------------------------------------------------------

    def report_progress(self, done: int, total: int | None) -> None:
        if self.progress:
            self.progress(done, total)

    def problem(self, row: int, column: str, message: str) -> None:
        self.report.problems.append({"row": row, "column": column, "message": message})

    def outcome(self, row: int, outcome: str, label: str, pk: int | None = None) -> None:
        if pk is not None:
            self.row_index[pk] = len(self.report.outcomes)
            if outcome in (CREATED, UPDATED):
                self.touched.add(pk)
        self.report.outcomes.append([row, outcome, label])
        self.report.counts[outcome] += 1

    def mark_updated(self, pk: int) -> bool:
        """An item found unchanged so far was changed after all (links, publishing)."""
        index = self.row_index.get(pk)
        if index is None or self.report.outcomes[index][1] != UNCHANGED:
            return False
        self.report.outcomes[index][1] = UPDATED
        self.report.counts[UNCHANGED] -= 1
        self.report.counts[UPDATED] += 1
        self.touched.add(pk)
        return True

    # The run -----------------------------------------------------------------------------

    def check_headers(self, headers: list[str]) -> list[str]:
        known = ", ".join(self.columns)
        seen = set()
        for number, header in enumerate(headers, start=1):
            column = header.strip()
            if not column:
                continue
            if column not in self.columns:
                self.problem(
                    1,
                    column,
                    f"Unknown column “{column}” (column {number}). The columns of a "
                    f"{self.name} sheet are: {known}.",
                )
            elif column in seen:
                self.problem(1, column, f"The column “{column}” appears twice.")
            seen.add(column)
        for column in self.required_columns:
            if column not in seen:
                self.problem(1, column, f"The column “{column}” is missing; it is required.")
        return [header.strip() for header in headers]

    def run(self, sheet: Sheet) -> Report:
        if self.publish and not can_publish(self.user, self.model):
            raise ImportRefused(
                f"Only editors can publish {self.model._meta.verbose_name_plural} on import. "
                "Import them as drafts instead."
            )
        self.report.total_rows = sheet.total_rows
        headers = self.check_headers(sheet.headers)
        if self.report.problems:
            return self.report
        self.present = {h for h in headers if h}
        done = 0
        with transaction.atomic():
            self.prepare()
            batch: list[tuple[int, dict[str, Any]]] = []
            for number, cells in sheet.rows():
                if cells is None:
                    self.outcome(number, SKIPPED, "blank row")
                    continue
                row = {
                    header: (cells[i] if i < len(cells) else None)
                    for i, header in enumerate(headers)
                    if header
                }
                batch.append((number, row))
                if len(batch) >= self.chunk_size:
                    self.import_chunk(batch)
                    done += len(batch)
                    batch = []
                    self.report_progress(done, sheet.total_rows)
            if batch:
                self.import_chunk(batch)
                done += len(batch)
            # The last steps report progress too: a record silent for long is taken for dead.
            self.finish()
            self.report_progress(done, sheet.total_rows)
            if not self.report.problems:
                self.check_live_items()
                self.report_progress(done, sheet.total_rows)
            if self.publish and not self.report.problems:
                self.publish_items()
                self.report_progress(done, sheet.total_rows)
            if not self.report.problems and not self.dry_run:
                self.report.revision = self.record_revisions()
                if self.touched:
                    # Bulk writes send no post_save, so the readers' page cache is told here.
                    invalidate_pages()
            if self.report.problems or self.dry_run:
                transaction.set_rollback(True)
        self.report_progress(done, sheet.total_rows)
        self.report.outcomes.sort(key=lambda outcome: outcome[0])
        order = {column: index for index, column in enumerate(self.columns)}
        self.report.problems.sort(key=lambda p: (p["row"], order.get(p["column"], len(order))))
        return self.report

    def prepare(self) -> None:
        """Load what the whole import shares (called inside the transaction)."""

    def import_chunk(self, rows: list[tuple[int, dict[str, Any]]]) -> None:
        raise NotImplementedError

    def parse(self, number: int, row: dict[str, Any]) -> Any:
        """One row's values, or None after reporting its problems."""
        raise NotImplementedError

    def parse_rows(self, rows: list[tuple[int, dict[str, Any]]]) -> list:
        """The rows of a chunk that parse; each one that does not is counted as an error."""
        parsed = []
        for number, row in rows:
            item = self.parse(number, row)
            if item is None:
                self.outcome(number, ERROR, "")
            else:
                parsed.append(item)
        return parsed

    def finish(self) -> None:
        """Work that needs every row written first (links between items)."""

    def check_live_items(self) -> None:
        """Hold changes to published items to the desk's rules; only publishable models do."""

    def publish_items(self) -> None:
        """Publish every item of the file; only publishable models implement it."""

    # Revisions ---------------------------------------------------------------------------

    def record_revisions(self) -> Revision | None:
        """One Revision for the import and a Version of every created or updated item."""
        return record_bulk_revision(self.model, self.touched, user=self.user, comment=self.comment)


@dataclass
class ParsedRow:
    number: int
    key: Any
    label: str
    values: dict[str, Any]
    entities: list[str] | None = None  # entity keys, when the column is present
    citations: list[tuple[str, str, str]] | None = None
    links: dict[str, list[str]] = field(default_factory=dict)
    wanted_entities: list[tuple[str, str]] = field(default_factory=list)


class PublishableImporter(BulkImporter):
    """Stories and events: text fields, entity fields, entities, citations, links.

    Subclasses set `text_fields` ({column: model field}), `entity_fields` ({column:
    (field attname, kind)}), `lookup_fields` ({column: (attname, {key: pk} loader)}),
    `tag_through`, `citation_model`, `link_columns`, and implement `key_of_row()`,
    `existing()`, `new_row()` and `write_links()`.
    """

    text_fields: dict[str, str] = {}
    entity_fields: dict[str, tuple[str, str]] = {}
    lookup_fields: dict[str, tuple[str, Callable[[], dict[str, int]]]] = {}
    #: The columns of the natural key; a repeated key is reported on the first of them.
    key_columns: tuple[str, ...] = ()
    tag_through: type[models.Model]
    citation_model: type[models.Model]
    link_columns: tuple[str, ...] = ()
    #: model relation name -> column, for the publication rule on related items.
    relation_columns: dict[str, str] = {}

    def prepare(self) -> None:
        self.entities = EntityLookup()
        self.publishers = PublisherLookup()
        self.sources = SourceLookup(self.publishers)
        self.keys_seen: dict[Any, int] = {}
        self.pending_links: list[tuple[int, int, dict[str, list[str]]]] = []
        self.lookups = {column: loader() for column, (_, loader) in self.lookup_fields.items()}
        self.lengths = {
            column: self.model._meta.get_field(name).max_length
            for column, name in self.text_fields.items()
        }
        self.strip = {
            column: not isinstance(self.model._meta.get_field(name), models.TextField)
            for column, name in self.text_fields.items()
        }

    def key_of_row(self, number: int, row: dict, values: dict) -> tuple[Any, str] | None:
        """(natural key, label) for the row, or None after reporting a problem."""
        raise NotImplementedError

    def existing(self, keys: list) -> dict[Any, dict[str, Any]]:
        """{natural key: values() row with "pk" and every field by attname} of stored items."""
        raise NotImplementedError

    @property
    def attnames(self) -> list[str]:
        return [f.attname for f in self.model._meta.concrete_fields if not f.primary_key]

    def new_row(self, key: Any, values: dict) -> dict[str, Any]:
        """The {attname: value} of a new item with natural key `key`."""
        raise NotImplementedError

    def parse(self, number: int, row: dict) -> ParsedRow | None:
        problems_before = len(self.report.problems)
        values: dict[str, Any] = {}
        for column, name in self.text_fields.items():
            if column in self.present:
                text = text_of(row[column], strip=self.strip[column])
                limit = self.lengths[column]
                if limit and len(text) > limit:
                    self.problem(
                        number, column, f"Too long: {len(text):,} characters, the limit is {limit}."
                    )
                values[name] = text
        wanted_entities: list[tuple[str, str]] = []
        for column, (attname, kind) in self.entity_fields.items():
            if column not in self.present:
                continue
            try:
                found = entities_of(row[column], kinds=ENTITY_KINDS)
            except CellError as error:
                self.problem(number, column, str(error))
                continue
            if len(found) > 1:
                self.problem(number, column, "Give one name only.")
                continue
            values[attname] = None
            if found:
                name = found[0][1]
                wanted_entities.append((kind, name))
                values[attname] = ("entity", name_key(name))
        for column, (attname, _) in self.lookup_fields.items():
            if column not in self.present:
                continue
            text = text_of(row[column])
            values[attname] = None
            if text:
                pk = self.lookups[column].get(name_key(text))
                if pk is None:
                    choices = ", ".join(sorted(self.lookup_names(column))) or "none yet"
                    self.problem(
                        number,
                        column,
                        f"There is no {column} “{text}”. Add it in the desk first, or use one "
                        f"of: {choices}.",
                    )
                values[attname] = pk
        entities = None
        if "entities" in self.present:
            try:
                found = entities_of(row["entities"], kinds=ENTITY_KINDS)
                wanted_entities.extend(found)
                entities = [name_key(name) for _, name in found]
            except CellError as error:
                self.problem(number, "entities", str(error))
        citations = None
        if "citations" in self.present:
            try:
                citations = citations_of(row["citations"])
            except CellError as error:
                self.problem(number, "citations", str(error))
        links = {}
        for column in self.link_columns:
            if column in self.present:
                try:
                    links[column] = self.parse_links(column, row[column])
                except CellError as error:
                    self.problem(number, column, str(error))
        keyed = self.key_of_row(number, row, values)
        if keyed is None or len(self.report.problems) > problems_before:
            return None
        key, label = keyed
        first = self.keys_seen.get(key)
        if first is not None:
            self.problem(
                number,
                self.key_columns[0],
                f"Row {first} already has this {self.model._meta.verbose_name} ({label}); "
                "each item may appear once in a file.",
            )
            return None
        self.keys_seen[key] = number
        return ParsedRow(number, key, label, values, entities, citations, links, wanted_entities)

    def lookup_names(self, column: str) -> list[str]:
        return []

    def parse_links(self, column: str, value: Any) -> list[str]:
        raise NotImplementedError

    def import_chunk(self, rows: list[tuple[int, dict[str, Any]]]) -> None:
        parsed = self.parse_rows(rows)
        if not parsed:
            return
        wanted = {}
        for item in parsed:
            for kind, name in item.wanted_entities:
                wanted.setdefault(name_key(name), (kind, name))
        self.entities.ensure(wanted)
        source_pks = {}
        if "citations" in self.present:
            urls: dict[str, str] = {}
            for item in parsed:
                for publisher, url, _ in item.citations:
                    if publisher or url not in urls:
                        urls[url] = publisher or urls.get(url, "")
            source_pks = self.sources.ensure(urls)

        found = self.existing([item.key for item in parsed])
        old_pks = [obj["pk"] for obj in found.values()]
        old_tags: dict[int, set[int]] = defaultdict(set)
        old_cites: dict[int, list[tuple]] = defaultdict(list)
        if old_pks and "entities" in self.present:
            for batch in chunked(old_pks):
                rows_ = self.tag_through.objects.filter(content_object_id__in=batch)
                for item_id, tag_id in rows_.values_list("content_object_id", "tag_id"):
                    old_tags[item_id].add(tag_id)
        if old_pks and "citations" in self.present:
            for batch in chunked(old_pks):
                rows_ = self.citation_model.objects.filter(item_id__in=batch).order_by(
                    "item_id", "position", "pk"
                )
                for cite in rows_.values_list("item_id", "source_id", "role", "quote", "note"):
                    old_cites[cite[0]].append(cite[1:])

        now = timezone.now()
        user_id = self.user.pk if self.user else None
        creates, updates, changed_fields = {}, [], set()
        replace_tags, replace_cites = set(), set()
        results = []  # (parsed row, existing item or None, outcome, tags, citations)
        for item in parsed:
            values = {
                name: (self.entities.pks[value[1]] if isinstance(value, tuple) else value)
                for name, value in item.values.items()
            }
            obj = found.get(item.key)
            new_tags = None
            if item.entities is not None:
                new_tags = {self.entities.pks[key] for key in item.entities}
            new_cites = None
            if item.citations is not None:
                new_cites = [(source_pks[url], role) for _, url, role in item.citations]
            if obj is None:
                creates[item.key] = {
                    **self.new_row(item.key, values),
                    "created_by_id": user_id,
                    "modified_by_id": user_id,
                    "created_at": now,
                    "modified_at": now,
                }
                outcome = CREATED
            else:
                pk = obj["pk"]
                changed = [
                    name for name, value in values.items() if not same_value(obj[name], value)
                ]
                tags_differ = new_tags is not None and new_tags != old_tags.get(pk, set())
                old = [(c[0], c[1]) for c in old_cites.get(pk, [])]
                cites_differ = new_cites is not None and new_cites != old
                if tags_differ:
                    replace_tags.add(pk)
                if cites_differ:
                    replace_cites.add(pk)
                if changed or tags_differ or cites_differ:
                    changed_fields.update(changed)
                    update = self.model(pk=pk, version=obj["version"] + 1, modified_at=now)
                    update.modified_by = self.user
                    for name in changed:
                        setattr(update, name, values[name])
                    updates.append(update)
                    outcome = UPDATED
                else:
                    outcome = UNCHANGED
            results.append((item, obj, outcome, new_tags, new_cites))

        new_pks = dict(
            zip(
                creates,
                insert_rows(self.model, list(creates.values()), returning=True),
                strict=True,
            )
        )
        if updates:
            fields = [*sorted(changed_fields), "version", "modified_at", "modified_by"]
            self.model.objects.bulk_update(updates, fields)
        # A dry run rolls back anyway and nothing later in the run reads an item's entities or
        # citations back, except the publication rules: only then are they written.
        write_through = not self.dry_run or self.publish
        if replace_tags and write_through:
            self.tag_through.objects.filter(content_object_id__in=replace_tags).delete()
        if replace_cites and write_through:
            self.citation_model.objects.filter(item_id__in=replace_cites).delete()
        tag_rows, cite_rows = [], []
        for item, obj, outcome, new_tags, new_cites in results:
            created = outcome == CREATED
            pk = new_pks[item.key] if created else obj["pk"]
            if new_tags and (created or pk in replace_tags):
                tag_rows.extend({"content_object_id": pk, "tag_id": tag} for tag in new_tags)
            if new_cites and (created or pk in replace_cites):
                kept = {} if created else {(c[0], c[1]): c[2:] for c in old_cites.get(pk, [])}
                for position, (source_id, role) in enumerate(new_cites, start=1):
                    quote, note = kept.get((source_id, role), ("", ""))
                    cite_rows.append(
                        {
                            "item_id": pk,
                            "source_id": source_id,
                            "role": role,
                            "position": position,
                            "quote": quote,
                            "note": note,
                        }
                    )
            self.outcome(item.number, outcome, item.label, pk)
            if item.links:
                self.pending_links.append((pk, item.number, item.links))
        if write_through:
            insert_rows(self.tag_through, tag_rows)
            insert_rows(self.citation_model, cite_rows)

    # Links, after every row is written ---------------------------------------------------

    def finish(self) -> None:
        if not self.pending_links:
            return
        changed = self.write_links()
        bump = [pk for pk in changed if self.mark_updated(pk)]
        now = timezone.now()
        for batch in chunked(bump):
            self.model.objects.filter(pk__in=batch).update(
                version=models.F("version") + 1, modified_at=now, modified_by=self.user
            )

    def write_links(self) -> set[int]:
        """Resolve and store `pending_links`; return the pks whose links changed."""
        raise NotImplementedError

    def replace_links(
        self,
        wanted: dict[int, list[int]],
        through: type[models.Model],
        source: str,
        target: str,
        *,
        ordered: bool,
    ) -> set[int]:
        """Make each item's links (`wanted`: {pk: [target pks]}) what the file says."""
        old: dict[int, list[int]] = defaultdict(list)
        order = [source, "position", "pk"] if ordered else [source, target]
        for batch in chunked(list(wanted)):
            rows = through.objects.filter(**{f"{source}__in": batch}).order_by(*order)
            for pk, other in rows.values_list(source, target):
                old[pk].append(other)
        changed = {
            pk
            for pk, targets in wanted.items()
            if (targets if ordered else sorted(targets)) != old.get(pk, [])
        }
        before = self.links_before.setdefault(through, {})
        for pk in changed:
            before.setdefault(pk, old.get(pk, []))
        for batch in chunked(sorted(changed)):
            through.objects.filter(**{f"{source}__in": batch}).delete()
        new_rows = []
        for pk in sorted(changed):
            for position, other in enumerate(wanted[pk], start=1):
                row = through(**{source: pk, target: other})
                if ordered:
                    row.position = position
                new_rows.append(row)
        through.objects.bulk_create(new_rows, batch_size=IN_BATCH)
        return changed

    # Publishing on import ----------------------------------------------------------------

    def publication_problems(
        self, pks: list[int], *, going_live: bool = True
    ) -> dict[int, list[tuple[str, str]]]:
        """`Publishable.publish_problems()` for many items at once: {pk: [(column, message)]}.

        Links follow the one rule of `Publishable.new_links()`: the links this import added,
        and, for items going live (`going_live`) that never were, all their links. Items
        published by this same import count as published for the related-item rule.
        """
        problems: dict[int, list[tuple[str, str]]] = defaultdict(list)
        being_published, now = set(pks) if going_live else set(), timezone.now()
        image_fields = [f for pair in self.model.image_credit_fields for f in pair]
        for batch in chunked(pks):
            items = {}
            for (
                pk,
                headline,
                status,
                publish_at,
                first_published_at,
                *images,
            ) in self.model.objects.filter(pk__in=batch).values_list(
                "pk", "headline", "status", "publish_at", "first_published_at", *image_fields
            ):
                items[pk] = self.model(
                    pk=pk,
                    status=status,
                    publish_at=publish_at,
                    first_published_at=first_published_at,
                )
                if not headline.strip():
                    problems[pk].append(("headline", PublishProblem.HEADLINE))
                for index, (image, credit) in enumerate(self.model.image_credit_fields):
                    if images[2 * index] and not images[2 * index + 1].strip():
                        label = self.model._meta.get_field(image).verbose_name
                        problems[pk].append((credit, PublishProblem.credit(label)))
            for relation in self.model.related_item_relations:
                column = self.relation_columns[relation]
                rel = self.model._meta.get_field(relation)
                through = rel.remote_field.through
                source = rel.m2m_field_name()
                target = rel.m2m_reverse_field_name()
                saved: dict[int, set[int]] = defaultdict(set)
                targets: dict[int, tuple[str, str, Any]] = {}
                for pk, other, headline, status, publish_at in (
                    through.objects.filter(**{f"{source}__in": batch})
                    .values_list(
                        source,
                        target,
                        f"{target}__headline",
                        f"{target}__status",
                        f"{target}__publish_at",
                    )
                    .order_by(source, f"{target}__headline")
                ):
                    saved[pk].add(other)
                    targets[other] = (headline, status, publish_at)
                before = self.links_before.get(through, {})
                for pk, item in items.items():
                    new = item.new_links(saved=before.get(pk, saved[pk]), wanted=saved[pk])
                    if going_live:
                        new |= item.new_links(saved=saved[pk])
                    at = item.publish_at if item.is_scheduled and not going_live else now
                    hidden = [
                        targets[other][0]
                        for other in new
                        if not (targets[other][1] == Status.PUBLISHED and targets[other][2] <= at)
                        and not (rel.related_model is self.model and other in being_published)
                    ]
                    for headline in sorted(hidden):
                        problems[pk].append((column, PublishProblem.related(headline)))
        return problems

    def check_live_items(self) -> None:
        """Changes to published (live or scheduled) items follow the desk's rules.

        Only someone who may publish changes what readers see (a journalist's edits of a
        published item are refused in the admin too); the item must stay publishable (no
        emptied citations, no draft related items); a live item's modified date moves.
        """
        published: list[int] = []
        for batch in chunked(sorted(self.touched)):
            published.extend(
                self.model.objects.filter(pk__in=batch, status=Status.PUBLISHED).values_list(
                    "pk", flat=True
                )
            )
        if not published:
            return
        rows = {pk: self.report.outcomes[self.row_index[pk]] for pk in published}
        if not can_publish(self.user, self.model):
            for pk in published:
                number, _, label, *_ = rows[pk]
                self.problem(
                    number,
                    self.key_columns[0],
                    f"“{label}” is published: only an editor may change it. Leave this row "
                    "out, or ask an editor to import the file.",
                )
            return
        for pk, problems in self.publication_problems(published, going_live=False).items():
            for column, message in problems:
                self.problem(rows[pk][0], column, f"The published item would break: {message}")
        if self.report.problems:
            return
        now = timezone.now()
        for batch in chunked(published):
            self.model.objects.filter(pk__in=batch, publish_at__lte=now).update(
                last_published_at=now
            )

    def publish_items(self) -> None:
        pks = [
            pk
            for pk in self.row_index
            if self.report.outcomes[self.row_index[pk]][1] in (CREATED, UPDATED, UNCHANGED)
        ]
        pending = []
        for batch in chunked(pks):
            pending.extend(
                self.model.objects.filter(pk__in=batch)
                .exclude(status=Status.PUBLISHED)
                .values_list("pk", flat=True)
            )
        for pk, problems in sorted(
            self.publication_problems(pending).items(), key=lambda item: self.row_index[item[0]]
        ):
            row = self.report.outcomes[self.row_index[pk]][0]
            for column, message in problems:
                self.problem(row, column, f"Cannot publish: {message}")
        if self.report.problems:
            return
        now = timezone.now()
        for batch in chunked(pending):
            # Publishing again moves a story readers knew to today's date: keep the old address.
            seen = self.model.objects.filter(pk__in=batch).seen_addresses()
            self.model.objects.filter(pk__in=batch).update(
                status=Status.PUBLISHED,
                publish_at=now,
                first_published_at=models.functions.Coalesce("first_published_at", now),
                last_published_at=now,
                modified_at=now,
                modified_by=self.user,
                version=models.F("version") + 1,
            )
            ItemRedirect.objects.record_moves(self.model, seen)
        for pk in pending:
            self.mark_updated(pk)
