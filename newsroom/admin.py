"""Admin for the desk: entities, sections, authors, stories and their corrections.

`PublishableAdmin` and `PublicationStatusFilter` are shared with the events admin. Status and
publishing times are read-only here: they change only through the transitions of
`newsroom.workflow`, which the change form's buttons and the list's bulk actions call.
"""

import datetime as dt

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.contenttypes.admin import GenericTabularInline
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Prefetch
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

from sources.admin import CitationInline, SharedRecordAdmin, with_default_ordering
from sources.forms import OrderedInlineForm, OrderedInlineFormSet

from . import preview, revisions, workflow
from .models import (
    Author,
    Correction,
    CorrectionBase,
    Entity,
    ItemRedirect,
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

    LIVE, SCHEDULED = workflow.LIVE, workflow.SCHEDULED

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
# The admin index is the desk's dashboard (see newsroom/templatetags/desk_tags.py).
admin.site.index_template = "admin/desk_index.html"

#: Fields that only transitions change: a revert or a recovery never brings old values back.
WORKFLOW_FIELDS = [
    "status",
    "publish_at",
    "first_published_at",
    "last_published_at",
    "last_unpublished_at",
    "version",
    "review_note",
]


def local_input_time(value: str) -> dt.datetime | None:
    """A <input type=datetime-local> value (or any ISO time) as an aware datetime."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        when = forms.DateTimeField().clean(value)
    except ValidationError:
        return None
    return timezone.make_aware(when) if timezone.is_naive(when) else when


def search_date(term: str) -> dt.date | None:
    """`2010-04-07` or `7.4.2010` typed into a search box, as a date."""
    term = term.strip()
    for fmt in ("%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(term, fmt).date()
        except ValueError:
            continue
    return None


class PublishableForm(forms.ModelForm):
    """Carries the version the form was loaded with; a save over a newer version is refused.

    The check runs inside the admin's transaction with the item's row locked
    (`select_for_update`), so of two saves racing from the same version exactly one wins; the
    other comes back with the saved changes listed and the person's own text still in the form.
    """

    loaded_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    check_version = True
    conflict: dict | None = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.fields["loaded_version"].initial = self.instance.version

    def clean(self):
        cleaned_data = super().clean()
        if self.instance.pk is not None and self.instance.status == Status.PUBLISHED:
            self.keep_publishable(cleaned_data)
        if self.instance.pk is not None:
            self.check_new_links(cleaned_data)
        if self.instance.pk is None or not self.check_version:
            return cleaned_data
        model = type(self.instance)
        saved = model._default_manager.select_for_update().filter(pk=self.instance.pk).first()
        if saved is None:
            raise ValidationError("This item was deleted meanwhile; nothing was saved.")
        loaded = cleaned_data.get("loaded_version")
        if loaded == saved.version:
            return cleaned_data
        self.conflict = self.describe_conflict(saved, loaded)
        # Saving again now knowingly replaces the newer version (it stays in the history).
        data = self.data.copy()
        data[self.add_prefix("loaded_version")] = saved.version
        self.data = data
        who = saved.modified_by or "someone else"
        raise ValidationError(
            f"Not saved: {who} saved this {model._meta.verbose_name} at "
            f"{timezone.localtime(saved.modified_at):%H:%M} (version {saved.version}) after you "
            f"opened it (version {loaded or '?'}). Your text is still in the form below; compare "
            f"it with their changes, then save again to keep yours.",
            code="stale",
        )

    def keep_publishable(self, cleaned_data) -> None:
        """A published (or scheduled) item stays publishable: the rules of
        `publish_problems()` that this form's own fields decide are checked on every save
        (related items: `check_new_links()`)."""
        item = self.instance
        for image, credit in item.image_credit_fields:
            if image not in self.fields or credit not in self.fields:
                continue
            has_image = cleaned_data.get(image) is not False and (
                cleaned_data.get(image) or getattr(item, image)
            )
            if has_image and not (cleaned_data.get(credit) or "").strip():
                self.add_error(credit, "A published picture needs a credit.")

    def check_new_links(self, cleaned_data) -> None:
        """Links this save adds follow `Publishable.new_links()`: on an item that is or has
        been live, they point at items readers can see by then. Links it already has never
        stop a save, even to an item unpublished since."""
        item = self.instance
        for relation in item.related_item_relations:
            chosen = cleaned_data.get(relation)
            if relation not in self.fields or chosen is None:
                continue
            hidden = item.hidden_links(relation, wanted=[other.pk for other in chosen])
            if hidden:
                names = ", ".join(f"“{other}”" for other in hidden)
                self.add_error(
                    relation, f"Not published by the time this item is: {names}. Publish it first."
                )

    def describe_conflict(self, saved, loaded: int | None) -> dict:
        """What changed between the version this form was loaded from and the saved one."""
        names = set(self.fields)
        loaded_version = revisions.version_with_number(saved, loaded) if loaded else None
        if loaded_version is not None:
            rows = revisions.compare(
                type(saved), loaded_version.field_dict, revisions.values_of(saved), names=names
            )
            latest = revisions.version_with_number(saved, saved.version)
            if latest is not None:
                rows += revisions.compare_related(loaded_version, latest)
            return {"rows": [row for row in rows if row.changed], "against": "when you opened it"}
        # No revision of what was loaded: show where the saved version differs from this form.
        submitted = {
            field.attname: self.cleaned_data.get(field.name)
            for field in type(saved)._meta.concrete_fields
            if field.name in names and field.name in self.cleaned_data
        }
        for field in type(saved)._meta.concrete_fields:
            value = submitted.get(field.attname)
            if field.is_relation and value is not None:
                submitted[field.attname] = value.pk
        rows = revisions.compare(type(saved), submitted, revisions.values_of(saved), names=names)
        return {"rows": [row for row in rows if row.changed], "against": "in your form"}


class WorkflowActionForm(helpers.ActionForm):
    """The list's action bar, with the time the "schedule" action publishes at."""

    publish_at = forms.DateTimeField(
        required=False,
        label="Go live at",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )


class FollowsItemInline:
    """An inline of a publishable item: read-only wherever the item is read-only.

    A journalist who opens a published item must not change its citations or links either.
    """

    def _item_editable(self, request, obj) -> bool:
        return obj is None or workflow.can_edit(request.user, obj)

    def has_add_permission(self, request, obj=None):
        return self._item_editable(request, obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._item_editable(request, obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._item_editable(request, obj) and super().has_delete_permission(request, obj)


class CorrectionInlineBase(admin.StackedInline):
    """Dated public corrections: appended by editors to live items, never edited afterwards.

    Each new one goes through `workflow.correct()` (see PublishableAdmin.save_formset).
    """

    fields = ["published_at", "text", "created_by"]
    readonly_fields = ["created_by"]
    extra = 0
    verbose_name_plural = "corrections (public, dated; appended by editors to published items)"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("created_by")

    def get_extra(self, request, obj=None, **kwargs):
        return 0

    def has_add_permission(self, request, obj=None):
        return (
            obj is not None
            and workflow.allowed(request.user, obj, workflow.CORRECT)
            and super().has_add_permission(request, obj)
        )

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ItemRedirectInline(GenericTabularInline):
    """An item's old addresses, made when its slug or date changed: read-only, and editors
    (`delete_itemredirect`) may delete one to free the address or stop the redirect."""

    model = ItemRedirect
    fields = ["old_path", "created_at"]
    readonly_fields = ["old_path", "created_at"]
    extra = 0
    can_delete = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_extra(self, request, obj=None, **kwargs):
        return 0


class PublishableAdmin(revisions.RevisionsAdmin):
    """Workflow fields read-only, transition buttons, bulk actions, history, locking, preview."""

    form = PublishableForm
    action_form = WorkflowActionForm
    change_form_template = "admin/desk/change_form.html"
    history_note = (
        "Pick two versions and compare them field by field, or open a date to revert to that "
        "version (status and publishing times are never reverted)."
    )
    actions = [
        "submit_selected",
        "publish_selected",
        "schedule_selected",
        "unpublish_selected",
        "back_to_draft_selected",
    ]

    class Media:
        css = {"all": ["newsroom/desk.css"]}

    publishing_fields = [
        "publication_status",
        "publish_at",
        "first_published_at",
        "last_published_at",
        "last_unpublished_at",
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

    # Who may do what --------------------------------------------------------------------------

    def has_change_permission(self, request, obj=None):
        """Published (live or scheduled) items are read-only to those who cannot publish."""
        if obj is not None and not workflow.can_edit(request.user, obj):
            return False
        return super().has_change_permission(request, obj)

    def has_publish_permission(self, request) -> bool:
        return workflow.can_publish(request.user, self.model)

    #: The lookup a search for a date (2010-04-07) filters on, for the related-item pickers.
    date_search_lookup: str | None = None

    def get_search_results(self, request, queryset, search_term):
        """Headline, text and entity names as usual; a date finds the items of that day."""
        day = search_date(search_term)
        if day is not None and self.date_search_lookup:
            return queryset.filter(**{self.date_search_lookup: day}), False
        return super().get_search_results(request, queryset, search_term)

    # The form -------------------------------------------------------------------------------

    def get_inline_instances(self, request, obj=None):
        """No corrections box where there is nothing to show and nothing may be added; old
        addresses only on an item that has some."""
        return [
            inline
            for inline in super().get_inline_instances(request, obj)
            if self._shows_inline(inline, request, obj)
        ]

    def _shows_inline(self, inline, request, obj) -> bool:
        if isinstance(inline, CorrectionInlineBase):
            return obj is not None and (
                inline.has_add_permission(request, obj) or obj.corrections.exists()
            )
        if isinstance(inline, ItemRedirectInline):
            return obj is not None and obj.redirects.exists()
        return True

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        # A revert restores an old version on purpose: it is not a stale save.
        form.check_version = not hasattr(request, "_workflow_state")
        return form

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        user = request.user
        context.update(
            transitions=workflow.available(user, obj) if obj is not None else [],
            can_submit_new=add and user.has_perm(workflow.change_permission(self.model)),
            publish_problems=(
                obj.publish_problems() if obj is not None and obj.status != Status.PUBLISHED else []
            ),
            conflict=getattr(getattr(context.get("adminform"), "form", None), "conflict", None),
            preview_url=(
                preview.preview_url(obj, request=request)
                if obj is not None and obj.status != Status.UNPUBLISHED
                else None
            ),
            preview_hours=preview.max_age() // 3600,
        )
        return super().render_change_form(request, context, add, change, form_url, obj)

    def save_model(self, request, obj, form, change):
        state = getattr(request, "_workflow_state", None)
        if state is not None:
            for field, value in state.items():
                setattr(obj, field, value)
        if not change:
            obj.created_by = request.user
        if change and obj.is_published and form.has_changed():
            # An editor's save of a live item reaches readers at once.
            obj.last_published_at = timezone.now()
        obj.modified_by = request.user
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        if not issubclass(formset.model, CorrectionBase):
            return super().save_formset(request, form, formset, change)
        for correction in formset.save(commit=False):
            if correction.pk is None:
                workflow.correct(
                    form.instance,
                    by=request.user,
                    text=correction.text,
                    at=correction.published_at,
                )
        return None

    # After a save: the transition buttons ----------------------------------------------------

    def response_add(self, request, obj, post_url_continue=None):
        if "_transition" in request.POST:
            return self._transition_from_form(request, obj)
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        if "_transition" in request.POST:
            return self._transition_from_form(request, obj)
        return super().response_change(request, obj)

    def _change_url(self, obj) -> str:
        return reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[obj.pk])

    def _transition_from_form(self, request, obj):
        name = request.POST["_transition"]
        if name not in workflow.TRANSITIONS or name == workflow.CORRECT:
            raise PermissionDenied("Unknown transition.")
        kwargs = {}
        if name == workflow.REQUEST_CHANGES:
            kwargs["note"] = request.POST.get("_review_note", "")
        if name == workflow.SCHEDULE:
            kwargs["at"] = local_input_time(request.POST.get("_publish_at", ""))
        try:
            workflow.run(name, obj, by=request.user, **kwargs)
        except (workflow.TransitionRefused, PermissionDenied) as refusal:
            label = workflow.TRANSITIONS[name].label
            messages.error(
                request,
                f"Saved, but not “{label}”: "
                + " ".join(getattr(refusal, "messages", None) or [str(refusal)]),
            )
        else:
            messages.success(request, self._done_message(obj, name))
            if name == workflow.UNPUBLISH and (notice := workflow.linking_notice(obj)):
                messages.warning(request, notice)
        return redirect(self._change_url(obj))

    def _done_message(self, obj, name: str) -> str:
        label = {
            workflow.SUBMIT: "submitted for review",
            workflow.REQUEST_CHANGES: "sent back to its author with your note",
            workflow.PUBLISH: "published",
            workflow.SCHEDULE: "scheduled",
            workflow.UNPUBLISH: "unpublished",
            workflow.BACK_TO_DRAFT: "back to draft",
        }[name]
        if name == workflow.SCHEDULE:
            label += f" for {timezone.localtime(obj.publish_at):%Y-%m-%d %H:%M}"
        return f"“{obj}” {label}."

    # Bulk actions: the same transitions, item by item ----------------------------------------

    def _bulk(self, request, queryset, name: str, **kwargs) -> None:
        done, refused = [], []
        for item in queryset.order_by("pk"):
            try:
                workflow.run(name, item, by=request.user, **kwargs)
            except (workflow.TransitionRefused, PermissionDenied) as refusal:
                reasons = getattr(refusal, "messages", None) or [str(refusal)]
                refused.append(f"“{item}”: {' '.join(reasons)}")
            else:
                done.append(item)
        label = workflow.TRANSITIONS[name].label
        if done:
            count = f"{len(done)} {self._plural(len(done))}"
            self.message_user(request, f"{label}: done for {count}.", messages.SUCCESS)
        if name == workflow.UNPUBLISH:
            for item in done:
                if notice := workflow.linking_notice(item):
                    self.message_user(request, notice, messages.WARNING)
        for reason in refused:
            self.message_user(request, f"{label}: not done for {reason}", messages.ERROR)

    def _plural(self, count: int) -> str:
        return str(self.opts.verbose_name if count == 1 else self.opts.verbose_name_plural)

    @admin.action(description="Submit selected for review", permissions=["change"])
    def submit_selected(self, request, queryset):
        self._bulk(request, queryset, workflow.SUBMIT)

    @admin.action(description="Publish selected now", permissions=["publish"])
    def publish_selected(self, request, queryset):
        self._bulk(request, queryset, workflow.PUBLISH)

    @admin.action(description="Schedule selected (give the time)", permissions=["publish"])
    def schedule_selected(self, request, queryset):
        at = local_input_time(request.POST.get("publish_at", ""))
        if at is None:
            self.message_user(
                request, "Give the time to schedule for in “Go live at”.", messages.ERROR
            )
            return
        self._bulk(request, queryset, workflow.SCHEDULE, at=at)

    @admin.action(description="Unpublish selected", permissions=["publish"])
    def unpublish_selected(self, request, queryset):
        self._bulk(request, queryset, workflow.UNPUBLISH)

    @admin.action(description="Send selected back to draft", permissions=["change"])
    def back_to_draft_selected(self, request, queryset):
        self._bulk(request, queryset, workflow.BACK_TO_DRAFT)

    # Revisions: revert and recover (history and compare are RevisionsAdmin's) ------------

    def _reversion_revisionform_view(self, request, version, template_name, extra_context=None):
        """Revert or recover the text and links only; the workflow fields stay as they are.

        Reverting must not publish or unpublish anything, and a journalist may revert only what
        they may edit. A recovered (deleted) item comes back as a draft.
        """
        current = self.model._default_manager.filter(pk=version.object_id).first()
        if current is not None:
            if not workflow.can_edit(request.user, current):
                raise PermissionDenied
            request._workflow_state = {f: getattr(current, f) for f in WORKFLOW_FIELDS}
        else:
            request._workflow_state = {
                "status": Status.DRAFT,
                "publish_at": None,
                "review_note": "",
            }
        return super()._reversion_revisionform_view(request, version, template_name, extra_context)


class SharedRecordRevisionsAdmin(SharedRecordAdmin, revisions.RevisionsAdmin):
    """A shared record in the desk: read-only to journalists once live pages show it, and
    every change kept as a revision (who, when, what), comparable and revertible."""


@admin.register(Entity)
class EntityAdmin(SharedRecordRevisionsAdmin):
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
class SectionAdmin(SharedRecordRevisionsAdmin):
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
class AuthorAdmin(SharedRecordRevisionsAdmin):
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


class StoryAuthorInline(FollowsItemInline, admin.TabularInline):
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


class StoryCitationInline(FollowsItemInline, CitationInline):
    model = StoryCitation


class CorrectionInline(CorrectionInlineBase):
    model = Correction


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
    date_search_lookup = "publish_at__date"
    list_select_related = ["section"]
    search_fields = ["headline", "kicker", "dek", "slug", "entities__name"]
    prepopulated_fields = {"slug": ["headline"]}
    autocomplete_fields = ["section", "dateline", "related_stories"]
    inlines = [StoryAuthorInline, StoryCitationInline, CorrectionInline, ItemRedirectInline]
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
