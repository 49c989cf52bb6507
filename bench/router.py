"""The local router's cost: request latency and throughput direct to a region vs through the router.

Starts two bot-like upstreams (a small aiohttp app each, own process) and
`python -m geobot.targets.local.router` with a freshly generated certificate, all on free
loopback ports, then sends the same POST from several concurrent keep-alive clients first
straight to one upstream over HTTP, then through the router's HTTPS listener. Prints one
table with p50/p99 latency, requests per second and what the router adds. Bounded: --requests
per path, stops by itself.

    python bench/router.py [--requests N] [--clients C] [--retry]   (with geobot installed)
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import json
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from geobot.certs.pfx import build_pfx

HOST = "bench.localhost"
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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def certificate() -> tuple[bytes, bytes]:
    """(password-less PFX, PEM to trust) of a self-signed certificate for HOST."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, HOST)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(HOST)]), critical=False)
            .sign(key, hashes.SHA256()))
    return build_pfx(key, cert, [], None), cert.public_bytes(serialization.Encoding.PEM)


async def wait_ready(log: Path) -> dict:
    """The router's start event, once it routes (an endpoint is picked)."""
    deadline = time.monotonic() + 20
    async with aiohttp.ClientSession() as http:
        while time.monotonic() < deadline:
            if log.exists() and (lines := log.read_text().splitlines()):
                start = json.loads(lines[0])
                async with http.get(f"http://127.0.0.1:{start['http_port']}/_geobot/status") as response:
                    if (await response.json())["pick"] is not None:
                        return start
            await asyncio.sleep(0.05)
    raise SystemExit("the router did not start and route within 20 s (see its stderr above)")


Result = tuple[list[float], float]  # sorted latencies (ms), elapsed seconds


async def load(url: str, requests: int, clients: int, ssl_context: ssl.SSLContext | None) -> Result:
    """Latencies (ms) of `requests` POSTs from `clients` concurrent keep-alive clients, and the elapsed seconds."""
    latencies: list[float] = []
    connector = aiohttp.TCPConnector(limit=clients, ssl=ssl_context or True)
    async with aiohttp.ClientSession(connector=connector) as http:
        async def client(count: int) -> None:
            for _ in range(count):
                started = time.perf_counter()
                async with http.post(url, json={"text": "hi"}, server_hostname=HOST if ssl_context else None) as r:
                    await r.read()
                    if r.status != 200:
                        raise SystemExit(f"request failed with HTTP {r.status}")
                latencies.append((time.perf_counter() - started) * 1000)

        await asyncio.gather(*(client(20) for _ in range(clients)))  # warm-up: connections and handshakes
        latencies.clear()
        started = time.perf_counter()
        await asyncio.gather(*(client(requests // clients) for _ in range(clients)))
        return sorted(latencies), time.perf_counter() - started


def p(latencies: list[float], q: float) -> float:
    return statistics.median(latencies) if q == 0.5 else latencies[int(len(latencies) * q)]


async def measure(tmp: Path, west: int, requests: int, clients: int, pem: bytes) -> tuple[Result, Result]:
    router = await wait_ready(tmp / "router.jsonl")
    trust = ssl.create_default_context(cadata=pem.decode())
    direct = await load(f"http://127.0.0.1:{west}/api/messages", requests, clients, None)
    routed = await load(f"https://127.0.0.1:{router['https_port']}/api/messages", requests, clients, trust)
    return direct, routed


def run(requests: int, clients: int, retry: bool) -> None:
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        pfx, pem = certificate()
        (tmp / "tls.pfx").write_bytes(pfx)
        ports = {"west": free_port(), "east": free_port()}
        config = {"host_name": HOST, "https_port": 0, "http_port": 0, "routing_method": "priority", "retry": retry,
                  "probe": {"interval": 1, "timeout": 1, "tolerated_failures": 1, "dns_ttl": 10},
                  "certificate": str(tmp / "tls.pfx"), "log": str(tmp / "router.jsonl"),
                  "endpoints": [{"name": name, "url": f"http://127.0.0.1:{port}", "priority": i + 1}
                                for i, (name, port) in enumerate(ports.items())]}
        (tmp / "router.json").write_text(json.dumps(config))
        processes = [subprocess.Popen([sys.executable, "-c", UPSTREAM, str(port), name]) for name, port in ports.items()]
        processes.append(subprocess.Popen([sys.executable, "-m", "geobot.targets.local.router",
                                           "--config", str(tmp / "router.json")]))
        try:
            direct, routed = asyncio.run(measure(tmp, ports["west"], requests, clients, pem))
        finally:
            for process in processes:
                process.terminate()
                process.wait(10)
    mode = "retry" if retry else "DNS-faithful"
    print(f"{requests} POSTs per path, {clients} concurrent keep-alive clients, router in {mode} mode")
    print(f"{'path':<34}{'p50 ms':>9}{'p99 ms':>9}{'req/s':>9}")
    for label, (latencies, elapsed) in (("direct to upstream (HTTP)", direct), ("through router (HTTPS -> HTTP)", routed)):
        print(f"{label:<34}{p(latencies, 0.5):>9.2f}{p(latencies, 0.99):>9.2f}{len(latencies) / elapsed:>9.0f}")
    added = [p(routed[0], q) - p(direct[0], q) for q in (0.5, 0.99)]
    print(f"{'added by the router':<34}{added[0]:>9.2f}{added[1]:>9.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=4000, help="requests per path (default 4000)")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--retry", action="store_true", help="run the router in retry (Front Door-like) mode")
    args = parser.parse_args()
    run(args.requests, args.clients, args.retry)


if __name__ == "__main__":
    main()
