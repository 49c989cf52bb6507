"""The certificate owner every target shares, against the real local vault."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from geobot import config as configuration
from geobot.certs.pfx import build_pfx, describe
from geobot.errors import InputError
from geobot.targets.certificates import CERTIFICATE, Certificates
from geobot.targets.local.vault import LocalVault
from tests.certificates import make_cert, write_pfx

PASSWORD = "export-password"


@pytest.fixture
def certificates(tmp_path: Path) -> Certificates:
    vault = LocalVault(tmp_path / "vault")
    key = ec.generate_private_key(ec.SECP256R1())
    vault.import_certificate(CERTIFICATE, build_pfx(key, make_cert(key, ["geobot.localhost"]), [], None))
    return Certificates(configuration.load(None, {}, {}), tmp_path, vault, {})


def test_a_resumed_export_keeps_a_file_that_already_holds_this_certificate(certificates: Certificates, tmp_path: Path) -> None:
    path = tmp_path / "saved.pfx"
    first = certificates.export(path, PASSWORD)
    written = path.read_bytes()
    again = certificates.export(path, PASSWORD)
    assert describe(again)["sha256"] == describe(first)["sha256"]
    assert path.read_bytes() == written


def test_an_export_never_overwrites_another_file(certificates: Certificates, tmp_path: Path) -> None:
    other = write_pfx(tmp_path / "other.pfx", ["geobot.localhost"], PASSWORD)
    before = other.read_bytes()
    with pytest.raises(InputError, match="the file exists"):
        certificates.export(other, PASSWORD)
    assert other.read_bytes() == before
    (tmp_path / "notes.txt").write_text("mine\n")
    with pytest.raises(InputError, match="the file exists"):
        certificates.export(tmp_path / "notes.txt", PASSWORD)
