"""One drill from start to end: check, break, mend, watch, measure.

1. Check the options (exit 2); undo what an interrupted drill left (router.json, faults in
   the bots); check that every region is Online at the router (exit 1 otherwise).
2. Switch the router to the asked mode and hold-down, if they differ from the deployment's.
3. Start the users; inject the fault at 25 % of the duration and clear it at 60 %; keep the
   traffic going to the end while progress lines report traffic per region, failures and
   every monitor change the router logs.
4. Wait (bounded) until every region is Online again, so the deployment is left as found,
   then put router.json back and compute the report from the router's log and the users'
   records. However the drill ends, the fault is cleared and a killed bot started again.
"""

from __future__ import annotations

import asyncio
import dataclasses
import secrets
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from geobot.drill import report as reporting
from geobot.drill.analysis import analyse
from geobot.drill.faults import Injector
from geobot.drill.plan import Fault, Mode, Plan, Probe, make_plan
from geobot.drill.script import StateChain, Script
from geobot.drill.site import LocalSite, LogTail
from geobot.drill.users import Endpoint, TurnRecord, Users
from geobot.errors import CloudError

if TYPE_CHECKING:
    from geobot.deployment import Deployment

Say = Callable[[str], None]
HEALTHY_WAIT_S = 5.0  # a region just (re)started may need a probe or two to be Online


@dataclass(frozen=True)
class Options:
    fault: Fault = "kill"
    region: str | None = None  # None: the region the router picks now
    users: int = 20
    duration: float | None = None  # None: plan.default_duration
    mode: Mode | None = None  # None: the deployment's setting
    hold_down: float | None = None  # None: the deployment's setting


def run(deployment: Deployment, options: Options, note: Say, warn: Say) -> dict[str, Any]:
    """Drill the local deployment under its lock, so no deploy or destroy runs meanwhile."""
    journal = deployment.journal
    with journal.lock("geobot drill"):
        site = LocalSite(journal.directory, journal.outputs(), Endpoint(*deployment.chat_endpoint()))
        return Drill(site, options, note, warn).run()


