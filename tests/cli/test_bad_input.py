"""Bad input: exit 2, one line naming the field and the fix, no traceback, nothing changed."""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from geobot.cli.app import main
from tests.certificates import write_pfx

PFX_PASSWORD = "correct horse battery"


@dataclass(frozen=True)
class Case:
    toml: str | None
    names: str
    env: dict[str, str] = field(default_factory=dict)
    args: tuple[str, ...] = ()


AZURE_OK = 'target = "azure"\n[certificate]\nsource = "letsencrypt"\nemail = "ops@example.com"\n'

CASES = {
    "uppercase name": Case('name = "MyBot"', "name = 'MyBot'"),
    "name starting with a digit": Case('name = "1bot"', "name = '1bot'"),
    "name of 20 characters": Case('name = "abcdefghijklmnopqrst"', "name = 'abcdefghijklmnopqrst'"),
    "name with a hyphen": Case('name = "my-bot"', "name = 'my-bot'"),
    "empty name": Case('name = ""', "name = ''"),
    "unknown region": Case('regions = ["atlantis"]', "regions"),
    "duplicate regions": Case('regions = ["koreacentral", "koreacentral"]', "regions"),
    "no region": Case("regions = []", "regions"),
    "unknown global region": Case('global_region = "moon"', "global_region = 'moon'"),
    "aws region on the local target": Case('regions = ["us-east-1", "koreacentral"]', "regions"),
    "unknown routing": Case('routing = "random"', "routing = 'random'"),
    "weights without weighted routing": Case("weights = { koreacentral = 2 }", "weights"),
    "weight of zero": Case('routing = "weighted"\nweights = { koreacentral = 0 }', "weights"),
    "weight of a region not deployed": Case('routing = "weighted"\nweights = { westeurope = 2 }', "weights"),
    "probe interval of zero": Case("[probe]\ninterval = 0", "probe.interval = 0"),
    "probe interval Traffic Manager lacks": Case(AZURE_OK + "[probe]\ninterval = 15", "probe.interval = 15"),
    "probe timeout too long for 10 s probes": Case(AZURE_OK + "[probe]\ninterval = 10\ntimeout = 10", "probe.timeout = 10"),
    "ten tolerated failures": Case("[probe]\ntolerated_failures = 10", "probe.tolerated_failures = 10"),
    "negative DNS TTL": Case("[probe]\ndns_ttl = -1", "probe.dns_ttl = -1"),
    "probe path without a slash": Case('[probe]\npath = "api/health"', "probe.path = 'api/health'"),
    "probe interval as text": Case('[probe]\ninterval = "ten"', "probe.interval"),
    "probe interval from the environment not a number": Case(None, "GEOBOT_PROBE_INTERVAL", {"GEOBOT_PROBE_INTERVAL": "abc"}),
    "letsencrypt without email": Case('[certificate]\nsource = "letsencrypt"', "certificate.email"),
    "bad email": Case('[certificate]\nsource = "letsencrypt"\nemail = "not-an-email"', "certificate.email = 'not-an-email'"),
    "ACME directory over plain http": Case('[certificate]\nacme_directory = "http://acme.example.com/dir"', "certificate.acme_directory"),
    "pfx without a path": Case('[certificate]\nsource = "pfx"', "certificate.pfx_path"),
    "missing pfx": Case('[certificate]\nsource = "pfx"\npfx_path = "missing.pfx"', "certificate.pfx_path", {"GEOBOT_PFX_PASSWORD": PFX_PASSWORD}),
    "wrong pfx password": Case('[certificate]\nsource = "pfx"\npfx_path = "bot.pfx"', "certificate.pfx_password", {"GEOBOT_PFX_PASSWORD": "wrong"}),
    "pfx without a password": Case('[certificate]\nsource = "pfx"\npfx_path = "bot.pfx"', "GEOBOT_PFX_PASSWORD"),
    "pfx for another host": Case('[certificate]\nsource = "pfx"\npfx_path = "other.pfx"', "certificate.pfx_path", {"GEOBOT_PFX_PASSWORD": PFX_PASSWORD}),
    "expired pfx": Case('[certificate]\nsource = "pfx"\npfx_path = "expired.pfx"', "certificate.pfx_path", {"GEOBOT_PFX_PASSWORD": PFX_PASSWORD}),
    "bad domain": Case('domain = "not a domain"', "domain = 'not a domain'"),
    "local CA on azure": Case('target = "azure"\ndomain = "bot.example.com"', "certificate.source"),
    "Traffic Manager without a custom domain": Case(AZURE_OK, "domain"),
    "azure without a subscription": Case('domain = "bot.example.com"\n' + AZURE_OK, "azure.subscription_id"),
    "subscription that is not a GUID": Case(AZURE_OK, "azure.subscription_id", {"AZURE_SUBSCRIPTION_ID": "my-sub"}),
    "Basic plan behind Traffic Manager": Case(AZURE_OK + '[azure]\napp_service_sku = "B1"', "azure.app_service_sku"),
    "misspelt key": Case('regoins = ["koreacentral"]', "regoins: is not a known key; did you mean `regions`?"),
    "misspelt key of a table": Case("[local]\nbot_prot = 4000", "local.bot_prot: is not a known key; did you mean `local.bot_port`?"),
    "misspelt value": Case('routing = "priorty"', 'did you mean "priority"?'),
    "misspelt variable": Case(None, "GEOBOT_REGOINS: is not a variable geobot reads; did you mean GEOBOT_REGIONS?",
                              {"GEOBOT_REGOINS": "koreacentral"}),
    "regions not a list": Case('regions = "koreacentral"',
                               "regions = 'koreacentral': must be a list in [ ]; write e.g. regions = [\"koreacentral\", "),
    "PFX of random bytes": Case('[certificate]\nsource = "pfx"\npfx_path = "random.pfx"',
                                "random.pfx': is not a PKCS#12 (PFX) file", {"GEOBOT_PFX_PASSWORD": PFX_PASSWORD}),
    "PFX of random bytes, no password": Case('[certificate]\nsource = "pfx"\npfx_path = "random.pfx"',
                                             "random.pfx': is not a PKCS#12 (PFX) file"),
    "probe path the bots do not serve": Case('[probe]\npath = "/healthz"', "probe.path = '/healthz': must be a health endpoint"),
    "malformed TOML": Case('name = "geobot\nregions = [', "geobot.toml line 1"),
    "language model that does not exist": Case('[bot]\nmodel = "nowhere.luis.json"', "bot.model = "),
    "language model from the environment that does not exist": Case(None, "(set by GEOBOT_BOT_MODEL)", {"GEOBOT_BOT_MODEL": "gone.json"}),
    "bot app directory that does not exist": Case('[bot]\napp = "nowhere-bot"', "bot.app = "),
    "bot app module that cannot be found": Case(None, "(set by GEOBOT_BOT_APP)", {"GEOBOT_BOT_APP": "no_such_pkg.bot:create"}),
    "bot app directory without bot.py": Case('[bot]\napp = "."', "has no bot.py"),
    "config file that does not exist": Case(None, "--config", args=("--config", "nowhere.toml")),
    "unknown target flag": Case(None, "target", args=("--target", "gcp")),
    "unknown output format": Case(None, "--output yaml: must be one of text, json; e.g. --output text", args=("--output", "yaml")),
    "unknown output format from the environment": Case(None, "GEOBOT_OUTPUT=yaml: must be one of text, json", {"GEOBOT_OUTPUT": "yaml"}),
    "state dir that cannot be created": Case(None, "--state-dir = 'blocker/state': cannot be created: blocker is a file",
                                             args=("--state-dir", "blocker/state")),
    "state dir from the environment": Case(None, "GEOBOT_STATE_DIR = 'blocker/state': cannot be created",
                                           {"GEOBOT_STATE_DIR": "blocker/state"}),
    "Terraform that does not exist": Case(None, "GEOBOT_TERRAFORM", {"GEOBOT_TERRAFORM": "/nonexistent/terraform"}),
    "Terraform that is not Terraform": Case(None, "GEOBOT_TERRAFORM: /bin/true is not Terraform", {"GEOBOT_TERRAFORM": "/bin/true"}),
    "Terraform too old": Case(None, "terraform 1.3.9 is not supported", {"GEOBOT_TERRAFORM": "old-terraform"}),
}


