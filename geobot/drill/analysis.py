"""The drill's numbers, computed from the router's log and the users' own records. Pure.

Every time is the wall clock (Unix seconds): the router logs `time` when a request ends, so a
request started at `time - ms / 1000`. Only requests from this drill's users count (their
client ids share the drill's prefix). With `injected`/`cleared` the drill's marks:

- detection: the first `monitor` event taking the region out of Online after `injected`.
- recovery: the start of the last request sent to the region (first or retried attempt)
  while the fault was on, minus `injected`; None when traffic never left it (no request went
  elsewhere after that one while the fault lasted).
- failed turns (clients), failed requests (router: status other than 200); they must agree,
  user by user, as must the number of turns and requests.
- lost states: turns whose reply did not continue the dialog (see `script`), and the
  conversations they happened in.
- failback: `cleared` to the region's next Online (0 if it was Online then), and to the first
  request it served again (None if traffic stayed elsewhere).
- switches: the region's monitor changes between serving (Online, CheckingEndpoint) and not;
  `shortest_out` is the shortest time it stayed out before coming back, which hold-down bounds.
- timeline: per second, requests served (200) by each region, and failed requests.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from geobot.drill.users import TurnRecord

SERVING = frozenset({"Online", "CheckingEndpoint"})
PHASES = ("before", "fault", "after")


@dataclass(frozen=True)
class Mark:
    """Something the drill did: inject, clear, flap-on, flap-off."""

    time: float
    what: str
    detail: str = ""


@dataclass(frozen=True)
class Request:
    client: str
    start: float
    endpoint: str | None
    attempts: tuple[str, ...]
    status: int


@dataclass(frozen=True)
class Switch:
    time: float
    before: str
    after: str
    reason: str

    @property
    def returns(self) -> bool:
        return self.after in SERVING


@dataclass(frozen=True)
class Agreement:
    client_turns: int
    router_requests: int
    mismatches: int  # per user: turns without a request, or with a different status

    @property
    def agrees(self) -> bool:
        return self.mismatches == 0 and self.client_turns == self.router_requests


@dataclass(frozen=True)
class Measures:
    injected: float
    cleared: float
    detected_at: float | None
    detection_reason: str | None
    last_sent_at: float | None
    moved_off: bool
    turns: int
    failed_turns: int
    failed_requests: int
    lost_turns: int
    conversations: int
    lost_conversations: int
    online_at: float | None
    served_again_at: float | None
    switches: tuple[Switch, ...]
    agreement: Agreement
    timeline: dict[str, list[int]] = field(default_factory=dict)  # region (and "failed") -> per second
    phases: dict[str, dict[str, float]] = field(default_factory=dict)  # phase -> region/"failed" -> per second

    @property
    def detection(self) -> float | None:
        return None if self.detected_at is None else self.detected_at - self.injected

    @property
    def recovery(self) -> float | None:
        if not self.moved_off:
            return None
        return 0.0 if self.last_sent_at is None else max(0.0, self.last_sent_at - self.injected)

    @property
    def failback_online(self) -> float | None:
        return None if self.online_at is None else max(0.0, self.online_at - self.cleared)

    @property
    def failback_traffic(self) -> float | None:
        return None if self.served_again_at is None else self.served_again_at - self.cleared

    @property
    def shortest_out(self) -> float | None:
        """The shortest stay out of service that ended with a return (hold-down keeps it long)."""
        gaps = [s.time - prev.time for prev, s in zip(self.switches, self.switches[1:]) if s.returns and not prev.returns]
        return min(gaps) if gaps else None


def requests(events: Iterable[dict[str, Any]], prefix: str) -> list[Request]:
    """This drill's requests from the router log, in the order they started."""
    found = [
        Request(e["client"], e["time"] - e["ms"] / 1000, e.get("endpoint"), tuple(e.get("attempts") or ()), e["status"])
        for e in events if e.get("event") == "request" and str(e.get("client", "")).startswith(prefix)
    ]
    return sorted(found, key=lambda r: r.start)


def fault_windows(marks: Sequence[Mark]) -> list[tuple[float, float]]:
    """When the fault was on: inject→clear, or each flap-on→flap-off (the last one ends at clear)."""
    windows: list[tuple[float, float]] = []
    opened: float | None = None
    for mark in sorted(marks, key=lambda m: m.time):
        if mark.what in ("inject", "flap-on") and opened is None:
            opened = mark.time
        elif mark.what in ("clear", "flap-off") and opened is not None:
            windows.append((opened, mark.time))
            opened = None
    return windows


