"""The bot's version: a digest of the code it runs.

`geobot deploy` computes it from the package it deploys, and a bot computes it from the
package it was started from and reports it in its health answers: a deploy can tell that a
region has new code to roll out, and then see the region really run it. The code a bot runs
is `geobot.bot` and every geobot module it imports, found by reading the imports (those inside
functions too), so a change to the CLI or to a target is not a new bot. The language model is
code too: inside the package in a wheel, beside it (`luis/`) in a source checkout.
"""

from __future__ import annotations

import ast
import hashlib
from functools import cache
from pathlib import Path

import geobot
from geobot.resources import luis_dir

PACKAGE = Path(geobot.__file__).resolve().parent
BOT = "bot"  # the bot's own subpackage: all of it ships, data files included (its host imports by name)


def code_roots() -> tuple[Path, ...]:
    """The package and, in a source checkout, the language model beside it."""
    model = luis_dir()
    return (PACKAGE,) if model.is_relative_to(PACKAGE) else (PACKAGE, model)


def bot_files(package: Path = PACKAGE) -> list[Path]:
    """The files of the geobot package at `package` that a bot runs, sorted."""
    own = [p for p in (package / BOT).rglob("*") if p.is_file() and _kept(p)]
    found = {p for p in own if p.suffix != ".py"}
    pending = [p for p in own if p.suffix == ".py"]
    while pending:
        path = pending.pop()
        if path in found:
            continue
        found.add(path)
        pending += _package_inits(package, path) + _imported(package, path)
    return sorted(found)


def _kept(path: Path) -> bool:
    return "__pycache__" not in path.parts and not path.name.startswith(".") and path.suffix != ".pyc"


def _package_inits(package: Path, path: Path) -> list[Path]:
    """Importing a module runs the __init__ of every package above it."""
    return [d / "__init__.py" for d in path.parents if d.is_relative_to(package) and (d / "__init__.py").is_file()]


def _imported(package: Path, path: Path) -> list[Path]:
    """The geobot modules `path` imports, anywhere in its body."""
    parts = path.relative_to(package).with_suffix("").parts
    here = ("geobot", *parts[:-1])  # the package relative imports start from
    names: list[tuple[str, ...]] = []
    for node in ast.walk(ast.parse(path.read_bytes(), str(path))):
        if isinstance(node, ast.Import):
            names += [tuple(alias.name.split(".")) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = (*here[: len(here) - node.level + 1], *(node.module or "").split(".")) if node.level \
                else tuple((node.module or "").split("."))
            base = tuple(part for part in base if part)
            names += [base, *((*base, alias.name) for alias in node.names)]  # `from pkg import module`
    return [file for name in names if name[:1] == ("geobot",) for file in [_module_file(package, name[1:])] if file]


def _module_file(package: Path, parts: tuple[str, ...]) -> Path | None:
    module = package.joinpath(*parts)
    for candidate in (module.with_suffix(".py") if parts else None, module / "__init__.py"):
        if candidate is not None and candidate.is_file():
            return candidate
    return None


@cache
def code_version(roots: tuple[Path, ...] | None = None) -> str:
    """`<release>+<first 12 hex of the sha256 over every file's path and content>`."""
    digest = hashlib.sha256()
    for root in roots or code_roots():
        files = bot_files(root) if (root / "__init__.py").is_file() else \
            sorted(p for p in root.rglob("*") if p.is_file() and _kept(p))
        for path in files:
            digest.update(f"{root.name}/{path.relative_to(root).as_posix()}".encode() + b"\0")
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return f"{geobot.__version__}+{digest.hexdigest()[:12]}"
