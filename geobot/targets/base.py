"""What every target provides to the pipeline and to `geobot status`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from geobot.pipeline.journal import Journal
from geobot.pipeline.stage import Stage


class Target(Protocol):
    name: str

    def stages(self) -> Sequence[Stage]:
        """Deploy order; destroy runs their teardowns in reverse."""
        ...

    def status(self, journal: Journal) -> dict[str, Any]:
        """What is deployed now and how healthy it is, without changing anything."""
        ...
