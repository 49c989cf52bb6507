"""The zip the code stage deploys to every regional web app: geobot itself and what the bot needs.

App Service's build (SCM_DO_BUILD_DURING_DEPLOYMENT) installs `requirements.txt`; the startup
command `python -m geobot.bot` then runs from the unpacked package. The zip is byte-for-byte
reproducible (fixed timestamps, sorted entries), so its digest is the code stage's input and a
deploy whose code did not change uploads nothing.
"""

from __future__ import annotations

import importlib.metadata
from pathlib import Path

import geobot
from geobot.targets.package import Package, reproducible_zip

# What the bot imports at run time on Azure; the CLI's own needs (Terraform, Typer) stay out.
BOT_REQUIREMENTS = (
    "aiohttp", "cryptography", "pydantic", "microsoft-agents-activity", "microsoft-agents-authentication-msal",
    "microsoft-agents-hosting-aiohttp", "microsoft-agents-hosting-core", "azure-identity", "azure-keyvault-secrets",
    "azure-cosmos", "azure-monitor-opentelemetry", "opentelemetry-sdk", "opentelemetry-instrumentation-aiohttp-server",
    "opentelemetry-instrumentation-aiohttp-client",
)
SKIPPED = {"__pycache__"}


def requirements() -> list[str]:
    """The bot's requirements with the version ranges geobot itself was installed with."""
    declared = {}
    for line in importlib.metadata.requires("geobot") or ():
        spec = line.split(";")[0].strip()
        name = spec.split(">")[0].split("=")[0].split("<")[0].split("[")[0].strip().lower()
        declared.setdefault(name, spec)
    return [declared.get(name, name) for name in BOT_REQUIREMENTS]


def build_package() -> Package:
    root = Path(geobot.__file__).parent
    files = sorted(p for p in root.rglob("*") if p.is_file() and not SKIPPED & set(p.relative_to(root).parts)
                   and p.suffix != ".pyc")
    return reproducible_zip([("requirements.txt", ("\n".join(requirements()) + "\n").encode()),
                             *((f"geobot/{path.relative_to(root).as_posix()}", path.read_bytes()) for path in files)])
