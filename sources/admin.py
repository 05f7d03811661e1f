"""Admin for publishers and sources, and the citation inline the citing apps build on."""

from django.contrib import admin
from django.db.models import Count, QuerySet

from .forms import CitationForm, CitationFormSet
from .models import Publisher, PublisherDomain, Source


def with_default_ordering(queryset: QuerySet) -> QuerySet:
    """`queryset` ordered by its model's Meta.ordering again.

    Django ignores Meta.ordering on GROUP BY queries, so an admin queryset annotated with a
    Count would reach the autocomplete view (which pages it) unordered.
    """
    return queryset.order_by(*queryset.model._meta.ordering)


class PublisherDomainInline(admin.TabularInline):
    model = PublisherDomain
    extra = 1
    fields = ["domain"]


@admin.register(Publisher)
class PublisherAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "country", "domain_list", "source_count"]
    list_filter = ["kind", "country"]
    search_fields = ["name", "slug", "domains__domain"]
    prepopulated_fields = {"slug": ["name"]}
    fieldsets = [
        (None, {"fields": ["name", "slug", "kind", "country"]}),
        ("On the web", {"fields": ["homepage", "description"]}),
    ]
    inlines = [PublisherDomainInline]

    def get_queryset(self, request):
        queryset = (
            super().get_queryset(request).annotate(source_count=Count("sources", distinct=True))
        )
        return with_default_ordering(queryset).prefetch_related("domains")

    @admin.display(description="domains")
    def domain_list(self, publisher: Publisher) -> str:
        return ", ".join(domain.domain for domain in publisher.domains.all()) or "—"

    @admin.display(description="sources", ordering="source_count")
    def source_count(self, publisher: Publisher) -> int:
        return publisher.source_count


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = ["url", "title", "publisher", "published_on"]
    list_display_links = ["url"]
    list_filter = [("publisher", admin.RelatedOnlyFieldListFilter), "language"]
    list_select_related = ["publisher"]
    search_fields = ["url", "title", "publisher__name"]
    date_hierarchy = "published_on"
    autocomplete_fields = ["publisher"]
    readonly_fields = ["created_at", "last_checked_at", "last_status"]
    fieldsets = [
        (None, {"fields": ["url", "title", "publisher", "author", "published_on", "language"]}),
        (
            "Preservation",
            {"fields": ["archive_url", "last_checked_at", "last_status", "created_at"]},
        ),
    ]


class CitationInline(admin.TabularInline):
    """Base for a concrete citation model's inline: paste a link per row, rows stay numbered.

    Subclasses set `model`. The source is never picked from a list: the pasted URL finds or
    creates it (see `CitationForm`), and its publisher shows once the item is saved.
    """

    form = CitationForm
    formset = CitationFormSet
    fields = ["order", "url", "publisher", "role", "quote", "note"]
    readonly_fields = ["publisher"]
    extra = 1
    verbose_name = "citation"
    verbose_name_plural = "citations (numbered source list)"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("source__publisher")

    @admin.display(description="publisher")
    def publisher(self, citation) -> str:
        if citation.pk is None or citation.source.publisher is None:
            return "—"
        return citation.source.publisher.name
