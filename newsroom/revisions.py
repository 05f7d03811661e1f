"""Saved versions (django-reversion) in words for the desk: field-by-field comparison, and
`RevisionsAdmin`, the one history page (compare, revert) of every record the desk keeps
versions of, publishable items and shared records alike.

The comparison is also used by the refusal of a stale save, which shows what someone else
changed since the form was loaded.
"""

from dataclasses import dataclass

from django.contrib.admin.utils import quote, unquote
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from reversion.admin import VersionAdmin
from reversion.errors import RevertError
from reversion.models import Version
from reversion.revisions import _get_options as reversion_options

EMPTY = "—"
#: Bookkeeping the desk does not need to see side by side.
HIDDEN = {"id", "version", "modified_at"}


@dataclass(frozen=True)
class FieldChange:
    label: str
    old: str
    new: str

    @property
    def changed(self) -> bool:
        return self.old != self.new


def shown_fields(model: type[models.Model]) -> list[models.Field]:
    return [
        field
        for field in model._meta.concrete_fields
        if field.name not in HIDDEN and not field.name.endswith(("_width", "_height"))
    ]


def display(field: models.Field, value) -> str:
    """A saved value as the desk reads it (names, not ids; local times; choice labels)."""
    if value in (None, ""):
        return EMPTY
    if field.is_relation:
        related = field.related_model._default_manager.filter(pk=value).first()
        return str(related) if related is not None else f"#{value} (deleted)"
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, str) and isinstance(field, models.DateTimeField):
        value = field.to_python(value)
    if hasattr(value, "tzinfo") and value.tzinfo is not None:
        return f"{timezone.localtime(value):%Y-%m-%d %H:%M}"
    return str(value)


def values_of(obj: models.Model) -> dict:
    return {field.attname: getattr(obj, field.attname) for field in obj._meta.concrete_fields}


def compare(
    model: type[models.Model], old: dict, new: dict, *, names: set[str] | None = None
) -> list[FieldChange]:
    """Every shown field (or those in `names`) with its old and new value, in form order."""
    rows = []
    for field in shown_fields(model):
        if names is not None and field.name not in names:
            continue
        old_value = display(field, old.get(field.attname))
        new_value = display(field, new.get(field.attname))
        rows.append(FieldChange(str(field.verbose_name), old_value, new_value))
    return rows


def followed_models(model: type[models.Model]) -> set[type[models.Model]]:
    """The models a version of `model` carries along (its `follow=` relations)."""
    return {model._meta.get_field(name).related_model for name in reversion_options(model).follow}


def related_summary(version: Version) -> dict[str, list[str]]:
    """The followed objects saved in the same revision (citations, entities…), by kind."""
    summary: dict[str, list[str]] = {}
    followed = followed_models(version._model)
    for other in version.revision.version_set.select_related("content_type"):
        model = other.content_type.model_class()
        if other.pk == version.pk or model not in followed:
            continue
        label = str(model._meta.verbose_name_plural)
        summary.setdefault(label, []).append(other.object_repr)
    return {label: sorted(reprs) for label, reprs in sorted(summary.items())}


def compare_related(old: Version, new: Version) -> list[FieldChange]:
    before, after = related_summary(old), related_summary(new)
    return [
        FieldChange(
            label,
            "; ".join(before.get(label, [])) or EMPTY,
            "; ".join(after.get(label, [])) or EMPTY,
        )
        for label in sorted({*before, *after})
    ]


def version_with_number(obj: models.Model, number: int) -> Version | None:
    """The revision in which `obj` was saved with `version == number`, if one was kept."""
    for version in Version.objects.get_for_object(obj).select_related("revision")[:50]:
        try:
            if version.field_dict.get("version") == number:
                return version
        except RevertError:  # an old version the current model cannot read any more
            continue
    return None


class RevisionsAdmin(VersionAdmin):
    """Every save in the desk keeps a version with who, when and what changed (the admin's
    change message); the history lists them newest first, compares any two field by field
    (with the followed records: citations, entities, domains…) and opens one to revert."""

    object_history_template = "admin/desk/object_history.html"
    history_latest_first = True
    #: Said above the history's table.
    history_note = (
        "Pick two versions and compare them field by field, or open a date to revert to that "
        "version."
    )

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<path:object_id>/history/compare/",
                self.admin_site.admin_view(self.compare_view),
                name=f"{info[0]}_{info[1]}_compare",
            ),
            *super().get_urls(),
        ]

    def _revision_url(self, object_id, version: Version) -> str:
        info = self.opts.app_label, self.opts.model_name
        return reverse("admin:{}_{}_revision".format(*info), args=[quote(object_id), version.pk])

    def history_view(self, request, object_id, extra_context=None):
        """Reversion's history, newest first, with each version's id for the compare form."""
        versions = Version.objects.get_for_object_reference(self.model, unquote(object_id))
        action_list = [
            {
                "revision": version.revision,
                "version_id": version.pk,
                "url": self._revision_url(version.object_id, version),
            }
            for version in versions.select_related("revision__user").order_by("-pk")
        ]
        context = {"action_list": action_list, "history_note": self.history_note}
        return super().history_view(request, object_id, {**context, **(extra_context or {})})

    def compare_view(self, request, object_id):
        """Two saved versions of one record, field by field (`?a=<version>&b=<version>`)."""
        obj = get_object_or_404(self.model, pk=unquote(object_id))
        if not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        versions = Version.objects.get_for_object(obj).select_related("revision__user")
        try:
            a = versions.get(pk=int(request.GET.get("a", "")))
            b = versions.get(pk=int(request.GET.get("b", "")))
        except (ValueError, Version.DoesNotExist):
            raise Http404("Choose two versions of this record to compare.") from None
        if a.revision.date_created > b.revision.date_created:
            a, b = b, a
        rows = compare(self.model, a.field_dict, b.field_dict) + compare_related(a, b)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "object": obj,
            "title": f"Compare versions of “{obj}”",
            "old": a,
            "new": b,
            "rows": rows,
            "changed_count": sum(row.changed for row in rows),
            "revert_url": (
                self._revision_url(obj.pk, a) if self.has_change_permission(request, obj) else None
            ),
        }
        return TemplateResponse(request, "admin/desk/compare.html", context)
