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
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import Any

CONNECTION_STRING = "APPLICATIONINSIGHTS_CONNECTION_STRING"
SPANS_FILE = "GEOBOT_BOT_SPANS"
SERVICE_NAME = "geobot-bot"
REGION = "cloud.region"
UNTRACED_PATHS = "OTEL_PYTHON_AIOHTTP_SERVER_EXCLUDED_URLS"  # the aiohttp server instrumentation's knob
log = logging.getLogger("geobot.bot")


def configure(region: str, environ: Mapping[str, str] = os.environ) -> str:
    """Start tracing as `environ` says, before the app is built; says where spans go, for the log."""
    connection, spans = environ.get(CONNECTION_STRING), environ.get(SPANS_FILE)
    if not connection and not spans:
        return "telemetry off"
    try:
        from opentelemetry.sdk.resources import Resource

        resource = Resource.create({"service.name": SERVICE_NAME, REGION: region,
                                    "cloud.provider": "azure" if connection else "local"})
        processors = [_region_stamp(region)]
        if connection:
            _azure_monitor(connection, resource, processors)
            target = "telemetry to Application Insights"
        else:
            _json_lines(spans or "", resource, processors)
            target = f"telemetry to {spans}"
        from opentelemetry.instrumentation.aiohttp_client import AioHttpClientInstrumentor
        from opentelemetry.instrumentation.aiohttp_server import AioHttpServerInstrumentor

        os.environ.setdefault(UNTRACED_PATHS, "/api/health")  # read as the server is instrumented
        AioHttpServerInstrumentor().instrument()
        AioHttpClientInstrumentor().instrument()
        return target
    except Exception as exc:  # missing packages, a bad connection string: the bot runs without
        log.error("region %s: telemetry off: %s: %s", region, exc.__class__.__name__, getattr(exc, "message", exc))
        return "telemetry off (failed to start)"


def _azure_monitor(connection: str, resource: Any, processors: list[Any]) -> None:
    from azure.monitor.opentelemetry import configure_azure_monitor

    from geobot.bot.vaults import bot_credential

    # Frameworks the bot does not use: loading their instrumentations would only slow its start.
    unused = {name: {"enabled": False} for name in ("django", "fastapi", "flask", "psycopg2")}
    configure_azure_monitor(connection_string=connection, credential=bot_credential(), resource=resource,
                            span_processors=processors, logger_name="geobot", instrumentation_options=unused)


def _json_lines(path: str, resource: Any, processors: list[Any]) -> None:
    from opentelemetry import trace
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import ConsoleSpanExporter, SimpleSpanProcessor

    out = open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600), "a", encoding="utf-8", buffering=1)
    provider = TracerProvider(resource=resource)
    for processor in processors:
        provider.add_span_processor(processor)
    provider.add_span_processor(SimpleSpanProcessor(
        ConsoleSpanExporter(out=out, formatter=lambda span: span.to_json(indent=None) + "\n")))
    trace.set_tracer_provider(provider)


def _region_stamp(region: str) -> Any:
    """A span processor that writes the region on every span as it starts."""
    from opentelemetry.sdk.trace import SpanProcessor

    class RegionStamp(SpanProcessor):
        def on_start(self, span: Any, parent_context: Any = None) -> None:
            span.set_attribute(REGION, region)

    return RegionStamp()
