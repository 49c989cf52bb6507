"""The zip the code stage deploys to every regional web app: the bot's part of geobot and its needs.

App Service's build (SCM_DO_BUILD_DURING_DEPLOYMENT) installs `requirements.txt`; the startup
command (`startup_command`) then runs `python -m geobot.bot` from the unpacked package, which
holds the modules the bot runs (`geobot.bot.version.bot_files`), not the CLI. The user's bot (`[bot] app`) travels in the same zip: a directory as `bot_app/`, its
requirements.txt appended to geobot's; a module form's top-level package at the root. The zip is byte-for-byte
reproducible (fixed timestamps, sorted entries), so its digest is the code stage's input and a
deploy whose code did not change uploads nothing.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
from pathlib import Path

from geobot.bot.appspec import REQUIREMENTS, AppSpec
from geobot.bot.version import PACKAGE, bot_files
from geobot.targets.package import Package, reproducible_zip

# What the bot imports at run time on Azure; the CLI's own needs (Terraform, Typer) stay out.
BOT_REQUIREMENTS = (
    "aiohttp", "cryptography", "pydantic", "microsoft-agents-activity", "microsoft-agents-authentication-msal",
    "microsoft-agents-hosting-aiohttp", "microsoft-agents-hosting-core", "azure-identity", "azure-keyvault-secrets",
    "azure-cosmos", "azure-monitor-opentelemetry", "opentelemetry-sdk", "opentelemetry-instrumentation-aiohttp-server",
    "opentelemetry-instrumentation-aiohttp-client",
)
SKIPPED = {"__pycache__"}
APP_DIR = "bot_app"  # where a directory-form bot is unpacked, next to geobot/


def requirements() -> list[str]:
    """The bot's requirements with the version ranges geobot itself was installed with."""
    declared = {}
    for line in importlib.metadata.requires("geobot") or ():
        spec = line.split(";")[0].strip()
        name = spec.split(">")[0].split("=")[0].split("<")[0].split("[")[0].strip().lower()
        declared.setdefault(name, spec)
    return [declared.get(name, name) for name in BOT_REQUIREMENTS]


def startup_command(spec: AppSpec) -> str:
    """What App Service runs in the unpacked zip: the bot host, told which bot to serve."""
    if spec.is_sample:
        return "python -m geobot.bot"
    return f"python -m geobot.bot --app {APP_DIR if spec.directory else f'{spec.module}:{spec.factory}'}"


def build_package(spec: AppSpec) -> Package:
    """geobot and the bot it hosts, with the requirements of both."""
    wanted = requirements()
    entries = [(f"geobot/{path.relative_to(PACKAGE).as_posix()}", path.read_bytes()) for path in bot_files()]
    if spec.directory is not None:
        entries += [(f"{APP_DIR}/{name}", path.read_bytes()) for name, path in spec.files()]
        wanted += [line.strip() for line in (spec.directory / REQUIREMENTS).read_text().splitlines()
                   if line.strip() and not line.lstrip().startswith("#")]
    elif not spec.module.startswith("geobot."):
        entries += _module_tree(spec.module.split(".")[0])
    return reproducible_zip([("requirements.txt", ("\n".join(wanted) + "\n").encode()), *entries])


def _tree(root: Path, prefix: str) -> list[tuple[str, bytes]]:
    files = sorted(p for p in root.rglob("*") if p.is_file() and not SKIPPED & set(p.relative_to(root).parts)
                   and p.suffix != ".pyc")
    return [(f"{prefix}/{path.relative_to(root).as_posix()}", path.read_bytes()) for path in files]


def _module_tree(top: str) -> list[tuple[str, bytes]]:
    """A module-form bot's top-level package (or single module), importable from the zip's root."""
    found = importlib.util.find_spec(top)
    if found is None or found.origin is None:
        return []
    if found.submodule_search_locations:
        return _tree(Path(next(iter(found.submodule_search_locations))), top)
    return [(f"{top}.py", Path(found.origin).read_bytes())]
