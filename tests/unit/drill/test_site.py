"""The local deployment as the drill reads it: the router log tail and undoing an interrupted drill."""

from __future__ import annotations

import json
import ssl
from pathlib import Path

from geobot.drill.site import LocalSite, LogTail
from geobot.drill.users import Endpoint

ORIGINAL = json.dumps({"retry": False, "probe": {"interval": 1, "hold_down": 0}}, indent=2) + "\n"


def site(tmp_path: Path) -> LocalSite:
    router = tmp_path / "router.json"
    router.write_text(ORIGINAL)
    router.chmod(0o640)
    outputs = {"infrastructure": {
        "global": {"vault_url": f"file://{tmp_path}/vault", "store_url": "sqlite:///x.db", "router": str(router),
                   "process": str(tmp_path / "router-process.json")},
        "regions": {"southeastasia": {"port": 4002, "priority": 2, "weight": 1, "process": str(tmp_path / "b.json")},
                    "koreacentral": {"port": 4001, "priority": 1, "weight": 1, "process": str(tmp_path / "a.json")}},
    }, "configuration": {"settings": "digest"}}
    return LocalSite(tmp_path, outputs, Endpoint("https://127.0.0.1:1", "geobot.localhost", ssl.create_default_context()))


def test_regions_are_in_priority_order_with_their_ports(tmp_path: Path) -> None:
    assert site(tmp_path).regions == {"koreacentral": 4001, "southeastasia": 4002}


def test_the_tail_reads_only_what_was_appended_and_whole_lines(tmp_path: Path) -> None:
    log = tmp_path / "router.jsonl"
    log.write_text('{"event": "old"}\n')
    tail = LogTail(log)
    with log.open("a") as f:
        f.write('{"event": "a"}\n{"event": "b"}\n{"event": "c"')  # the router is writing "c"
    assert [e["event"] for e in tail.read()] == ["a", "b"]
    with log.open("a") as f:
        f.write(', "n": 1}\n')
    assert tail.read() == [{"event": "c", "n": 1}]
    assert tail.read() == []
    assert [e["event"] for e in tail.since_start()] == ["a", "b", "c"]


def test_a_missing_log_reads_as_empty(tmp_path: Path) -> None:
    assert LogTail(tmp_path / "absent.jsonl").read() == []


def test_router_json_left_by_an_interrupted_drill_is_put_back(tmp_path: Path) -> None:
    local = site(tmp_path)
    written = json.dumps({"retry": True}) + "\n"
    local.declared.router_config.write_text(written)
    local.backup.write_text(json.dumps({"original": ORIGINAL, "written": written}))
    assert local.undo_interrupted()
    assert local.declared.router_config.read_text() == ORIGINAL
    assert local.declared.router_config.stat().st_mode & 0o777 == 0o640
    assert not local.backup.exists() and not local.undo_interrupted()


def test_a_router_json_changed_since_by_a_deploy_is_left_alone(tmp_path: Path) -> None:
    local = site(tmp_path)
    local.backup.write_text(json.dumps({"original": "old", "written": "what the drill wrote"}))
    assert not local.undo_interrupted()
    assert local.declared.router_config.read_text() == ORIGINAL and not local.backup.exists()
