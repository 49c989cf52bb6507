"""The zip the code stage deploys to every regional web app: geobot itself and what the bot needs.

App Service's build (SCM_DO_BUILD_DURING_DEPLOYMENT) installs `requirements.txt`; the startup
command `python -m geobot.bot` then runs from the unpacked package. The zip is byte-for-byte
reproducible (fixed timestamps, sorted entries), so its digest is the code stage's input and a
deploy whose code did not change uploads nothing.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

import geobot

# What the bot imports at run time on Azure; the CLI's own needs (Terraform, Typer) stay out.
BOT_REQUIREMENTS = (
    "aiohttp", "cryptography", "pydantic", "microsoft-agents-activity", "microsoft-agents-authentication-msal",
    "microsoft-agents-hosting-aiohttp", "microsoft-agents-hosting-core", "azure-identity", "azure-keyvault-secrets",
    "azure-cosmos",
)
EPOCH = (1980, 1, 1, 0, 0, 0)
SKIPPED = {"__pycache__"}


@dataclass(frozen=True)
class Package:
    data: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


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
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(_entry("requirements.txt"), "\n".join(requirements()) + "\n")
        for path in files:
            archive.writestr(_entry(f"geobot/{path.relative_to(root).as_posix()}"), path.read_bytes())
    return Package(buffer.getvalue())


def _entry(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, EPOCH)
    info.external_attr = 0o644 << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    return info
