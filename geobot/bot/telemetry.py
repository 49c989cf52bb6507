"""The bot's traces: each incoming request, its language and store calls, and the region.

Where they go is set by the environment, read once at start:

    APPLICATIONINSIGHTS_CONNECTION_STRING   Azure (App Service resolves it from Key Vault):
                                            the Azure Monitor OpenTelemetry distro sends them to
                                            Application Insights with the bot's identity, since
                                            ingestion takes Entra tokens only, and traces the
                                            Azure SDKs (Cosmos DB, Key Vault) through azure-core
    GEOBOT_BOT_SPANS=<file>                 elsewhere (the local target sets it): the same spans
                                            as JSON lines, OpenTelemetry's own span JSON

Neither: nothing is imported and nothing is traced. aiohttp is not among the distro's
instrumentations, so incoming requests (aiohttp server) and CLU and Bot Connector calls
(aiohttp client) are instrumented here in both cases. Every span carries `cloud.region`, also
a resource attribute, so Application Insights can filter and split by region. Health probes
(Traffic Manager's, App Service's, the local router's every second) are not traced: they would
crowd the turns out of the sampled traces and the local span file; a failing dependency is
logged and the probes' verdicts are the routers' own metrics. Telemetry that cannot start is
logged and left off; it never stops the bot.

`Exports` keeps the latest verdict of the exports for the deep health answer's `telemetry`
check: Application Insights' answer to `POST <IngestionEndpoint>/v2.1/track` (seen through
azure-core's `raw_response_hook`, which the distro hands to its exporters; a 401 or 403 is
"refused": the exporter only logs it and keeps the spans in its local storage), or whether the
local span file could be written. A start-up span is flushed at once in the background, so a
verdict exists seconds after start; while there is none or it is a refusal (a role still
propagating), each health check may send one more probe span, with backoff.
"""

from __future__ import annotations

import logging
import os
import re
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

CONNECTION_STRING = "APPLICATIONINSIGHTS_CONNECTION_STRING"
SPANS_FILE = "GEOBOT_BOT_SPANS"
SERVICE_NAME = "geobot-bot"
REGION = "cloud.region"
UNTRACED_PATHS = "OTEL_PYTHON_AIOHTTP_SERVER_EXCLUDED_URLS"  # the aiohttp server instrumentation's knob
TRACK_PATH = "/v2.1/track"  # Application Insights' Track API, where the distro's exporters post
TELEMETRY_WRITE = "Microsoft.Insights/Telemetry/Write"  # the data action ingestion needs (Monitoring Metrics Publisher)
REFUSED = (401, 403)
FLUSH_SECONDS = 10.0
PROBE_SPAN = "geobot telemetry probe"
log = logging.getLogger("geobot.bot")


class Exports:
    """The latest outcome of the telemetry exports, as the health answer's `telemetry` check.

    `destination` says where spans go ("" when telemetry is off). Outcomes arrive on exporter
    threads; reading and writing hold a lock. Its status never fails the health answer: an
    Application Insights outage must not take a healthy region out of the routing.
    """

    def __init__(self, destination: str = "", clock: Callable[[], float] = time.monotonic, off: str = "telemetry off") -> None:
        self.destination = destination
        self.description = f"telemetry to {destination}" if destination else off
        self._clock = clock
        self._lock = threading.Lock()
        self._verdict: dict[str, Any] = {"status": "pending" if destination else "off"}
        self._probe: Callable[[], None] | None = None
        self._next_probe = 0.0
        self._backoff = 1.0

    def delivered(self, detail: str) -> None:
        with self._lock:
            self._verdict = {"status": "healthy", "detail": detail}
            self._backoff = 1.0

    def refused(self, reason: str, call: str, action: str | None = None) -> None:
        with self._lock:
            self._verdict = {"status": "refused", "reason": reason, "call": call, **({"action": action} if action else {})}

    def unavailable(self, reason: str, call: str) -> None:
        """An answer that is neither: throttled, a server error. The spans wait in the exporter's storage."""
        with self._lock:
            if self._verdict["status"] != "refused":
                self._verdict = {"status": "unavailable", "reason": reason, "call": call}

    def on_response(self, response: Any) -> None:
        """azure-core's raw_response_hook: every answer the exporters get, track calls only."""
        request, answer = response.http_request, response.http_response
        url = urlsplit(request.url)
        path = re.sub("/+", "/", url.path)  # "IngestionEndpoint=https://…/" gives "//v2.1/track"; the wire has one
        if not path.endswith(TRACK_PATH):
            return
        call, status = f"{request.method} {url.scheme}://{url.netloc}{path}", answer.status_code
        if status in (200, 206):
            self.delivered(f"{call}: {status}")
        elif status in REFUSED:
            self.refused(f"{status} {answer.reason or ''}".strip(), call, TELEMETRY_WRITE)
        else:
            self.unavailable(f"{status} {answer.reason or ''}".strip(), call)

    def probe_with(self, probe: Callable[[], None]) -> None:
        """How to send one more span and flush it (set by `configure`)."""
        self._probe = probe

    def check(self) -> dict[str, Any]:
        """The verdict now; while there is none or it is a refusal, send a probe span (backoff 1 s to 60 s)."""
        now = self._clock()
        with self._lock:
            verdict = dict(self._verdict)
            due = self._probe is not None and verdict["status"] in ("pending", "refused") and now >= self._next_probe
            if due:
                self._next_probe = now + self._backoff
                self._backoff = min(self._backoff * 2, 60.0)
        if due and self._probe is not None:
            self._probe()
        return {**verdict, **({"to": self.destination} if self.destination else {})}


