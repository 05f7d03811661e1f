"""`import_archive` keeps history: one django-reversion Revision per import that changes events,
with a Version of every event it created or changed, by the `--user` given."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from reversion.models import Revision, Version

from events.archive import import_tree
from events.models import Event, EventCitation, RelatedEvent, TaggedEvent
from tests.factories import EventFactory

pytestmark = pytest.mark.django_db

QUIRKY = Path(__file__).parent / "fixtures" / "quirky"
CURFEW = "2010-kyrgyzstan-riots-curfew-extended-in-osh-as-clashes-continue-for-a-third-night"
ERDOGAN = "turkish-prime-minister-recep-tayyip-erdo-an-offers-aid"


def run(*args) -> str:
    out = StringIO()
    call_command("import_archive", *[str(a) for a in args], stdout=out, stderr=StringIO())
    return out.getvalue()


def versioned_pks(revision: Revision) -> list[int]:
    return sorted(int(pk) for pk in revision.version_set.values_list("object_id", flat=True))


def test_an_import_keeps_one_revision_with_a_version_of_every_event_it_wrote(editor):
    untouched = EventFactory(headline="Not in the archive.")

    out = run(QUIRKY, "--user", "ed")

    revision = Revision.objects.get()
    imported = Event.objects.exclude(pk=untouched.pk)
    assert imported.count() == 4
    assert versioned_pks(revision) == sorted(imported.values_list("pk", flat=True))
    assert revision.user == editor
    assert revision.comment.startswith(f"Archive import of {QUIRKY}: ")
    assert "4 events created" in revision.comment
    assert "4 events created or changed" in revision.comment
    assert f"revision #{revision.pk}" in out
    for version in revision.version_set.all():
        event = Event.objects.get(pk=version.object_id)
        assert version.object_repr == event.headline
        assert version.field_dict["headline"] == event.headline
        assert version.field_dict["slug"] == event.slug
        assert version.field_dict["status"] == event.status


def test_without_a_user_the_revision_names_nobody():
    run(QUIRKY)

    assert Revision.objects.get().user is None


def test_an_unknown_user_is_refused_before_anything_is_written():
    with pytest.raises(CommandError, match="no user “nobody”"):
        run(QUIRKY, "--user", "nobody")

    assert not Event.objects.exists()
    assert not Revision.objects.exists()


def test_importing_the_same_tree_again_keeps_no_revision():
    run(QUIRKY)
    versions = Version.objects.count()

    out = run(QUIRKY)

    assert "nothing to change" in out
    assert "revision" not in out
    assert Revision.objects.count() == 1
    assert Version.objects.count() == versions


def test_a_dry_run_keeps_no_revision():
    run(QUIRKY, "--dry-run")

    assert not Revision.objects.exists()
    assert not Version.objects.exists()


def test_the_import_reports_its_revision_and_a_dry_run_has_none():
    assert import_tree(QUIRKY, dry_run=True).revision is None
    result = import_tree(QUIRKY)

    assert result.revision == Revision.objects.get()
    assert result.revision.version_set.count() == 4


@pytest.mark.parametrize(
    "undo",
    [
        pytest.param(lambda curfew: EventCitation.objects.filter(item=curfew)[:1], id="citations"),
        pytest.param(lambda curfew: RelatedEvent.objects.filter(from_event=curfew), id="related"),
        pytest.param(lambda curfew: TaggedEvent.objects.filter(content_object=curfew), id="tags"),
    ],
)
def test_an_event_whose_lists_the_import_restores_gets_a_version(undo):
    run(QUIRKY)
    curfew = Event.objects.get(slug=CURFEW)
    pks = undo(curfew).values_list("pk", flat=True)
    undo(curfew).model.objects.filter(pk__in=list(pks)).delete()

    run(QUIRKY)

    latest = Revision.objects.order_by("-pk").first()
    assert Revision.objects.count() == 2
    assert versioned_pks(latest) == [curfew.pk]


def test_an_event_whose_headline_the_import_changes_gets_a_version():
    run(QUIRKY)
    curfew = Event.objects.get(slug=CURFEW)
    Event.objects.filter(pk=curfew.pk).update(headline="Edited on the desk.")

    run(QUIRKY)

    latest = Revision.objects.order_by("-pk").first()
    assert versioned_pks(latest) == [curfew.pk]
    assert latest.version_set.get().field_dict["headline"] == curfew.headline
    assert "1 events updated" in latest.comment


def test_reverting_a_version_restores_the_imported_headline_after_an_edit():
    run(QUIRKY)
    erdogan = Event.objects.get(slug=ERDOGAN)
    imported = erdogan.headline
    erdogan.headline = "An edit that went wrong."
    erdogan.save()

    Version.objects.get_for_object(erdogan).get().revert()

    erdogan.refresh_from_db()
    assert erdogan.headline == imported
    assert erdogan.slug == ERDOGAN
