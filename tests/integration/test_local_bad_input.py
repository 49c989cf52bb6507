"""Bad input and refused operations on the local target, run as a user runs geobot.

The rules checked here, case by case, against real Terraform and real processes:

- bad input: exit 2 and ONE line on stderr, `error: <what>; <fix>`, naming the field or option,
  what is wrong and how to fix it; no traceback; nothing created and nothing lost;
- a failure of a tool or a cloud: exit 1, naming the stage that failed and the command that resumes;
- secrets (PFX and export passwords) never appear in the output.

Cases that refuse to deploy start from an empty directory (the `geobot` fixture). Cases that
must leave a running deployment untouched share one deployment (`deployed`, made once for
the module) and check afterwards that it still serves: every region Online, a chat answered,
the journal byte for byte the same.
"""

from __future__ import annotations

import json
import os
import socket
import ssl
import stat
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes

from geobot.certs import acme
from geobot.certs.pfx import verify_pfx
from geobot.errors import PrerequisiteError
from geobot.targets.local.processes import Supervisor
from tests.certificates import write_pfx
from tests.conftest import EXPORT_PASSWORD, local_deployment_env

from .conftest import Geobot

HOST = "geobot.localhost"
PFX_PASSWORD = "pfx-password-for-tests"
WRONG_PASSWORD = "wrong-pfx-password-4417"
ONLINE_TIMEOUT = 20.0
_direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback, never through a proxy


# -- what every case asserts -------------------------------------------------------------


def refused(result: subprocess.CompletedProcess[str], *words: str) -> str:
    """Bad input: exit 2, exactly one line on stderr, `error: ...` holding every word; returns it."""
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("error: "), result.stderr
    for word in words:
        assert word in result.stderr, f"{word!r} not in {result.stderr!r}"
    return result.stderr.strip()


def error_line(result: subprocess.CompletedProcess[str]) -> str:
    """The run's one `error: ` line, which must end stderr (progress lines may come before it)."""
    assert "Traceback" not in result.stdout + result.stderr
    lines = result.stderr.splitlines()
    errors = [line for line in lines if line.startswith("error: ")]
    assert len(errors) == 1 and lines[-1] == errors[0], result.stderr
    return errors[0]


def nothing_provisioned(geobot: Geobot) -> None:
    """No Terraform resource was made and no process was started."""
    assert geobot.provision_log() == []
    assert not (geobot.deployment / "terraform" / "infrastructure" / "terraform.tfstate").exists()
    assert list((geobot.deployment / "run").glob("*.json")) == []


def without(geobot: Geobot, *names: str) -> Geobot:
    """The same geobot with some environment variables unset."""
    return Geobot(geobot.cwd, {k: v for k, v in geobot.env.items() if k not in names})


def status(geobot: Geobot, extra_env: dict[str, str] | None = None) -> dict[str, Any]:
    result = geobot("--output", "json", "status", extra_env=extra_env)
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads(result.stdout.splitlines()[-1])["data"]


def served_certificate(geobot: Geobot) -> dict[str, Any]:
    """The certificate the router serves right now, from its status API (with its sha256)."""
    with _direct.open(f"http://127.0.0.1:{geobot.port('http')}/_geobot/status", timeout=5) as response:
        return json.load(response)["certificate"]


def journal(geobot: Geobot) -> bytes:
    return (geobot.deployment / "journal.json").read_bytes()


def still_serving(geobot: Geobot) -> None:
    """Every region running and Online at the router (polled with a deadline), and a chat answered."""
    deadline = time.monotonic() + ONLINE_TIMEOUT
    while True:
        report = status(geobot)
        view = {name: (r["process"], r["monitor_status"]) for name, r in report["regions"].items()}
        if report["deployed"] and view and all(v == ("running", "Online") for v in view.values()):
            break
        assert time.monotonic() < deadline, f"not every region is Online: {report}"
        time.sleep(0.2)
    chat = geobot("chat", "-m", "hi")
    assert chat.returncode == 0, chat.stdout + chat.stderr


