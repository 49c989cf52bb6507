"""`[bot] app` read without running the user's code: its two forms, and a digest that follows the code."""

from __future__ import annotations

from pathlib import Path

import pytest

from geobot.bot.appspec import SAMPLE, AppSpec, AppSpecError, check, parse


def test_the_two_forms() -> None:
    assert parse(SAMPLE) == AppSpec("geobot.bot.agent", "create_bot") and parse(SAMPLE).is_sample
    assert parse("bots", Path("/srv/app")) == AppSpec("bot", "create_bot", Path("/srv/app/bots"))
    assert parse("/abs/dir") == AppSpec("bot", "create_bot", Path("/abs/dir"))
    assert not parse("/abs/dir").is_sample
    with pytest.raises(AppSpecError, match="is empty"):
        parse("  ")


def test_the_sample_passes_its_own_check() -> None:
    check(parse(SAMPLE))


def test_the_digest_follows_the_directorys_files_but_not_bytecode(tmp_path: Path) -> None:
    (tmp_path / "bot.py").write_text("def create_bot(context): ...\n")
    (tmp_path / "requirements.txt").write_text("")
    spec = parse(str(tmp_path))
    first = spec.digest()
    (tmp_path / "__pycache__").mkdir()
    (tmp_path / "__pycache__" / "bot.cpython-311.pyc").write_bytes(b"\0")
    assert spec.digest() == first
    assert [name for name, _ in spec.files()] == ["bot.py", "requirements.txt"]
    (tmp_path / "bot.py").write_text("def create_bot(context): return None\n")
    assert spec.digest() != first
