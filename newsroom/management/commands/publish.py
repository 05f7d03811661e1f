"""Run a workflow transition from the shell: `manage.py publish events.event 12 --user ed`.

The same transitions, the same permission check and the same publish-time validation as the
admin: a journalist is refused here too. Use `--at` to schedule and `--action` for the others.
"""

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from newsroom import workflow
from newsroom.admin import local_input_time
from newsroom.models import Publishable


class Command(BaseCommand):
    help = "Publish (or schedule, unpublish, submit…) one story or event as a named user."

    def add_arguments(self, parser):
        parser.add_argument("model", help="events.event or newsroom.story")
        parser.add_argument("pk", type=int)
        parser.add_argument("--user", required=True, help="Username the change is made as.")
        parser.add_argument(
            "--action",
            default=workflow.PUBLISH,
            choices=[name for name in workflow.TRANSITIONS if name != workflow.CORRECT],
        )
        parser.add_argument("--at", help="Schedule for this time (ISO 8601, local time).")
        parser.add_argument("--note", default="", help="The note for request_changes.")

    def handle(self, *args, model, pk, user, action, at, note, **options):
        try:
            model_class = apps.get_model(model)
        except (LookupError, ValueError):
            raise CommandError(f"No model {model!r}; use events.event or newsroom.story.") from None
        if not issubclass(model_class, Publishable):
            raise CommandError(f"{model} does not go through the desk.")
        by = get_user_model()._default_manager.filter(username=user, is_active=True).first()
        if by is None:
            raise CommandError(f"No active user {user!r}.")
        item = model_class._default_manager.filter(pk=pk).first()
        if item is None:
            raise CommandError(f"No {model_class._meta.verbose_name} with id {pk}.")
        kwargs = {}
        if at:
            when = local_input_time(at)
            if when is None:
                raise CommandError(f"Cannot read the time {at!r}; use e.g. 2026-11-23T18:00.")
            action, kwargs["at"] = workflow.SCHEDULE, when
        if action == workflow.REQUEST_CHANGES:
            kwargs["note"] = note
        try:
            workflow.run(action, item, by=by, **kwargs)
        except PermissionDenied as refusal:
            raise CommandError(str(refusal)) from None
        except workflow.TransitionRefused as refusal:
            raise CommandError(" ".join(refusal.messages)) from None
        self.stdout.write(f"{workflow.TRANSITIONS[action].label}: done for “{item}”.")
        if action == workflow.UNPUBLISH and (notice := workflow.linking_notice(item)):
            self.stdout.write(self.style.WARNING(notice))
