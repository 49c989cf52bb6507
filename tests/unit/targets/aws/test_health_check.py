"""The health check against moto's DynamoDB and stubbed Lex V2 runtimes."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest

from geobot.targets.aws.functions import health_check
from geobot.targets.aws.functions.failover import State
from geobot.targets.aws.functions.health_check import HealthCheck
from geobot.targets.aws.functions.regionmap import MAX_ATTEMPTS, RegionMap

from .conftest import (
    INTENT,
    PRIMARY,
    SECONDARY,
    TABLE,
    Lex,
    environment,
    lex_reply,
    run,
)

Build = Callable[..., tuple[HealthCheck, Lex]]


def stored(aws: Any) -> dict[str, Any]:
    return aws.get_item(TableName=TABLE, Key={"connectRegion": {"S": PRIMARY}})["Item"]


def test_probes_send_exact_recognize_text_parameters_per_probe(health: Build) -> None:
    check, lex = health(GEOBOT_PROBES="3")
    for i in range(3):
        lex.expect(PRIMARY, lex_reply(INTENT, 0.9), request_id="r-1", probe=i)
        lex.expect(SECONDARY, lex_reply(INTENT, 0.9), request_id="r-1", probe=i)
    outcome = check.run({}, "r-1")
    lex.verify()
    assert outcome["healthy"] == {PRIMARY: True, SECONDARY: True}


@pytest.mark.parametrize(
    ("intent", "score", "passes"),
    [
        (INTENT, 0.8, True),  # at the minimum
        (INTENT, 0.79, False),  # below it
        (INTENT, None, False),  # no confidence reported
        ("FallbackIntent", 0.99, False),
    ],
)
def test_a_probe_passes_on_expected_intent_with_minimum_confidence(
    health: Build, intent: str, score: float | None, passes: bool
) -> None:
    check, lex = health(GEOBOT_MIN_CONFIDENCE="0.8")
    lex.expect(PRIMARY, lex_reply(intent, score))
    lex.expect(SECONDARY, lex_reply(INTENT, 0.9))
    assert check.run({}, "req")["healthy"][PRIMARY] is passes


def test_a_region_passes_when_most_probes_pass(health: Build) -> None:
    check, lex = health(GEOBOT_PROBES="3")
    for i, ok in enumerate([True, False, True]):
        lex.expect(PRIMARY, lex_reply(INTENT if ok else "FallbackIntent", 0.9), probe=i)
    for i, ok in enumerate([False, False, True]):
        lex.expect(SECONDARY, lex_reply(INTENT if ok else "FallbackIntent", 0.9), probe=i)
    outcome = check.run({}, "req")
    assert outcome["healthy"] == {PRIMARY: True, SECONDARY: False}
    assert (
        outcome["failures"][SECONDARY] == ["intent 'FallbackIntent', expected 'OrderFlowers'"] * 2
    )


def test_state_is_stored_in_the_region_map(health: Build, aws: Any) -> None:
    check, lex = health()
    for _ in range(3):
        run(check, lex, primary_ok=False, secondary_ok=True)
    item = stored(aws)
    assert item["lexRegion"] == {"S": SECONDARY}
    assert item["version"] == {"N": "3"}
    assert item["counters"]["M"][PRIMARY]["M"]["failures"] == {"N": "3"}
    assert item["counters"]["M"][SECONDARY]["M"]["successes"] == {"N": "3"}


def test_the_hold_a_rolling_update_writes_survives_the_checks_writes_and_is_reported(
    health: Build, aws: Any
) -> None:
    check, lex = health()
    region_map = RegionMap(aws, TABLE)
    region_map.update(PRIMARY, State(SECONDARY, "t0", held=PRIMARY), lambda state: state)
    outcomes = [run(check, lex, True, True) for _ in range(3)]
    assert [(o["active"], o["held"], o["event"]) for o in outcomes] == [(SECONDARY, PRIMARY, "stay")] * 3
    assert stored(aws)["held"] == {"S": PRIMARY}
    region_map.update(PRIMARY, State(SECONDARY, "t0"), lambda state: replace(state, held=None))
    assert "held" not in stored(aws) and run(check, lex, True, True)["event"] == "failback"


def test_failover_and_failback_emit_metric_lines(
    health: Build, capsys: pytest.CaptureFixture[str]
) -> None:
    check, lex = health()
    events = [run(check, lex, False, True)["event"] for _ in range(3)]
    events += [run(check, lex, True, True)["event"] for _ in range(2)]
    assert events == ["stay", "stay", "failover", "stay", "failback"]
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(r["Failover"], r["Failback"], r["AllRegionsDown"]) for r in lines] == [
        (0, 0, 0),
        (0, 0, 0),
        (1, 0, 0),
        (0, 0, 0),
        (0, 1, 0),
    ]
    metrics = lines[0]["_aws"]["CloudWatchMetrics"][0]
    assert metrics["Namespace"] == "geobot" and metrics["Dimensions"] == [["ConnectRegion"]]
    assert lines[0]["ConnectRegion"] == PRIMARY


def test_both_down_keeps_the_region_and_raises_the_alarm_metric(
    health: Build, aws: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    check, lex = health()
    for _ in range(3):
        run(check, lex, False, True)
    capsys.readouterr()
    outcome = run(check, lex, False, False)
    assert outcome["active"] == SECONDARY and outcome["event"] == "all_down"
    assert stored(aws)["lexRegion"] == {"S": SECONDARY} and stored(aws)["allDown"] == {"BOOL": True}
    assert json.loads(capsys.readouterr().out)["AllRegionsDown"] == 1


def test_drill_fails_the_region_without_calling_its_bot(health: Build) -> None:
    check, lex = health()
    for _ in range(3):
        lex.expect(SECONDARY, lex_reply(INTENT, 0.9))
        outcome = check.run({"drill": {"fail_region": PRIMARY}}, "req")
    lex.verify()  # the primary's stub had nothing queued: any call to it would have raised
    assert outcome["active"] == SECONDARY and outcome["drill"] == PRIMARY
    assert outcome["failures"][PRIMARY] == ["drill"]


@pytest.mark.parametrize("drill", [{"fail_region": "eu-west-1"}, {}, "us-east-1"])
def test_drill_rejects_an_unknown_region(health: Build, drill: Any) -> None:
    check, _ = health()
    with pytest.raises(ValueError, match="drill.fail_region must be one of"):
        check.run({"drill": drill}, "req")


class Interleaved:
    """A DynamoDB client that runs another health check just before its next put_item."""

    def __init__(self, client: Any, other: Callable[[], object], times: int = 1) -> None:
        self._client, self._other, self._times = client, other, times
        self.puts = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def put_item(self, **kwargs: Any) -> Any:
        self.puts += 1
        if self._times:
            self._times -= 1
            self._other()
        return self._client.put_item(**kwargs)


def two_region_checks(health: Build, aws: Any, times: int) -> tuple[HealthCheck, Lex, Interleaved]:
    """The health check of us-west-2 racing the one of us-east-1 on the same item."""
    other, other_lex = health(GEOBOT_FAILOVER_AFTER="2")
    first, lex = health(GEOBOT_FAILOVER_AFTER="2")
    racer = Interleaved(aws, lambda: run(other, other_lex, False, True), times)
    settings = first._settings
    return HealthCheck(settings, RegionMap(racer, TABLE), first._lex), lex, racer


def test_concurrent_runs_from_two_regions_lose_no_update(health: Build, aws: Any) -> None:
    check, lex, racer = two_region_checks(health, aws, times=1)
    outcome = run(check, lex, False, True)
    # the racer's write landed between our read and our write; ours was refused and retried
    assert racer.puts == 2
    assert outcome["event"] == "failover" and outcome["active"] == SECONDARY
    assert stored(aws)["counters"]["M"][PRIMARY]["M"]["failures"] == {"N": "2"}
    assert stored(aws)["version"] == {"N": "2"}


def test_endless_write_conflicts_give_up_loudly(health: Build, aws: Any) -> None:
    check, lex, racer = two_region_checks(health, aws, times=MAX_ATTEMPTS)
    lex.expect(PRIMARY, lex_reply(INTENT, 0.9))
    lex.expect(SECONDARY, lex_reply(INTENT, 0.9))
    with pytest.raises(RuntimeError, match="conflicting writes"):
        check.run({}, "req")
    assert racer.puts == MAX_ATTEMPTS


def test_handler_builds_once_per_container(
    aws: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    lex = Lex()
    built: list[HealthCheck] = []
    real = HealthCheck.from_environment

    def build(env: Any) -> HealthCheck:
        built.append(real(env, lex.client))
        for _ in range(2):  # the stubs exist from here on: queue both invocations' probes
            lex.expect(PRIMARY, lex_reply(INTENT, 0.9), request_id="abc-123")
            lex.expect(SECONDARY, lex_reply(INTENT, 0.9), request_id="abc-123")
        return built[-1]

    monkeypatch.setattr(health_check, "_instance", None)
    monkeypatch.setattr(HealthCheck, "from_environment", staticmethod(build))
    for name, value in environment().items():
        monkeypatch.setenv(name, value)
    context = type("Context", (), {"aws_request_id": "abc-123"})()
    for _ in range(2):
        assert health_check.handler({}, context)["active"] == PRIMARY
    assert len(built) == 1
    lex.verify()
