"""The editorial workflow's rules, in one place for the admin, bulk actions, imports and commands.

Who may publish is decided here and nowhere else: `can_publish()` is the only check, and the
permission it reads (`<app>.publish_<model>`) is given to the Editor group by a data migration.

Every change of state goes through one of the transition functions below (`submit`,
`request_changes`, `publish`, `schedule`, `unpublish`, `back_to_draft`, `correct`). Each one
locks the item's row, checks the state it starts from, the user's role and (when readers would
see the result) `publish_problems()`, then saves and keeps a revision saying who and why.
The admin's buttons and bulk actions and the `publish` command call them; the spreadsheet
import, which works in bulk, applies the same checks (`can_publish`, `publish_problems()`)
set-wise. The one other writer of `status` is `import_archive`, which restores a public
archive as it was published (or, with `--draft`, as drafts).

Unpublishing never blocks the items that link to the item taken down: only links being added
must point at visible items (`Publishable.new_links()`), and `linking_notice()` tells the
editor which live items lost a link. It also records `last_unpublished_at`, which ends every
preview link made before (newsroom/preview.py).

    draft --submit--> in review --publish/schedule--> published --unpublish--> unpublished
      ^                   |                                                        |
      +-request changes---+           back to draft (from in review or unpublished)+
"""

import datetime as dt
from dataclasses import dataclass

import reversion
from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.utils import timezone

from .models import Publishable, Status

# Names of the transitions, as used by buttons, bulk actions and the `publish` command.
SUBMIT = "submit"
REQUEST_CHANGES = "request_changes"
PUBLISH = "publish"
SCHEDULE = "schedule"
UNPUBLISH = "unpublish"
BACK_TO_DRAFT = "back_to_draft"
CORRECT = "correct"


class TransitionRefused(Exception):
    """A transition that cannot happen now; `messages` say why, in words for the desk."""

    def __init__(self, messages: list[str] | str) -> None:
        self.messages = [messages] if isinstance(messages, str) else list(messages)
        super().__init__(" ".join(self.messages))


def publish_permission(model: type[models.Model] | models.Model) -> str:
    """The permission that allows publishing, scheduling, unpublishing and correcting `model`."""
    opts = model._meta
    return f"{opts.app_label}.publish_{opts.model_name}"


def change_permission(model: type[models.Model] | models.Model) -> str:
    opts = model._meta
    return f"{opts.app_label}.change_{opts.model_name}"


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


def can_edit(user, item: Publishable) -> bool:
    """True when `user` may change `item`'s text: journalists never touch what readers see.

    Published items (live or scheduled) are read-only to anyone who cannot publish them.
    """
    if not (user and user.is_active and user.has_perm(change_permission(item))):
        return False
    return item.status != Status.PUBLISHED or can_publish(user, item)


@dataclass(frozen=True)
class Transition:
    name: str
    label: str
    #: States the item may be in; "scheduled" and "live" split the published state.
    sources: frozenset[str]
    #: Needs the publish permission (an editor) rather than the change permission.
    editors_only: bool
    #: Reaches readers, so `publish_problems()` must be empty.
    checks_problems: bool = False


LIVE, SCHEDULED = "live", "scheduled"

TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in [
        Transition(SUBMIT, "Submit for review", frozenset({Status.DRAFT}), editors_only=False),
        Transition(
            REQUEST_CHANGES, "Request changes", frozenset({Status.IN_REVIEW}), editors_only=True
        ),
        Transition(
            PUBLISH,
            "Publish now",
            frozenset({Status.DRAFT, Status.IN_REVIEW, Status.UNPUBLISHED, SCHEDULED}),
            editors_only=True,
            checks_problems=True,
        ),
        Transition(
            SCHEDULE,
            "Schedule",
            frozenset({Status.DRAFT, Status.IN_REVIEW, Status.UNPUBLISHED, SCHEDULED}),
            editors_only=True,
            checks_problems=True,
        ),
        Transition(UNPUBLISH, "Unpublish", frozenset({LIVE, SCHEDULED}), editors_only=True),
        Transition(
            BACK_TO_DRAFT,
            "Back to draft",
            frozenset({Status.IN_REVIEW, Status.UNPUBLISHED}),
            editors_only=False,
        ),
        Transition(CORRECT, "Add a correction", frozenset({LIVE}), editors_only=True),
    ]
}


