"""A failover drill on aws: fail one region through the health check's drill hook, time the switch.

There is no router and no HTTP traffic to break here: callers are routed by the region map,
which the health checks change after `failover_after` failed runs in a row. The drill invokes
a health check in another region with {"drill": {"fail_region": R}} (R's probes fail, its bot
is not touched) run after run until the map moves callers off R; asks the region-check
function, as Amazon Connect does on every call, until its answer leaves R; then runs clean
checks until callers are back on R: after `failback_after` passed runs with failback "auto",
or, with "manual", by setting the map back itself, so the deployment is left as found.

The runs follow each other as fast as they end, so the drill takes seconds. Next to the runs
it counted, the report gives what the same thresholds take on the schedule (each region's
check runs once a minute, and all of them count in the one item) and the post's five minutes.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from geobot.config import Config
from geobot.errors import CloudError, InputError
from geobot.targets.aws.callers import Callers, send
from geobot.targets.aws.clients import AwsSession
from geobot.targets.aws.lambdas import invoke

Say = Callable[[str], None]
EXTRA_RUNS = 5  # a scheduled run between two drilled ones resets the failure streak
POST_S = 315.0  # the post: a check every five minutes, 15 s each


class Drill:
    def __init__(self, config: Config, outputs: Mapping[str, Mapping[str, Any]], session: AwsSession, note: Say,
                 clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep) -> None:
        functions = outputs.get("functions") or {}
        if not functions.get("health_checks"):
            raise InputError("there is no deployed health check to drill", "finish `geobot deploy` first")
        self.config = config
        self.checks: dict[str, Any] = dict(functions["health_checks"])
        self.callers = Callers(session, functions, clock, sleep)
        self.session = session
        self.note = note
        self.clock = clock
        self.sleep = sleep

    def run(self, region: str | None = None) -> dict[str, Any]:
        """Fail `region` (default: the one callers reach now) and mend it; the report as JSON-ready data."""
        home = self.callers.region()
        region = region or home
        if region not in self.checks:
            raise InputError(f"--region {region}: not a region of this deployment", f"use one of {', '.join(self.checks)}")
        if home != region:
            raise InputError(f"--region {region}: callers reach {home} now, so failing {region} would move nobody",
                             f"drill {home}, or leave --region out")
        checker = next(r for r in self.checks if r != region)
        started = self.clock()
        runs, outcome = self._runs_until(checker, {"drill": {"fail_region": region}}, lambda o: o["active"] != region,
                                         self.config.aws.failover_after, f"{region} failing")
        failover_s = self.clock() - started
        self.callers.wait(lambda answer: answer != region, "moved them")
        moved_s = self.clock() - started
        self.note(f"callers now reach {outcome['active']}; mending {region}")
        mended = self.clock()
        if self.config.aws.failback == "auto":
            back_runs, _ = self._runs_until(checker, {}, lambda o: o["active"] == region, self.config.aws.failback_after,
                                            f"{region} passing")
        else:
            back_runs = 0
            self._set_back(region)
            self.note(f"failback is manual: set {region} back in the region map")
        checks_a_minute = len(self.checks)
        return {
            "schema_version": 1, "target": "aws", "region": region, "checker": checker, "to": outcome["active"],
            "failover": {"runs": runs, "seconds": round(failover_s, 2), "callers_moved_s": round(moved_s, 2)},
            "failback": {"mode": self.config.aws.failback, "runs": back_runs, "seconds": round(self.clock() - mended, 2)},
            "on_schedule": {
                "failover_s": round(60 * self.config.aws.failover_after / checks_a_minute, 1),
                "failback_s": round(60 * self.config.aws.failback_after / checks_a_minute, 1),
                "checks_a_minute": checks_a_minute, "post_failover_s": POST_S,
            },
        }

    def _runs_until(self, checker: str, event: dict[str, Any], done: Callable[[dict[str, Any]], bool],
                    needed: int, what: str) -> tuple[int, dict[str, Any]]:
        api = self.session.api("lambda", checker)
        for run in range(1, needed + EXTRA_RUNS + 1):
            outcome = invoke(api, self.checks[checker]["function_name"], event)
            self.note(f"run {run} ({what}): callers on {outcome['active']} ({outcome['event']})")
            if done(outcome):
                return run, outcome
        raise CloudError(f"{needed + EXTRA_RUNS} health-check runs with {what} did not move the callers",
                         f"see the health check's log: aws logs tail /aws/lambda/{self.checks[checker]['function_name']} "
                         f"--region {checker}")

    def _set_back(self, region: str) -> None:
        from geobot.targets.aws.functions.failover import State

        self.callers.change("set the region map back", State(region, datetime.now(UTC).isoformat()),
                            lambda state: send(state, region))
