"""Health-check Lambda: probe every region's bot, update the region map, emit alarm metrics.

Deployed in every bot region and run on SCHEDULE_EXPRESSION, so the check itself survives the
loss of one region. Each invocation sends `probes` utterances to each region; a region passes
the check when most of them pass. The failover decision is `failover.advance`, written back
with a conditional write. The event may carry a drill hook, `{"drill": {"fail_region": R}}`,
that fails R's probes without calling Lex: `geobot drill --target aws` uses it to prove a
failover end to end.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

import boto3
from botocore.config import Config

from . import (
    METRIC_ALL_REGIONS_DOWN,
    METRIC_DIMENSION,
    METRIC_FAILBACK,
    METRIC_FAILOVER,
    METRIC_NAMESPACE,
)
from . import settings as config
from .failover import Policy, State, Transition, advance, initial
from .probe import ProbeResult, probe
from .regionmap import RegionMap

#: Short timeouts and no retries: a slow bot is a failed probe, not a late Lambda.
LEX_CLIENT_CONFIG = Config(connect_timeout=2, read_timeout=3, retries={"max_attempts": 1})


class HealthCheck:
    """One configured health check with its clients; kept across warm invocations."""

    def __init__(
        self,
        settings: config.HealthCheckSettings,
        region_map: RegionMap,
        lex_clients: Mapping[str, Any],
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        emit: Callable[[str], None] = print,
    ) -> None:
        self._settings = settings
        self._map = region_map
        self._lex = lex_clients
        self._clock = clock
        self._emit = emit
        self._policy = Policy(
            regions=settings.common.regions,
            failover_after=settings.failover_after,
            failback_after=settings.failback_after,
            failback=settings.failback,
        )

    @classmethod
    def from_environment(
        cls, env: Mapping[str, str], client: Callable[..., Any] = boto3.client
    ) -> HealthCheck:
        """Validate the environment and build the Lex V2 runtime clients, one per region."""
        settings = config.health_check(env)
        table_region = settings.common.table_region
        dynamodb = client("dynamodb", **({"region_name": table_region} if table_region else {}))
        lex = {
            region: client("lexv2-runtime", region_name=region, config=LEX_CLIENT_CONFIG)
            for region in settings.common.regions
        }
        return cls(settings, RegionMap(dynamodb, settings.common.table_name), lex)

    def run(self, event: Mapping[str, Any], request_id: str) -> dict[str, Any]:
        """Probe, decide, write; return the outcome (also logged as one JSON line)."""
        drilled = self._drill_region(event)
        results = {
            region: self._probe_region(region, drilled, request_id)
            for region in self._settings.common.regions
        }
        healthy = {
            region: 2 * sum(r.passed for r in rs) > len(rs) for region, rs in results.items()
        }
        now = self._clock().isoformat()
        transitions: list[Transition] = []

        def change(state: State) -> State:
            transitions.append(advance(state, healthy, self._policy, now))
            return transitions[-1].state

        state = self._map.update(self._settings.connect_region, initial(self._policy, now), change)
        outcome = {
            "connectRegion": self._settings.connect_region,
            "active": state.active,
            "event": transitions[-1].event,
            "healthy": healthy,
            "failures": {r: [p.reason for p in rs if not p.passed] for r, rs in results.items()},
            "drill": drilled,
            "held": state.held,
        }
        self._emit(json.dumps(self._metrics(outcome)))
        return outcome

    def _drill_region(self, event: Mapping[str, Any]) -> str | None:
        drill = event.get("drill")
        if drill is None:
            return None
        region = drill.get("fail_region") if isinstance(drill, dict) else None
        if region not in self._settings.common.regions:
            raise ValueError(
                f"drill.fail_region must be one of {list(self._settings.common.regions)}, "
                f"got {region!r}"
            )
        return region

    def _probe_region(self, region: str, drilled: str | None, request_id: str) -> list[ProbeResult]:
        if region == drilled:
            return [ProbeResult(False, "drill")] * self._settings.probes
        s = self._settings
        return [
            probe(
                self._lex[region],
                s.common.aliases[region],
                locale_id=s.locale_id,
                utterance=s.utterance,
                session_id=f"geobot-health-{request_id}-{i}",
                expected_intent=s.expected_intent,
                min_confidence=s.min_confidence,
            )
            for i in range(s.probes)
        ]

    def _metrics(self, outcome: dict[str, Any]) -> dict[str, Any]:
        """The outcome as a CloudWatch Embedded Metric Format record."""
        names = {
            "failover": METRIC_FAILOVER,
            "failback": METRIC_FAILBACK,
            "all_down": METRIC_ALL_REGIONS_DOWN,
        }
        return {
            "_aws": {
                "Timestamp": int(self._clock().timestamp() * 1000),
                "CloudWatchMetrics": [
                    {
                        "Namespace": METRIC_NAMESPACE,
                        "Dimensions": [[METRIC_DIMENSION]],
                        "Metrics": [{"Name": name, "Unit": "Count"} for name in names.values()],
                    }
                ],
            },
            METRIC_DIMENSION: outcome["connectRegion"],
            **{name: int(outcome["event"] == key) for key, name in names.items()},
            **outcome,
        }


_instance: HealthCheck | None = None


def handler(event: Mapping[str, Any], context: Any) -> dict[str, Any]:
    """Lambda entry point; the first call in a container validates the configuration."""
    global _instance
    if _instance is None:
        _instance = HealthCheck.from_environment(os.environ)
    request_id = getattr(context, "aws_request_id", None) or uuid.uuid4().hex
    return _instance.run(event, request_id)
