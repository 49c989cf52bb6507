"""Breaking one region on purpose, and mending it: each action is marked with its time.

kill         SIGKILL the bot's process group (a host that dies); cleared by starting it again
             through the supervisor, so the bot's start-up counts in the failback time.
health       the health check answers 503; the bot still answers turns.
nlu-down     language calls fail: turns answer 503 and the health check names "language".
store-down   state-store calls fail: turns answer 503 (nothing written), health names "store".
slow         every request waits longer than the probe timeout first.
flap         the health fault on and off in turn, on long enough to be detected and off long
             enough for a probe to pass; cleared at the end of the last whole on-phase.

A mark is taken just before each action, so "fault → detection" includes nothing of the
drill's own bookkeeping. `restore` puts everything back however the drill ended.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from geobot.drill.analysis import Mark
from geobot.drill.plan import Plan
from geobot.drill.site import LocalSite


class Injector:
    def __init__(self, site: LocalSite, plan: Plan, note: Callable[[str], None]) -> None:
        self.site = site
        self.plan = plan
        self.note = note
        self.marks: list[Mark] = []
        self._broken = False

    def _mark(self, what: str, detail: str) -> None:
        self.marks.append(Mark(time.time(), what, detail))

    def inject(self) -> None:
        region, fault = self.plan.region, self.plan.fault
        self._broken = True  # before acting: an action cut short may still have taken effect
        if fault == "kill":
            self._mark("inject", f"SIGKILL the bot of {region}")
            pid = self.site.kill(region)
            detail = f"killed the bot of {region} (pid {pid})"
        else:
            hook = "health" if fault == "flap" else fault
            self._mark("inject", f"{hook} fault in {region}")
            self.site.hook(region, {"fault": hook, "ms": self.plan.slow_ms} if fault == "slow" else {"fault": hook})
            detail = f"{fault} fault injected in {region}" + (f" (+{self.plan.slow_ms} ms per request)" if fault == "slow" else "")
        self.note(detail)

    async def flap(self, until: float) -> None:
        """With the health fault on: whole off/on cycles while one more fits before `until`, ending on."""
        assert self.plan.flap is not None
        on, off = self.plan.flap
        while True:
            await asyncio.sleep(on)
            if time.time() + off + on > until:
                return
            self._mark("flap-off", "health fault off")
            await asyncio.to_thread(self.site.hook, self.plan.region, {"fault": "clear"})
            await asyncio.sleep(off)
            self._mark("flap-on", "health fault on")
            await asyncio.to_thread(self.site.hook, self.plan.region, {"fault": "health"})

    def clear(self) -> None:
        region = self.plan.region
        if self.plan.fault == "kill":
            self._mark("clear", f"start the bot of {region}")
            self.site.restart(region)
            self.note(f"the bot of {region} started again")
        else:
            self._mark("clear", f"clear the faults of {region}")
            self.site.hook(region, {"fault": "clear"})
            self.note(f"faults of {region} cleared")
        self._broken = False

    def restore(self) -> None:
        """After an interrupted drill: clear what is still broken, without marking it."""
        if not self._broken:
            return
        if self.plan.fault == "kill":
            if not self.site.running(self.plan.region):
                self.site.restart(self.plan.region)
        else:
            self.site.hook(self.plan.region, {"fault": "clear"})
        self._broken = False
