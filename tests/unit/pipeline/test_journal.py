"""The journal is written atomically and privately, never silently replaced, and locked."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from geobot.errors import JournalError, LockHeld
from geobot.pipeline.journal import Journal


def test_records_survive_a_reload_and_the_file_is_private(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "bot", "bot", "local")
    journal.record("infra", status="successful", outputs={"url": "x"})
    again = Journal(tmp_path / "bot", "bot", "local")
    assert again.stage("infra") == {"status": "successful", "outputs": {"url": "x"}}
    assert stat.S_IMODE(os.stat(journal.path).st_mode) == 0o600
    assert [p.name for p in journal.directory.iterdir()] == ["journal.json"]


@pytest.mark.parametrize(
    ("content", "complaint"),
    [
        ("{not json", "is corrupt"),
        ('{"schema_version": 1}', "no stages record"),
        ('{"schema_version": 99, "stages": {}}', "schema version 99"),
        (b"\xff\xfe\x00", "is not text"),
    ],
)
def test_an_unreadable_journal_is_reported_and_left_untouched(tmp_path: Path, content: str | bytes, complaint: str) -> None:
    directory = tmp_path / "bot"
    directory.mkdir()
    path = directory / "journal.json"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    before = path.read_bytes()
    with pytest.raises(JournalError, match=complaint) as caught:
        Journal(directory, "bot", "local").record("infra", status="running")
    assert str(path) in caught.value.message
    assert path.read_bytes() == before


def test_a_journal_of_another_target_is_refused(tmp_path: Path) -> None:
    Journal(tmp_path / "bot", "bot", "azure").record("infra", status="successful")
    with pytest.raises(JournalError, match="target azure"):
        Journal(tmp_path / "bot", "bot", "local").load()


HOLDER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from geobot.pipeline.journal import Journal
    with Journal(Path(sys.argv[1]), "bot", "local").lock("geobot deploy"):
        print("locked", flush=True)
        time.sleep(60)
    """
)


def test_a_second_run_is_refused_while_another_holds_the_lock(tmp_path: Path) -> None:
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(tmp_path / "bot")], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(LockHeld, match=f"locked by pid {holder.pid}"):
            with Journal(tmp_path / "bot", "bot", "local").lock("geobot deploy"):
                pass
    finally:
        holder.kill()
        holder.wait()


def test_a_lock_left_by_a_killed_run_is_released_and_reported(tmp_path: Path) -> None:
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(tmp_path / "bot")], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "locked"
    holder.kill()
    holder.wait()
    journal = Journal(tmp_path / "bot", "bot", "local")
    with journal.lock("geobot deploy"):
        assert journal.previous_holder is not None
        assert journal.previous_holder.pid == holder.pid
        assert not journal.previous_holder.alive()
    with journal.lock("geobot deploy"):
        assert journal.previous_holder is None
    info = json.loads((tmp_path / "bot" / "lock").read_text() or "null")
    assert info is None
