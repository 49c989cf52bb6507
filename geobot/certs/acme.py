"""A certificate from an ACME server (Let's Encrypt, or Pebble in tests) through the real certbot.

certbot runs as a subprocess (its Python API is not public) with the manual plugin and HTTP-01:
its auth hook (`geobot.certs.hook`) puts each token's key authorization into the central vault,
where every regional bot serves it, and its cleanup hook removes it. The key authorization
travels only through certbot's environment for the hook, never a command line. certbot keeps
its account, lineage and log in `<workdir>/{config,work,logs}` (0700), so it needs no root.

Three layers, as for Terraform: `certbot_argv` builds the command (pure), `issue` runs it and
streams its lines, `failure_reason` finds the one line of certbot's output that says why.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shlex
import shutil
import ssl
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from geobot.certs.hook import VAULT_URL
from geobot.certs.pfx import Pfx
from geobot.errors import CertError, PrerequisiteError

CERTBOT_ENV = "GEOBOT_CERTBOT"
DIRECTORY_TIMEOUT = 10.0
# `python -m certbot` does not work (certbot has no __main__); this is its console script.
CERTBOT_MODULE = "import sys; from certbot.main import main; sys.exit(main())"
# The hooks run `python -m geobot.certs.hook` in certbot's working directory; running certbot in
# the directory that holds this geobot makes them import this very copy, installed or a checkout.
GEOBOT_ROOT = Path(__file__).resolve().parents[2]
# certbot's lines that mean nothing to a geobot user (geobot, not certbot's timer, renews).
NOISE = ("- - - -", "If you like Certbot", "* Donating to", "Saving debug log to", "NEXT STEPS:",
         "- The certificate will need to be renewed", "These files will be updated when", "Ask for help")
HOOK_REPORT = re.compile(r"Hook '(--manual-[a-z]+-hook)' for \S+ (?:reported error code (\d+)|ran with error output:)")


def find_certbot(env: Mapping[str, str]) -> list[str]:
    """The certbot command: $GEOBOT_CERTBOT, else `certbot` on PATH, else this Python's certbot package."""
    chosen = env.get(CERTBOT_ENV)
    if chosen:
        if not (os.path.isfile(chosen) and os.access(chosen, os.X_OK)):
            raise PrerequisiteError(f"{CERTBOT_ENV}={chosen} is not an executable file",
                                    f"point {CERTBOT_ENV} at the certbot program, or unset it")
        return [chosen]
    found = shutil.which("certbot", path=env.get("PATH"))
    if found:
        return [found]
    if importlib.util.find_spec("certbot") is not None:
        return [sys.executable, "-c", CERTBOT_MODULE]
    raise PrerequisiteError("certbot is not installed", "pip install certbot (or apt-get install certbot)")


def check_directory(url: str, env: Mapping[str, str]) -> None:
    """Fail early, with the reason, when the ACME directory cannot be used.

    It trusts what certbot (through requests) will: the bundle REQUESTS_CA_BUNDLE or
    CURL_CA_BUNDLE names, else the system's roots.
    """
    hint = "check certificate.acme_directory (or GEOBOT_ACME_DIRECTORY) and the network"
    if not url.startswith(("https://", "http://")):
        raise CertError(f"ACME directory {url}: not an http(s) URL", hint)
    bundle = env.get("REQUESTS_CA_BUNDLE") or env.get("CURL_CA_BUNDLE") or None
    try:
        trust = ssl.create_default_context(cafile=bundle)
    except OSError as e:
        raise CertError(f"CA bundle {bundle} cannot be read: {_one_line(e)}", "fix or unset REQUESTS_CA_BUNDLE") from e
    try:
        with urllib.request.urlopen(url, timeout=DIRECTORY_TIMEOUT, context=trust) as response:
            body = response.read(1_000_000)
    except urllib.error.HTTPError as e:
        raise CertError(f"ACME directory {url} answered HTTP {e.code} {e.reason}", hint) from e
    except urllib.error.URLError as e:
        raise CertError(f"ACME directory {url} is unreachable: {_one_line(e.reason)}", hint) from e
    except OSError as e:  # a timeout or reset while reading the answer
        raise CertError(f"ACME directory {url} is unreachable: {_one_line(e)}", hint) from e
    try:
        document = json.loads(body)
    except ValueError:
        document = None
    if not isinstance(document, dict) or not {"newNonce", "newOrder"} <= document.keys():
        raise CertError(f"{url} is not an ACME directory (no newNonce/newOrder in its answer)", hint)


def certbot_argv(
    certbot: Sequence[str], host: str, email: str, directory: str, workdir: Path, force_renewal: bool
) -> list[str]:
    """The certbot command line for one host; it holds no secret (the hooks get theirs from certbot)."""
    hook = [sys.executable, "-m", "geobot.certs.hook"]
    return [
        *certbot, "certonly", "--non-interactive", "--agree-tos", "-m", email, "--no-eff-email",
        "--manual", "--preferred-challenges", "http",
        "--manual-auth-hook", shlex.join([*hook, "auth"]),
        "--manual-cleanup-hook", shlex.join([*hook, "cleanup"]),
        "--server", directory, "-d", host, "--cert-name", host,
        # RSA 2048: what App Service requires of an uploaded certificate (certbot defaults to ECDSA)
        "--key-type", "rsa", "--rsa-key-size", "2048",
        "--config-dir", str(workdir / "config"), "--work-dir", str(workdir / "work"),
        "--logs-dir", str(workdir / "logs"),
        *(["--force-renewal"] if force_renewal else []),
    ]


