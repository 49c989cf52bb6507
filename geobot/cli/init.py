"""`geobot init`: write a commented geobot.toml to start from."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated

import typer

from geobot.errors import InputError


def init(
    ctx: typer.Context,
    *,
    path: Annotated[Path, typer.Argument(help="Where to write the config.")] = Path("geobot.toml"),
    name: Annotated[str | None, typer.Option("--name", help="Bot name (lowercase letters and digits, starts with a letter, under 20 characters); every resource name derives from it. [default: a new unique name]", show_default=False)] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
) -> None:
    """Write a commented geobot.toml with every setting and its default."""
    from geobot import config

    if path.exists() and not force:
        raise InputError(f"{path} already exists", "edit it, or pass --force to overwrite it")
    chosen = name or config.generate_name()
    text = config.init_toml(chosen)
    with tempfile.TemporaryDirectory() as scratch:
        draft = Path(scratch) / "geobot.toml"
        draft.write_text(text, encoding="utf-8")
        config.load(draft, {}, {})
    path.write_text(text, encoding="utf-8")
    ctx.obj.reporter.result(f"wrote {path}", {"name": chosen, "next": "geobot plan, then geobot deploy"})


def register(app: typer.Typer) -> None:
    app.command()(init)
