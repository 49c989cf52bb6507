"""One bot server on this machine: turns per second, p50/p99 turn latency, resident memory.

Starts `python -m geobot.bot` with a local vault, the local recognizer and a SQLite store in
a temporary directory, then holds booking conversations over HTTP (expectReplies) from
several concurrent clients on loopback. Bounded: --turns in total, stops by itself.

    python bench/bot.py [--turns N] [--clients C]   (with geobot installed, e.g. `pip install -e .`)
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import aiohttp

from geobot.bot import settings as names
from geobot.targets.local.vault import LocalVault

SCRIPT = ["hi", "book a table for 2 in Paris", "tomorrow", "at 7pm", "yes", "what did I book?"]


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


async def client(http: aiohttp.ClientSession, base: str, turns: int, latencies: list[float]) -> None:
    conversation = str(uuid.uuid4())
    for i in range(turns):
        activity = {"type": "message", "id": str(uuid.uuid4()), "channelId": "bench", "serviceUrl": "http://127.0.0.1:9/",
                    "deliveryMode": "expectReplies", "from": {"id": "u"}, "recipient": {"id": "bot"},
                    "conversation": {"id": conversation}, "text": SCRIPT[i % len(SCRIPT)]}
        started = time.perf_counter()
        async with http.post(f"{base}/api/messages", json=activity) as response:
            await response.read()
            if response.status != 200:
                raise SystemExit(f"turn failed with HTTP {response.status}")
        latencies.append((time.perf_counter() - started) * 1000)


async def wait_live(base: str, process: subprocess.Popen) -> float:
    started = time.perf_counter()
    async with aiohttp.ClientSession() as http:
        while time.perf_counter() - started < 60:
            if process.poll() is not None:
                raise SystemExit("the bot exited during start-up")
            try:
                async with http.get(f"{base}/api/health/live") as response:
                    if response.status == 200:
                        return time.perf_counter() - started
            except aiohttp.ClientConnectionError:
                await asyncio.sleep(0.02)
    raise SystemExit("the bot did not start within 60 s")


async def run(turns: int, clients: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        vault = LocalVault(Path(tmp) / "vault")
        vault.set_secret(names.LANGUAGE_ENDPOINT, "local")
        vault.set_secret(names.STORE_URL, f"sqlite://{Path(tmp) / 'state.db'}")
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        process = subprocess.Popen([sys.executable, "-m", "geobot.bot", "--vault-url", vault.url,
                                    "--region", "bench", "--port", str(port)],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}"
        try:
            startup = await wait_live(base, process)
            idle = rss_kib(process.pid)
            latencies: list[float] = []
            async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=clients)) as http:
                await client(http, base, 30, [])  # warm-up
                started = time.perf_counter()
                await asyncio.gather(*(client(http, base, turns // clients, latencies) for _ in range(clients)))
                elapsed = time.perf_counter() - started
            loaded = rss_kib(process.pid)
        finally:
            process.terminate()
            process.wait(10)
    latencies.sort()
    print(f"bot start        {startup:.2f} s until /api/health/live answers (includes training the recognizer)")
    p50, p99 = statistics.median(latencies), latencies[int(len(latencies) * 0.99)]
    rate = len(latencies) / elapsed
    print(f"throughput       {rate:.0f} turns/s ({len(latencies)} turns, {clients} concurrent clients)")
    print(f"turn latency     p50 {p50:.1f} ms, p99 {p99:.1f} ms")
    print(f"resident memory  {idle / 1024:.0f} MiB idle, {loaded / 1024:.0f} MiB after the run")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args()
    asyncio.run(run(args.turns, args.clients))


if __name__ == "__main__":
    main()