def issue(
    host: str,
    email: str,
    directory: str,
    vault_url: str,
    workdir: Path,
    env: Mapping[str, str],
    emit: Callable[[str], None] | None = None,
    force: bool = False,
) -> Pfx:
    """Get a new certificate for `host` from `directory`; certbot's progress lines go to `emit`.

    certbot is told to renew (--force-renewal) when `force` is set and whenever it already holds
    a lineage for the host: whether an earlier certificate is still good enough is the caller's
    decision (certificate.renew_days), and certbot would otherwise hand the old one back.
    """
    certbot = find_certbot(env)
    workdir = workdir.resolve()  # certbot runs in another directory
    for sub in (workdir, workdir / "config", workdir / "work", workdir / "logs"):
        sub.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(sub, 0o700)
    lineage = (workdir / "config" / "renewal" / f"{host}.conf").exists()
    argv = certbot_argv(certbot, host, email, directory, workdir, force or lineage)
    child_env = {**env, VAULT_URL: vault_url, "PYTHONUNBUFFERED": "1"}
    output: list[str] = []
    process = subprocess.Popen(argv, cwd=GEOBOT_ROOT, env=child_env, stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace")
    try:
        assert process.stdout is not None
        for line in process.stdout:
            output.append(line.rstrip("\n"))
            text = line.strip()
            if emit and text and not text.startswith(NOISE):
                emit(text)
        code = process.wait()
    finally:
        if process.poll() is None:  # interrupted: certbot must not go on alone
            process.kill()
            process.wait()
    log = workdir / "logs" / "letsencrypt.log"
    hint = f"certbot's log: {log}; fix the cause, then run again (Let's Encrypt allows 5 failed validations an hour)"
    if code != 0:
        raise CertError(f"certbot could not get a certificate for {host}: {failure_reason(output)}", hint)
    return _read_lineage(workdir / "config" / "live" / host, host, hint)


def failure_reason(output: Sequence[str]) -> str:
    """The line of certbot's output that says why it failed, most telling first.

    A failed auth hook explains the failed validation that follows it; then the ACME server's
    problem detail; then an exception certbot reports; a failed cleanup hook only after those.
    """
    lines = [line.strip() for line in output]
    detail = next((i for i, line in enumerate(lines) if line.startswith("Detail:")), None)
    unexpected = next((i for i, line in enumerate(lines) if line.startswith("An unexpected error occurred:")), None)
    last = [line for line in lines if line and not line.startswith(NOISE)][-1:]
    reasons = [
        _hook_failure(lines, "--manual-auth-hook"),
        _problem(lines, detail) if detail is not None else "",
        _next_text(lines, unexpected) if unexpected is not None else "",
        _hook_failure(lines, "--manual-cleanup-hook"),
        *last,
    ]
    return next((reason for reason in reasons if reason), "certbot failed without saying why")


def _hook_failure(lines: Sequence[str], hook: str) -> str:
    """'<hook> failed: <its first stderr line>' when certbot reported that hook's non-zero exit."""
    code = ""
    for index, line in enumerate(lines):
        match = HOOK_REPORT.match(line)
        if match and match[1] == hook:
            if match[2]:
                code = match[2]
            elif code:
                return f"{hook} failed: {_next_text(lines, index) or f'exit code {code}'}"
    return f"{hook} failed with exit code {code}" if code else ""


def _problem(lines: Sequence[str], detail: int) -> str:
    """'<ACME problem type>: <detail>' from certbot's Identifier/Type/Detail block."""
    kind = next((line.removeprefix("Type:").strip() for line in lines[max(0, detail - 2):detail]
                 if line.startswith("Type:")), "")
    problem = lines[detail].removeprefix("Detail:").strip()
    return f"{kind}: {problem}" if kind else problem


def _next_text(lines: Sequence[str], index: int) -> str:
    return next((line for line in lines[index + 1:] if line), "")


def _read_lineage(live: Path, host: str, hint: str) -> Pfx:
    problem = f"certbot reported success but {live} holds no usable key and chain for {host}"
    try:
        key = serialization.load_pem_private_key((live / "privkey.pem").read_bytes(), password=None)
        certs = x509.load_pem_x509_certificates((live / "fullchain.pem").read_bytes())
    except (OSError, ValueError) as e:
        raise CertError(problem, hint) from e
    if not isinstance(key, (rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey)):
        raise CertError(problem, hint)
    return Pfx(key, certs[0], tuple(certs[1:]))


def _one_line(reason: object) -> str:
    text = str(reason).strip()
    return text.splitlines()[0] if text else type(reason).__name__
