"""The code around certbot: its command line, finding it, reading its output, checking the directory.

certbot itself is replaced by a small script here; the real one runs against Pebble in
tests/integration/test_acme.py. Failure outputs below are real certbot 5.8 output.
"""

from __future__ import annotations

import contextlib
import http.server
import importlib.util
import json
import os
import shlex
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from geobot.certs import acme
from geobot.errors import CertError, PrerequisiteError
from tests.certificates import make_cert

HOST = "mybot.trafficmanager.net"
DIRECTORY = "https://acme-staging-v02.api.letsencrypt.org/directory"

REFUSED = """\
Saving debug log to /s/le/logs/letsencrypt.log
An unexpected error occurred:
requests.exceptions.ConnectionError: HTTPSConnectionPool(host='127.0.0.1', port=1): Max retries exceeded with url: /dir
Ask for help or search for solutions at https://community.letsencrypt.org. See the logfile /s/le/logs/letsencrypt.log or re-run Certbot with -v for more details.
"""
VALIDATION_FAILED = """\
Saving debug log to /s/le/logs/letsencrypt.log
Account registered.
Requesting a certificate for demo.localhost

Certbot failed to authenticate some domains (authenticator: manual). The Certificate Authority reported these problems:
  Identifier: demo.localhost
  Type:   unauthorized
  Detail: The key authorization file from the server did not match this challenge

Hint: The Certificate Authority failed to verify the challenge files created by the --manual-auth-hook. Ensure that this hook is functioning correctly. Refer to "certbot --help manual" and the Certbot User Guide.

Some challenges have failed.
Ask for help or search for solutions at https://community.letsencrypt.org. See the logfile /s/le/logs/letsencrypt.log or re-run Certbot with -v for more details.
"""
AUTH_HOOK_FAILED = """\
Requesting a certificate for demo.localhost
Hook '--manual-auth-hook' for demo.localhost reported error code 1
Hook '--manual-auth-hook' for demo.localhost ran with error output:
 geobot ACME hook auth: vault URL 'file:relative': a local vault URL is file:///absolute/path

Certbot failed to authenticate some domains (authenticator: manual). The Certificate Authority reported these problems:
  Identifier: demo.localhost
  Type:   connection
  Detail: Get "http://demo.localhost:5002/.well-known/acme-challenge/k_71": dial tcp 127.0.0.1:5002: connect: connection refused

Hook '--manual-cleanup-hook' for demo.localhost reported error code 1
Hook '--manual-cleanup-hook' for demo.localhost ran with error output:
 geobot ACME hook cleanup: vault URL 'file:relative': a local vault URL is file:///absolute/path
Some challenges have failed.
"""
HOOK_WARNED_BUT_SUCCEEDED = """\
Hook '--manual-auth-hook' for demo.localhost ran with error output:
 a warning from a library
Certbot failed to authenticate some domains (authenticator: manual). The Certificate Authority reported these problems:
  Identifier: demo.localhost
  Type:   connection
  Detail: no route to host
"""
SILENT_HOOK_FAILED = """\
Hook '--manual-auth-hook' for demo.localhost reported error code 3
"""
ILLEGAL_NAME = """\
Requesting a certificate for bad_name.test
An unexpected error occurred:
Order included DNS identifier with a value containing an illegal character: '_'
Ask for help or search for solutions at https://community.letsencrypt.org. See the logfile /s/le/logs/letsencrypt.log or re-run Certbot with -v for more details.
"""
LOCKED = """\
Another instance of Certbot is already running.
Ask for help or search for solutions at https://community.letsencrypt.org. See the logfile /s/le/logs/letsencrypt.log or re-run Certbot with -v for more details.
"""


@pytest.mark.parametrize("output, reason", [
    (REFUSED, ("requests.exceptions.ConnectionError: HTTPSConnectionPool(host='127.0.0.1', port=1): "
               "Max retries exceeded with url: /dir")),
    (VALIDATION_FAILED, "unauthorized: The key authorization file from the server did not match this challenge"),
    (AUTH_HOOK_FAILED, ("--manual-auth-hook failed: geobot ACME hook auth: vault URL 'file:relative': "
                        "a local vault URL is file:///absolute/path")),
    (HOOK_WARNED_BUT_SUCCEEDED, "connection: no route to host"),
    (SILENT_HOOK_FAILED, "--manual-auth-hook failed with exit code 3"),
    (ILLEGAL_NAME, "Order included DNS identifier with a value containing an illegal character: '_'"),
    (LOCKED, "Another instance of Certbot is already running."),
    ("", "certbot failed without saying why"),
], ids=["refused", "validation", "auth-hook", "hook-warning", "silent-hook", "illegal-name", "locked", "empty"])
def test_failure_reason_is_the_line_that_says_why(output: str, reason: str) -> None:
    assert acme.failure_reason(output.splitlines()) == reason


