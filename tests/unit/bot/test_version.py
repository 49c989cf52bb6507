"""A bot's version is a digest of the code it runs: any changed file of it is a new version."""

from __future__ import annotations

import shutil
from pathlib import Path

from geobot.bot.version import PACKAGE, bot_files, code_roots, code_version


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


def test_only_the_code_the_bot_runs_counts_not_the_cli_or_the_targets(tmp_path: Path) -> None:
    package = tmp_path / "geobot"
    shutil.copytree(PACKAGE, package, ignore=shutil.ignore_patterns("__pycache__"))
    versions = [code_version((package,))]
    for changed in ("cli/deploy.py", "targets/azure/stages.py", "targets/local/store.py", "nlu/model.py", "bot/app.py"):
        with (package / changed).open("a") as file:
            file.write("# changed\n")
        code_version.cache_clear()
        versions.append(code_version((package,)))
    assert versions[0] == versions[1] == versions[2], "the CLI and the Azure target are not the bot"
    assert len(set(versions[2:])) == 4, "the store, the model reader and the bot are"


def test_the_bots_files_follow_its_imports_including_those_inside_functions(tmp_path: Path) -> None:
    package = tmp_path / "geobot"
    for name, text in {"__init__.py": "", "bot/__init__.py": "", "bot/app.py": "def run():\n    from geobot.extra import x\n",
                       "extra/__init__.py": "from . import x\n", "extra/x.py": "from ..util import helper\n",
                       "util.py": "", "cli.py": "import geobot.bot.app\n"}.items():
        (package / name).parent.mkdir(parents=True, exist_ok=True)
        (package / name).write_text(text)
    found = {path.relative_to(package).as_posix() for path in bot_files(package)}
    assert found == {"__init__.py", "bot/__init__.py", "bot/app.py", "extra/__init__.py", "extra/x.py", "util.py"}
