"""The event log: one ASCII JSON line per event, whatever the fields hold."""

from __future__ import annotations

import json
from pathlib import Path

from geobot.targets.local.router.log import EventLog


def test_each_event_is_one_ascii_line_even_when_a_field_holds_line_separators(tmp_path: Path) -> None:
    log = EventLog(tmp_path / "router.jsonl", clock=lambda: 12.5)
    log.write("request", path="/a\u2028b\x85c é", status=200)
    log.write("stop")
    log.close()
    raw = (tmp_path / "router.jsonl").read_bytes()
    assert raw.isascii()
    events = [json.loads(line) for line in raw.decode().splitlines()]
    assert events == [{"time": 12.5, "event": "request", "path": "/a\u2028b\x85c é", "status": 200},
                      {"time": 12.5, "event": "stop"}]
