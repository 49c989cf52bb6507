"""`geobot init`: write a commented geobot.toml to start from."""

from __future__ import annotations

import tempfile
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from geobot.certs.files import check_new_file
from geobot.errors import InputError


class Backend(str, Enum):
    local = "local"
    azure = "azure"


def init(
    ctx: typer.Context,
    *,
    path: Annotated[Path, typer.Argument(help="Where to write the config.")] = Path("geobot.toml"),
    name: Annotated[str | None, typer.Option("--name", help="Bot name (lowercase letters and digits, starts with a letter, under 20 characters); every resource name derives from it. [default: a new unique name]", show_default=False)] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
    backend: Annotated[Backend, typer.Option("--backend", help="local: Terraform state in the state directory. azure: target azure, with the state in an Azure Blob container that the first deploy creates (stage `state`).")] = Backend.local,
) -> None:
    """Write a commented geobot.toml with every setting and its default."""
    from geobot import config

    if path.is_file() and not force:
        raise InputError(f"{path} already exists", "edit it, or pass --force to overwrite it")
    if not path.is_file():
        check_new_file(path, "PATH")
    chosen = name or config.generate_name()
    text = config.init_toml(chosen)
    if backend is Backend.azure:
        text = text.replace('\ntarget = "local"\n', '\ntarget = "azure"\n').replace('\nbackend = "local"\n', '\nbackend = "blob"\n')
    with tempfile.TemporaryDirectory() as scratch:
        draft = Path(scratch) / "geobot.toml"
        draft.write_text(text, encoding="utf-8")
        config.load(draft, {}, {"name": chosen})  # a bad --name is named as such
    path.write_text(text, encoding="utf-8")
    nxt = "set domain and [certificate], then geobot plan and geobot deploy" if backend is Backend.azure else "geobot plan, then geobot deploy"
    ctx.obj.reporter.result(f"wrote {path}", {"name": chosen, "next": nxt})


def register(app: typer.Typer) -> None:
    app.command()(init)
