"""A bot's version is a digest of the code it runs: any changed file is a new version."""

from __future__ import annotations

from pathlib import Path

from geobot.bot.version import code_roots, code_version


def test_a_changed_file_makes_another_version_and_compiled_caches_do_not(tmp_path: Path) -> None:
    package = tmp_path / "geobot"
    (package / "bot").mkdir(parents=True)
    (package / "bot" / "app.py").write_text("print('hello')\n")
    before = code_version((package,))
    (package / "__pycache__").mkdir()
    (package / "__pycache__" / "app.cpython-311.pyc").write_bytes(b"\0")
    code_version.cache_clear()
    assert code_version((package,)) == before
    (package / "bot" / "app.py").write_text("print('hello again')\n")
    code_version.cache_clear()
    assert code_version((package,)) != before


def test_the_language_model_counts_as_code() -> None:
    assert any((root / "geobot.luis.json").exists() or (root / "_luis").is_dir() for root in code_roots())
