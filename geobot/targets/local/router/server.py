"""The running router: wires settings, monitor, routing, certificate and log to two listeners.

One watch task polls, about once a second, router.json (a valid change is applied at once; a
bad one is logged and ignored), the certificate file, and each endpoint's pidfile. The probe
task runs on its own schedule. Listeners, ports and the log path are fixed at start.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import time
from collections.abc import Callable
from pathlib import Path

from geobot.errors import ConfigError
from geobot.targets.local.router.app import handlers
from geobot.targets.local.router.http1 import Listener
from geobot.targets.local.router.log import EventLog
from geobot.targets.local.router.monitor import Monitor, Status, Transition
from geobot.targets.local.router.probe import Prober
from geobot.targets.local.router.proxy import Forwarder
from geobot.targets.local.router.routing import Routing
from geobot.targets.local.router.settings import RouterSettings, load
from geobot.targets.local.router.tls import CertificateInfo, Certificates
from geobot.targets.local.router.upstream import Upstreams

log = logging.getLogger(__name__)
SHUTDOWN_SECONDS = 5  # how long requests in flight may take to finish on stop


def _signature(path: Path) -> tuple[int, int] | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_mtime_ns, stat.st_size


def _report_crash(task: asyncio.Task[None]) -> None:
    """A background task only ends by cancellation; anything else must not pass silently."""
    if not task.cancelled() and task.exception() is not None:
        log.error("background task %s stopped", task.get_coro(), exc_info=task.exception())


class Router:
    """One router instance: `start` binds and starts probing, `stop` undoes it; tests run it in-process."""

    def __init__(self, config_path: Path, settings: RouterSettings, *, watch_interval: float = 1.0,
                 rng: random.Random | None = None, exists: Callable[[str], bool] = os.path.exists,
                 dns_clock: Callable[[], float] = time.monotonic) -> None:
        self.config_path = config_path
        self.settings = settings
        self.log = EventLog(settings.log)
        self.monitor = Monitor(settings.probe)
        self.routing = Routing(rng, dns_clock)
        self.certificates = Certificates(settings.certificate)
        self.prober = Prober(self.monitor, lambda: self.settings, self.report)
        self.ports: dict[str, int] = {}
        self._watch_interval = watch_interval
        self._exists = exists
        self._config_seen = _signature(config_path)
        self._listeners: list[Listener] = []
        self._tasks: list[asyncio.Task[None]] = []
        self._upstreams = Upstreams()

    async def start(self) -> None:
        """Bind both listeners (HTTPS even without a certificate yet) and start probing."""
        forwarder = Forwarder(self._upstreams, self.log, lambda: self.settings.request_timeout)
        observed = self._observe()  # before binding, so the first request finds endpoints and a certificate
        listeners = zip(("http", "https"), handlers(self, forwarder), (None, self.certificates.listener))
        for name, handler, ssl_context in listeners:
            listener = Listener(handler, name)
            self._listeners.append(listener)
            port = getattr(self.settings, f"{name}_port")
            self.ports[name] = await listener.start(self.settings.listen, port, ssl_context)
        self.log.write("start", http_port=self.ports["http"], https_port=self.ports["https"])
        self._announce(*observed)
        self._tasks = [asyncio.create_task(self.prober.run()), asyncio.create_task(self._watch())]
        for task in self._tasks:
            task.add_done_callback(_report_crash)

    async def stop(self) -> None:
        """Stop probing, let requests in flight finish, close the listeners, log `stop`."""
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await asyncio.gather(*(listener.close(SHUTDOWN_SECONDS) for listener in self._listeners))
        self._upstreams.close()
        self.log.write("stop")
        self.log.close()

    def report(self, transitions: list[Transition]) -> None:
        """Log each status change; an endpoint that starts over is probed at once."""
        for t in transitions:
            self.log.write("monitor", endpoint=t.endpoint, **{"from": t.before, "to": t.after}, reason=t.reason)
            log.info("endpoint %s: %s -> %s (%s)", t.endpoint, t.before, t.after, t.reason)
            if t.after == Status.CHECKING:
                self.prober.wake.set()

    async def _watch(self) -> None:
        while True:
            await asyncio.sleep(self._watch_interval)
            self._reload()
            self._announce(*self._observe())

    def _reload(self) -> None:
        signature = _signature(self.config_path)
        if signature == self._config_seen:
            return
        self._config_seen = signature
        try:
            self.settings = load(self.config_path)
        except ConfigError as e:
            log.warning("%s changed but is not applied: %s", self.config_path, e.message)

    def _observe(self) -> tuple[list[Transition], CertificateInfo | None]:
        """Look at the pidfiles and the certificate file: status changes and a newly loaded certificate."""
        settings = self.settings
        return (self.monitor.sync(settings.probe, settings.endpoints, self._exists),
                self.certificates.poll(settings.certificate))

    def _announce(self, transitions: list[Transition], certificate: CertificateInfo | None) -> None:
        self.report(transitions)
        if certificate is not None:
            self.log.write("certificate", serial=certificate.serial)
