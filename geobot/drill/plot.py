"""The drill's timeline as a PNG, drawn from the report alone (so a saved report can be redrawn).

Top: requests per second served by each region and failed, stacked, with the fault window
shaded and fault, detection, the last request to the region, clear and failback marked. Middle: the drilled region's monitor status.
Bottom: failed requests per second. matplotlib is imported here only (the `drill` extra),
with the Agg backend, so nothing else in geobot needs it or a display.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from geobot.drill.report import MODE_WORDS

COLOURS = ("#4C72B0", "#8172B2", "#CCB974", "#64B5CD", "#937860", "#8C8C8C")  # regions; never green or red
FAULT, DETECTED, CLEARED, ONLINE = "#C44E52", "#DD8452", "#2CA02C", "#1F77B4"
SERVING, OUT = "#7DBE7D", "#D9777A"


def _windows(report: dict[str, Any]) -> list[tuple[float, float]]:
    """When the fault was on (each on-phase of a flap)."""
    windows, opened = [], None
    for mark in report["marks"]:
        if mark["what"] in ("inject", "flap-on") and opened is None:
            opened = mark["at_s"]
        elif mark["what"] in ("clear", "flap-off") and opened is not None:
            windows.append((opened, mark["at_s"]))
            opened = None
    return windows


def _status_spans(report: dict[str, Any]) -> list[tuple[float, float, bool]]:
    """(start, end, serving) of the drilled region over the drill, from its switches."""
    spans, start, serving = [], 0.0, True
    for switch in report["switches"]:
        spans.append((start, switch["at_s"], serving))
        start, serving = switch["at_s"], switch["to"] in ("Online", "CheckingEndpoint")
    spans.append((start, report["ended_s"], serving))
    return spans


def plot(report: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    drill, results, timeline = report["drill"], report["results"], report["timeline"]
    edges = [*timeline["second"], len(timeline["second"])]  # each value holds for its whole second

    def steps(values: list[int]) -> list[int]:
        return [*values, values[-1] if values else 0]

    regions = [name for name in report["phases"]["before"] if name != "failed"]
    figure, (traffic, status, errors) = plt.subplots(
        3, 1, figsize=(11, 6.4), sharex=True, gridspec_kw={"height_ratios": [4, 0.45, 1.4]}, layout="constrained")

    traffic.stackplot(edges, *(steps(timeline[name]) for name in (*regions, "failed")),
                      labels=[*(f"served by {n}" for n in regions), "failed requests"],
                      colors=[*COLOURS[: len(regions)], FAULT], alpha=0.9, step="post")
    errors.stairs(timeline["failed"], edges, fill=True, color=FAULT)
    for axis in (traffic, errors):
        for index, (start, end) in enumerate(_windows(report)):
            label = "fault on" if axis is traffic and index == 0 else None
            axis.axvspan(start, end, color=FAULT, alpha=0.08, linewidth=0, label=label)
    markers = [(results["injected_at_s"], FAULT, "-", f"{drill['fault']} in {drill['region']}"),
               (results["detected_at_s"], DETECTED, "--", f"detected (+{results['detection_s'] or 0:.1f} s)"),
               (results["last_request_to_region_at_s"] if results["traffic_moved_off"] else None, FAULT, ":",
                f"last request to {drill['region']} (+{results['recovery_s'] or 0:.1f} s)"),
               (results["cleared_at_s"], CLEARED, "-", "fault cleared"),
               (results["online_again_at_s"], ONLINE, "--", f"Online again (+{results['failback_online_s'] or 0:.1f} s)")]
    for at, colour, style, label in markers:
        if at is not None:
            for axis in (traffic, status, errors):
                axis.axvline(at, color=colour, linestyle=style, linewidth=1.4, label=label if axis is traffic else None)

    for start, end, serving in _status_spans(report):
        status.axvspan(start, end, color=SERVING if serving else OUT, linewidth=0)
    status.set_yticks([0.5], [f"{drill['region']}\nmonitor"], fontsize=8)
    status.set_ylim(0, 1)
    status.text(0.995, 0.5, "green: Online · red: out of rotation", transform=status.transAxes, fontsize=7,
                ha="right", va="center")

    traffic.set_ylabel("requests / s")
    traffic.margins(x=0)
    errors.set_ylabel("failed / s")
    errors.set_ylim(0, max([1, *timeline["failed"]]) * 1.15)
    errors.yaxis.set_major_locator(MaxNLocator(nbins=3, integer=True))
    errors.set_xlabel("seconds since the drill started")
    errors.set_xlim(0, report["ended_s"])
    figure.legend(loc="outside right upper", fontsize=8, frameon=False)
    figure.suptitle(_title(report), fontsize=10, x=0.01, ha="left")
    figure.savefig(path, dpi=110)
    plt.close(figure)


def _title(report: dict[str, Any]) -> str:
    drill, r, worst = report["drill"], report["results"], report["worst_case"]

    def s(value: float | None) -> str:
        return "never" if value is None else f"{value:.1f} s"

    probe = drill["probe"]
    return (f"Failover drill: {drill['fault']} in {drill['region']}, {drill['users']} users, router "
            f"{MODE_WORDS[drill['router']]}\n"
            f"detection {s(r['detection_s'])} · recovery {s(r['recovery_s'])} · {r['failed_turns']} of {r['turns']} "
            f"turns failed · {r['lost_states']} lost states · failback {s(r['failback_online_s'])} · "
            f"{r['switches']} switches\n"
            f"probes {probe['interval_s']:g} s / timeout {probe['timeout_s']:g} s / {probe['tolerated_failures']} "
            f"tolerated, TTL {probe['dns_ttl_s']:g} s: Traffic Manager worst case {worst['azure_traffic_manager_s']:g} s; "
            f"AWS post's 5-minute check up to {worst['aws_five_minute_s']:g} s")
