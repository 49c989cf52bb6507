"""The report: its JSON, the worst cases it compares with, the targets, and the terminal summary."""

from __future__ import annotations

import dataclasses
import json

import pytest

from geobot.drill.analysis import Switch
from geobot.drill.plan import Probe, make_plan
from geobot.drill.report import phase_rows, summary, targets, title, worst_cases
from tests.unit.drill.samples import MEASURES, PROBE, REGIONS, T0, plan, report


def test_the_report_is_json_with_times_relative_to_the_start() -> None:
    doc = json.loads(json.dumps(report()))
    assert doc["schema_version"] == 1 and doc["started"] == T0 and doc["ended_s"] == 20
    r = doc["results"]
    assert (r["injected_at_s"], r["detected_at_s"], r["detection_s"], r["recovery_s"]) == (5, 7.5, 2.5, 6.25)
    assert (r["failback_online_s"], r["failback_traffic_s"], r["switches"], r["lost_states"]) == (1.5, 2, 2, 0)
    assert doc["marks"][0] == {"at_s": 5, "time": T0 + 5, "what": "inject", "detail": "SIGKILL the bot"}
    assert doc["switches"][1] == {"at_s": 13.5, "from": "Degraded", "to": "Online", "reason": "200"}
    assert doc["timeline"] == {"second": [0, 1], "koreacentral": [5, 6], "southeastasia": [0, 1], "failed": [0, 2]}
    assert doc["phases"]["before"]["koreacentral"] == 8.12
    assert doc["drill"]["probe"] == {"interval_s": 1, "timeout_s": 1, "tolerated_failures": 2, "dns_ttl_s": 5,
                                     "hold_down_s": 0}


def test_worst_cases_of_traffic_manager_and_the_aws_post() -> None:
    worst = worst_cases(plan())
    assert worst["azure_traffic_manager_s"] == 9 and worst["azure_formula"] == "1 × (2 + 1) + 1 + 5"
    assert worst["aws_five_minute_s"] == 315
    slow = worst_cases(plan(probe=Probe(30, 10, 3, 60, 0)))
    assert slow["azure_traffic_manager_s"] == 190  # Traffic Manager's defaults: about three minutes


def met(doc_targets: list[dict]) -> dict[str, bool]:
    return {t["target"]: t["met"] for t in doc_targets}


def test_faithful_recovery_must_stay_within_the_traffic_manager_worst_case() -> None:
    assert met(targets(plan(), MEASURES)) == {"no conversation lost state": True, "faithful: recovery within 9 s": True}
    late = dataclasses.replace(MEASURES, last_sent_at=T0 + 14.5)
    assert met(targets(plan(), late))["faithful: recovery within 9 s"] is False
    stuck = dataclasses.replace(MEASURES, moved_off=False)
    assert targets(plan(), stuck)[1] == {"target": "faithful: recovery within 9 s", "met": False,
                                         "measured": "traffic never left the region"}


def test_retry_mode_must_fail_no_turn_and_no_state_may_be_lost() -> None:
    assert met(targets(plan(mode="retry"), MEASURES)) == {"no conversation lost state": True,
                                                          "retry: no failed turn": False}
    clean = dataclasses.replace(MEASURES, failed_turns=0, lost_conversations=1)
    assert met(targets(plan(mode="retry"), clean)) == {"no conversation lost state": False, "retry: no failed turn": True}


def test_a_flap_with_hold_down_may_come_back_at_most_once_per_hold_down() -> None:
    held = dataclasses.replace(PROBE, hold_down=5)
    flap = make_plan("flap", "koreacentral", REGIONS, 20, "faithful", held, 40)
    checks = met(targets(flap, MEASURES))  # out from 7.5 s to 13.5 s: 6 s
    assert checks == {"no conversation lost state": True, "flap: at most one return per 5 s hold-down": True}
    bouncing = dataclasses.replace(MEASURES, switches=(*MEASURES.switches, Switch(T0 + 15, "Online", "Degraded", ""),
                                                       Switch(T0 + 17, "Degraded", "Online", "")))
    assert met(targets(flap, bouncing))["flap: at most one return per 5 s hold-down"] is False
    assert len(targets(make_plan("flap", "koreacentral", REGIONS, 20, "faithful", PROBE, 40), MEASURES)) == 1


def test_the_summary_names_every_measure_and_the_comparison() -> None:
    doc = report()
    assert title(doc) == ("drill kill in koreacentral, faithful router: detected in 2.5 s, recovered in 6.2 s, "
                          "40 failed turns, 0 lost states")
    text = "\n".join(summary(doc))
    for expected in ("detection: 2.5 s (3 consecutive failures)", "recovery: 6.2 s", "failed turns: 40 of 300",
                     "lost states: 0 of 20 conversations", "failback: 1.5 s until Online; 2.0 s until koreacentral",
                     "switches: 2; 7.5 s Degraded; 13.5 s Online", "agrees with the users: True",
                     "Azure Traffic Manager 9 s (1 × (2 + 1) + 1 + 5)", "5-minute check: up to 315 s",
                     "target met: faithful: recovery within 9 s (6.2 s)"):
        assert expected in text


def test_the_summary_says_when_traffic_stayed_away_and_nothing_was_detected() -> None:
    quiet = dataclasses.replace(MEASURES, detected_at=None, detection_reason=None, served_again_at=None, moved_off=False)
    text = "\n".join(summary(report(quiet)))
    assert "detection: never: the region stayed Online" in text
    assert "koreacentral served no request again before the drill ended" in text
    assert "(performance routing keeps its region unless another is clearly faster)" not in text
    assert "(performance routing keeps its region" in "\n".join(summary(report(quiet, routing="performance")))
    assert "target MISSED: faithful: recovery within 9 s (traffic never left the region)" in text


def test_phase_rows_give_requests_per_second_per_region() -> None:
    assert phase_rows(report()) == [
        ("PHASE", "koreacentral req/s", "southeastasia req/s", "FAILED"),
        ("before", "8.1", "0.0", "0"), ("fault", "0.5", "7.0", "40"), ("after", "7.5", "1.0", "0")]


@pytest.mark.parametrize("mode", ["faithful", "retry"])
def test_the_mode_is_spelt_out(mode: str) -> None:
    words = {"faithful": "DNS-faithful (no retry, as Traffic Manager)", "retry": "retry on the next region (as Front Door)"}
    assert f"router {words[mode]}" in summary(report(mode=mode))[0]
