"""The bot's dependencies as its turns and its health check see them.

Each call is bounded by its own timeout and consults the drill's faults first, so "store
down" looks exactly like an unreachable database to everything above. A dependency that is
not configured (or failed to open) raises `DependencyDown` naming it; turns answer 503 and
the health check names the component. What failed to open at start is opened again from the
health check, with backoff (`heal`): a role that was still applying, or a network blip, must
not leave a region unhealthy until someone restarts it (the liveness check stays 200).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path

from opentelemetry import trace

from geobot.bot.drill import Faults
from geobot.bot.language import PROBE_TEXT, CluLanguage, Language, LocalLanguage
from geobot.bot.refusal import refusal
from geobot.bot.settings import Settings
from geobot.bot.stores import Store, open_store
from geobot.nlu.recognizer import Prediction
from geobot.targets.local.store import PreconditionFailed

log = logging.getLogger("geobot.bot")
RETRY_MAX = 300.0  # seconds between attempts to open what failed, at most
REOPENED = frozenset({"config", "identity", "language", "store"})  # what reading the settings and opening reports
tracer = trace.get_tracer("geobot.bot")  # a no-op until geobot.bot.telemetry configures tracing


class DependencyDown(Exception):
    """A dependency did not answer; nothing of the turn was written, so a retry is safe."""

    def __init__(self, component: str, reason: str) -> None:
        super().__init__(f"{component}: {reason}")
        self.component = component
        self.reason = reason


@dataclass
class Services:
    settings: Settings
    faults: Faults
    language: Language | None = None
    store: Store | None = None
    problems: dict[str, str] = field(default_factory=dict)
    timeout: float = 2.0
    reopen: Callable[[], Settings] | None = None  # reads the settings again; None: nothing to heal from
    retry: float = 2.0  # seconds before the next attempt; doubles up to RETRY_MAX
    next_attempt: float = 0.0

    async def heal(self, now: float) -> bool:
        """Read the settings and open the services again if something failed to open and the backoff has passed.

        Returns whether it tried. The new ones replace the old only as a whole, so a turn sees
        either the old or the new set, never a mix.
        """
        if not REOPENED & set(self.problems) or self.reopen is None or now < self.next_attempt:
            return False
        self.next_attempt, self.retry = now + self.retry, min(self.retry * 2, RETRY_MAX)
        settings = await asyncio.to_thread(self.reopen)
        fresh = open_services(settings, self.faults, self.timeout)
        kept = {component: reason for component, reason in self.problems.items() if component not in REOPENED}
        old_language, old_store = self.language, self.store
        self.settings, self.language, self.store = settings, fresh.language, fresh.store
        self.problems = fresh.problems | kept
        await Services(settings, self.faults, old_language, old_store).close()
        if not self.problems:
            log.info("region %s: every component opened on a later attempt", settings.region)
        return True

    async def recognize(self, text: str) -> Prediction:
        if self.faults.nlu_down:
            raise DependencyDown("language", "fault injected: nlu-down")
        if self.language is None:
            raise DependencyDown("language", self.problems.get("language", "not configured"))
        return await self._bounded("language", "recognize", self.language.recognize(text))

    async def read(self, key: str) -> tuple[dict, str] | None:
        return await self._bounded("store", "read", asyncio.to_thread(self._store().read, key))

    async def write(self, key: str, doc: dict, etag: str | None) -> str:
        """Raises PreconditionFailed (not DependencyDown) when another turn wrote first."""
        return await self._bounded("store", "write", asyncio.to_thread(self._store().write, key, doc, etag))

    async def check_language(self) -> str:
        await self.recognize(PROBE_TEXT)
        return self.language.description if self.language else ""

    async def check_store(self) -> str:
        """A read and a write of this region's probe document, as the issue asks of the probe."""
        key = f"health|{self.settings.region}"
        current = await self.read(key)
        try:
            etag = None if current is None else current[1]
            await self.write(key, {"region": self.settings.region, "at": time.time()}, etag)
        except PreconditionFailed:
            pass  # another probe of this region wrote first: the store answered, which is the point
        return "read+write ok"

    def _store(self) -> Store:
        if self.faults.store_down:
            raise DependencyDown("store", "fault injected: store-down")
        if self.store is None:
            raise DependencyDown("store", self.problems.get("store", "not configured"))
        return self.store

    async def _bounded(self, component: str, operation: str, work):
        """One dependency call; within a traced request, a client span (an Application Insights dependency)."""
        traced = trace.get_current_span().is_recording()  # not for health probes (geobot.bot.telemetry)
        with tracer.start_as_current_span(f"{component} {operation}", kind=trace.SpanKind.CLIENT,
                                          attributes={"geobot.dependency": component}) if traced else nullcontext():
            try:
                return await asyncio.wait_for(work, self.timeout)
            except (DependencyDown, PreconditionFailed):
                raise
            except TimeoutError as exc:
                raise DependencyDown(component, f"no answer within {self.timeout:g}s") from exc
            except Exception as exc:  # geobot's errors say where and what; others only their kind
                raise DependencyDown(component, _reason(exc)) from exc

    async def close(self) -> None:
        if self.language is not None:
            await self.language.close()
        close = getattr(self.store, "close", None)
        if close is not None:
            close()


def open_services(settings: Settings, faults: Faults, timeout: float = 2.0,
                  reopen: Callable[[], Settings] | None = None) -> Services:
    """Open what the settings name; what cannot be opened becomes a problem, logged once.

    `reopen` reads the settings again: the health check uses it to retry what failed.
    """
    services = Services(settings, faults, problems=dict(settings.problems), timeout=timeout, reopen=reopen)
    if "language" not in services.problems and settings.language_endpoint:
        try:
            if settings.language_endpoint == "local":
                model = settings.language_model
                services.language = LocalLanguage(Path(model) if model else None)
            else:
                services.language = CluLanguage(settings.language_endpoint, settings.language_key,
                                                settings.language_project, settings.language_deployment)
        except Exception as exc:  # a bad model file names file and line; other errors their kind
            services.problems["language"] = _reason(exc)
    if "store" not in services.problems and settings.store_url:
        try:
            services.store = open_store(settings.store_url, settings.store_key, settings.region)
        except Exception as exc:
            services.problems["store"] = f"cannot open the store: {_reason(exc)}"
    for component, reason in sorted(services.problems.items()):
        log.error("region %s: %s unhealthy: %s", settings.region, component, reason)
    return services


def _reason(exc: Exception) -> str:
    """A refusal with the permission it lacks; else the error's own message, or its kind."""
    return refusal(exc) or getattr(exc, "message", exc.__class__.__name__)
