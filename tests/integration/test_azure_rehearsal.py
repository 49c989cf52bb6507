"""`geobot deploy/destroy --target azure` end to end against the RBAC-enforcing rehearsal.

The real command runs in its own process with its real Azure SDKs, signed in as a service
principal; HTTPS_PROXY leads it (and certbot's hooks) to the rehearsal, which authorizes every
call against the role assignments terraform/azure declares, applies them only
`PROPAGATION` seconds after the apply that made them, and locks Front Door's web apps to it.
Nothing here is verified against a real subscription: see docs/azure.md.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from geobot.bot.version import code_version
from geobot.certs import acme
from geobot.certs.pfx import describe, verify_pfx
from geobot.errors import PrerequisiteError
from tests.azure_rehearsal.cloud import Cloud
from tests.azure_rehearsal.dns import Nameserver, nameserver
from tests.azure_rehearsal.fixtures import (  # noqa: F401 (cloud, rehearsal: fixtures)
    DEFAULT_VARIABLES, DOMAIN, EXPORT_PASSWORD, REPO, cloud, front_door, rehearsal, traffic_manager)
from tests.azure_rehearsal.infrastructure import DEPLOYER, addresses
from tests.azure_rehearsal.server import Rehearsal
from tests.integration.conftest import Geobot
from tests.pebble import Pebble, run_pebble
from tests.releases import release

DEPLOYER_ID = DEPLOYER.object_id


def ok(done: object) -> str:
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    return done.stdout + done.stderr


def failed(done: object) -> str:
    """The output of a run that must have failed as a cloud failure does (exit 1)."""
    output = done.stdout + done.stderr
    assert done.returncode == 1, output[-3000:]
    return output


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
    for projects in cloud.languages.values():
        assert projects["geobot"].models == [projects["geobot"].deployments["production"]]  # live, and nothing older
    direct = [u for u in rehearsal.unrouted if "Ip Forbidden" in u]
    assert direct == [], "online must not probe the Front-Door-locked web apps directly"


def test_a_second_front_door_deploy_changes_nothing(fd: Geobot, cloud: Cloud) -> None:
    ok(fd("deploy"))
    before = len(cloud.changes)

    output = ok(fd("deploy"))

    assert stages_run(output) == []
    assert cloud.changes[before:] == []  # no apply, no upload, no training, no endpoint update


def test_a_web_app_that_terraform_replaced_gets_the_code_again(fd: Geobot, cloud: Cloud) -> None:
    ok(fd("deploy"))
    region = next(iter(cloud.apps))
    cloud.tainted.add(region)  # the next apply replaces it: same name and id, an empty site

    output = ok(fd("deploy", extra_env={"GEOBOT_AZURE_APP_SERVICE_SKU": "P1v3"}))  # a change that is applied

    assert stages_run(output)[:2] == ["infrastructure", "code"]
    assert all(app.code for app in cloud.apps.values())


def test_front_door_destroy_tears_everything_down(fd: Geobot, cloud: Cloud) -> None:
    ok(fd("deploy"))

    ok(fd("destroy"))

    assert cloud.variables is None and cloud.apps == {} and cloud.bot_endpoint is None
    assert cloud.deleted_vaults == {}  # offered and (auto-approved) purged, so the names are free again


# ---- Traffic Manager, a custom domain and Let's Encrypt (Pebble) ------------------------------------


@pytest.fixture
def pebble(rehearsal: Rehearsal, tmp_path: Path) -> Iterator[Pebble]:
    try:
        acme.find_certbot(os.environ)
    except PrerequisiteError:
        pytest.skip("certbot is not installed (pip install certbot)")
    with run_pebble(tmp_path / "pebble", rehearsal.http_port) as server:
        yield server


@pytest.fixture
def dns() -> Iterator[Nameserver]:
    with nameserver() as server:
        yield server


@pytest.fixture
def tm(rehearsal: Rehearsal, tmp_path: Path, pebble: Pebble, dns: Nameserver) -> Geobot:
    return traffic_manager(rehearsal, tmp_path, pebble, dns)


def certificate_imports(cloud: Cloud) -> int:
    return sum(change.startswith("keyvault.importCertificate kvc-") for change in cloud.changes)


def test_traffic_manager_deploys_with_lets_encrypt_and_a_rerun_orders_nothing(tm: Geobot, cloud: Cloud) -> None:
    output = ok(tm("deploy"))

    assert "Successfully received certificate." in output
    assert certificate_imports(cloud) == 1
    assert cloud.bound is not None  # App Service imported it from Key Vault with its own principal's roles
    assert cloud.bot_endpoint == f"https://{DOMAIN}/api/messages"
    before = len(cloud.changes)

    again = ok(tm("deploy"))

    assert stages_run(again) == []
    assert "Requesting a certificate" not in again
    assert cloud.changes[before:] == []


TM_STAGES = ["preflight", "infrastructure", "language", "code", "dns", "hostname", "certificate", "tls", "online",
             "endpoint", "smoke"]


@pytest.mark.parametrize("stage", TM_STAGES)
def test_a_deploy_killed_as_a_stage_starts_resumes_without_a_second_order(tm: Geobot, cloud: Cloud, stage: str) -> None:
    killed = tm.killed_as_starting(stage, "deploy")
    assert killed == -signal.SIGKILL, f"deploy ended before stage {stage} started"

    again = tm("deploy")

    assert again.returncode == 0, again.stdout[-3000:] + again.stderr[-3000:]
    assert "ended without finishing; resuming" in again.stderr + again.stdout
    assert certificate_imports(cloud) == 1
    assert cloud.bot_endpoint == f"https://{DOMAIN}/api/messages"


def test_cert_renew_and_import_write_the_certificate_vault(tm: Geobot, cloud: Cloud, tmp_path: Path) -> None:
    ok(tm("deploy"))

    renewed = ok(tm("cert", "renew", "--force"))

    assert "renewed the certificate" in renewed and certificate_imports(cloud) == 2
    saved = tmp_path / "saved.pfx"
    ok(tm("cert", "export", str(saved)))
    imported = ok(tm("cert", "import", str(saved), extra_env={"GEOBOT_PFX_PASSWORD": EXPORT_PASSWORD}))
    assert f"imported {saved}" in imported and certificate_imports(cloud) == 3
    assert "Requesting a certificate" not in ok(tm("deploy"))  # the imported one is reused, not replaced


def test_traffic_manager_destroy_exports_the_certificate_first(tm: Geobot, cloud: Cloud, tmp_path: Path) -> None:
    ok(tm("deploy"))
    served = describe(verify_pfx(cloud.bound[0], None, DOMAIN))
    saved = tmp_path / "kept.pfx"

    ok(tm("destroy", "--export", str(saved)))

    assert describe(verify_pfx(saved.read_bytes(), EXPORT_PASSWORD, DOMAIN))["sha256"] == served["sha256"]
    assert oct(saved.stat().st_mode & 0o777) == "0o600"
    assert cloud.variables is None and cloud.apps == {} and cloud.deleted_vaults == {}


# ---- rolling update through Traffic Manager ---------------------------------------------------

ROLLING = {"GEOBOT_DNS_TTL": "1", "GEOBOT_PROBE_TOLERATED_FAILURES": "0"}  # a short drain and health check


def bot_app(directory: Path, release: int) -> Path:
    """A bring-your-own bot whose code differs by release: each release is new bot code to deploy."""
    directory.mkdir(exist_ok=True)
    (directory / "bot.py").write_text(f'"""Release {release}."""\n\n\ndef create_bot(*args, **kwargs):\n'
                                      f'    return {release}\n')
    (directory / "requirements.txt").write_text("")
    return directory


def serve(geobot: Geobot, tmp_path: Path) -> Path:
    """Deploy release 1 of a bot with a short drain; its directory, to change the code in."""
    app = bot_app(tmp_path / "bot", 1)
    geobot.env |= ROLLING | {"GEOBOT_BOT_APP": str(app)}
    ok(geobot("deploy"))
    return app


@pytest.fixture
def serving(tm: Geobot, cloud: Cloud, tmp_path: Path) -> Path:
    """A Traffic Manager deployment serving release 1 of a bot; its directory, to change the code in."""
    app = serve(tm, tmp_path)
    assert all(app.enabled for app in cloud.apps.values()) and cloud.rotation == []
    return app


def codes(cloud: Cloud) -> dict[str, str | None]:
    return {region: app.code for region, app in cloud.apps.items()}


def test_new_bot_code_rolls_out_one_region_at_a_time_and_a_conflict_is_waited_out(
        tm: Geobot, cloud: Cloud, serving: Path) -> None:
    old = codes(cloud)
    bot_app(serving, 2)
    cloud.conflicts = 1  # the first PATCH meets another operation on the profile

    output = ok(tm("deploy"))

    assert "rolling update of the bot code (one region at a time)" in output
    assert "conflict, cannot disable Traffic Manager endpoint" not in output
    assert cloud.conflicts == 0
    assert cloud.rotation == [(region, enabled) for region in cloud.apps for enabled in (False, True)]
    assert cloud.most_out_at_once() == 1
    new = codes(cloud)
    assert len(set(new.values())) == 1 and set(new.values()).isdisjoint(old.values())
    assert {region: cloud.monitor_status(region) for region in cloud.apps} == dict.fromkeys(cloud.apps, "Online")


def test_a_new_language_model_rolls_out_one_region_at_a_time(tm: Geobot, cloud: Cloud, serving: Path) -> None:
    def live() -> set[str]:
        return {projects["geobot"].deployments["production"] for projects in cloud.languages.values()}

    old = live()
    model = Path(__file__).parents[1] / "fixtures" / "models" / "places.luis-7.0.0.json"

    output = ok(tm("deploy", extra_env={"GEOBOT_BOT_MODEL": str(model)}))

    assert "rolling update of the language model (one region at a time)" in output
    assert stages_run(output) == ["language"]
    assert cloud.rotation == [(region, enabled) for region in cloud.apps for enabled in (False, True)]
    assert len(live()) == 1 and live().isdisjoint(old)


def test_all_at_once_updates_every_region_without_leaving_rotation(tm: Geobot, cloud: Cloud, serving: Path) -> None:
    old = codes(cloud)
    bot_app(serving, 2)

    output = ok(tm("deploy", "--all-at-once"))

    assert "all-at-once update of the bot code" in output
    assert cloud.rotation == []
    assert set(codes(cloud).values()).isdisjoint(old.values())


@pytest.mark.parametrize("rollback", [[], ["--all-at-once"]], ids=["rolling", "all-at-once"])
def test_a_region_failing_its_health_check_halts_the_rollout_and_the_previous_code_rolls_it_back(
        tm: Geobot, cloud: Cloud, serving: Path, rollback: list[str]) -> None:
    old = codes(cloud)
    first, second = cloud.apps
    cloud.crashing = {first}
    bot_app(serving, 2)

    halted = tm("deploy")

    output = failed(halted)
    assert f"rolling update halted at region {first}" in output and f"{first} stays out of rotation" in output
    assert "to roll back, run `geobot deploy` with the previous bot code: it updates that region again" in output
    assert "Traceback" not in output
    assert not cloud.apps[first].enabled and cloud.apps[second].enabled
    assert cloud.apps[second].code == old[second]  # the other region keeps serving the old version
    assert cloud.routed() is cloud.apps[second]
    shown = ok(tm("status"))
    assert f"rolling update unfinished: region {first} is out of rotation at step failed" in shown

    cloud.crashing = set()
    bot_app(serving, 1)
    rolled_back = ok(tm("deploy", *rollback))

    assert (f"resuming at region {first}" in rolled_back) == (not rollback)
    assert codes(cloud) == old
    assert all(app.enabled for app in cloud.apps.values()) and cloud.most_out_at_once() == 1


def deployed(release: Path) -> str:
    """The version a web app given this release's zip reports (its geobot/ part, without luis/)."""
    return code_version.__wrapped__((release / "geobot",))