def configure(region: str, environ: Mapping[str, str] = os.environ) -> Exports:
    """Start tracing as `environ` says, before the app is built; its `destination` is for the log."""
    connection, spans = environ.get(CONNECTION_STRING), environ.get(SPANS_FILE)
    if not connection and not spans:
        return Exports()
    try:
        from opentelemetry.sdk.resources import Resource

        resource = Resource.create({"service.name": SERVICE_NAME, REGION: region,
                                    "cloud.provider": "azure" if connection else "local"})
        processors = [_region_stamp(region)]
        if connection:
            exports = Exports("Application Insights")
            _azure_monitor(connection, resource, processors, exports)
        else:
            exports = Exports(spans or "")
            _json_lines(spans or "", resource, processors, exports)
        from opentelemetry.instrumentation.aiohttp_client import AioHttpClientInstrumentor
        from opentelemetry.instrumentation.aiohttp_server import AioHttpServerInstrumentor

        os.environ.setdefault(UNTRACED_PATHS, "/api/health,/api/regions/[^/]+/health")  # read as the server is instrumented
        AioHttpServerInstrumentor().instrument()
        AioHttpClientInstrumentor().instrument()
        exports.probe_with(_probe)
        exports.check()  # the start-up span, flushed in the background
        return exports
    except Exception as exc:  # missing packages, a bad connection string: the bot runs without
        log.error("region %s: telemetry off: %s: %s", region, exc.__class__.__name__, getattr(exc, "message", exc))
        return Exports(off="telemetry off (failed to start)")


def _probe() -> None:
    """One span, exported at once on a daemon thread (the batch processor would wait seconds)."""
    from opentelemetry import trace

    trace.get_tracer(SERVICE_NAME).start_span(PROBE_SPAN).end()
    provider = trace.get_tracer_provider()
    flush = getattr(provider, "force_flush", None)
    if flush is not None:
        threading.Thread(target=flush, args=(int(FLUSH_SECONDS * 1000),), daemon=True, name="telemetry-flush").start()


def _azure_monitor(connection: str, resource: Any, processors: list[Any], exports: Exports) -> None:
    from azure.monitor.opentelemetry import configure_azure_monitor

    from geobot.bot.vaults import bot_credential

    # Frameworks the bot does not use: loading their instrumentations would only slow its start.
    unused = {name: {"enabled": False} for name in ("django", "fastapi", "flask", "psycopg2")}
    configure_azure_monitor(connection_string=connection, credential=bot_credential(), resource=resource,
                            span_processors=processors, logger_name="geobot", instrumentation_options=unused,
                            raw_response_hook=exports.on_response)


def _json_lines(path: str, resource: Any, processors: list[Any], exports: Exports) -> None:
    from opentelemetry import trace
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor

    provider = TracerProvider(resource=resource)
    for processor in processors:
        provider.add_span_processor(processor)
    provider.add_span_processor(SimpleSpanProcessor(_json_lines_exporter(path, exports)))
    trace.set_tracer_provider(provider)


def _json_lines_exporter(path: str, exports: Exports) -> Any:
    """OpenTelemetry's span JSON, a line each, appended (0600); a file that cannot be written is "refused"."""
    from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult

    class JsonLines(SpanExporter):
        def export(self, spans: Any) -> SpanExportResult:
            lines = "".join(span.to_json(indent=None) + "\n" for span in spans)
            try:
                with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600), "a", encoding="utf-8") as out:
                    out.write(lines)
            except OSError as exc:
                exports.refused(f"{exc.__class__.__name__}: {exc.strerror}", f"append to {path}")
                return SpanExportResult.FAILURE
            exports.delivered(f"appended to {path}")
            return SpanExportResult.SUCCESS

    return JsonLines()


def _region_stamp(region: str) -> Any:
    """A span processor that writes the region on every span as it starts."""
    from opentelemetry.sdk.trace import SpanProcessor

    class RegionStamp(SpanProcessor):
        def on_start(self, span: Any, parent_context: Any = None) -> None:
            span.set_attribute(REGION, region)

    return RegionStamp()