def test_argv_runs_certbot_non_interactively_with_both_hooks(tmp_path: Path) -> None:
    argv = acme.certbot_argv(["/usr/bin/certbot"], HOST, "ops@example.com", DIRECTORY, tmp_path, False)
    assert argv[:2] == ["/usr/bin/certbot", "certonly"]
    options = dict(zip(argv[2:], argv[3:]))
    assert options["-m"] == "ops@example.com"
    assert (options["-d"], options["--cert-name"], options["--server"]) == (HOST, HOST, DIRECTORY)
    assert (options["--manual"], options["--preferred-challenges"]) == ("--preferred-challenges", "http")
    assert (options["--key-type"], options["--rsa-key-size"]) == ("rsa", "2048")
    for flag, sub in (("--config-dir", "config"), ("--work-dir", "work"), ("--logs-dir", "logs")):
        assert options[flag] == str(tmp_path / sub)
    for flag in ("--non-interactive", "--agree-tos", "--no-eff-email"):
        assert flag in argv
    assert "--force-renewal" not in argv
    assert shlex.split(options["--manual-auth-hook"]) == [sys.executable, "-m", "geobot.certs.hook", "auth"]
    assert shlex.split(options["--manual-cleanup-hook"]) == [sys.executable, "-m", "geobot.certs.hook", "cleanup"]
    assert "--force-renewal" in acme.certbot_argv(["certbot"], HOST, "a@b.example", DIRECTORY, tmp_path, True)


def test_hook_commands_survive_a_python_path_with_spaces_and_quotes(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "executable", "/opt/my python's env/bin/python3")
    argv = acme.certbot_argv(["certbot"], HOST, "a@b.example", DIRECTORY, tmp_path, False)
    hook = argv[argv.index("--manual-auth-hook") + 1]
    assert shlex.split(hook) == ["/opt/my python's env/bin/python3", "-m", "geobot.certs.hook", "auth"]


# -- finding certbot -------------------------------------------------------------------------

def executable(path: Path, text: str = "#!/bin/sh\nexit 0\n") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(0o755)
    return path


def test_find_prefers_geobot_certbot_then_path_then_the_python_package(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    chosen = executable(tmp_path / "chosen" / "my-certbot")
    on_path = executable(tmp_path / "bin" / "certbot")
    path = str(tmp_path / "bin")
    assert acme.find_certbot({"GEOBOT_CERTBOT": str(chosen), "PATH": path}) == [str(chosen)]
    assert acme.find_certbot({"PATH": path}) == [str(on_path)]
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: object() if name == "certbot" else None)
    assert acme.find_certbot({"PATH": str(tmp_path / "empty")}) == [sys.executable, "-c", acme.CERTBOT_MODULE]


def test_find_says_how_to_install_certbot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    with pytest.raises(PrerequisiteError) as caught:
        acme.find_certbot({"PATH": str(tmp_path)})
    assert (caught.value.message, caught.value.hint) == ("certbot is not installed",
                                                         "pip install certbot (or apt-get install certbot)")
    assert caught.value.exit_code == 2


def test_find_refuses_a_geobot_certbot_that_is_not_a_program(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("")
    for bad in (tmp_path / "missing", tmp_path / "notes.txt"):
        with pytest.raises(PrerequisiteError, match=f"GEOBOT_CERTBOT={bad} is not an executable file"):
            acme.find_certbot({"GEOBOT_CERTBOT": str(bad), "PATH": ""})


@pytest.mark.skipif(importlib.util.find_spec("certbot") is None, reason="certbot is not installed")
def test_the_package_fallback_really_starts_certbot() -> None:
    result = acme.subprocess.run([sys.executable, "-c", acme.CERTBOT_MODULE, "--version"],
                                 capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and result.stdout.startswith("certbot ")


# -- issue() with a stand-in certbot ---------------------------------------------------------

FAKE_CERTBOT = """\
#!{python}
import json, os, shutil, sys
argv = sys.argv[1:]
option = lambda name: argv[argv.index(name) + 1]
with open(os.environ["FAKE_RECORD"], "w") as record:
    json.dump({{"argv": argv, "cwd": os.getcwd(), "vault": os.environ.get("GEOBOT_HOOK_VAULT_URL")}}, record)
print(open(os.environ["FAKE_OUTPUT"]).read(), end="", flush=True)
if os.environ.get("FAKE_LIVE"):
    shutil.copytree(os.environ["FAKE_LIVE"], os.path.join(option("--config-dir"), "live", option("--cert-name")))
sys.exit(int(os.environ.get("FAKE_EXIT", "0")))
"""
SUCCESS = """\
Saving debug log to /s/le/logs/letsencrypt.log
Requesting a certificate for mybot.trafficmanager.net

Successfully received certificate.
NEXT STEPS:
- The certificate will need to be renewed before it expires. Certbot can automatically renew the certificate.

- - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - -
If you like Certbot, please consider supporting our work by:
 * Donating to ISRG / Let's Encrypt:   https://letsencrypt.org/donate
"""


@pytest.fixture
def fake(tmp_path: Path) -> dict[str, str]:
    """Environment that makes the stand-in certbot on PATH succeed with a real key and chain."""
    executable(tmp_path / "bin" / "certbot", FAKE_CERTBOT.format(python=sys.executable))
    key = ec.generate_private_key(ec.SECP256R1())
    issuer = ec.generate_private_key(ec.SECP256R1())
    live = tmp_path / "fake-live"
    live.mkdir()
    (live / "privkey.pem").write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                         serialization.NoEncryption()))
    chain = [make_cert(key, [HOST], issuer_key=issuer), make_cert(issuer, ["fake intermediate"])]
    (live / "fullchain.pem").write_bytes(b"".join(c.public_bytes(serialization.Encoding.PEM) for c in chain))
    (tmp_path / "output.txt").write_text(SUCCESS)
    return {"PATH": f"{tmp_path / 'bin'}:{os.environ['PATH']}", "FAKE_RECORD": str(tmp_path / "record.json"),
            "FAKE_OUTPUT": str(tmp_path / "output.txt"), "FAKE_LIVE": str(live)}


