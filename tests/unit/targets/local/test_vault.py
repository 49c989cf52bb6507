"""The local vault: versions, names, permissions, atomicity across processes."""

from __future__ import annotations

import multiprocessing
import os
import stat
from pathlib import Path

import pytest

from geobot.errors import InputError
from geobot.targets.local.vault import LocalVault, VaultNameError


def test_secrets_are_versioned_and_the_latest_wins(tmp_path: Path) -> None:
    vault = LocalVault(tmp_path / "vault")
    first = vault.set_secret("geobot-store-url", "sqlite:///a.db")
    second = vault.set_secret("geobot-store-url", "sqlite:///b.db")
    assert first != second and len(first) == 32
    assert vault.get_secret("geobot-store-url") == "sqlite:///b.db"
    assert vault.get_secret("geobot-store-url", first) == "sqlite:///a.db"
    assert vault.get_secret("GEOBOT-STORE-URL") == "sqlite:///b.db"  # case-insensitive, as Key Vault
    assert vault.get_secret("missing") is None
    assert vault.get_secret("geobot-store-url", "../../etc/passwd") is None


def test_list_and_delete(tmp_path: Path) -> None:
    vault = LocalVault(tmp_path / "vault")
    vault.set_secret("b-secret", "value-b")
    vault.set_secret("a-secret", "value-a")
    assert vault.list_secrets() == ["a-secret", "b-secret"]
    vault.delete_secret("a-secret")
    vault.delete_secret("a-secret")  # a second delete is not an error
    assert vault.get_secret("a-secret") is None
    assert vault.list_secrets() == ["b-secret"]


@pytest.mark.parametrize("name", ["", "a_b", "a.b", "../x", "x" * 128, "ümlaut", "a b"])
def test_names_follow_key_vault_rules(tmp_path: Path, name: str) -> None:
    vault = LocalVault(tmp_path / "vault")
    with pytest.raises(VaultNameError) as caught:
        vault.set_secret(name, "v")
    assert caught.value.exit_code == 2 and "1-127" in caught.value.message
    with pytest.raises(VaultNameError):
        vault.get_secret(name)


def test_certificates_round_trip(tmp_path: Path) -> None:
    vault = LocalVault(tmp_path / "vault")
    pfx = bytes(range(256)) * 8
    vault.import_certificate("geobot-tls", pfx)
    assert vault.get_certificate("geobot-tls") == pfx
    assert vault.get_certificate("other") is None


def test_files_are_private_and_values_never_logged(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("DEBUG")
    vault = LocalVault(tmp_path / "vault")
    vault.set_secret("geobot-language-key", "s3cret-value")
    vault.import_certificate("geobot-tls", b"pfx")
    for path in [vault.root, *vault.root.rglob("*")]:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode == (0o700 if path.is_dir() else 0o600), path
    assert "s3cret-value" not in caplog.text


def test_url_round_trip_and_rejects_other_forms(tmp_path: Path) -> None:
    vault = LocalVault(tmp_path / "vault")
    assert LocalVault.from_url(vault.url).root == vault.root
    for bad in ["file:relative/path", "https://x.vault.azure.net", "file://otherhost/abs"]:
        with pytest.raises(InputError):
            LocalVault.from_url(bad)


def _writer(root: str, worker: int, rounds: int) -> None:
    vault = LocalVault(Path(root))
    for i in range(rounds):
        vault.set_secret("shared", f"worker-{worker}-round-{i}-" + "x" * 4096)


def _reader(root: str, rounds: int, bad: multiprocessing.Value) -> None:
    vault = LocalVault(Path(root))
    for _ in range(rounds):
        value = vault.get_secret("shared")
        if value is not None and not (value.startswith("worker-") and value.endswith("x" * 4096)):
            bad.value += 1


def test_several_processes_write_and_read_safely(tmp_path: Path) -> None:
    root = tmp_path / "vault"
    LocalVault(root)
    ctx = multiprocessing.get_context("spawn")  # fresh processes, like separate bots
    bad = ctx.Value("i", 0)
    procs = [ctx.Process(target=_writer, args=(str(root), w, 25)) for w in range(4)]
    procs.append(ctx.Process(target=_reader, args=(str(root), 300, bad)))
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(60)
        assert proc.exitcode == 0
    assert bad.value == 0  # never a torn or partial value
    folder = root / "secrets" / "shared"
    versions = [p for p in folder.iterdir() if len(p.name) == 32]
    assert len(versions) == 100  # no version lost
    assert not [p for p in folder.iterdir() if p.name.endswith(".tmp")]
    latest = (folder / "current").read_text()
    assert LocalVault(root).get_secret("shared") == (folder / latest).read_text()
    assert os.listdir(root / "certificates") == []
