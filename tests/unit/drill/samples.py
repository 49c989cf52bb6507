"""A drill's measures written by hand, and the report built from them, for the report and plot tests."""

from __future__ import annotations

from geobot.drill.analysis import Agreement, Mark, Measures, Switch
from geobot.drill.plan import Plan, Probe, make_plan
from geobot.drill.report import build

T0 = 1000.0
PROBE = Probe(interval=1, timeout=1, tolerated_failures=2, dns_ttl=5, hold_down=0)
REGIONS = ["koreacentral", "southeastasia"]
MARKS = [Mark(T0 + 5, "inject", "SIGKILL the bot"), Mark(T0 + 12, "clear", "start the bot")]
MEASURES = Measures(
    injected=T0 + 5, cleared=T0 + 12, detected_at=T0 + 7.5, detection_reason="3 consecutive failures",
    last_sent_at=T0 + 11.25, moved_off=True, turns=300, failed_turns=40, failed_requests=40, lost_turns=0,
    conversations=20, lost_conversations=0, online_at=T0 + 13.5, served_again_at=T0 + 14,
    switches=(Switch(T0 + 7.5, "Online", "Degraded", "3 consecutive failures"), Switch(T0 + 13.5, "Degraded", "Online", "200")),
    agreement=Agreement(300, 300, 0),
    timeline={"koreacentral": [5, 6], "southeastasia": [0, 1], "failed": [0, 2]},
    phases={"before": {"koreacentral": 8.123, "southeastasia": 0.0, "failed": 0},
            "fault": {"koreacentral": 0.5, "southeastasia": 7.0, "failed": 40},
            "after": {"koreacentral": 7.5, "southeastasia": 1.0, "failed": 0}},
)


def plan(fault: str = "kill", mode: str = "faithful", probe: Probe = PROBE) -> Plan:
    return make_plan(fault, "koreacentral", REGIONS, 20, mode, probe, None if probe != PROBE else 20)  # type: ignore[arg-type]


def report(measures: Measures = MEASURES, routing: str = "priority", **kwargs) -> dict:
    return build(plan(**kwargs), measures, MARKS, started=T0, ended=T0 + 20, routing_method=routing,
                 clients="drill-abc-")