def recorded(env: dict[str, str]) -> dict:
    return json.loads(Path(env["FAKE_RECORD"]).read_text())


def test_issue_reads_the_lineage_and_streams_progress(fake: dict[str, str], tmp_path: Path) -> None:
    lines: list[str] = []
    pfx = acme.issue(HOST, "ops@example.com", DIRECTORY, "file:///vault", tmp_path / "le", fake, emit=lines.append)
    assert pfx.cert.subject.rfc4514_string() == f"CN={HOST}"
    assert [c.subject.rfc4514_string() for c in pfx.chain] == ["CN=fake intermediate"]
    assert lines == ["Requesting a certificate for mybot.trafficmanager.net", "Successfully received certificate."]
    record = recorded(fake)
    assert record["vault"] == "file:///vault"  # the hooks inherit it from certbot's environment
    assert Path(record["cwd"]) == acme.GEOBOT_ROOT  # so `python -m geobot.certs.hook` finds this geobot
    assert "--force-renewal" not in record["argv"]
    for folder in ("", "config", "work", "logs"):
        assert (tmp_path / "le" / folder).stat().st_mode & 0o777 == 0o700


def test_issue_renews_an_existing_lineage(fake: dict[str, str], tmp_path: Path) -> None:
    renewal = tmp_path / "le" / "config" / "renewal"
    renewal.mkdir(parents=True)
    (renewal / f"{HOST}.conf").write_text("")
    acme.issue(HOST, "ops@example.com", DIRECTORY, "file:///vault", tmp_path / "le", fake)
    assert "--force-renewal" in recorded(fake)["argv"]


def test_issue_failure_is_one_line_with_the_log_in_the_hint(fake: dict[str, str], tmp_path: Path) -> None:
    (tmp_path / "output.txt").write_text(VALIDATION_FAILED)
    with pytest.raises(CertError) as caught:
        acme.issue(HOST, "ops@example.com", DIRECTORY, "file:///vault", tmp_path / "le",
                   {**fake, "FAKE_EXIT": "1", "FAKE_LIVE": ""})
    assert caught.value.message == (f"certbot could not get a certificate for {HOST}: unauthorized: "
                                    "The key authorization file from the server did not match this challenge")
    assert str(tmp_path / "le" / "logs" / "letsencrypt.log") in caught.value.hint
    assert caught.value.exit_code == 1


def test_success_without_a_lineage_is_an_error(fake: dict[str, str], tmp_path: Path) -> None:
    with pytest.raises(CertError, match="certbot reported success but .* holds no usable key and chain"):
        acme.issue(HOST, "ops@example.com", DIRECTORY, "file:///vault", tmp_path / "le", {**fake, "FAKE_LIVE": ""})


# -- the directory check, against a loopback HTTP server ---------------------------------------

@contextlib.contextmanager
def answering(status: int, body: bytes) -> Iterator[str]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(status)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/dir"
    finally:
        server.shutdown()
        server.server_close()


def test_check_directory_accepts_an_acme_directory() -> None:
    with answering(200, json.dumps({"newNonce": "n", "newOrder": "o", "newAccount": "a"}).encode()) as url:
        acme.check_directory(url, {})


@pytest.mark.parametrize("status, body, message", [
    (200, b"<html>hello</html>", "is not an ACME directory (no newNonce/newOrder in its answer)"),
    (200, b'{"newNonce": "n"}', "is not an ACME directory (no newNonce/newOrder in its answer)"),
    (200, b"[1, 2]", "is not an ACME directory"),
    (404, b"not found", "answered HTTP 404 Not Found"),
])
def test_check_directory_refuses_other_answers(status: int, body: bytes, message: str) -> None:
    with answering(status, body) as url, pytest.raises(CertError) as caught:
        acme.check_directory(url, {})
    assert url in caught.value.message and message in caught.value.message
    assert caught.value.hint == "check certificate.acme_directory (or GEOBOT_ACME_DIRECTORY) and the network"


def test_check_directory_refuses_urls_it_cannot_fetch_and_bad_bundles(tmp_path: Path) -> None:
    with pytest.raises(CertError, match="not an http"):
        acme.check_directory("file:///etc/passwd", {})
    with pytest.raises(CertError, match=f"CA bundle {tmp_path / 'none.pem'} cannot be read"):
        acme.check_directory(DIRECTORY, {"REQUESTS_CA_BUNDLE": str(tmp_path / "none.pem")})