def analyse(events: Sequence[dict[str, Any]], turns: Sequence[TurnRecord], marks: Sequence[Mark], *, region: str,
            regions: Sequence[str], prefix: str, started: float, ended: float) -> Measures:
    injected = min(m.time for m in marks if m.what == "inject")
    cleared = max(m.time for m in marks if m.what == "clear")
    sent = requests(events, prefix)
    monitor = sorted((e for e in events if e.get("event") == "monitor" and e.get("endpoint") == region),
                     key=lambda e: e["time"])
    detected = next((e for e in monitor if e["time"] >= injected and e["from"] == "Online" and e["to"] != "Online"), None)
    windows = fault_windows(marks)
    broken = [r for r in sent if region in r.attempts and any(a <= r.start < b for a, b in windows)]
    last_sent = broken[-1].start if broken else None
    after = last_sent if last_sent is not None else injected
    moved_off = any(after < r.start < cleared and region not in r.attempts for r in sent)
    lost = [t for t in turns if t.verdict == "lost"]
    return Measures(
        injected=injected,
        cleared=cleared,
        detected_at=None if detected is None else detected["time"],
        detection_reason=None if detected is None else detected.get("reason"),
        last_sent_at=last_sent,
        moved_off=moved_off,
        turns=len(turns),
        failed_turns=sum(t.verdict == "failed" for t in turns),
        failed_requests=sum(r.status != 200 for r in sent),
        lost_turns=len(lost),
        conversations=len({(t.user, t.conversation) for t in turns}),
        lost_conversations=len({(t.user, t.conversation) for t in lost}),
        online_at=_online_at(monitor, cleared),
        served_again_at=next((r.start for r in sent if r.start >= cleared and r.endpoint == region and r.status == 200), None),
        switches=_switches(monitor),
        agreement=_agreement(turns, sent),
        timeline=_timeline(sent, regions, started, ended),
        phases=_phases(sent, regions, (started, injected, cleared, ended)),
    )


def _online_at(monitor: Sequence[dict[str, Any]], cleared: float) -> float | None:
    """The region's first Online at or after `cleared`; `cleared` itself if it was already Online."""
    before = [e for e in monitor if e["time"] < cleared]
    if before and before[-1]["to"] == "Online":
        return cleared
    return next((e["time"] for e in monitor if e["time"] >= cleared and e["to"] == "Online"), None)


def _switches(monitor: Sequence[dict[str, Any]]) -> tuple[Switch, ...]:
    return tuple(Switch(e["time"], e["from"], e["to"], e.get("reason", "")) for e in monitor
                 if e["from"] is not None and (e["from"] in SERVING) != (e["to"] in SERVING))


def _agreement(turns: Sequence[TurnRecord], sent: Sequence[Request]) -> Agreement:
    """Compare, user by user and in order, the status each turn saw with the one the router logged."""
    seen: dict[str, list[int | None]] = defaultdict(list)
    logged: dict[str, list[int | None]] = defaultdict(list)
    for turn in sorted(turns, key=lambda t: t.started):
        seen[turn.user].append(turn.status)
    for request in sent:
        logged[request.client].append(request.status)
    mismatches = 0
    for user in seen.keys() | logged.keys():
        mine, theirs = seen[user], logged[user]
        mismatches += abs(len(mine) - len(theirs)) + sum(a != b for a, b in zip(mine, theirs))
    return Agreement(len(turns), len(sent), mismatches)


def _timeline(sent: Sequence[Request], regions: Sequence[str], started: float, ended: float) -> dict[str, list[int]]:
    seconds = max(1, math.ceil(ended - started))
    series = {name: [0] * seconds for name in (*regions, "failed")}
    for request in sent:
        second = int(request.start - started)
        if not 0 <= second < seconds:
            continue
        if request.status != 200:
            series["failed"][second] += 1
        elif request.endpoint in series:
            series[request.endpoint][second] += 1
    return series


def _phases(sent: Sequence[Request], regions: Sequence[str], bounds: tuple[float, float, float, float]) -> dict[str, dict[str, float]]:
    """Requests per second served by each region, and failed requests, before/during/after the fault."""
    result: dict[str, dict[str, float]] = {}
    for phase, start, end in zip(PHASES, bounds, bounds[1:]):
        inside = [r for r in sent if start <= r.start < end]
        counts = Counter(r.endpoint if r.status == 200 else "failed" for r in inside)
        length = max(end - start, 1e-9)
        result[phase] = {name: counts[name] / length for name in regions}
        result[phase]["failed"] = counts["failed"]
    return result
