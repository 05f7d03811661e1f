"""Admin for publishers and sources, the citation inline the citing apps build on, and the
admin base of every shared record (sources, publishers, entities, authors, sections…)."""

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


class SharedRecordAdmin(admin.ModelAdmin):
    """Admin of a `SharedRecord`: read-only to journalists once a live page shows the record.

    Every way to change or delete one asks `may_be_changed_by` through the two permission
    methods below, which Django consults per object: the change form (shown read-only, with
    the reason; a POST answers 403), deletion one by one or in bulk, the list's editable
    columns (left read-only on such rows), the inlines (read-only with their parent) and a
    revert from the history (which goes through the change form). Adding stays open, the "+"
    popups of other forms included, so journalists still create the sources, publishers and
    entities their drafts need.
    """

    change_form_template = "admin/desk/shared_record_change_form.html"

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.has_perm(self.model.change_live_permission()):
            return queryset
        return queryset.with_shown_live()  # one query for a list page, not one per row

    def _may_change(self, request, obj) -> bool:
        return obj is None or obj.may_be_changed_by(request.user)

    def has_change_permission(self, request, obj=None):
        return self._may_change(request, obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._may_change(request, obj) and super().has_delete_permission(request, obj)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and not self._may_change(request, obj):
            context["shared_record_refusal"] = obj.live_refusal()
        return super().render_change_form(request, context, add, change, form_url, obj)


class PublisherDomainInline(admin.TabularInline):
    model = PublisherDomain
    extra = 1
    fields = ["domain"]


@admin.register(Publisher)
class PublisherAdmin(SharedRecordAdmin):
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
class SourceAdmin(SharedRecordAdmin):
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
