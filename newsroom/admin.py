"""Admin for the desk: entities, sections, authors, stories and their corrections.

`PublishableAdmin` and `PublicationStatusFilter` are shared with the events admin. Status and
publishing times are read-only here: they change only through the publishing workflow.
"""

from django.contrib import admin
from django.db.models import Count, Prefetch
from django.utils import timezone

from sources.admin import CitationInline, with_default_ordering
from sources.forms import OrderedInlineForm, OrderedInlineFormSet

from .models import (
    Author,
    Correction,
    Entity,
    Section,
    Status,
    Story,
    StoryAuthor,
    StoryCitation,
)
from .resources import StoryImporter, StoryResource
from .spreadsheets.admin import SpreadsheetAdminMixin


class PublicationStatusFilter(admin.SimpleListFilter):
    """The workflow status, with published items split into live and scheduled."""

    title = "status"
    parameter_name = "publication"

    LIVE, SCHEDULED = "live", "scheduled"

    def lookups(self, request, model_admin):
        return [
            (Status.DRAFT, "Draft"),
            (Status.IN_REVIEW, "In review"),
            (self.SCHEDULED, "Scheduled"),
            (self.LIVE, "Published (live)"),
            (Status.UNPUBLISHED, "Unpublished"),
        ]

    def queryset(self, request, queryset):
        value, now = self.value(), timezone.now()
        if value == self.LIVE:
            return queryset.filter(status=Status.PUBLISHED, publish_at__lte=now)
        if value == self.SCHEDULED:
            return queryset.filter(status=Status.PUBLISHED, publish_at__gt=now)
        if value in Status.values:
            return queryset.filter(status=value)
        return queryset


admin.site.site_header = "Newsroom desk"
admin.site.site_title = "Newsroom desk"
admin.site.index_title = "The desk"


class PublishableAdmin(admin.ModelAdmin):
    """Shows the workflow fields read-only and records who created and changed an item."""

    class Media:
        css = {"all": ["newsroom/desk.css"]}

    publishing_fields = [
        "publication_status",
        "publish_at",
        "first_published_at",
        "last_published_at",
        "created_at",
        "created_by",
        "modified_at",
        "modified_by",
        "version",
    ]
    publishing_fieldset = ("Publishing", {"fields": publishing_fields, "classes": ["collapse"]})

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), *self.publishing_fields]

    @admin.display(description="status", ordering="status")
    def publication_status(self, obj) -> str:
        if obj.is_scheduled:
            return f"Scheduled for {timezone.localtime(obj.publish_at):%Y-%m-%d %H:%M}"
        return obj.get_status_display()

    @admin.display(description="status", ordering="status")
    def status_column(self, obj) -> str:
        return "Scheduled" if obj.is_scheduled else obj.get_status_display()

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        obj.modified_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(Entity)
class EntityAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "story_count", "event_count"]
    list_display_links = ["name"]
    list_editable = ["kind"]
    list_filter = ["kind"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    fields = ["name", "slug", "kind", "description"]

    def get_queryset(self, request):
        queryset = (
            super()
            .get_queryset(request)
            .annotate(
                story_count=Count("tagged_stories", distinct=True),
                event_count=Count("tagged_events", distinct=True),
            )
        )
        return with_default_ordering(queryset)

    @admin.display(description="stories", ordering="story_count")
    def story_count(self, entity: Entity) -> int:
        return entity.story_count

    @admin.display(description="events", ordering="event_count")
    def event_count(self, entity: Entity) -> int:
        return entity.event_count


@admin.register(Section)
class SectionAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "position", "story_count"]
    list_editable = ["position"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request):
        queryset = super().get_queryset(request).annotate(story_count=Count("stories"))
        return with_default_ordering(queryset)

    @admin.display(description="stories", ordering="story_count")
    def story_count(self, section: Section) -> int:
        return section.story_count


@admin.register(Author)
class AuthorAdmin(admin.ModelAdmin):
    list_display = ["name", "role", "user", "story_count"]
    list_select_related = ["user"]
    search_fields = ["name", "role"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["user"]
    fields = ["name", "slug", "role", "bio", "user"]

    def get_queryset(self, request):
        queryset = super().get_queryset(request).annotate(story_count=Count("bylines"))
        return with_default_ordering(queryset)

    @admin.display(description="stories", ordering="story_count")
    def story_count(self, author: Author) -> int:
        return author.story_count


class StoryAuthorInline(admin.TabularInline):
    model = StoryAuthor
    form = OrderedInlineForm
    formset = OrderedInlineFormSet
    fields = ["order", "author"]
    autocomplete_fields = ["author"]
    extra = 1
    verbose_name = "byline"
    verbose_name_plural = "bylines (in order)"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("author")


class StoryCitationInline(CitationInline):
    model = StoryCitation


class CorrectionInline(admin.StackedInline):
    model = Correction
    fields = ["published_at", "text", "created_by"]
    readonly_fields = ["created_by"]
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("created_by")


@admin.register(Story)
class StoryAdmin(SpreadsheetAdminMixin, PublishableAdmin):
    spreadsheet_importer, resource_classes = StoryImporter, [StoryResource]
    list_display = [
        "headline",
        "section",
        "status_column",
        "publish_at",
        "byline_list",
        "citation_count",
    ]
    list_filter = [PublicationStatusFilter, "section", "publish_at"]
    list_select_related = ["section"]
    search_fields = ["headline", "kicker", "dek", "slug", "entities__name"]
    prepopulated_fields = {"slug": ["headline"]}
    autocomplete_fields = ["section", "dateline", "related_stories"]
    inlines = [StoryAuthorInline, StoryCitationInline, CorrectionInline]
    fieldsets = [
        (None, {"fields": ["kicker", "headline", "dek", "slug"]}),
        ("Text", {"fields": ["body"]}),
        ("Placement", {"fields": ["section", "dateline"]}),
        (
            "Lead image",
            {"fields": ["lead_image", "lead_image_alt", "lead_image_caption", "lead_image_credit"]},
        ),
        ("Entities and related stories", {"fields": ["entities", "related_stories"]}),
        PublishableAdmin.publishing_fieldset,
    ]

    def get_queryset(self, request):
        queryset = (
            super().get_queryset(request).annotate(citation_count=Count("citations", distinct=True))
        )
        return with_default_ordering(queryset).prefetch_related(
            Prefetch("bylines", queryset=StoryAuthor.objects.select_related("author"))
        )

    @admin.display(description="bylines")
    def byline_list(self, story: Story) -> str:
        return ", ".join(str(byline.author) for byline in story.bylines.all()) or "—"

    @admin.display(description="citations", ordering="citation_count")
    def citation_count(self, story: Story) -> int:
        return story.citation_count

    def save_formset(self, request, form, formset, change):
        if formset.model is not Correction:
            return super().save_formset(request, form, formset, change)
        corrections = formset.save(commit=False)
        for correction in formset.deleted_objects:
            correction.delete()
        for correction in corrections:
            if correction.created_by_id is None:
                correction.created_by = request.user
            correction.save()
        return None
