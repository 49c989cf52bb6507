"""The drill's report: one JSON document, and the lines a person reads on the terminal.

Times in the report are seconds since the drill started, rounded to 10 ms; `started` is the
Unix time of that moment, and each mark also carries its exact Unix `time`. Next to the measured numbers it puts what the same probe settings would give in
Azure Traffic Manager (worst case: interval × (tolerated + 1) + timeout + DNS TTL; the
documented timeline, fault just after a passing probe) and the AWS multi-region Lex post's
pattern, whose health check runs every five minutes (a Lambda with a 15 s timeout), so the
trade-off is in front of the reader. Targets are those of the failover issue: with retry, no
failed turn; DNS-faithful, recovery from a single fault within the Traffic Manager worst case;
a flap with hold-down, at most one return to service per hold-down period (a region that
fails again must still go out at once, so it is the returns that hold-down spaces); always,
no lost state.
"""

from __future__ import annotations

from typing import Any

from geobot.drill.analysis import Mark, Measures
from geobot.drill.plan import Plan

SCHEMA_VERSION = 1
AWS_SCHEDULE_S = 300.0  # the post's CloudWatch rule: "Fixed rate of 5 minutes"
AWS_CHECK_TIMEOUT_S = 15.0  # the post's health-check Lambda timeout
MODE_WORDS = {"faithful": "DNS-faithful (no retry, as Traffic Manager)", "retry": "retry on the next region (as Front Door)"}