def state_of(item: Publishable) -> str:
    """The item's workflow state, with published split into live and scheduled."""
    if item.status == Status.PUBLISHED:
        return SCHEDULED if item.is_scheduled else LIVE
    return item.status


STATE_LABELS = {
    Status.DRAFT: "a draft",
    Status.IN_REVIEW: "in review",
    LIVE: "published",
    SCHEDULED: "scheduled",
    Status.UNPUBLISHED: "unpublished",
}


def allowed(user, item: Publishable, name: str) -> bool:
    """True when `user` may run transition `name` on `item` in its current state."""
    transition = TRANSITIONS[name]
    if state_of(item) not in transition.sources:
        return False
    if transition.editors_only:
        return can_publish(user, item)
    return bool(user and user.is_active and user.has_perm(change_permission(item)))


def available(user, item: Publishable) -> list[Transition]:
    """The transitions `user` may run on `item` now, in the order buttons show them."""
    if item.pk is None:
        return []
    return [t for name, t in TRANSITIONS.items() if name != CORRECT and allowed(user, item, name)]


def _check(user, item: Publishable, name: str, at: dt.datetime | None = None) -> None:
    transition = TRANSITIONS[name]
    if transition.editors_only:
        check_can_publish(user, item)
    elif not (user and user.is_active and user.has_perm(change_permission(item))):
        raise PermissionDenied(f"You may not change {item._meta.verbose_name_plural}.")
    if state_of(item) not in transition.sources:
        raise TransitionRefused(
            f"“{item}” is {STATE_LABELS[state_of(item)]}: "
            f"“{transition.label}” is not possible from there."
        )
    if transition.checks_problems:
        problems = item.publish_problems(at=at)
        if problems:
            raise TransitionRefused(problems)


def _locked(item: Publishable) -> Publishable:
    """The item as saved, its row locked until the transaction ends (no two transitions race)."""
    return type(item)._default_manager.select_for_update().get(pk=item.pk)


def _run(
    item,
    *,
    by,
    name: str,
    comment: str,
    change,
    expected_version: int | None = None,
    at: dt.datetime | None = None,
):
    """Lock, check, change, save and keep a revision; returns the saved item."""
    with transaction.atomic(), reversion.create_revision():
        current = _locked(item)
        if expected_version is not None and current.version != expected_version:
            raise TransitionRefused(
                f"“{current}” was changed by someone else meanwhile; reload it and try again."
            )
        _check(by, current, name, at)
        change(current)
        current.modified_by = by
        current.save()
        reversion.set_user(by)
        reversion.set_comment(comment)
    # The caller's object now reflects what is saved.
    for field in current._meta.concrete_fields:
        setattr(item, field.attname, getattr(current, field.attname))
    return item


def submit(item: Publishable, *, by, expected_version: int | None = None) -> Publishable:
    """Hand a draft to the editors."""

    def change(current):
        current.status = Status.IN_REVIEW

    return _run(
        item,
        by=by,
        name=SUBMIT,
        comment="Submitted for review.",
        change=change,
        expected_version=expected_version,
    )


def request_changes(
    item: Publishable, *, by, note: str, expected_version: int | None = None
) -> Publishable:
    """Send an item in review back to its author as a draft, saying what to change."""
    note = (note or "").strip()
    if not note:
        raise TransitionRefused("Say what should change: the author sees this note.")

    def change(current):
        current.status = Status.DRAFT
        current.review_note = note

    return _run(
        item,
        by=by,
        name=REQUEST_CHANGES,
        comment=f"Changes requested: {note}",
        change=change,
        expected_version=expected_version,
    )


def _go_live(current, at: dt.datetime) -> None:
    now = timezone.now()
    current.status = Status.PUBLISHED
    current.publish_at = at
    # The first time readers saw it; a schedule that never came to pass does not count.
    if current.first_published_at is None or current.first_published_at > now:
        current.first_published_at = at
    current.last_published_at = max(at, now)
    current.review_note = ""


