"""Publishers and sources in spreadsheets: the columns and how they are exported.

The importers for these rows live in `newsroom.resources` (they share the bulk engine in
`newsroom.spreadsheets`, and this app may not import from newsroom).
"""

from django.db.models import Prefetch
from import_export import fields, resources

from .models import Publisher, PublisherDomain, Source

PUBLISHER_COLUMNS = {
    "name": "As readers know it, e.g. “BBC”. Required; rows match on it (or on the slug).",
    "slug": "Used in /sources/<slug>/; made from the name if left empty.",
    "homepage": "The publisher's home page.",
    "kind": "agency, newspaper, broadcaster, online, government, ngo, reference or other.",
    "country": "Where the publisher is based.",
    "description": "A sentence or two about the publisher.",
    "domains": "Web domains it publishes on, separated by “;”, e.g. “bbc.co.uk; bbc.com”.",
}

SOURCE_COLUMNS = {
    "url": "The link. Required; rows match on it in any spelling (tracking parameters go).",
    "title": "The document's own title.",
    "publisher": "Publisher name; found or created. Left empty: inferred from the domain.",
    "author": "Byline, if there is one.",
    "published_on": "When the document was published, as YYYY-MM-DD.",
    "language": "BCP 47 tag of the document's language, e.g. “en”.",
    "archive_url": "A saved copy of the document.",
}


class PublisherResource(resources.ModelResource):
    domains = fields.Field(column_name="domains")

    class Meta:
        model = Publisher
        fields = tuple(PUBLISHER_COLUMNS)
        export_order = tuple(PUBLISHER_COLUMNS)
        chunk_size = 1000

    def filter_export(self, queryset, **kwargs):
        """Everything the cells show, in a fixed number of queries, for any queryset."""
        return queryset.prefetch_related(
            Prefetch("domains", queryset=PublisherDomain.objects.order_by("domain"))
        )

    def get_queryset(self):
        return Publisher.objects.order_by("name")

    def dehydrate_domains(self, publisher: Publisher) -> str:
        return "; ".join(domain.domain for domain in publisher.domains.all())


class SourceResource(resources.ModelResource):
    publisher = fields.Field(attribute="publisher__name", column_name="publisher")

    class Meta:
        model = Source
        fields = tuple(SOURCE_COLUMNS)
        export_order = tuple(SOURCE_COLUMNS)
        chunk_size = 1000

    def filter_export(self, queryset, **kwargs):
        """Everything the cells show, in a fixed number of queries, for any queryset."""
        return queryset.select_related("publisher")

    def get_queryset(self):
        return Source.objects.order_by("url")

    def dehydrate_published_on(self, source: Source) -> str:
        return source.published_on.isoformat() if source.published_on else ""