def test_a_region_still_running_its_previous_code_halts_the_rollout(tm: Geobot, cloud: Cloud, tmp_path: Path) -> None:
    old, new = release(tmp_path, 1), release(tmp_path, 2)
    tm.env |= ROLLING | {"PYTHONPATH": f"{old}{os.pathsep}{REPO}"}
    ok(tm("deploy"))
    first = next(iter(cloud.apps))
    cloud.stale = {first}  # its site answers 200 from the code it ran before

    halted = tm("deploy", extra_env={"PYTHONPATH": f"{new}{os.pathsep}{REPO}"})

    output = failed(halted)
    assert f"rolling update halted at region {first}: it runs version {deployed(old)}, not {deployed(new)}" in output
    assert not cloud.apps[first].enabled and cloud.most_out_at_once() == 1


def test_a_killed_rollout_resumes_at_its_region_with_never_two_regions_out(
        tm: Geobot, cloud: Cloud, serving: Path) -> None:
    old = codes(cloud)
    first = next(iter(cloud.apps))
    bot_app(serving, 2)
    running = tm.start("deploy")
    deadline = time.monotonic() + 120
    while not cloud.rotation:  # the first region is out and draining
        assert running.poll() is None and time.monotonic() < deadline, running.communicate()
        time.sleep(0.05)
    running.send_signal(signal.SIGKILL)
    running.communicate()
    assert cloud.rotation == [(first, False)]

    resumed = ok(tm("deploy"))

    assert f"resuming at region {first}" in resumed
    assert cloud.most_out_at_once() == 1
    assert all(app.enabled for app in cloud.apps.values())
    assert set(codes(cloud).values()).isdisjoint(old.values()) and len(set(codes(cloud).values())) == 1