class Drill:
    def __init__(self, site: LocalSite, options: Options, note: Say, warn: Say) -> None:
        self.site = site
        self.options = options
        self.note = note
        self.warn = warn
        self.prefix = f"drill-{secrets.token_hex(3)}"

    def _plan(self, region: str | None) -> Plan:
        router, options = self.site.router(), self.options
        mode = options.mode or ("retry" if router.get("retry") else "faithful")
        probe = Probe.from_router(router, options.hold_down)
        regions = list(self.site.regions)
        return make_plan(options.fault, region or regions[0], regions, options.users, mode, probe, options.duration)

    def run(self) -> dict[str, Any]:
        plan = self._plan(self.options.region)  # bad input is refused before anything is touched
        self._clean_up_after_others()
        status = self._healthy()
        if self.options.region is None:
            plan = dataclasses.replace(plan, region=status.get("pick") or plan.region)
        cleared = "flapping until" if plan.flap else "cleared at"
        self.note(f"{plan.fault} in {plan.region} for {plan.users} users over {plan.duration:g} s, router {plan.mode}: "
                  f"fault at {plan.inject_at:.1f} s, {cleared} {plan.clear_at:.1f} s")
        injector = Injector(self.site, plan, self.note)
        with self.site.router_mode(plan.mode == "retry", plan.probe.hold_down):
            tail = self.site.log()
            try:
                turns, started, ended = asyncio.run(self._traffic(plan, injector, tail))
            finally:
                injector.restore()
            self._await_online(plan)
        clients = self.prefix + "-"
        measures = analyse(tail.since_start(), turns, injector.marks, region=plan.region, regions=list(self.site.regions),
                           prefix=clients, started=started, ended=ended)
        return reporting.build(plan, measures, injector.marks, started=started, ended=ended, clients=clients,
                               routing_method=self.site.router().get("routing_method", "performance"))

    def _clean_up_after_others(self) -> None:
        if self.site.undo_interrupted():
            self.warn("router.json was left changed by an interrupted drill; put back")
        for region in self.site.regions:
            try:
                faults = self.site.hook(region)["faults"]
            except CloudError:
                continue  # a dead bot: the health check below reports it
            if any(faults.values()):
                self.site.hook(region, {"fault": "clear"})
                self.warn(f"{region} still had drill faults {faults} (an interrupted drill?); cleared")

    def _healthy(self) -> dict[str, Any]:
        """The router's status once every region is Online; CloudError (exit 1) if that does not happen soon."""
        deadline = time.monotonic() + HEALTHY_WAIT_S
        while True:
            status = self.site.status()
            monitor = {e["name"]: e["monitor_status"] for e in status["endpoints"]} if status else {}
            down = {name: monitor.get(name, "unknown") for name in self.site.regions if monitor.get(name) != "Online"}
            if status is not None and not down:
                return status
            if time.monotonic() > deadline:
                what = "the router does not answer" if status is None else \
                    ", ".join(f"{name} is {value}" for name, value in down.items())
                raise CloudError(f"the deployment is not healthy, so a drill would measure nothing: {what}",
                                 "see `geobot status`; `geobot deploy` restarts what is down")
            time.sleep(0.2)

    def _await_online(self, plan: Plan) -> None:
        """Leave the deployment as found: every region Online, within the hold-down and a detection."""
        limit = plan.probe.hold_down + plan.probe.worst_detection + 10
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            status = self.site.status()
            if status and all(e["monitor_status"] == "Online" for e in status["endpoints"]):
                return
            time.sleep(0.2)
        self.warn(f"not every region is Online {limit:.0f} s after the drill; see `geobot status`")

    async def _traffic(self, plan: Plan, injector: Injector, tail: LogTail) -> tuple[list[TurnRecord], float, float]:
        if not self.site.sample_bot:
            self.note("the deployed bot is your own ([bot] app): the drill checks that every turn is answered and "
                      "that the state it writes under a key holding the conversation's id carried over (X-Geobot-State); "
                      "state kept elsewhere is not judged")
        users = Users(self.site.endpoint, plan.users, self.prefix, script=Script if self.site.sample_bot else StateChain)
        started = time.time()
        ended = started + plan.duration
        talking = asyncio.create_task(users.run(ended))
        watching = asyncio.create_task(self._watch(users, tail, started, plan))
        try:
            await _until(started + plan.inject_at)
            await asyncio.to_thread(injector.inject)
            if plan.flap:
                await injector.flap(started + plan.clear_at)
            else:
                await _until(started + plan.clear_at)
            await asyncio.to_thread(injector.clear)
            await talking
        finally:
            watching.cancel()
            talking.cancel()
        return users.records, started, ended

    async def _watch(self, users: Users, tail: LogTail, started: float, plan: Plan) -> None:
        """Progress: monitor changes as the router logs them, and traffic per region every few seconds."""
        period = max(2.0, plan.duration / 15)
        shown, next_line = 0, started + period
        while True:
            await asyncio.sleep(0.25)
            for event in tail.read():
                if event.get("event") == "monitor":
                    self.note(f"{event['time'] - started:5.1f} s  router: {event['endpoint']} {event['from']} → "
                              f"{event['to']} ({event.get('reason', '')})")
            if time.time() >= next_line:
                recent, shown = users.records[shown:], len(users.records)
                served = Counter(t.region for t in recent if t.verdict != "failed")
                rates = ", ".join(f"{name} {served[name] / period:.1f}/s" for name in self.site.regions)
                failed = sum(t.verdict == "failed" for t in users.records)
                lost = len({(t.user, t.conversation) for t in users.records if t.verdict == "lost"})
                self.note(f"{time.time() - started:5.1f} s  {rates}; failed turns {failed}, lost states {lost}")
                next_line += period


async def _until(moment: float) -> None:
    await asyncio.sleep(max(0.0, moment - time.time()))
