"""The soak harness (bench/soak.py) itself: run briefly, it must see a stale read when one is
made on purpose, measure a cache outage, and find every edit it saved in the database.

It runs real servers (gunicorn with 2 workers, a redis-server of its own and, on PostgreSQL,
a throwaway cluster it restarts), so it takes a minute or two.
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ON_POSTGRES = os.environ.get("DATABASE_URL", "").startswith("postgres")

pytestmark = pytest.mark.skipif(
    shutil.which("redis-server") is None, reason="the soak's cache scenario needs redis-server"
)


@pytest.fixture(scope="module")
def soak(tmp_path_factory) -> dict[str, dict]:
    """One quick soak, each scenario's figures by name."""
    output = tmp_path_factory.mktemp("soak") / "soak.json"
    scenarios = ["default", "redis"] + (["postgres-restart"] if ON_POSTGRES else [])
    command = [
        *(sys.executable, str(ROOT / "bench" / "soak.py"), "--quick", "--induce-stale"),
        *("--scenarios", ",".join(scenarios), "--json", str(output)),
        *(["--postgres"] if ON_POSTGRES else []),
    ]
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CACHE_URL")}
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout + done.stderr
    return {result["scenario"]: result for result in json.loads(output.read_text())}


def test_readers_the_editor_and_the_import_all_ran(soak):
    desk = ("headline", "publish", "unpublish", "bulk-publish", "bulk-unpublish")
    for name, result in soak.items():
        assert result["requests"] > 100
        saved = [kind for kind in result["edits"] if kind.endswith(" saved")]
        assert any(kind.split()[0] in desk for kind in saved), (name, result["edits"])
        assert result["import_seconds"] is not None
    # (With Redis down the import may fail: that is for the figures, not the harness.)
    assert "import saved" in soak["default"]["edits"], soak["default"]["editor_problems"]


def test_a_headline_changed_behind_the_page_cache_is_reported_as_stale_reads(soak):
    """--induce-stale changes a watched headline with plain SQL, which no cache can know
    about: cached pages keep the old headline, and the harness must say so."""
    for result in soak.values():
        assert result["stale_reads"] > 0, result
        assert str(result["induced_item"]) in result["stale_by_item"], result["stale_by_item"]


def test_every_edit_the_desk_confirmed_is_in_the_database(soak):
    for result in soak.values():
        assert result["lost_edits"] == 0, result["lost_examples"]


def test_the_cache_outage_is_timed_and_the_pages_come_back(soak):
    redis = soak["redis"]
    assert redis["fault"] == "redis"
    start, end = redis["fault_window"]
    assert end - start >= 2  # killed for 30 % of the quick run, then started again
    assert redis["back_s"] is not None


@pytest.mark.skipif(not ON_POSTGRES, reason="restarts a PostgreSQL cluster of its own")
def test_the_database_restart_is_timed_and_the_pages_come_back(soak):
    restart = soak["postgres-restart"]
    assert restart["fault_window"] is not None
    assert restart["back_s"] is not None