# ---- rolling update behind Front Door -----------------------------------------------------------


def test_behind_front_door_new_bot_code_rolls_out_one_origin_at_a_time_checked_through_its_own_route(
        fd: Geobot, cloud: Cloud, rehearsal: Rehearsal, tmp_path: Path) -> None:
    app = serve(fd, tmp_path)
    old = codes(cloud)
    bot_app(app, 2)

    output = ok(fd("deploy"))

    assert "rolling update of the bot code (one region at a time)" in output
    assert cloud.rotation == [(region, enabled) for region in cloud.apps for enabled in (False, True)]
    assert cloud.most_out_at_once() == 1
    assert cloud.propagating == dict.fromkeys(cloud.apps, 0)  # each change was seen deployed to the edge
    new = codes(cloud)
    assert len(set(new.values())) == 1 and set(new.values()).isdisjoint(old.values())
    assert [u for u in rehearsal.unrouted if "Ip Forbidden" in u] == []  # every check went through Front Door


def test_behind_front_door_a_region_whose_new_code_fails_halts_the_rollout_with_the_other_serving(
        fd: Geobot, cloud: Cloud, tmp_path: Path) -> None:
    app = serve(fd, tmp_path)
    old = codes(cloud)
    first, second = cloud.apps
    cloud.crashing = {first}
    bot_app(app, 2)

    halted = fd("deploy")

    output = failed(halted)
    assert f"rolling update halted at region {first}: its health check answers 503 (failed: site)" in output
    assert not cloud.apps[first].enabled and cloud.apps[second].enabled and cloud.most_out_at_once() == 1
    assert cloud.apps[second].code == old[second] and cloud.routed() is cloud.apps[second]


