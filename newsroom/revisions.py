"""Field-by-field comparison of an item's saved versions (django-reversion), in words for the desk.

Used by the history page's compare view and by the refusal of a stale save, which shows what
someone else changed since the form was loaded.
"""

from dataclasses import dataclass

from django.db import models
from django.utils import timezone
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
