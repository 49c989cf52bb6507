"""What every target provides to the pipeline and to the commands."""

from __future__ import annotations

import ssl
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

from geobot.certs.pfx import Pfx
from geobot.pipeline.journal import Journal
from geobot.pipeline.stage import Stage


class CertificateOwner(Protocol):
    """The deployment's certificate: where it lives (a vault) and how it is replaced."""

    def renew(self, force: bool, within_days: int | None = None) -> tuple[bool, Pfx]: ...

    def import_pfx(self, data: bytes, password: str | None, source: str) -> Pfx: ...

    def export(self, path: Path, password: str, option: str) -> Pfx: ...


class Target(Protocol):
    name: str

    def validate(self, deployment_dir: Path) -> None:
        """Refuse bad input (exit 2) before a deploy creates or locks anything."""
        ...

    def stages(self) -> Sequence[Stage]:
        """Deploy order; destroy runs their teardowns in reverse."""
        ...

    def status(self, journal: Journal) -> dict[str, Any]:
        """What is deployed now and how healthy it is, without changing anything."""
        ...

    def summary(self, outputs: dict[str, dict[str, Any]]) -> dict[str, Any]:
        """The few deploy outputs a person wants to read: where to reach the bot, what serves it."""
        ...

    def certificates(self, journal: Journal, note: Callable[[str], None]) -> CertificateOwner: ...

    def chat_endpoint(self, journal: Journal) -> tuple[str, str, ssl.SSLContext]:
        """(URL a client connects to, host name it checks, TLS trust) for talking to the bot."""
        ...