# ---- every role assignment is needed -----------------------------------------------------------

FIRST = 'module.region["koreacentral"].'
NEEDED = [  # address, edge, the stage that fails, the data action the rehearsal refuses
    ("module.global.azurerm_role_assignment.deployer_secrets", "frontdoor", "infrastructure",
     "Microsoft.KeyVault/vaults/secrets/setSecret/action"),
    ("module.global.azurerm_role_assignment.deployer_certificates", "trafficmanager", "certificate",
     "Microsoft.KeyVault/vaults/certificates/import/action"),
    ("module.global.azurerm_role_assignment.deployer_certificate_secrets", "trafficmanager", "certificate",
     "Microsoft.KeyVault/vaults/secrets/getSecret/action"),
    (f"{FIRST}azurerm_role_assignment.language_owner", "frontdoor", "language",
     "Microsoft.CognitiveServices/accounts/Language/analyze-conversations/projects/import/action"),
    (f"{FIRST}azurerm_role_assignment.vault_secrets", "trafficmanager", "online",  # Traffic Manager sees each region
     "Microsoft.KeyVault/vaults/secrets/getSecret/action"),
    (f"{FIRST}azurerm_cosmosdb_sql_role_assignment.state", "trafficmanager", "online",
     "Microsoft.DocumentDB/databaseAccounts/readMetadata"),
    (f"{FIRST}azurerm_role_assignment.language_reader", "trafficmanager", "online",
     "Microsoft.CognitiveServices/accounts/Language/analyze-conversations/action"),
    ("azurerm_role_assignment.app_service_certificate_secret", "trafficmanager", "tls",
     "Microsoft.KeyVault/vaults/secrets/getSecret/action"),
    ("azurerm_role_assignment.app_service_certificate", "trafficmanager", "tls",
     "Microsoft.KeyVault/vaults/certificates/read"),
    (f"{FIRST}azurerm_role_assignment.telemetry", "trafficmanager", "online",  # online reads each region's verdict
     "Microsoft.Insights/Telemetry/Write"),
]