# -- fixtures ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def deployed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Geobot]:
    """One local deployment for the cases that must leave it untouched; destroyed after the module."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GEOBOT_")}
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[2])
    env |= local_deployment_env()
    runner = Geobot(tmp_path_factory.mktemp("deployed"), env)
    try:
        result = runner("deploy", "--auto-approve")
        assert result.returncode == 0, result.stdout + result.stderr
        yield runner
    finally:
        runner("destroy", "--auto-approve", "--no-export")
        if (runner.deployment / "run").exists():
            Supervisor(runner.deployment / "run").stop_all()


@pytest.fixture(scope="module")
def pfx_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """PFX files protected by PFX_PASSWORD: a good one, one for another host, an expired one; and random bytes."""
    folder = tmp_path_factory.mktemp("pfx")
    (folder / "random.pfx").write_bytes(bytes(range(256)) * 8)
    return {
        "random bytes": folder / "random.pfx",
        "good": write_pfx(folder / "good.pfx", [HOST], PFX_PASSWORD),
        "other host": write_pfx(folder / "other.pfx", ["other.example.com"], PFX_PASSWORD),
        "expired": write_pfx(folder / "expired.pfx", [HOST], PFX_PASSWORD, expired=True),
    }


def pfx_env(path: Path, password: str = PFX_PASSWORD) -> dict[str, str]:
    return {"GEOBOT_CERT_SOURCE": "pfx", "GEOBOT_PFX_PATH": str(path), "GEOBOT_PFX_PASSWORD": password}


# -- 1. a port in use ----------------------------------------------------------------------

PORTS = {
    # which port, the field the error names, what else it must say
    "https port": ("https", "local.https_port", "GEOBOT_LOCAL_HTTPS_PORT"),
    "bot port": ("bot", "local.bot_port", "region koreacentral"),
}


def deploy_with_port_taken(geobot: Geobot, which: str) -> subprocess.CompletedProcess[str]:
    geobot.env |= local_deployment_env(explicit=True)
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", geobot.port(which)))
        squatter.listen()
        return geobot("deploy", "--auto-approve")


@pytest.mark.parametrize(("which", "field", "detail"), PORTS.values(), ids=PORTS.keys())
def test_deploy_on_a_port_in_use_is_refused_naming_the_field(geobot: Geobot, which: str, field: str, detail: str) -> None:
    """Exit 2 naming the field, its port and the region or variable; nothing provisioned."""
    result = deploy_with_port_taken(geobot, which)
    assert result.returncode == 2, result.stdout + result.stderr
    line = error_line(result)
    assert f"{field} = {geobot.port(which)}: is in use" in line and f"by pid {os.getpid()} (" in line
    assert detail in line and "choose a free port" in line
    nothing_provisioned(geobot)


@pytest.mark.parametrize(("which", "field", "detail"), PORTS.values(), ids=PORTS.keys())
def test_deploy_on_a_port_in_use_prints_one_line_and_creates_nothing(geobot: Geobot, which: str, field: str,
                                                                      detail: str) -> None:
    """As for any bad input: only the error line on stderr, and no deployment record."""
    result = deploy_with_port_taken(geobot, which)
    refused(result, field)
    assert not (geobot.deployment / "journal.json").exists()


# -- 2. an unreachable ACME directory ------------------------------------------------------


def deploy_with_unreachable_acme(geobot: Geobot) -> tuple[str, subprocess.CompletedProcess[str]]:
    try:
        acme.find_certbot(geobot.env)
    except PrerequisiteError:
        pytest.skip("certbot is not installed (pip install certbot)")
    with socket.socket() as closed:  # bound, never listening: connections are refused
        closed.bind(("127.0.0.1", 0))
        url = f"https://127.0.0.1:{closed.getsockname()[1]}/dir"
        letsencrypt = {"GEOBOT_CERT_SOURCE": "letsencrypt", "GEOBOT_CERT_EMAIL": "ops@example.test",
                       "GEOBOT_ACME_DIRECTORY": url}
        return url, geobot("deploy", "--auto-approve", extra_env=letsencrypt)


def test_an_unreachable_acme_directory_fails_at_preflight_with_the_resume_command(geobot: Geobot) -> None:
    """Exit 1 naming the stage, the URL and `geobot deploy`; nothing provisioned."""
    url, result = deploy_with_unreachable_acme(geobot)
    assert result.returncode == 1, result.stdout + result.stderr
    line = error_line(result)
    assert "stage preflight failed" in line and url in line and "unreachable" in line
    assert "run `geobot deploy` to resume from stage preflight" in line
    nothing_provisioned(geobot)


def test_the_acme_hint_names_a_setting_that_exists(geobot: Geobot) -> None:
    """The fix names certificate.acme_directory and GEOBOT_ACME_DIRECTORY, not a missing flag."""
    _, result = deploy_with_unreachable_acme(geobot)
    line = error_line(result)
    assert "certificate.acme_directory" in line and "GEOBOT_ACME_DIRECTORY" in line
    assert "--acme-directory" not in line


# -- 3, 4, 5. a PFX that cannot serve the deployment ---------------------------------------

BAD_PFX = {
    # which file, its password, the words of the error
    "wrong password": ("good", WRONG_PASSWORD, ("certificate.pfx_password", "cannot be opened", "GEOBOT_PFX_PASSWORD")),
    "not a PFX at all": ("random bytes", PFX_PASSWORD, ("certificate.pfx_path", "random.pfx'", "is not a PKCS#12 (PFX) file")),
    "another host": ("other host", PFX_PASSWORD, ("certificate.pfx_path", "other.example.com", f"not {HOST}",
                                                    f"subjectAltName includes {HOST}")),
    "expired": ("expired", PFX_PASSWORD, ("certificate.pfx_path", "expired on", "renew the certificate")),
}


@pytest.mark.parametrize(("which", "password", "words"), BAD_PFX.values(), ids=BAD_PFX.keys())
def test_deploy_with_a_pfx_that_cannot_serve_is_refused(geobot: Geobot, pfx_files: dict[str, Path], which: str,
                                                         password: str, words: tuple[str, ...]) -> None:
    """Exit 2 naming the field and the fix; the password is never shown; nothing created."""
    result = geobot("deploy", "--auto-approve", extra_env=pfx_env(pfx_files[which], password))
    refused(result, *words)
    assert result.stdout == ""
    assert password not in result.stdout + result.stderr
    assert not geobot.deployment.exists()


def test_a_deploy_refused_for_its_config_leaves_no_state_directory(geobot: Geobot, pfx_files: dict[str, Path]) -> None:
    """Bad input creates nothing, not even an empty .geobot directory."""
    result = geobot("deploy", "--auto-approve", extra_env=pfx_env(pfx_files["good"], WRONG_PASSWORD))
    refused(result, "certificate.pfx_password")
    assert not (geobot.cwd / ".geobot").exists()


# -- 11. commands that need a deployment, without one --------------------------------------

NEEDS_DEPLOYMENT = {"chat": ("chat", "-m", "hi"), "cert renew": ("cert", "renew")}


@pytest.mark.parametrize("args", NEEDS_DEPLOYMENT.values(), ids=NEEDS_DEPLOYMENT.keys())
def test_a_command_without_a_deployment_says_to_deploy_first(geobot: Geobot, args: tuple[str, ...]) -> None:
    """Exit 2 and one line naming the missing deployment and saying to deploy it."""
    result = geobot(*args)
    assert result.returncode == 2, result.stdout + result.stderr
    assert error_line(result) == result.stderr.strip()
    assert "there is no deployment geobot in .geobot" in result.stderr and "`geobot deploy`" in result.stderr
    assert not (geobot.deployment / "journal.json").exists()


@pytest.mark.parametrize("args", NEEDS_DEPLOYMENT.values(), ids=NEEDS_DEPLOYMENT.keys())
def test_a_command_without_a_deployment_leaves_no_state_behind(geobot: Geobot, args: tuple[str, ...]) -> None:
    """Asking a deployment that does not exist creates no state directory."""
    assert geobot(*args).returncode == 2
    assert not (geobot.cwd / ".geobot").exists()


# -- 6, 7, 8. a refused destroy keeps the deployment ---------------------------------------

UNWRITABLE = {
    "in a directory that does not exist": ("no-such-directory/geobot.pfx", "does not exist"),
    "under /proc": ("/proc/geobot.pfx", "is not writable"),
}


@pytest.mark.parametrize(("path", "why"), UNWRITABLE.values(), ids=UNWRITABLE.keys())
def test_destroy_with_an_unwritable_export_path_destroys_nothing(deployed: Geobot, path: str, why: str) -> None:
    """Exit 2 naming --export, the path and why; the deployment still runs and its journal is unchanged."""
    before = journal(deployed)
    refused(deployed("destroy", "--auto-approve", "--export", path), f"--export {path}", why,
            "choose another --export path")
    assert journal(deployed) == before
    assert not (deployed.cwd / path).exists()
    still_serving(deployed)


def test_destroy_onto_an_existing_export_file_leaves_the_file_and_the_deployment(deployed: Geobot) -> None:
    """Exit 2 naming --export; the file is untouched and nothing is destroyed."""
    precious = deployed.cwd / "precious.pfx"
    precious.write_bytes(b"somebody else's certificate")
    mtime = precious.stat().st_mtime_ns
    before = journal(deployed)
    refused(deployed("destroy", "--auto-approve", "--export", "precious.pfx"), "--export precious.pfx",
            "the file exists", "choose another path")
    assert precious.read_bytes() == b"somebody else's certificate" and precious.stat().st_mtime_ns == mtime
    assert journal(deployed) == before
    still_serving(deployed)


EXPORT_TO = {"default path": (), "explicit --export": ("--export", "saved.pfx")}


@pytest.mark.parametrize("export", EXPORT_TO.values(), ids=EXPORT_TO.keys())
def test_destroy_without_a_password_or_a_terminal_destroys_nothing(deployed: Geobot, export: tuple[str, ...]) -> None:
    """Exit 2 naming GEOBOT_EXPORT_PASSWORD; no file written, nothing destroyed."""
    before = journal(deployed)
    refused(without(deployed, "GEOBOT_EXPORT_PASSWORD")("destroy", "--auto-approve", *export),
            "needs a password", "set GEOBOT_EXPORT_PASSWORD")
    assert not (deployed.cwd / "geobot-certificate.pfx").exists() and not (deployed.cwd / "saved.pfx").exists()
    assert journal(deployed) == before
    still_serving(deployed)


def test_destroy_with_both_export_and_no_export_destroys_nothing(deployed: Geobot) -> None:
    """Exit 2 naming both options; nothing destroyed."""
    before = journal(deployed)
    refused(deployed("destroy", "--auto-approve", "--export", "both.pfx", "--no-export"), "--export", "--no-export")
    assert not (deployed.cwd / "both.pfx").exists()
    assert journal(deployed) == before
    still_serving(deployed)


# -- 9. importing a PFX that cannot serve --------------------------------------------------

BAD_IMPORT = {
    "wrong password": ("good", WRONG_PASSWORD, ("cannot be opened", "GEOBOT_PFX_PASSWORD")),
    "not a PFX at all": ("random bytes", PFX_PASSWORD, ("random.pfx: is not a PKCS#12 (PFX) file",)),
    "another host": ("other host", PFX_PASSWORD, ("other.example.com", f"not {HOST}", f"subjectAltName includes {HOST}")),
}


@pytest.mark.parametrize(("which", "password", "words"), BAD_IMPORT.values(), ids=BAD_IMPORT.keys())
def test_cert_import_of_a_pfx_that_cannot_serve_keeps_the_served_certificate(
    deployed: Geobot, pfx_files: dict[str, Path], which: str, password: str, words: tuple[str, ...]
) -> None:
    """Exit 2 with the reason and the fix; the router serves the same certificate as before."""
    served, installed = served_certificate(deployed), status(deployed)["certificate"]
    result = deployed("cert", "import", str(pfx_files[which]), extra_env={"GEOBOT_PFX_PASSWORD": password})
    refused(result, *words)
    assert password not in result.stdout + result.stderr
    assert served_certificate(deployed) == served
    assert status(deployed)["certificate"] == installed
    still_serving(deployed)


# -- 10. renewing an imported certificate --------------------------------------------------


def test_cert_renew_of_an_imported_certificate_points_to_cert_import(deployed: Geobot, pfx_files: dict[str, Path]) -> None:
    """With certificate.source = "pfx", exit 2 naming the field and `geobot cert import`; nothing changes."""
    served = served_certificate(deployed)
    result = deployed("cert", "renew", extra_env=pfx_env(pfx_files["good"]))
    refused(result, 'certificate.source = "pfx"', "geobot cert import")
    assert PFX_PASSWORD not in result.stdout + result.stderr
    assert served_certificate(deployed) == served


# -- 12. exporting the certificate ---------------------------------------------------------


def test_cert_export_writes_a_private_pfx_that_opens_with_the_password(deployed: Geobot) -> None:
    """Exit 0; the file is 0600, opens with GEOBOT_EXPORT_PASSWORD and holds the served certificate."""
    path = deployed.cwd / "exported.pfx"
    result = deployed("cert", "export", str(path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert EXPORT_PASSWORD not in result.stdout + result.stderr
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    pfx = verify_pfx(path.read_bytes(), EXPORT_PASSWORD, HOST)
    assert pfx.cert.fingerprint(hashes.SHA256()).hex() == served_certificate(deployed)["sha256"]
    assert f"exported the certificate to {path} (verified)" in result.stdout


# -- 13. a domain longer than a certificate's common name ----------------------------------

LONG_DOMAIN = "the-reservation-bot-of-a-restaurant-chain.eu-west.bookings.example.com"  # 70 characters


def test_a_domain_longer_than_a_common_name_deploys_with_the_name_in_the_subject_alt_name(geobot: Geobot) -> None:
    """X.509 limits a CN to 64 characters: the local CA certifies the name in the SAN only, and it is served."""
    assert len(LONG_DOMAIN) > 64
    try:
        result = geobot("deploy", "--auto-approve", extra_env={"GEOBOT_DOMAIN": LONG_DOMAIN})
        assert result.returncode == 0, result.stdout + result.stderr  # its smoke stage said hello over HTTPS
        client = ssl.create_default_context(cafile=str(geobot.deployment / "ca" / "ca.pem"))
        client.verify_flags |= ssl.VERIFY_X509_STRICT
        with socket.create_connection(("127.0.0.1", geobot.port("https")), timeout=5) as raw, \
                client.wrap_socket(raw, server_hostname=LONG_DOMAIN) as tls:
            served = tls.getpeercert()
        assert served["subject"] == ()
        assert served["subjectAltName"] == (("DNS", LONG_DOMAIN),)
    finally:
        geobot("destroy", "--auto-approve", "--no-export", extra_env={"GEOBOT_DOMAIN": LONG_DOMAIN})
