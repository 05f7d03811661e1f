"""Admin for events, the day page's categories, related events and citations."""

from django import forms
from django.contrib import admin
from django.db.models import Count

from newsroom.admin import PublicationStatusFilter, PublishableAdmin
from newsroom.spreadsheets.admin import SpreadsheetAdminMixin
from sources.admin import CitationInline, with_default_ordering
from sources.forms import OrderedInlineForm, OrderedInlineFormSet

from .models import Category, Event, EventCitation, RelatedEvent
from .resources import EventImporter, EventResource


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "position", "event_count"]
    list_editable = ["position"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    fields = ["name", "slug", "position", "description"]

    def get_queryset(self, request):
        queryset = super().get_queryset(request).annotate(event_count=Count("events"))
        return with_default_ordering(queryset)

    @admin.display(description="events", ordering="event_count")
    def event_count(self, category: Category) -> int:
        return category.event_count


class RelatedEventFormSet(OrderedInlineFormSet):
    """Related events of one event, never the event itself."""

    def clean(self) -> None:
        super().clean()
        if self.instance.pk is None:
            return
        for form in self._kept_forms():
            if form.cleaned_data.get("to_event") == self.instance:
                form.add_error("to_event", "An event cannot be related to itself.")
                raise forms.ValidationError("An event cannot be related to itself.")


class RelatedEventInline(admin.TabularInline):
    model = RelatedEvent
    fk_name = "from_event"
    form = OrderedInlineForm
    formset = RelatedEventFormSet
    fields = ["order", "to_event"]
    autocomplete_fields = ["to_event"]
    extra = 1
    verbose_name = "related event"
    verbose_name_plural = "related events (in order)"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("from_event", "to_event")


class EventCitationInline(CitationInline):
    model = EventCitation


@admin.register(Event)
class EventAdmin(SpreadsheetAdminMixin, PublishableAdmin):
    spreadsheet_importer, resource_classes = EventImporter, [EventResource]
    list_display = [
        "date",
        "headline",
        "status_column",
        "category",
        "citation_count",
        "publisher_count",
    ]
    list_display_links = ["headline"]
    list_filter = [PublicationStatusFilter, "category", "date"]
    list_select_related = ["category"]
    search_fields = ["headline", "summary", "slug", "entities__name"]
    date_hierarchy = "date"
    autocomplete_fields = ["category", "place", "topic", "related_stories"]
    inlines = [EventCitationInline, RelatedEventInline]
    fieldsets = [
        (None, {"fields": ["date", "headline", "slug", "summary", "body"]}),
        ("Placement", {"fields": ["category", "place", "topic"]}),
        ("Cover image", {"fields": ["cover_image", "cover_image_alt", "cover_image_credit"]}),
        ("Entities and related stories", {"fields": ["entities", "related_stories"]}),
        PublishableAdmin.publishing_fieldset,
    ]

    def get_queryset(self, request):
        return with_default_ordering(super().get_queryset(request).with_citation_counts())

    @admin.display(description="citations", ordering="citation_count")
    def citation_count(self, event: Event) -> int:
        return event.citation_count

    @admin.display(description="publishers", ordering="publisher_count")
    def publisher_count(self, event: Event) -> int:
        return event.publisher_count
