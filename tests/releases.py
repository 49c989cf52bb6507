"""Releases of the bot for update tests and benches: copies of this checkout's code, one line apart.

A release is what a deploy ships: the `geobot` package, its language model (`luis/`) and its
Terraform. Each copy gets one more line, so every bot's code version differs between releases;
geobot run with PYTHONPATH pointing at a copy deploys that copy.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CODE = ("geobot", "luis", "terraform")


def release(base: Path, number: int, appended: dict[str, str] | None = None) -> Path:
    """`base/release-<number>`: this checkout's code plus a line naming the release, and `appended`
    text at the end of the named files (paths relative to the copy)."""
    code = base / f"release-{number}"
    for name in CODE:
        shutil.copytree(ROOT / name, code / name, ignore=shutil.ignore_patterns("__pycache__", ".terraform*"))
    for path, text in {"geobot/bot/app.py": f"# release {number}\n", **(appended or {})}.items():
        with (code / path).open("a") as file:
            file.write(text)
    return code


def version_of(code: Path) -> str:
    """The version a bot started from `code` reports."""
    done = subprocess.run([sys.executable, "-c", "from geobot.bot.version import code_version; print(code_version())"],
                          cwd=code, env={**os.environ, "PYTHONPATH": str(code)}, capture_output=True, text=True,
                          check=True)
    return done.stdout.strip()