def _round(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


def worst_cases(plan: Plan) -> dict[str, Any]:
    probe = plan.probe
    return {
        "azure_traffic_manager_s": round(probe.worst_failover, 2),
        "azure_formula": f"{probe.interval:g} × ({probe.tolerated_failures} + 1) + {probe.timeout:g} + {probe.dns_ttl:g}",
        "azure_terms": "interval × (tolerated failures + 1) + timeout + DNS TTL",
        "aws_five_minute_s": AWS_SCHEDULE_S + AWS_CHECK_TIMEOUT_S,
        "aws_formula": f"{AWS_SCHEDULE_S:g} s between health checks + up to {AWS_CHECK_TIMEOUT_S:g} s for the check "
                       "(the post's 5-minute CloudWatch schedule; calls fail until the next check)",
    }


def targets(plan: Plan, measures: Measures) -> list[dict[str, Any]]:
    """Each target of the failover issue that applies to this drill: met or not, and why."""
    checks = [("no conversation lost state", measures.lost_conversations == 0,
               f"{measures.lost_conversations} of {measures.conversations} conversations")]
    if plan.mode == "retry":
        checks.append(("retry: no failed turn", measures.failed_turns == 0, f"{measures.failed_turns} failed"))
    elif plan.fault != "flap":  # the bound is per fault; a flap is several
        bound, recovery = plan.probe.worst_failover, measures.recovery
        shown = "traffic never left the region" if recovery is None else f"{recovery:.1f} s"
        checks.append((f"faithful: recovery within {bound:g} s", recovery is not None and recovery <= bound, shown))
    if plan.fault == "flap" and plan.probe.hold_down > 0:
        out = measures.shortest_out
        shown = "no return to service" if out is None else f"shortest stay out {out:.1f} s"
        checks.append((f"flap: at most one return per {plan.probe.hold_down:g} s hold-down",
                       out is None or out >= plan.probe.hold_down, shown))
    return [{"target": name, "met": met, "measured": shown} for name, met, shown in checks]


def build(plan: Plan, measures: Measures, marks: list[Mark], *, started: float, ended: float,
          routing_method: str, clients: str) -> dict[str, Any]:
    """The whole report as JSON-ready data; `clients` is the prefix of the users' ids in the router log."""
    def at(moment: float | None) -> float | None:
        return _round(None if moment is None else moment - started)

    return {
        "schema_version": SCHEMA_VERSION,
        "drill": {
            "fault": plan.fault, "region": plan.region, "users": plan.users, "duration_s": plan.duration,
            "router": plan.mode, "routing_method": routing_method, "clients": clients, "slow_ms": plan.slow_ms,
            "flap_on_off_s": list(plan.flap) if plan.flap else None,
            "probe": {"interval_s": plan.probe.interval, "timeout_s": plan.probe.timeout,
                      "tolerated_failures": plan.probe.tolerated_failures, "dns_ttl_s": plan.probe.dns_ttl,
                      "hold_down_s": plan.probe.hold_down},
        },
        "started": started,
        "ended_s": at(ended),
        "marks": [{"at_s": at(m.time), "time": m.time, "what": m.what, "detail": m.detail} for m in marks],
        "results": {
            "injected_at_s": at(measures.injected),
            "cleared_at_s": at(measures.cleared),
            "detected_at_s": at(measures.detected_at),
            "detection_s": _round(measures.detection),
            "detection_reason": measures.detection_reason,
            "last_request_to_region_at_s": at(measures.last_sent_at),
            "traffic_moved_off": measures.moved_off,
            "recovery_s": _round(measures.recovery),
            "turns": measures.turns,
            "failed_turns": measures.failed_turns,
            "failed_requests": measures.failed_requests,
            "lost_turns": measures.lost_turns,
            "conversations": measures.conversations,
            "lost_states": measures.lost_conversations,
            "online_again_at_s": at(measures.online_at),
            "failback_online_s": _round(measures.failback_online),
            "served_again_at_s": at(measures.served_again_at),
            "failback_traffic_s": _round(measures.failback_traffic),
            "switches": len(measures.switches),
            "shortest_out_s": _round(measures.shortest_out),
        },
        "switches": [{"at_s": at(s.time), "from": s.before, "to": s.after, "reason": s.reason} for s in measures.switches],
        "agreement": {"client_turns": measures.agreement.client_turns,
                      "router_requests": measures.agreement.router_requests,
                      "mismatches": measures.agreement.mismatches, "agrees": measures.agreement.agrees},
        "phases": {phase: {name: round(value, 2) for name, value in values.items()}
                   for phase, values in measures.phases.items()},
        "timeline": {"second": list(range(len(measures.timeline.get("failed", [])))), **measures.timeline},
        "worst_case": worst_cases(plan),
        "targets": targets(plan, measures),
    }


def _s(value: float | None, missing: str) -> str:
    return missing if value is None else f"{value:.1f} s"


def title(report: dict[str, Any]) -> str:
    drill, r = report["drill"], report["results"]
    return (f"drill {drill['fault']} in {drill['region']}, {drill['router']} router: "
            f"detected in {_s(r['detection_s'], 'never')}, recovered in {_s(r['recovery_s'], 'never')}, "
            f"{r['failed_turns']} failed turns, {r['lost_states']} lost states")


def summary(report: dict[str, Any]) -> list[str]:
    """The terminal summary: settings, each measure with what it means, comparisons, targets."""
    drill, r, worst, agreement = report["drill"], report["results"], report["worst_case"], report["agreement"]
    probe, region = drill["probe"], drill["region"]
    if r["failback_traffic_s"] is not None:
        traffic_back = f"{r['failback_traffic_s']:.1f} s until {region} served a request again"
    else:
        traffic_back = f"{region} served no request again before the drill ended"
        if drill["routing_method"] == "performance":
            traffic_back += " (performance routing keeps its region unless another is clearly faster)"
    never_moved = "none: requests still went to the region when the fault was cleared"
    switches = "".join(f"; {s['at_s']:.1f} s {s['to']}" for s in report["switches"])
    return [
        (f"{drill['users']} users for {drill['duration_s']:g} s; fault at {r['injected_at_s']:.1f} s, cleared at "
         f"{r['cleared_at_s']:.1f} s; router {MODE_WORDS[drill['router']]}, {drill['routing_method']} routing"),
        (f"probes every {probe['interval_s']:g} s, timeout {probe['timeout_s']:g} s, {probe['tolerated_failures']} "
         f"tolerated failures, DNS TTL {probe['dns_ttl_s']:g} s, hold-down {probe['hold_down_s']:g} s"),
        f"detection: {_s(r['detection_s'], 'never: the region stayed Online')} ({r['detection_reason'] or '-'})",
        f"recovery: {_s(r['recovery_s'], never_moved)} (fault → last request sent to the region)",
        (f"failed turns: {r['failed_turns']} of {r['turns']}; "
         f"lost states: {r['lost_states']} of {r['conversations']} conversations"),
        f"failback: {_s(r['failback_online_s'], 'not Online again yet')} until Online; {traffic_back}",
        f"switches: {r['switches']}{switches}",
        (f"router log agrees with the users: {agreement['agrees']} ({agreement['router_requests']} requests logged, "
         f"{agreement['client_turns']} turns, {agreement['mismatches']} mismatches)"),
        (f"worst case with these probes: Azure Traffic Manager {worst['azure_traffic_manager_s']:g} s "
         f"({worst['azure_formula']}); the AWS post's 5-minute check: up to {worst['aws_five_minute_s']:g} s"),
        *(f"target {'met' if t['met'] else 'MISSED'}: {t['target']} ({t['measured']})" for t in report["targets"]),
    ]


def phase_rows(report: dict[str, Any]) -> list[tuple[str, ...]]:
    """Requests per second by region, and failed requests, before / during / after the fault."""
    phases = report["phases"]
    names = [name for name in phases["before"] if name != "failed"]
    rows: list[tuple[str, ...]] = [("PHASE", *(f"{name} req/s" for name in names), "FAILED")]
    for phase, values in phases.items():
        rows.append((phase, *(f"{values[name]:.1f}" for name in names), str(int(values["failed"]))))
    return rows
