"""The local router's cost, side by side with HAProxy on the same upstreams.

Starts two bot-like upstreams (a small aiohttp app each, own process),
`python -m geobot.targets.local.router` and, if `haproxy` is installed, HAProxy configured the
same way (TLS in with the same certificate, one request log line per request, health checks
every second with 2 tolerated failures, keep-alive to the upstreams, `west` preferred and
`east` as backup; with --retry, HAProxy retries failed requests (L7 retries, redispatch) like geobot's retry mode).
Then sends the same POST from several concurrent clients straight to one upstream over HTTP,
through geobot's HTTPS listener and through HAProxy's, first over keep-alive connections, then
with a new TLS connection per request. Prints p50/p99 latency, requests per second and the
proxy process's CPU time per request (user + system, workers included), and geobot's ratio
to HAProxy. The paths take turns (ROUNDS each), so a busy machine's swings fall on all of
them; CPU per request is the steadiest figure on a shared machine. Bounded: --requests per path and connection mode, loopback only, stops by itself.

    python bench/router.py [--requests N] [--clients C] [--retry]   (with geobot installed)
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import json
import os
import shutil
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import psutil
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from geobot.certs.pfx import build_pfx

HOST = "bench.localhost"
WARM_UP = 20  # requests per client before measuring: connections, handshakes, upstream pools
ROUNDS = 4  # each path's requests are sent in this many turns, interleaved with the other paths'
UPSTREAM = """
import sys
from aiohttp import web
name = sys.argv[2]
async def health(request): return web.json_response({"status": "healthy"})
async def messages(request):
    return web.json_response({"region": name, "echo": (await request.json())["text"]})
app = web.Application()
app.router.add_get("/api/health", health)
app.router.add_post("/api/messages", messages)
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None, access_log=None)
"""
HAPROXY = """
global
    maxconn 4096
defaults
    mode http
    log stdout format raw local0 info
    option httplog
    option http-keep-alive
    option forwardfor
    http-reuse always
    timeout connect 5s
    timeout client 30s
    timeout server 30s
    {retry}
frontend https
    bind 127.0.0.1:{port} ssl crt {pem}
    default_backend regions
backend regions
    option httpchk GET /api/health
    http-check expect status 200
    default-server inter 1s fall 2 rise 1
    server west 127.0.0.1:{west} check
    server east 127.0.0.1:{east} check backup
"""
RETRY = "retries 1\n    option redispatch 1\n    retry-on all-retryable-errors"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def certificate() -> tuple[bytes, bytes, bytes]:
    """(password-less PFX, certificate PEM to trust, key PEM) of a self-signed certificate for HOST."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, HOST)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(HOST)]), critical=False)
            .sign(key, hashes.SHA256()))
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return build_pfx(key, cert, [], None), cert.public_bytes(serialization.Encoding.PEM), key_pem


@dataclass
class Result:
    latencies: list[float]  # sorted, ms
    elapsed: float  # seconds
    cpu: float | None  # seconds of the proxy's CPU (None: direct, no proxy)

    def row(self, label: str) -> str:
        cpu = "" if self.cpu is None else f"{self.cpu / len(self.latencies) * 1e6:>10.0f}"
        return f"{label:<30}{self.p50:>9.2f}{self.p99:>9.2f}{self.rate:>9.0f}{cpu}"

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies)

    @property
    def p99(self) -> float:
        return self.latencies[int(len(self.latencies) * 0.99)]

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.elapsed


def cpu_seconds(pid: int | None) -> float:
    """User + system CPU time of a process and all its descendants (a multi-process proxy's workers)."""
    if pid is None:
        return 0.0
    process = psutil.Process(pid)
    total = 0.0
    for each in (process, *process.children(recursive=True)):
        times = each.cpu_times()
        total += times.user + times.system
    return total


async def load(url: str, requests: int, clients: int, trust: ssl.SSLContext | None, keep_alive: bool,
               pid: int | None) -> Result:
    """`requests` POSTs from `clients` concurrent clients, after a warm-up; the proxy's CPU time over them."""
    latencies: list[float] = []
    connector = aiohttp.TCPConnector(limit=clients, ssl=trust or True, force_close=not keep_alive)
    async with aiohttp.ClientSession(connector=connector) as http:
        async def client(count: int) -> None:
            for _ in range(count):
                started = time.perf_counter()
                async with http.post(url, json={"text": "hi"}, server_hostname=HOST if trust else None) as r:
                    await r.read()
                    if r.status != 200:
                        raise SystemExit(f"request to {url} failed with HTTP {r.status}")
                latencies.append((time.perf_counter() - started) * 1000)

        await asyncio.gather(*(client(WARM_UP) for _ in range(clients)))
        latencies.clear()
        cpu, started = cpu_seconds(pid), time.perf_counter()
        await asyncio.gather(*(client(requests // clients) for _ in range(clients)))
        elapsed = time.perf_counter() - started
        return Result(sorted(latencies), elapsed, None if pid is None else cpu_seconds(pid) - cpu)


async def wait_router(log: Path) -> int:
    """geobot's HTTPS port, once its start event is written and it routes (an endpoint is picked)."""
    deadline = time.monotonic() + 20
    async with aiohttp.ClientSession() as http:
        while time.monotonic() < deadline:
            if log.exists() and (lines := log.read_text().splitlines()):
                start = json.loads(lines[0])
                async with http.get(f"http://127.0.0.1:{start['http_port']}/_geobot/status") as response:
                    if (await response.json())["pick"] is not None:
                        return start["https_port"]
            await asyncio.sleep(0.05)
    raise SystemExit("the router did not start and route within 20 s (see its stderr above)")


async def wait_haproxy(port: int, trust: ssl.SSLContext) -> None:
    """Until HAProxy answers 200, i.e. its first health check passed."""
    deadline = time.monotonic() + 20
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=trust)) as http:
        while time.monotonic() < deadline:
            try:
                async with http.post(f"https://127.0.0.1:{port}/api/messages", json={"text": "hi"},
                                     server_hostname=HOST) as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.05)
    raise SystemExit("HAProxy did not answer 200 within 20 s (see its stderr above)")


