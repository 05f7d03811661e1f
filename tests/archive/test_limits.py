"""`import_archive` reads only the archive's own plain files, of a bounded size: a symbolic link,
a special file or an oversized file refuses the whole import, naming the file, before anything
is written."""

import os
import shutil
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from events.archive import ArchiveRefused, read_limited
from events.models import Event
from newsroom.models import Entity
from sources.models import Publisher, Source

pytestmark = pytest.mark.django_db

QUIRKY = Path(__file__).parent / "fixtures" / "quirky"
DAY = "news/2010/06/12"
EVENT_FILE = "### [2010-06-12](/news/2010/06/12/index.md)\n\n# Secret headline.\n"


@pytest.fixture
def tree(tmp_path) -> Path:
    """A copy of a valid archive, which imports events when nothing is wrong with it."""
    root = tmp_path / "archive"
    shutil.copytree(QUIRKY, root)
    return root


@pytest.fixture
def outside(tmp_path) -> Path:
    """A folder next to the archive, with a file that reads as an event."""
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "secret.md").write_text(EVENT_FILE)
    return folder


def import_archive(root: Path) -> str:
    with pytest.raises(CommandError) as refusal:
        call_command("import_archive", str(root), stdout=StringIO(), stderr=StringIO())
    return str(refusal.value)


def assert_nothing_written() -> None:
    assert not Event.objects.exists()
    assert not Source.objects.exists()
    assert not Publisher.objects.exists()
    assert not Entity.objects.exists()


def test_the_tree_imports_when_nothing_is_wrong(tree):
    call_command("import_archive", str(tree), stdout=StringIO(), stderr=StringIO())
    assert Event.objects.count() == 4


def test_a_file_linked_from_outside_the_tree_is_refused(tree, outside):
    (tree / DAY / "leak.md").symlink_to(outside / "secret.md")

    message = import_archive(tree)

    assert message == (
        f"{DAY}/leak.md: refused: a symbolic link to {outside / 'secret.md'}; "
        "the archive must hold its own files. Nothing imported."
    )
    assert_nothing_written()


def test_a_folder_linked_from_outside_the_tree_is_refused(tree, outside):
    (tree / "news/2010/06/13").symlink_to(outside, target_is_directory=True)

    message = import_archive(tree)

    assert message.startswith("news/2010/06/13: refused: a symbolic link to ")
    assert_nothing_written()


def test_a_link_inside_the_tree_is_refused_too(tree):
    (tree / DAY / "again.md").symlink_to(tree / DAY / "index.md")

    assert import_archive(tree).startswith(f"{DAY}/again.md: refused: a symbolic link")
    assert_nothing_written()


def test_a_news_folder_that_is_a_link_is_refused(tmp_path, tree):
    root = tmp_path / "linked"
    root.mkdir()
    (root / "news").symlink_to(tree / "news", target_is_directory=True)

    assert import_archive(root).startswith("news: refused: a symbolic link")
    assert_nothing_written()


def test_a_file_that_is_not_a_plain_file_is_refused_without_waiting_for_it(tree):
    os.mkfifo(tree / DAY / "pipe.md")  # reading it would wait for a writer forever

    assert import_archive(tree) == f"{DAY}/pipe.md: refused: not a regular file. Nothing imported."
    assert_nothing_written()


def test_a_file_above_the_default_limit_is_refused_before_it_is_read(tree):
    big = tree / DAY / "big.md"
    big.write_text(EVENT_FILE + "x" * (5 * 1024 * 1024))

    message = import_archive(tree)

    assert message == (
        f"{DAY}/big.md: refused: {big.stat().st_size:,} bytes, more than an archive file may "
        "hold (NEWSROOM_ARCHIVE_MAX_FILE_BYTES = 5,242,880). Nothing imported."
    )
    assert_nothing_written()


def test_the_limit_is_a_setting(tree, settings):
    event = tree / DAY / "turkish-prime-minister-recep-tayyip-erdo-an-offers-aid.md"
    settings.NEWSROOM_ARCHIVE_MAX_FILE_BYTES = event.stat().st_size - 1

    assert "turkish-prime-minister" in import_archive(tree)
    assert_nothing_written()

    settings.NEWSROOM_ARCHIVE_MAX_FILE_BYTES = max(p.stat().st_size for p in tree.rglob("*.md"))
    call_command("import_archive", str(tree), stdout=StringIO(), stderr=StringIO())
    assert Event.objects.count() == 4


def test_a_file_swapped_for_a_link_or_a_pipe_after_the_check_is_refused_as_it_is_read(
    tree, outside
):
    """What `archive_files` listed is checked again when it is opened."""
    swapped = tree / DAY / "swapped.md"
    swapped.symlink_to(outside / "secret.md")
    with pytest.raises(ArchiveRefused, match=r"swapped\.md: refused: a symbolic link"):
        read_limited(swapped, root=tree)

    pipe = tree / DAY / "pipe.md"
    os.mkfifo(pipe)
    with pytest.raises(ArchiveRefused, match=r"pipe\.md: refused: not a regular file"):
        read_limited(pipe, root=tree)
