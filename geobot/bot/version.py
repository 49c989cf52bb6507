"""The bot's version: a digest of the code it runs.

`geobot deploy` computes it from the package it deploys, and a bot computes it from the
package it was started from and reports it in its health answers: a deploy can tell that a
region has new code to roll out, and then see the region really run it. The language model
is code too: inside the package in a wheel, beside it (`luis/`) in a source checkout.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

import geobot
from geobot.resources import luis_dir

PACKAGE = Path(geobot.__file__).resolve().parent


def code_roots() -> tuple[Path, ...]:
    """The package and, in a source checkout, the language model beside it."""
    model = luis_dir()
    return (PACKAGE,) if model.is_relative_to(PACKAGE) else (PACKAGE, model)


@cache
def code_version(roots: tuple[Path, ...] | None = None) -> str:
    """`<release>+<first 12 hex of the sha256 over every file's path and content>`."""
    digest = hashlib.sha256()
    for root in roots or code_roots():
        for path in sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts
                           and not p.name.startswith(".")):
            digest.update(f"{root.name}/{path.relative_to(root).as_posix()}".encode() + b"\0")
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return f"{geobot.__version__}+{digest.hexdigest()[:12]}"
