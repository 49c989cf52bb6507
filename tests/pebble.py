"""A real ACME server for tests: Pebble with its mock DNS, on free loopback ports.

`pebble-challtestsrv` answers every name with 127.0.0.1 (IPv4 only: with its default AAAA
answer Pebble validates against ::1, where nothing listens), so Pebble validates HTTP-01 by
fetching http://127.0.0.1:<http_port>/.well-known/acme-challenge/<token>. Pebble's listener
certificate comes from a throwaway CA (trustme) that `ca_bundle` names, for REQUESTS_CA_BUNDLE.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import shutil
import socket
import ssl
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import trustme

from geobot.targets.local.ports import bindable, ephemeral_range

START_TIMEOUT = 15.0
_handed_out: set[int] = set()  # by this process, so a port is given once before it is bound


@dataclass(frozen=True)
class Pebble:
    """Where a running Pebble answers, and what to trust to talk to it."""

    directory: str
    management: str
    ca_bundle: Path

    def roots(self) -> bytes:
        """PEM of Pebble's issuing root and intermediate (made fresh at each Pebble start)."""
        context = ssl.create_default_context(cafile=str(self.ca_bundle))
        pems = []
        for path in ("/roots/0", "/intermediates/0"):
            with urllib.request.urlopen(self.management + path, context=context, timeout=10) as response:
                pems.append(response.read())
        return b"".join(pems)


def free_port() -> int:
    """A loopback port free for both TCP and UDP (the mock DNS listens on both) that no other test
    process picks: above the ephemeral range, where geobot's own `auto` ports never are (they are
    below it), and in this pytest-xdist worker's share of those (port ≡ worker index mod workers),
    as Pebbles run in several workers at once."""
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    index = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw"))
    share = [port for port in range(ephemeral_range()[1] + 1, 65536) if port % workers == index]
    start = random.randrange(len(share))
    for port in share[start:] + share[:start]:
        if port in _handed_out or not bindable(port):
            continue
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            try:
                udp.bind(("127.0.0.1", port))
            except OSError:
                continue
        _handed_out.add(port)
        return port
    raise RuntimeError(f"no free port above the ephemeral range in worker {index}'s share")


@contextlib.contextmanager
def run_pebble(workdir: Path, http_port: int) -> Iterator[Pebble]:
    """Start challtestsrv and Pebble, wait until the directory answers, stop both afterwards."""
    binaries = [shutil.which(name) for name in ("pebble", "pebble-challtestsrv")]
    if None in binaries:
        pytest.skip("pebble is not installed (apt-get install pebble)")
    pebble_bin, challtestsrv_bin = binaries
    workdir.mkdir(parents=True, exist_ok=True)
    ca_bundle, config = _listener_files(workdir)
    ports: list[int] = []
    while len(ports) < 5:  # five different ports, none of them the one being validated
        port = free_port()
        if port not in ports and port != http_port:
            ports.append(port)
    dns, challenge_management, listen, management, tls = ports
    config.write_text(json.dumps({"pebble": {
        "listenAddress": f"127.0.0.1:{listen}",
        "managementListenAddress": f"127.0.0.1:{management}",
        "certificate": str(workdir / "listener.pem"),
        "privateKey": str(workdir / "listener-key.pem"),
        "httpPort": http_port,
        "tlsPort": tls,  # where TLS-ALPN-01 would be validated: geobot never uses it
        "ocspResponderURL": "",
        "externalAccountBindingRequired": False,
    }}))
    pebble = Pebble(f"https://127.0.0.1:{listen}/dir", f"https://127.0.0.1:{management}", ca_bundle)
    env = {**os.environ, "PEBBLE_VA_NOSLEEP": "1", "PEBBLE_WFE_NONCEREJECT": "0"}
    with contextlib.ExitStack() as stack:
        challtestsrv = stack.enter_context(_process(
            [challtestsrv_bin, "-http01", "", "-https01", "", "-tlsalpn01", "", "-defaultIPv6", "",
             "-dns01", f"127.0.0.1:{dns}", "-management", f"127.0.0.1:{challenge_management}"],
            workdir / "challtestsrv.log", env))
        server = stack.enter_context(_process(
            [pebble_bin, "-config", str(config), "-dnsserver", f"127.0.0.1:{dns}"], workdir / "pebble.log", env))
        _wait_until_ready(pebble, challenge_management, [challtestsrv, server], workdir)
        yield pebble


def _listener_files(workdir: Path) -> tuple[Path, Path]:
    ca = trustme.CA()
    ca.cert_pem.write_to_path(str(workdir / "listener-ca.pem"))
    leaf = ca.issue_cert("127.0.0.1", "localhost")
    leaf.private_key_pem.write_to_path(str(workdir / "listener-key.pem"))
    (workdir / "listener.pem").write_bytes(b"".join(blob.bytes() for blob in leaf.cert_chain_pems))
    return workdir / "listener-ca.pem", workdir / "pebble.json"


@contextlib.contextmanager
def _process(argv: list[str], log: Path, env: dict[str, str]) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("wb") as output:
        process = subprocess.Popen(argv, stdout=output, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env)
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_ready(
    pebble: Pebble, challtestsrv_port: int, processes: list[subprocess.Popen[bytes]], workdir: Path
) -> None:
    """Until the mock DNS's management port and Pebble's directory answer; a crash ends it at once."""
    context = ssl.create_default_context(cafile=str(pebble.ca_bundle))
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        for process in processes:
            if process.poll() is not None:
                logs = "".join(p.read_text() for p in sorted(workdir.glob("*.log")))
                raise RuntimeError(f"{process.args[0]} exited with {process.returncode}:\n{logs}")
        try:
            socket.create_connection(("127.0.0.1", challtestsrv_port), timeout=2).close()
            with urllib.request.urlopen(pebble.directory, context=context, timeout=2) as response:
                if "newOrder" in json.load(response):
                    return
        except (OSError, ValueError):
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"Pebble did not answer {pebble.directory} within {START_TIMEOUT:.0f} s")
        time.sleep(0.1)
