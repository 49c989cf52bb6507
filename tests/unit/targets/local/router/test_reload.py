"""router.json and pidfiles change under a running router; it follows them without a restart."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import trustme

from tests.unit.targets.local.router.helpers import (
    endpoint,
    events,
    https_client,
    router,
    send,
    statuses,
    until,
    upstreams,
    write_config,
)


def test_endpoint_changes_apply_at_once_and_a_bad_file_is_ignored(tmp_path: Path) -> None:
    ca = trustme.CA()

    async def scenario() -> dict:
        async with upstreams("west", "east") as (west, east):
            config = write_config(tmp_path, [endpoint(west)], ca)
            async with router(config) as running, https_client(ca) as http:
                await until(lambda: statuses(running) == {"west": "Online"})
                before = await send(http, running)
                data = json.loads(config.read_text())
                data["endpoints"] = [endpoint(west, enabled=False), endpoint(east)]
                config.write_text(json.dumps(data))
                await until(lambda: statuses(running) == {"west": "Disabled", "east": "Online"})
                after = await send(http, running)
                config.write_text('{"host_name": ')
                await asyncio.sleep(0.3)  # several polls
                ignored = await send(http, running), statuses(running)
                data["endpoints"] = [endpoint(west)]
                config.write_text(json.dumps(data))
                await until(lambda: statuses(running) == {"west": "Online"})
                removed = await send(http, running)
        return {"before": before, "after": after, "ignored": ignored, "removed": removed}

    result = asyncio.run(scenario())
    assert result["before"][:2] == (200, "west")
    assert result["after"][:2] == (200, "east")
    assert result["ignored"] == ((200, "east", b"hello"), {"west": "Disabled", "east": "Online"})
    assert result["removed"][:2] == (200, "west")
    changes = [(e["endpoint"], e["to"]) for e in events(tmp_path / "router.jsonl", "monitor")]
    assert ("west", "Disabled") in changes and changes[-1] == ("west", "Online")


def test_a_region_whose_pidfile_is_gone_is_stopped_and_comes_back_with_it(tmp_path: Path) -> None:
    ca = trustme.CA()
    pidfile = tmp_path / "bot-west.json"

    async def scenario() -> list:
        async with upstreams("west", "east") as (west, east):
            config = write_config(tmp_path, [endpoint(west, priority=1, pidfile=str(pidfile)),
                                             endpoint(east, priority=2)], ca)
            async with router(config) as running, https_client(ca) as http:
                await until(lambda: statuses(running) == {"west": "Stopped", "east": "Online"})
                stopped = await send(http, running)
                pidfile.write_text('{"pid": 1}')
                await until(lambda: statuses(running)["west"] == "Online")
                started = await send(http, running)
                pidfile.unlink()
                await until(lambda: statuses(running)["west"] == "Stopped")
                return [stopped, started, await send(http, running)]

    assert [r[:2] for r in asyncio.run(scenario())] == [(200, "east"), (200, "west"), (200, "east")]
    changes = [(e["from"], e["to"]) for e in events(tmp_path / "router.jsonl", "monitor") if e["endpoint"] == "west"]
    assert changes == [(None, "Stopped"), ("Stopped", "CheckingEndpoint"), ("CheckingEndpoint", "Online"),
                       ("Online", "Stopped")]
