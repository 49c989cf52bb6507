"""Real upstreams behind an in-process router: failover, DNS-faithful caching, and retry mode."""

from __future__ import annotations

import asyncio
from pathlib import Path

import trustme

from tests.unit.targets.local.router.helpers import (
    FAST_PROBE,
    ManualClock,
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


def test_traffic_moves_when_the_preferred_region_fails_its_health_probe(tmp_path: Path) -> None:
    ca = trustme.CA()

    async def scenario() -> tuple[list, list]:
        async with upstreams("west", "east") as (west, east):
            config = write_config(tmp_path, [endpoint(west, priority=1), endpoint(east, priority=2)], ca)
            async with router(config) as running, https_client(ca) as http:
                await until(lambda: statuses(running) == {"west": "Online", "east": "Online"})
                before = await send(http, running)
                west.healthy = False
                await until(lambda: statuses(running)["west"] == "Degraded")
                after = await send(http, running)
                west.healthy = True
                await until(lambda: statuses(running)["west"] == "Online")
                back = await send(http, running)
        return [before, after, back], events(tmp_path / "router.jsonl", "monitor")

    results, changes = asyncio.run(scenario())
    assert results == [(200, "west", b"hello"), (200, "east", b"hello"), (200, "west", b"hello")]
    west_changes = [(c["from"], c["to"]) for c in changes if c["endpoint"] == "west"]
    assert west_changes == [(None, "CheckingEndpoint"), ("CheckingEndpoint", "Online"),
                            ("Online", "Degraded"), ("Degraded", "Online")]
    assert "probe answered 503" in changes[[c["to"] for c in changes].index("Degraded")]["reason"]


def test_traffic_moves_when_the_preferred_region_shuts_down(tmp_path: Path) -> None:
    ca = trustme.CA()

    async def scenario() -> tuple[int, str | None]:
        async with upstreams("west", "east") as (west, east):
            config = write_config(tmp_path, [endpoint(west, priority=1), endpoint(east, priority=2)], ca)
            async with router(config) as running, https_client(ca) as http:
                await until(lambda: statuses(running) == {"west": "Online", "east": "Online"})
                await west.stop()
                await until(lambda: statuses(running)["west"] == "Degraded")
                status, name, _ = await send(http, running)
        return status, name

    assert asyncio.run(scenario()) == (200, "east")


def test_dns_mode_keeps_a_client_on_its_dead_region_until_the_ttl_expires(tmp_path: Path) -> None:
    ca = trustme.CA()
    ttl = 2.0
    clock = ManualClock()  # the resolvers' clock: the answers' age is set, not waited for

    async def scenario() -> dict:
        async with upstreams("west", "east") as (west, east):
            config = write_config(tmp_path, [endpoint(west, priority=1), endpoint(east, priority=2)], ca,
                                  probe={**FAST_PROBE, "dns_ttl": ttl})
            async with router(config, dns_clock=clock) as running, https_client(ca) as http:
                await until(lambda: statuses(running) == {"west": "Online", "east": "Online"})
                first = await send(http, running, client="alice")
                await west.stop()
                await until(lambda: statuses(running)["west"] == "Degraded")
                cached = await send(http, running, client="alice")
                newcomer = await send(http, running, client="bob")
                clock.now = ttl - 0.01
                just_before = await send(http, running, client="alice")
                clock.now = ttl
                expired = await send(http, running, client="alice")
        return {"first": first, "cached": cached, "newcomer": newcomer, "just before": just_before, "expired": expired}

    result = asyncio.run(scenario())
    assert result["first"][:2] == (200, "west")
    status, name, body = result["cached"]
    assert (status, name) == (502, None) and b"endpoint west" in body  # the failure reaches the client
    assert result["newcomer"][:2] == (200, "east")
    assert result["just before"][:2] == (502, None)
    assert result["expired"][:2] == (200, "east")


def test_dns_mode_passes_a_regions_5xx_through_and_retry_mode_retries_it(tmp_path: Path) -> None:
    ca = trustme.CA()

    async def scenario(retry: bool) -> tuple[tuple[int, str | None, bytes], list[str]]:
        async with upstreams("west", "east") as (west, east):
            config = write_config(tmp_path, [endpoint(west, priority=1), endpoint(east, priority=2)], ca, retry=retry)
            async with router(config) as running, https_client(ca) as http:
                await until(lambda: statuses(running) == {"west": "Online", "east": "Online"})
                west.answer_status = 500
                result = await send(http, running)
        return result, events(tmp_path / "router.jsonl", "request")[-1]["attempts"]

    assert asyncio.run(scenario(retry=False)) == ((500, "west", b"hello"), ["west"])
    assert asyncio.run(scenario(retry=True)) == ((200, "east", b"hello"), ["west", "east"])


def test_a_slow_region_times_out_504_in_dns_mode_and_is_skipped_in_retry_mode(tmp_path: Path) -> None:
    ca = trustme.CA()

    async def scenario(retry: bool) -> tuple[int, str | None, list[str], str]:
        async with upstreams("west", "east") as (west, east):
            config = write_config(tmp_path, [endpoint(west, priority=1), endpoint(east, priority=2)], ca,
                                  retry=retry, request_timeout=0.2)
            async with router(config) as running, https_client(ca) as http:
                await until(lambda: statuses(running) == {"west": "Online", "east": "Online"})
                west.delay = 2
                status, name, _ = await send(http, running)
        logged = events(tmp_path / "router.jsonl", "request")[-1]
        return status, name, logged["attempts"], logged["error"]

    assert asyncio.run(scenario(retry=False)) == (504, None, ["west"], "timeout")
    assert asyncio.run(scenario(retry=True)) == (200, "east", ["west", "east"], None)


def test_retry_mode_loses_no_request_while_a_region_dies_mid_traffic(tmp_path: Path) -> None:
    ca = trustme.CA()
    slow_probe = {**FAST_PROBE, "interval": 30}  # the monitor must not notice: only retries can save these

    async def scenario() -> tuple[list[tuple[int, str | None, bytes]], list[dict]]:
        async with upstreams("west", "east") as (west, east):
            config = write_config(tmp_path, [endpoint(west, priority=1), endpoint(east, priority=2)], ca,
                                  retry=True, probe=slow_probe)
            async with router(config) as running, https_client(ca) as http:
                await until(lambda: statuses(running) == {"west": "Online", "east": "Online"})
                results: list[tuple[int, str | None, bytes]] = []

                async def client(number: int) -> None:
                    for i in range(40):
                        results.append(await send(http, running, client=f"c{number}", data=f"{number}-{i}".encode()))

                clients = asyncio.gather(*(client(n) for n in range(8)))
                await until(lambda: len(results) >= 80)
                await west.stop()
                await clients
                assert statuses(running)["west"] == "Online"  # still: the monitor has not probed since
        return results, events(tmp_path / "router.jsonl", "request")

    results, logged = asyncio.run(scenario())
    assert len(results) == 320 and {status for status, _, _ in results} == {200}
    assert {name for _, name, _ in results} == {"west", "east"}
    assert {entry["status"] for entry in logged} == {200}
    assert any(entry["attempts"] == ["west", "east"] for entry in logged)
    assert results[-1][1] == "east"


def test_no_endpoint_at_all_is_503_with_a_json_body(tmp_path: Path) -> None:
    ca = trustme.CA()

    async def scenario() -> tuple[int, str | None, bytes]:
        async with upstreams("west") as (west,):
            config = write_config(tmp_path, [endpoint(west, enabled=False)], ca)
            async with router(config) as running, https_client(ca) as http:
                return await send(http, running)

    assert asyncio.run(scenario()) == (503, None, b'{"error": "no endpoint is available", "attempts": []}')


def test_when_every_region_is_degraded_requests_still_go_to_them(tmp_path: Path) -> None:
    ca = trustme.CA()

    async def scenario() -> tuple[int, str | None, bytes]:
        async with upstreams("west", "east") as (west, east):
            west.healthy = east.healthy = False
            config = write_config(tmp_path, [endpoint(west, priority=2), endpoint(east, priority=1)], ca)
            async with router(config) as running, https_client(ca) as http:
                await until(lambda: statuses(running) == {"west": "Degraded", "east": "Degraded"})
                return await send(http, running)

    assert asyncio.run(scenario()) == (200, "east", b"hello")