NOISE = ("Traceback", "Value error", "valid tuple", "Input should", "Expecting value", "(env var:", "input_value")


def snapshot(root: Path) -> dict[str, tuple[int, float]]:
    found = {}
    for path in root.rglob("*"):
        if ".geobot" not in path.parts:
            info = path.stat()
            found[str(path.relative_to(root))] = (info.st_size, info.st_mtime)
    return found


@pytest.fixture
def workdir(clean_environment: Path) -> Path:
    write_pfx(clean_environment / "bot.pfx", ["geobot.localhost"], PFX_PASSWORD)
    write_pfx(clean_environment / "other.pfx", ["elsewhere.example.com"], PFX_PASSWORD)
    write_pfx(clean_environment / "expired.pfx", ["geobot.localhost"], PFX_PASSWORD, expired=True)
    (clean_environment / "blocker").write_text("a file where a directory would go\n")
    (clean_environment / "random.pfx").write_bytes(bytes(range(256)) * 8)
    old = clean_environment / "old-terraform"
    old.write_text('#!/bin/sh\necho \'{"terraform_version": "1.3.9"}\'\n')
    old.chmod(old.stat().st_mode | stat.S_IXUSR)
    return clean_environment


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_bad_input_gets_exit_2_and_one_line(
    case: Case, workdir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    if case.toml is not None:
        (workdir / "geobot.toml").write_text(case.toml + "\n")
    for name, value in case.env.items():
        monkeypatch.setenv(name, str(workdir / value) if value == "old-terraform" else value)
    before = snapshot(workdir)

    code = main([*case.args, "deploy", "--auto-approve"])

    out, err = capsys.readouterr()
    assert code == 2, err
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("error: "), err
    assert case.names in err
    assert not any(noise in err for noise in NOISE), err
    assert snapshot(workdir) == before
    assert not (workdir / ".geobot" / "geobot" / "journal.json").exists()


def test_the_table_covers_at_least_thirty_bad_inputs() -> None:
    assert len(CASES) >= 30


def test_a_directory_named_geobot_toml_is_refused_not_ignored(
    clean_environment: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (clean_environment / "geobot.toml").mkdir()

    code = main(["deploy", "--auto-approve"])

    assert code == 2
    assert capsys.readouterr().err == (
        "error: geobot.toml: is a directory, not a config file; rename or remove it, or point --config at the config file\n"
    )
    assert [path.name for path in clean_environment.iterdir()] == ["geobot.toml"]


@pytest.mark.parametrize("args", [("cert", "import", "random.pfx"), ("cert", "import", "random.pfx", "--output", "json")],
                         ids=["text", "json"])
def test_cert_import_of_a_file_that_is_no_pfx_names_the_file_before_asking_a_password(
    clean_environment: Path, args: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    (clean_environment / "random.pfx").write_bytes(bytes(range(256)) * 8)

    assert main(list(args)) == 2
    out, err = capsys.readouterr()
    assert "random.pfx: is not a PKCS#12 (PFX) file" in out + err
    assert "password" not in out + err
    assert not (clean_environment / ".geobot").exists()


def test_deploy_without_a_terminal_needs_auto_approve(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["deploy"]) == 2
    assert capsys.readouterr().err == (
        "error: deploy needs --auto-approve when there is no terminal to ask on; "
        "review `geobot plan`, then run `geobot deploy --auto-approve` (or set GEOBOT_AUTO_APPROVE=1)\n"
    )
    assert not os.path.exists(".geobot")