Proxy = tuple[str, str, int | None]  # (label, base URL, process id or None for the upstream itself)


async def measure(proxies: list[Proxy], requests: int, clients: int, trust: ssl.SSLContext,
                  keep_alive: bool) -> dict[str, Result]:
    """Each path in turn, ROUNDS times over, so that a shared machine's changing load falls on all alike."""
    results: dict[str, Result] = {label: Result([], 0.0, None if pid is None else 0.0) for label, _, pid in proxies}
    count = (requests if keep_alive else requests // 4) // ROUNDS
    for _ in range(ROUNDS):
        for label, base, pid in proxies:
            tls = trust if base.startswith("https") else None
            part, total = await load(f"{base}/api/messages", count, clients, tls, keep_alive, pid), results[label]
            total.latencies += part.latencies
            total.elapsed += part.elapsed
            total.cpu = None if part.cpu is None or total.cpu is None else total.cpu + part.cpu
    for result in results.values():
        result.latencies.sort()
    return results


def report(title: str, results: dict[str, Result]) -> None:
    print(f"\n{title}")
    print(f"{'path':<30}{'p50 ms':>9}{'p99 ms':>9}{'req/s':>9}{'CPU µs/req':>11}")
    for label, result in results.items():
        print(result.row(label))
    geobot, haproxy = results.get("geobot router"), results.get("haproxy")
    if geobot is None or haproxy is None or not geobot.cpu or not haproxy.cpu:
        return
    cpu = (geobot.cpu / len(geobot.latencies)) / (haproxy.cpu / len(haproxy.latencies))
    print(f"{'geobot / haproxy':<30}{geobot.p50 / haproxy.p50:>8.2f}x{geobot.p99 / haproxy.p99:>8.2f}x"
          f"{geobot.rate / haproxy.rate:>8.2f}x{cpu:>9.2f}x")


def run(requests: int, clients: int, retry: bool) -> None:
    haproxy = shutil.which("haproxy")
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        pfx, pem, key = certificate()
        (tmp / "tls.pfx").write_bytes(pfx)
        (tmp / "tls.pem").write_bytes(pem + key)
        ports = {"west": free_port(), "east": free_port()}
        config = {"host_name": HOST, "https_port": 0, "http_port": 0, "routing_method": "priority", "retry": retry,
                  "probe": {"interval": 1, "timeout": 1, "tolerated_failures": 1, "dns_ttl": 10},
                  "certificate": str(tmp / "tls.pfx"), "log": str(tmp / "router.jsonl"),
                  "endpoints": [{"name": name, "url": f"http://127.0.0.1:{port}", "priority": i + 1}
                                for i, (name, port) in enumerate(ports.items())]}
        (tmp / "router.json").write_text(json.dumps(config))
        processes = [subprocess.Popen([sys.executable, "-c", UPSTREAM, str(port), name]) for name, port in ports.items()]
        router = subprocess.Popen([sys.executable, "-m", "geobot.targets.local.router", "--config", str(tmp / "router.json")])
        processes.append(router)
        haproxy_port = free_port()
        if haproxy:
            (tmp / "haproxy.cfg").write_text(HAPROXY.format(
                port=haproxy_port, pem=tmp / "tls.pem", west=ports["west"], east=ports["east"],
                retry=RETRY if retry else ""))
            with open(tmp / "haproxy.log", "wb") as haproxy_log:  # its request log, as geobot's router.jsonl
                processes.append(subprocess.Popen([haproxy, "-q", "-db", "-f", str(tmp / "haproxy.cfg")], stdout=haproxy_log))
        trust = ssl.create_default_context(cadata=pem.decode())

        async def both() -> tuple[dict[str, Result], dict[str, Result]]:
            proxies: list[Proxy] = [("direct to upstream (HTTP)", f"http://127.0.0.1:{ports['west']}", None),
                                    ("geobot router", f"https://127.0.0.1:{await wait_router(tmp / 'router.jsonl')}",
                                     router.pid)]
            if haproxy:
                await wait_haproxy(haproxy_port, trust)
                proxies.append(("haproxy", f"https://127.0.0.1:{haproxy_port}", processes[-1].pid))
            return (await measure(proxies, requests, clients, trust, keep_alive=True),
                    await measure(proxies, requests, clients, trust, keep_alive=False))

        try:
            kept, fresh = asyncio.run(both())
        finally:
            for process in processes:
                process.terminate()
                process.wait(10)
    mode = "retry" if retry else "DNS-faithful"
    print(f"{clients} concurrent clients, geobot's router in {mode} mode, HTTPS in, HTTP to the upstreams")
    if not haproxy:
        print("haproxy is not installed (apt-get install haproxy): no HAProxy comparison")
    else:
        print(f"HAProxy with its default threads (one per CPU: {os.cpu_count()}); geobot's router: one process")
    report(f"keep-alive clients, {requests} POSTs per path", kept)
    report(f"a new TLS connection per request, {requests // 4} POSTs per path", fresh)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=4000, help="keep-alive requests per path (default 4000; "
                                                                   "a quarter as many with a new connection each)")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--retry", action="store_true", help="run the router in retry (Front Door-like) mode")
    args = parser.parse_args()
    run(args.requests, args.clients, args.retry)


if __name__ == "__main__":
    main()
