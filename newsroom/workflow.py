"""The editorial workflow's rules, in one place for the admin, bulk actions, imports and commands.

Who may publish is decided here and nowhere else: `can_publish()` is the only check, and the
permission it reads (`<app>.publish_<model>`) is given to the Editor group by a data migration.
"""

from django.core.exceptions import PermissionDenied
from django.db import models


def publish_permission(model: type[models.Model] | models.Model) -> str:
    """The permission that allows publishing, scheduling, unpublishing and correcting `model`."""
    opts = model._meta
    return f"{opts.app_label}.publish_{opts.model_name}"


def can_publish(user, model: type[models.Model] | models.Model) -> bool:
    """True when `user` may publish, schedule, unpublish and correct items of `model`."""
    return bool(user and user.is_active and user.has_perm(publish_permission(model)))


def check_can_publish(user, model: type[models.Model] | models.Model) -> None:
    """Raise PermissionDenied, with a message for the desk, unless `user` may publish `model`."""
    if not can_publish(user, model):
        raise PermissionDenied(
            f"Only editors can publish, schedule, unpublish or correct "
            f"{model._meta.verbose_name_plural}."
        )
