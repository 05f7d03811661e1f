"""The desk's dashboard (the admin index): what needs doing, what is coming, what just went out.

Every model registered with a `PublishableAdmin` takes part, stories and events alike, so this
module needs no import from the apps to its right. The number of queries is fixed: five per
publishable model the user may see (drafts, review, scheduled, published, corrections), and
two for the latest imports when the user may see imports.
"""

from dataclasses import dataclass

from django import template
from django.apps import apps
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone

from newsroom.admin import PublishableAdmin
from newsroom.models import CorrectionBase, ImportRecord, Status

register = template.Library()

#: Rows per dashboard list.
LIMIT = 10
#: Imports on the dashboard.
IMPORTS = 5


@dataclass(frozen=True)
class Row:
    item: object
    kind: str
    url: str
    when: object = None


def _rows(model_admin, queryset, when_field: str) -> list[Row]:
    opts = model_admin.opts
    url_name = f"admin:{opts.app_label}_{opts.model_name}_change"
    kind = str(opts.verbose_name)
    return [
        Row(item, kind, reverse(url_name, args=[item.pk]), getattr(item, when_field))
        for item in queryset[:LIMIT]
    ]


def _correction_models():
    return [m for m in apps.get_models() if issubclass(m, CorrectionBase)]


@register.simple_tag(takes_context=True)
def desk_dashboard(context) -> dict:
    request = context["request"]
    user, now = request.user, timezone.now()
    desk = {"drafts": [], "review": [], "scheduled": [], "published": [], "corrections": []}
    publishable_models = set()
    for model, model_admin in admin.site._registry.items():
        if not isinstance(model_admin, PublishableAdmin):
            continue
        if not model_admin.has_view_or_change_permission(request):
            continue
        publishable_models.add(model)
        items = model._default_manager.select_related("modified_by")
        desk["drafts"] += _rows(
            model_admin,
            items.filter(status=Status.DRAFT, created_by=user).order_by("-modified_at"),
            "modified_at",
        )
        desk["review"] += _rows(
            model_admin,
            items.filter(status=Status.IN_REVIEW).order_by("modified_at"),
            "modified_at",
        )
        desk["scheduled"] += _rows(
            model_admin,
            items.filter(status=Status.PUBLISHED, publish_at__gt=now).order_by("publish_at"),
            "publish_at",
        )
        desk["published"] += _rows(
            model_admin, items.published(at=now).order_by("-publish_at"), "publish_at"
        )
    for correction_model in _correction_models():
        item_field = next(
            (
                field
                for field in correction_model._meta.concrete_fields
                if field.is_relation and field.related_model in publishable_models
            ),
            None,
        )
        if item_field is None:
            continue
        model_admin = admin.site._registry[item_field.related_model]
        opts = model_admin.opts
        for correction in correction_model._default_manager.select_related(
            item_field.name, "created_by"
        ).order_by("-published_at")[:LIMIT]:
            item = getattr(correction, item_field.name)
            desk["corrections"].append(
                Row(
                    correction,
                    str(opts.verbose_name),
                    reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[item.pk]),
                    correction.published_at,
                )
            )
    desk["drafts"].sort(key=lambda row: row.when, reverse=True)
    desk["review"].sort(key=lambda row: row.when)
    desk["scheduled"].sort(key=lambda row: row.when)
    desk["published"].sort(key=lambda row: row.when, reverse=True)
    desk["corrections"].sort(key=lambda row: row.when, reverse=True)
    for name in ("drafts", "published", "corrections"):
        desk[name] = desk[name][:LIMIT]
    desk["imports"] = _recent_imports(request)
    return desk


def _recent_imports(request) -> list[ImportRecord] | None:
    """The latest imports with their state, cut-off ones marked failed first; None for a user
    who may not see imports."""
    import_admin = admin.site._registry.get(ImportRecord)
    if import_admin is None or not import_admin.has_view_permission(request):
        return None
    ImportRecord.objects.mark_interrupted()
    recent = ImportRecord.objects.defer("rows", "errors").select_related("created_by")
    return list(recent[:IMPORTS])
