"""The PNG timeline: drawn from a report alone, with matplotlib imported only when drawing."""

from __future__ import annotations

import ast
import dataclasses
import json
from pathlib import Path

from PIL import Image

import geobot.drill.plot as plotting
from tests.unit.drill.samples import MEASURES, report


def test_a_report_is_drawn_as_a_png_of_the_documented_size(tmp_path: Path) -> None:
    path = tmp_path / "drill.png"
    plotting.plot(json.loads(json.dumps(report())), path)  # a report read back from its JSON file
    with Image.open(path) as image:
        assert image.format == "PNG" and image.size == (1210, 704)
        colours = image.convert("RGB").getcolors(maxcolors=1 << 16) or []
    painted = {colour for _, colour in colours}
    assert (196, 78, 82) in painted  # the failed requests in red


def test_the_title_carries_the_key_figures() -> None:
    title = plotting._title(report())
    assert "kill in koreacentral, 20 users, router DNS-faithful" in title
    assert "detection 2.5 s · recovery 6.2 s · 40 of 300 turns failed · 0 lost states · failback 1.5 s" in title
    assert "Traffic Manager worst case 9 s; AWS post's 5-minute check up to 315 s" in title


def test_the_status_strip_follows_the_switches() -> None:
    assert plotting._status_spans(report()) == [(0.0, 7.5, True), (7.5, 13.5, False), (13.5, 20, True)]


def test_each_flap_on_phase_is_shaded() -> None:
    doc = report()
    doc["marks"] = [{"at_s": 5, "what": "inject"}, {"at_s": 9, "what": "flap-off"}, {"at_s": 10, "what": "flap-on"},
                    {"at_s": 14, "what": "clear"}]
    assert plotting._windows(doc) == [(5, 9), (10, 14)]


def test_a_drill_with_no_detection_and_no_failure_is_drawn_too(tmp_path: Path) -> None:
    quiet = dataclasses.replace(MEASURES, detected_at=None, online_at=None, switches=(), failed_turns=0,
                                timeline={"koreacentral": [3, 3], "southeastasia": [0, 0], "failed": [0, 0]})
    doc = report(quiet)
    plotting.plot(doc, tmp_path / "quiet.png")
    assert (tmp_path / "quiet.png").stat().st_size > 10_000
    assert plotting._status_spans(doc) == [(0.0, 20, True)]


def test_matplotlib_is_not_imported_with_the_module() -> None:
    tree = ast.parse(Path(plotting.__file__).read_text())
    top = [node for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom))]
    names = [alias.name for node in top for alias in node.names] + [node.module or "" for node in top
                                                                     if isinstance(node, ast.ImportFrom)]
    assert not [name for name in names if "matplotlib" in name]
