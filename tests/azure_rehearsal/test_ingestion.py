"""Application Insights' ingestion in the rehearsal, posted to by the real exporter as a web app's identity.

The exporter gets its token from App Service's identity endpoint and posts to the ingestion
endpoint of the connection string terraform/azure stores for the bots; the rehearsal accepts
the telemetry only with Microsoft.Insights/Telemetry/Write (Monitoring Metrics Publisher) and
refuses it otherwise with the status line Application Insights' docs quote.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from geobot.bot.telemetry import Exports
from geobot.bot.vaults import bot_credential
from tests.azure_rehearsal import infrastructure as infra
from tests.azure_rehearsal.cloud import TRACK_FORBIDDEN, Cloud
from tests.azure_rehearsal.fixtures import DEFAULT_VARIABLES
from tests.azure_rehearsal.server import Rehearsal, running
from tests.unit.bot.helpers import QUIET_EXPORTER

pytest.importorskip("azure.monitor.opentelemetry.exporter", reason="the [azure] extra is not installed")
REGION = "koreacentral"
TELEMETRY_ROLE = f'module.region["{REGION}"].azurerm_role_assignment.telemetry'


@pytest.fixture
def deployed(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Rehearsal]:
    """A Front Door deployment applied; `request.param`: the role assignments left out of it."""
    cloud = Cloud(propagation=0)
    cloud.without = frozenset(getattr(request, "param", ()))
    cloud.apply(DEFAULT_VARIABLES | {"edge": "frontdoor"})
    with running(tmp_path, cloud) as rehearsal:
        yield rehearsal
    assert rehearsal.defects == [], rehearsal.defects


def export_one_span(rehearsal: Rehearsal, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """The bot's exporter set-up (distro's exporter, the bot's credential and hook) exporting one span; the verdict."""
    from azure.monitor.opentelemetry.exporter import AzureMonitorTraceExporter
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor

    for name, value in {**rehearsal.env(rehearsal.bundle), **rehearsal.identity_env(REGION),
                        **QUIET_EXPORTER}.items():
        monkeypatch.setenv(name, value)
    cloud = rehearsal.cloud
    connection = cloud.vaults[cloud.ids().names["key_vault"]].secrets["geobot-app-insights"][-1].value
    exports = Exports("Application Insights")
    provider = TracerProvider()
    exporter = AzureMonitorTraceExporter(connection_string=connection, credential=bot_credential(), tracer_provider=provider,
                                         raw_response_hook=exports.on_response, disable_offline_storage=True)
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    provider.get_tracer("rehearsal").start_span("turn").end()
    provider.shutdown()
    return exports.check()


def test_the_web_app_identity_with_its_role_gets_its_telemetry_in(deployed: Rehearsal, monkeypatch: pytest.MonkeyPatch) -> None:
    verdict = export_one_span(deployed, monkeypatch)

    host = deployed.cloud.ids().ingestion_host
    assert verdict == {"status": "healthy", "detail": f"POST https://{host}/v2.1/track: 200", "to": "Application Insights"}
    assert set(deployed.cloud.ingested) == {infra.app_identity(DEFAULT_VARIABLES, REGION).object_id}  # the span (and its resource)


@pytest.mark.parametrize("deployed", [[TELEMETRY_ROLE]], indirect=True)
def test_without_monitoring_metrics_publisher_the_exporter_is_refused_with_the_documented_answer(
    deployed: Rehearsal, monkeypatch: pytest.MonkeyPatch,
) -> None:
    verdict = export_one_span(deployed, monkeypatch)

    host = deployed.cloud.ids().ingestion_host
    assert verdict == {"status": "refused", "reason": f"403 {TRACK_FORBIDDEN}", "call": f"POST https://{host}/v2.1/track",
                       "action": "Microsoft.Insights/Telemetry/Write", "to": "Application Insights"}
    assert deployed.cloud.ingested == {}
    assert [d.action for d in deployed.cloud.denials()] == ["Microsoft.Insights/Telemetry/Write"]
