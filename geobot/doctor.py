"""Prerequisite checks for `geobot doctor`: each says what it found and how to fix it."""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from geobot.errors import GeobotError


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    found: str
    fix: str = ""
    required: bool = True


def python() -> Check:
    version = ".".join(map(str, sys.version_info[:3]))
    return Check("python", sys.version_info >= (3, 11), version, "install Python 3.11 or newer")


def terraform(env: Mapping[str, str]) -> Check:
    from geobot.terraform.binary import find

    try:
        return Check("terraform", True, find(env).describe())
    except GeobotError as exc:
        return Check("terraform", False, exc.message, exc.hint)


def certbot(env: Mapping[str, str], needed: bool) -> Check:
    path = shutil.which("certbot", path=env.get("PATH"))
    return Check(
        "certbot",
        path is not None,
        path or "not found",
        "pip install certbot (needed for certificate.source = \"letsencrypt\")",
        required=needed,
    )


def state_dir(path: Path) -> Check:
    probe = path if path.exists() else path.parent
    ok = os.access(probe if str(probe) else Path("."), os.W_OK)
    return Check("state directory", ok, str(path), "choose a writable --state-dir")


def credentials(target: str, env: Mapping[str, str]) -> Check:
    if target == "local":
        return Check("credentials", True, "none needed for the local target")
    if target == "azure":
        found = [k for k in ("AZURE_CLIENT_ID", "AZURE_FEDERATED_TOKEN_FILE", "ARM_CLIENT_ID") if env.get(k)]
        cli = Path(env.get("AZURE_CONFIG_DIR", Path.home() / ".azure")) / "azureProfile.json"
        ok = bool(found) or cli.is_file()
        detail = ", ".join(found) or (f"Azure CLI profile {cli}" if cli.is_file() else "no Azure credentials")
        return Check("credentials", ok, detail, "run `az login`, or set AZURE_CLIENT_ID/AZURE_TENANT_ID (+ secret or federated token) for CI")
    found = [k for k in ("AWS_ACCESS_KEY_ID", "AWS_PROFILE", "AWS_WEB_IDENTITY_TOKEN_FILE") if env.get(k)]
    shared = Path(env.get("AWS_SHARED_CREDENTIALS_FILE", Path.home() / ".aws" / "credentials"))
    ok = bool(found) or shared.is_file()
    detail = ", ".join(found) or (str(shared) if shared.is_file() else "no AWS credentials")
    return Check("credentials", ok, detail, "run `aws configure` or `aws sso login`, or set AWS_* variables for CI")


def sdk(target: str) -> Check:
    module = {"azure": "azure.identity", "aws": "boto3"}.get(target)
    if module is None:
        return Check("cloud SDK", True, "none needed for the local target")
    ok = importlib.util.find_spec(module.split(".")[0]) is not None
    return Check("cloud SDK", ok, module if ok else f"{module} not installed", f"pip install 'geobot[{target}]'")


def run_all(target: str, cert_source: str, state: Path, env: Mapping[str, str]) -> list[Check]:
    checks: list[Callable[[], Check]] = [
        python,
        lambda: terraform(env),
        lambda: certbot(env, cert_source == "letsencrypt"),
        lambda: state_dir(state),
        lambda: credentials(target, env),
        lambda: sdk(target),
    ]
    return [check() for check in checks]
