"""Admin for events, the day page's categories, related events, citations and corrections."""

from dataclasses import dataclass

from django import forms
from django.contrib import admin, messages
from django.db.models import Count, Max, StringAgg, Value
from django.shortcuts import redirect

from newsroom.admin import (
    CorrectionInlineBase,
    FollowsItemInline,
    ItemRedirectInline,
    PublicationStatusFilter,
    PublishableAdmin,
    SharedRecordRevisionsAdmin,
)
from newsroom.models import Status
from newsroom.spreadsheets.admin import SpreadsheetAdminMixin
from sources.admin import CitationInline, with_default_ordering
from sources.forms import CitationFormSet, OrderedInlineForm, OrderedInlineFormSet

from .models import Category, Event, EventCitation, EventCorrection, RelatedEvent
from .resources import EventImporter, EventResource

#: How many related-event suggestions the event form offers.
SUGGESTION_LIMIT = 8


@admin.register(Category)
class CategoryAdmin(SharedRecordRevisionsAdmin):
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
    """Related events of one event, never the event itself. The links a save adds follow
    `Publishable.new_links()`: on an event that is or has been live, only events readers can
    see by then; the links it already has never stop a save."""

    def clean(self) -> None:
        super().clean()
        if self.instance.pk is None:
            return
        event = self.instance
        kept = {form: form.cleaned_data.get("to_event") for form in self._kept_forms()}
        for form, other in kept.items():
            if other == event:
                form.add_error("to_event", "An event cannot be related to itself.")
                raise forms.ValidationError("An event cannot be related to itself.")
        wanted = [other.pk for other in kept.values() if other is not None]
        hidden = set(event.hidden_links("related_events", wanted=wanted))
        for form, other in kept.items():
            if other is not None and other in hidden:
                form.add_error("to_event", "Publish this event first: this one is published.")
        if hidden:
            raise forms.ValidationError("A published event links only to published events.")


class PublishedEventCitationFormSet(CitationFormSet):
    """A published event keeps at least one citation."""

    def clean(self) -> None:
        super().clean()
        published = self.instance.pk is not None and self.instance.status == Status.PUBLISHED
        if published and not self._kept_forms():
            raise forms.ValidationError(
                "A published event must cite at least one source: unpublish it before "
                "removing the last citation."
            )


class RelatedEventInline(FollowsItemInline, admin.TabularInline):
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


class EventCitationInline(FollowsItemInline, CitationInline):
    model = EventCitation
    formset = PublishedEventCitationFormSet


class EventCorrectionInline(CorrectionInlineBase):
    model = EventCorrection


@dataclass(frozen=True)
class Suggestion:
    """An event worth linking as related, and the entities it shares with the one being edited."""

    event: Event
    shared: list[str]


def related_suggestions(event: Event, *, limit: int = SUGGESTION_LIMIT) -> list[Suggestion]:
    """Events sharing entities with `event`, most shared first, not yet linked: one query.

    The count and the names of the shared entities come from one annotated, grouped query,
    limited and ordered in SQL (taggit's similar_objects() would load every candidate).
    """
    own = event.tagged_entities.values("tag_id")
    linked = RelatedEvent.objects.filter(from_event=event).values("to_event_id")
    candidates = (
        Event.objects.filter(tagged_entities__tag__in=own)
        .exclude(pk=event.pk)
        .exclude(pk__in=linked)
        .annotate(
            shared_count=Count("tagged_entities", distinct=True),
            # One row per shared entity (item and tag are unique together): no DISTINCT needed,
            # which SQLite's group_concat would only allow with a comma.
            shared_names=StringAgg("tagged_entities__tag__name", Value("\n")),
        )
        .order_by("-shared_count", "-date", "pk")[:limit]
    )
    return [
        Suggestion(candidate, sorted(candidate.shared_names.split("\n"), key=str.casefold))
        for candidate in candidates
    ]


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
    date_search_lookup = "date"
    date_hierarchy = "date"
    autocomplete_fields = ["category", "place", "topic", "related_stories"]
    inlines = [EventCitationInline, RelatedEventInline, EventCorrectionInline, ItemRedirectInline]
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

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and self.has_change_permission(request, obj):
            context["suggestions"] = related_suggestions(obj)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def save_related(self, request, form, formsets, change):
        """Saves the form, then the suggestion whose "Add" button was pressed, if any."""
        super().save_related(request, form, formsets, change)
        wanted = request.POST.get("_add_related", "")
        event = form.instance
        if not wanted.isdigit() or int(wanted) == event.pk:
            return
        other = Event.objects.filter(pk=int(wanted)).first()
        if other is None or RelatedEvent.objects.filter(from_event=event, to_event=other).exists():
            return
        saved = event.related_links.values_list("to_event", flat=True)
        if event.hidden_links("related_events", wanted=[*saved, other.pk]).exists():
            messages.error(
                request,
                f"Publish “{other}” first: this event is published, and links only to "
                "events readers can see.",
            )
            return
        last = RelatedEvent.objects.filter(from_event=event).aggregate(last=Max("position"))
        RelatedEvent.objects.create(
            from_event=event, to_event=other, position=(last["last"] or 0) + 1
        )
        messages.success(request, f"Linked “{other}” as a related event.")

    def response_change(self, request, obj):
        if "_add_related" in request.POST and "_transition" not in request.POST:
            return redirect(self._change_url(obj))
        return super().response_change(request, obj)
