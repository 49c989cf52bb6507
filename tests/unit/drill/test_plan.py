"""The drill's plan: timing from the probe settings, and bad options refused as input errors."""

from __future__ import annotations

import pytest

from geobot.drill.plan import Probe, default_duration, flap_cycle, make_plan, minimum_duration
from geobot.errors import INPUT_ERROR, InputError

FAST = Probe(interval=1, timeout=1, tolerated_failures=2, dns_ttl=5, hold_down=0)
DEFAULTS = Probe(interval=10, timeout=5, tolerated_failures=1, dns_ttl=10, hold_down=0)
REGIONS = ["koreacentral", "southeastasia"]


def test_probe_settings_come_from_router_json_with_the_drills_hold_down() -> None:
    router = {"probe": {"interval": 1, "timeout": 1, "tolerated_failures": 2, "dns_ttl": 5, "hold_down": 3}}
    assert Probe.from_router(router) == Probe(1, 1, 2, 5, 3)
    assert Probe.from_router(router, hold_down=10).hold_down == 10
    assert Probe.from_router({}) == Probe(10, 5, 1, 10, 0)  # the router's own defaults


def test_worst_cases_follow_the_traffic_manager_timeline() -> None:
    assert FAST.worst_detection == 1 * 3 + 1 and FAST.worst_failover == 1 * 3 + 1 + 5
    assert DEFAULTS.worst_failover == 10 * 2 + 5 + 10  # Microsoft's "fast" settings: about 35 s


def test_the_fault_window_must_cover_a_worst_case_detection() -> None:
    assert minimum_duration("kill", FAST) == 12  # 4 s / 0.35, rounded up
    assert minimum_duration("kill", Probe(0.5, 0.5, 0, 0, 0)) == 5  # never below 5 s
    assert minimum_duration("flap", FAST) == 30  # two on-phases (4.5 s) and a pause (1.5 s): 10.5 s / 0.35


def test_the_default_duration_is_30_s_unless_the_probes_need_longer() -> None:
    assert default_duration("kill", FAST) == 32  # (9 + 2) / 0.35
    assert default_duration("kill", Probe(1, 1, 1, 2, 0)) == 30
    assert default_duration("kill", DEFAULTS) == 106  # (35 + 2) / 0.35: a faithful failover fits
    assert default_duration("flap", FAST) == 48  # three on-phases and two pauses: 16.5 s / 0.35


def test_a_plan_holds_the_schedule_and_the_fault_parameters() -> None:
    plan = make_plan("slow", "southeastasia", REGIONS, 20, "retry", FAST, 20)
    assert (plan.inject_at, plan.clear_at, plan.slow_ms, plan.flap) == (5, 12, 2000, None)
    flap = make_plan("flap", "koreacentral", REGIONS, 5, "faithful", FAST, None)
    assert flap.flap == flap_cycle(FAST) == (4.5, 1.5) and flap.duration == 48


@pytest.mark.parametrize(("args", "message"), [
    ({"region": "westeurope"}, "--region westeurope: the deployment has no such region"),
    ({"regions": ["koreacentral"]}, "a drill needs at least two regions"),
    ({"users": 0}, "--users 0: must be between 1 and 500"),
    ({"users": 501}, "--users 501"),
    ({"duration": 11}, "--duration 11: too short to detect a fault with probes every 1 s"),
])
def test_bad_options_are_input_errors(args: dict, message: str) -> None:
    options = {"fault": "kill", "region": "koreacentral", "regions": REGIONS, "users": 20, "mode": "faithful",
               "probe": FAST, "duration": 30.0, **args}
    with pytest.raises(InputError) as raised:
        make_plan(**options)
    assert raised.value.message.startswith(message) and raised.value.exit_code == INPUT_ERROR
    if "duration" in args:
        assert raised.value.hint == "use --duration 12 or more"