def publish(item: Publishable, *, by, expected_version: int | None = None) -> Publishable:
    """Publish now: readers see the item from this moment."""
    return _run(
        item,
        by=by,
        name=PUBLISH,
        comment="Published.",
        change=lambda current: _go_live(current, timezone.now()),
        expected_version=expected_version,
    )


def schedule(
    item: Publishable, *, by, at: dt.datetime, expected_version: int | None = None
) -> Publishable:
    """Publish at a future time. No worker runs: `published()` shows it once `at` has passed."""
    if at is None:
        raise TransitionRefused("Give the date and time it should go live.")
    if timezone.is_naive(at):
        at = timezone.make_aware(at)
    if at <= timezone.now():
        raise TransitionRefused("A scheduled time must be in the future; use “Publish now”.")
    return _run(
        item,
        by=by,
        name=SCHEDULE,
        comment=f"Scheduled for {timezone.localtime(at):%Y-%m-%d %H:%M %Z}.",
        change=lambda current: _go_live(current, at),
        expected_version=expected_version,
        at=at,
    )


def unpublish(item: Publishable, *, by, expected_version: int | None = None) -> Publishable:
    """Take a published or scheduled item away from readers."""

    def change(current):
        current.status = Status.UNPUBLISHED
        # Ends every preview link made so far (newsroom.preview signs this time).
        current.last_unpublished_at = timezone.now()

    return _run(
        item,
        by=by,
        name=UNPUBLISH,
        comment="Unpublished.",
        change=change,
        expected_version=expected_version,
    )


def live_items_linking_to(item: Publishable) -> list[Publishable]:
    """The live items (stories and events) with a related-item link to `item`.

    Once `item` is hidden, readers' pages leave those links out; the linking items stay as they
    are and are never blocked by the link (`Publishable.new_links()`).
    """
    linking: list[Publishable] = []
    for model in apps.get_models():
        if not issubclass(model, Publishable) or not model._meta.managed:
            continue
        items = model._default_manager.published().linking_to(item)
        if items.query.is_empty():
            continue
        linking.extend(items.exclude(pk=item.pk) if model is type(item) else items)
    return sorted(linking, key=lambda other: (other._meta.verbose_name, str(other)))


def linking_notice(item: Publishable) -> str:
    """What the desk and the `publish` command say after unpublishing `item`: which live items
    link to it (empty when none do)."""
    linking = live_items_linking_to(item)
    if not linking:
        return ""
    names = ", ".join(f"“{other}” ({other._meta.verbose_name})" for other in linking)
    count = "1 live item links" if len(linking) == 1 else f"{len(linking)} live items link"
    return (
        f"{count} to “{item}”: {names}. "
        "Readers no longer see those links; edit the items if their text mentions it."
    )


def back_to_draft(item: Publishable, *, by, expected_version: int | None = None) -> Publishable:
    """Withdraw an item from review, or reopen an unpublished one, as a draft."""

    def change(current):
        current.status = Status.DRAFT

    return _run(
        item,
        by=by,
        name=BACK_TO_DRAFT,
        comment="Back to draft.",
        change=change,
        expected_version=expected_version,
    )


def correct(item: Publishable, *, by, text: str, at: dt.datetime | None = None):
    """Append a dated public correction to a live item; returns the correction.

    Readers' version of the item changed, so `last_published_at` (and `modified_at`) move on:
    that is the date feeds, sitemaps and structured data give as "modified".
    """
    text = (text or "").strip()
    if not text:
        raise TransitionRefused("Write the correction: say what was wrong and what changed.")
    created = []

    def change(current):
        now = timezone.now()
        created.append(current.corrections.create(text=text, created_by=by, published_at=at or now))
        current.last_published_at = now

    _run(item, by=by, name=CORRECT, comment=f"Correction: {text}", change=change)
    return created[0]


def run(name: str, item: Publishable, *, by, **kwargs) -> Publishable:
    """Run the transition called `name` (for buttons, bulk actions and commands)."""
    functions = {
        SUBMIT: submit,
        REQUEST_CHANGES: request_changes,
        PUBLISH: publish,
        SCHEDULE: schedule,
        UNPUBLISH: unpublish,
        BACK_TO_DRAFT: back_to_draft,
        CORRECT: correct,
    }
    return functions[name](item, by=by, **kwargs)
