"""`geobot deploy/destroy --target azure` end to end against the RBAC-enforcing rehearsal.

The real command runs in its own process with its real Azure SDKs, signed in as a service
principal; HTTPS_PROXY leads it (and certbot's hooks) to the rehearsal, which authorizes every
call against the role assignments terraform/azure declares, applies them only
`PROPAGATION` seconds after the apply that made them, and locks Front Door's web apps to it.
Nothing here is verified against a real subscription: see docs/azure.md.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.azure_rehearsal.cloud import Cloud
from tests.azure_rehearsal.fixtures import cloud, front_door, rehearsal  # noqa: F401 (fixtures)
from tests.azure_rehearsal.server import Rehearsal
from tests.integration.conftest import Geobot


def ok(done: object) -> str:
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    return done.stdout + done.stderr


def stages_run(output: str) -> list[str]:
    """The stages a run actually ran (not skipped as unchanged)."""
    return [line.split()[1].rstrip(":") for line in output.splitlines() if line.endswith(("running (new)", "running (changed)"))]


# ---- Front Door ----------------------------------------------------------------------------


@pytest.fixture
def fd(rehearsal: Rehearsal, tmp_path: Path) -> Geobot:
    return front_door(rehearsal, tmp_path)


def test_front_door_deploys_through_role_propagation_and_the_access_restriction(fd: Geobot, cloud: Cloud,
                                                                                rehearsal: Rehearsal) -> None:
    output = ok(fd("deploy"))

    assert "refused (403): the role may not have applied yet" in output  # the Language Owner role was propagating
    assert cloud.bot_endpoint == f"https://{cloud.ids().front_door_host}/api/messages"
    assert all(app.code for app in cloud.apps.values())
    assert {r: p.deployments for r, p in ((a, ps["geobot"]) for a, ps in cloud.languages.items())} == {
        a: {"production": ps["geobot"].models[0]} for a, ps in cloud.languages.items()}
    direct = [u for u in rehearsal.unrouted if "Ip Forbidden" in u]
    assert direct == [], "online must not probe the Front-Door-locked web apps directly"


def test_a_second_front_door_deploy_changes_nothing(fd: Geobot, cloud: Cloud) -> None:
    ok(fd("deploy"))
    before = len(cloud.changes)

    output = ok(fd("deploy"))

    assert stages_run(output) == []
    assert cloud.changes[before:] == []  # no apply, no upload, no training, no endpoint update


def test_front_door_destroy_tears_everything_down(fd: Geobot, cloud: Cloud) -> None:
    ok(fd("deploy"))

    ok(fd("destroy"))

    assert cloud.variables is None and cloud.apps == {} and cloud.bot_endpoint is None
    assert cloud.deleted_vaults == {}  # offered and (auto-approved) purged, so the names are free again
