"""Running the real `geobot` command against the rehearsal: its environment and its Terraform."""

from __future__ import annotations

import json
import os
import stat
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.azure_rehearsal import infrastructure as infra
from tests.azure_rehearsal.cloud import Cloud
from tests.azure_rehearsal.dns import Nameserver
from tests.azure_rehearsal.server import Rehearsal, running
from tests.integration.conftest import Geobot
from tests.pebble import Pebble

REPO = Path(__file__).resolve().parents[2]
DOMAIN = "bot.rehearsal.test"
PROPAGATION = 3.0  # seconds before a new role assignment applies (Azure: up to several minutes)
EXPORT_PASSWORD = "rehearsal-export-pw"
DEFAULT_VARIABLES = json.loads((REPO / "tests" / "unit" / "targets" / "azure" / "golden" / "default.tfvars.json").read_text())


def terraform_wrapper(directory: Path) -> Path:
    """An executable `terraform` that is the rehearsal's stand-in (GEOBOT_TERRAFORM)."""
    wrapper = directory / "terraform"
    wrapper.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m tests.azure_rehearsal.terraform "$@"\n')
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IXUSR)
    return wrapper


def bundle(directory: Path, *pems: bytes) -> Path:
    """One CA file for Python's ssl, requests and aiohttp alike: the rehearsal's CA and any others."""
    path = directory / "trusted.pem"
    path.write_bytes(b"\n".join(pems))
    return path


def geobot_env(rehearsal: Rehearsal, directory: Path, trusted: Path, edge: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GEOBOT_", "AZURE_", "ARM_", "HTTP", "http", "NO_PROXY", "no_proxy"))}
    env |= rehearsal.env(trusted)
    env |= {"PYTHONPATH": str(REPO), "HOME": str(directory), "GEOBOT_TERRAFORM": str(terraform_wrapper(directory)),
            "GEOBOT_TARGET": "azure", "GEOBOT_AZURE_EDGE": edge, "GEOBOT_AUTO_APPROVE": "1", "NO_COLOR": "1",
            "GEOBOT_AZURE_APP_SERVICE_PRINCIPAL_ID": infra.APP_SERVICE.object_id, "GEOBOT_AZURE_ONLINE_TIMEOUT": "60",
            "GEOBOT_EXPORT_PASSWORD": EXPORT_PASSWORD}
    return env


@pytest.fixture
def cloud() -> Cloud:
    return Cloud(propagation=PROPAGATION)


@pytest.fixture
def rehearsal(tmp_path: Path, cloud: Cloud) -> Iterator[Rehearsal]:
    (tmp_path / "rehearsal").mkdir()
    with running(tmp_path / "rehearsal", cloud, DOMAIN) as served:
        yield served
    assert served.defects == [], "the rehearsal failed to answer:\n" + "\n".join(served.defects)


def front_door(rehearsal: Rehearsal, tmp_path: Path) -> Geobot:
    """geobot in a fresh directory, deploying the Front Door edge (no domain) to the rehearsal."""
    work = tmp_path / "geobot-run"
    work.mkdir()
    trusted = bundle(tmp_path, rehearsal.bundle.read_bytes())
    return Geobot(work, geobot_env(rehearsal, work, trusted, "frontdoor"))


def traffic_manager(rehearsal: Rehearsal, tmp_path: Path, pebble: Pebble, nameserver: Nameserver) -> Geobot:
    """geobot deploying the Traffic Manager edge with DOMAIN and a Let's Encrypt (Pebble) certificate.

    The domain's records are created as its owner would once geobot has printed them; Pebble's
    mock DNS sends its HTTP-01 validation to the rehearsal's port 80, the routed web app answers it.
    """
    work = tmp_path / "geobot-run"
    work.mkdir()
    trusted = bundle(tmp_path, rehearsal.bundle.read_bytes(), pebble.ca_bundle.read_bytes(), pebble.roots())
    env = geobot_env(rehearsal, work, trusted, "trafficmanager")
    env |= {"GEOBOT_DOMAIN": DOMAIN, "GEOBOT_CERT_SOURCE": "letsencrypt", "GEOBOT_CERT_EMAIL": "ops@rehearsal.test",
            "GEOBOT_ACME_DIRECTORY": pebble.directory, "GEOBOT_DNS_RESOLVER": nameserver.address}
    nameserver.add("CNAME", DOMAIN, f"{DEFAULT_VARIABLES['names']['traffic_manager_dns']}.trafficmanager.net")
    nameserver.add("TXT", f"asuid.{DOMAIN}", infra.VERIFICATION_ID)
    return Geobot(work, env)