def test_behind_front_door_one_region_without_its_vault_role_fails_online_naming_it(cloud: Cloud, rehearsal: Rehearsal,
                                                                                  tmp_path: Path) -> None:
    """Front Door routes around the broken region, so its endpoint alone looks fine; each region's own route does not."""
    cloud.without = frozenset({f"{FIRST}azurerm_role_assignment.vault_secrets"})

    done = front_door(rehearsal, tmp_path)("deploy")

    output = failed(done)
    assert "stage online failed: behind Front Door, not every region is healthy" in output
    assert (f"koreacentral: config: vault {cloud.ids().vault_uri('key_vault')} unreadable: refused (403): "
            "the identity lacks Microsoft.KeyVault/vaults/secrets/getSecret/action") in output
    assert "southeastasia:" not in output.split("stage online failed")[1]


def test_the_table_covers_every_role_assignment_terraform_declares() -> None:
    covered = {address for address, *_ in NEEDED}
    symmetric = {a for a in addresses(DEFAULT_VARIABLES) if a.startswith('module.region["') and not a.startswith(FIRST)}
    assert set(addresses(DEFAULT_VARIABLES)) - symmetric == covered


@pytest.mark.parametrize(("address", "edge", "stage", "action"), NEEDED)
def test_without_any_one_role_assignment_the_deploy_fails_naming_stage_call_and_action(
    address: str, edge: str, stage: str, action: str, request: pytest.FixtureRequest, cloud: Cloud, rehearsal: Rehearsal,
    tmp_path: Path,
) -> None:
    cloud.without = frozenset({address})
    cloud.propagation = 0.5
    geobot = request.getfixturevalue("tm") if edge == "trafficmanager" else front_door(rehearsal, tmp_path)

    done = geobot("deploy", extra_env={"GEOBOT_AZURE_ROLE_WAIT": "5"})

    output = failed(done)
    assert f"stage {stage} failed" in output
    refused = [d for d in cloud.denials() if d.action == action]
    assert refused, f"the rehearsal refused {[d.action for d in cloud.denials()]}, not {action}"
    assert action in output or action.startswith("Microsoft.CognitiveServices/"), output[-3000:]  # CLU names no action
