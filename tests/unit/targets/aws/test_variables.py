"""The variables the aws target renders: reviewed golden files, planned by the real Terraform."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from geobot import config as configuration
from geobot.config import Config
from geobot.errors import ConfigError
from geobot.nlu.model import default_model_path, load_model
from geobot.resources import terraform_dir
from geobot.nlu.lexv2 import locale_id
from geobot.targets.aws.variables import impossible, lex_bot, render_variables
from tests.models import VERSIONS, fixture_model
from tests.unit.terraform.hcl import plan, provider_free_copy, terraform_binary

GOLDEN = Path(__file__).parent / "golden"
ZIP = Path("/var/lib/geobot/state/geobot/functions.zip")
CUSTOM_ENV = {
    "GEOBOT_NAME": "mybot42", "GEOBOT_GLOBAL_REGION": "eu-west-1", "GEOBOT_REGIONS": "eu-west-1,eu-central-1,us-east-1",
    "GEOBOT_AWS_CONNECT_INSTANCE_ID": "0b3e1f2a-1111-4a2b-9c3d-123456789abc", "GEOBOT_AWS_PROBES": "2",
    "GEOBOT_AWS_FAILOVER_AFTER": "2", "GEOBOT_AWS_FAILBACK": "manual", "GEOBOT_AWS_FAILBACK_AFTER": "10",
}
CUSTOM_ALIASES = {"eu-west-1": "AAAAAAAAAA", "eu-central-1": "BBBBBBBBBB", "us-east-1": "CCCCCCCCCC"}


def aws_config(env: dict[str, str] | None = None) -> Config:
    return configuration.load(None, env or {}, {"target": "aws"})


def golden(name: str) -> dict[str, Any]:
    return json.loads((GOLDEN / f"{name}.tfvars.json").read_text())


@pytest.mark.parametrize(("name", "env", "aliases"), [
    ("default", {}, None),
    ("custom-published", CUSTOM_ENV, CUSTOM_ALIASES),
])
def test_rendered_variables_match_the_reviewed_golden_file(name: str, env: dict[str, str],
                                                           aliases: dict[str, str] | None) -> None:
    assert render_variables(aws_config(env), ZIP, aliases) == golden(name)


def test_the_default_golden_file_is_the_posts_two_regions_with_the_primary_first() -> None:
    variables = golden("default")
    assert variables["global_region"] == "us-east-1"
    assert {r: v["priority"] for r, v in variables["regions"].items()} == {"us-east-1": 1, "us-west-2": 2}
    assert variables["bot_alias_ids"] == {} and variables["connect_instance_id"] is None


def test_the_bot_is_the_luis_model_without_its_none_intent() -> None:
    model = load_model(default_model_path())
    intents = golden("default")["lex"]["intents"]
    assert "None" in model.intents and "None" not in intents
    assert list(intents) == [i for i in model.intents if i != "None"]
    assert intents["BookTable"][0] == "book a table"
    assert sum(map(len, intents.values())) == sum(1 for u in model.utterances if u.intent != "None")


@pytest.mark.parametrize(("culture", "locale"), [("en-us", "en_US"), ("en-GB", "en_GB"), ("de-de", "de_DE")])
def test_a_luis_culture_becomes_a_lex_locale(culture: str, locale: str) -> None:
    assert locale_id(culture) == locale


def test_the_sample_model_and_the_default_probe_are_deployable() -> None:
    assert impossible(aws_config()) == []


def test_an_expected_intent_the_model_lacks_is_refused_with_the_intents_it_has(tmp_path: Path) -> None:
    toml = tmp_path / "geobot.toml"
    toml.write_text('[aws]\nexpected_intent = "OrderFlowers"\n')
    (problem,) = impossible(configuration.load(toml, {}, {"target": "aws"}))
    assert isinstance(problem, ConfigError) and problem.field == "aws.expected_intent"
    assert "BookTable, Inform" in problem.hint


def test_the_configured_model_is_the_bot_and_the_probe_takes_its_intent_by_either_name(tmp_path: Path) -> None:
    raw = json.loads(default_model_path().read_text())
    for item in (*raw["intents"], *raw["utterances"]):
        item[("name" if "name" in item else "intent")] = {"BookTable": "Booking.Table"}.get(
            item.get("name", item.get("intent")), item.get("name", item.get("intent")))
    path = tmp_path / "model.luis.json"
    path.write_text(json.dumps(raw))
    for expected in ("Booking.Table", "Booking_Table"):
        toml = tmp_path / "geobot.toml"
        toml.write_text(f'[bot]\nmodel = "model.luis.json"\n[aws]\nexpected_intent = "{expected}"\n')
        config = configuration.load(toml, {}, {"target": "aws"})
        variables = render_variables(config, ZIP)
        assert "Booking_Table" in variables["lex"]["intents"] and "Booking.Table" not in variables["lex"]["intents"]
        assert variables["probe"]["expected_intent"] == "Booking_Table"
        assert impossible(config) == []


def test_lex_intents_keep_the_models_order() -> None:
    assert list(lex_bot(aws_config()).utterances())[:3] == ["BookTable", "Inform", "Confirm"]


@pytest.fixture(scope="module")
def contract_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """variables.tf + contract.tf of terraform/aws need no provider: `terraform init` works offline."""
    if terraform_binary() is None:
        pytest.skip("no terraform or tofu binary")
    return provider_free_copy(terraform_dir("aws"), tmp_path_factory.mktemp("aws-contract"))


@pytest.mark.parametrize("name", ["default", "custom-published"])
def test_terraform_accepts_the_golden_variables(contract_dir: Path, name: str) -> None:
    done = plan(contract_dir, golden(name))
    assert done.returncode == 0, done.stdout + done.stderr


def test_terraform_refuses_a_primary_that_is_not_the_global_region(contract_dir: Path) -> None:
    """What config.py refuses for aws is what the configuration's contract refuses too."""
    variables = golden("default") | {"global_region": "us-west-2"}
    done = plan(contract_dir, variables)
    assert done.returncode != 0 and "global_region must be the bot region with the lowest priority" in done.stdout + done.stderr
    with pytest.raises(ConfigError, match="on aws must be the primary"):
        aws_config({"GEOBOT_GLOBAL_REGION": "us-west-2"})


@pytest.mark.parametrize("version", VERSIONS)
def test_terraform_accepts_the_bot_of_a_users_model_with_dotted_names(contract_dir: Path, version: str,
                                                                      tmp_path: Path) -> None:
    toml = tmp_path / "geobot.toml"
    toml.write_text(f'[bot]\nmodel = "{fixture_model(version)}"\n[aws]\ntest_utterance = "stop"\n'
                    'expected_intent = "Utilities.Stop"\n')
    variables = render_variables(configuration.load(toml, {}, {"target": "aws"}), ZIP)
    assert variables["probe"]["expected_intent"] == "Utilities_Stop"
    done = plan(contract_dir, variables)
    assert done.returncode == 0, done.stdout + done.stderr


def slotted_config(tmp_path: Path) -> Config:
    """The places model with a learned (Places.AbsoluteLocation), a list (Places.PlaceType) and a prebuilt (number) label."""
    raw = json.loads(fixture_model("7.0.0").read_text())
    text = "find a cafe with 2 seats near the harbour"
    spans = [("Places.PlaceType", "cafe"), ("number", "2"), ("Places.AbsoluteLocation", "the harbour")]
    raw["utterances"].append({"text": text, "intent": "Places.FindPlace", "entities": [
        {"entity": e, "startPos": text.index(p), "endPos": text.index(p) + len(p) - 1, "children": []} for e, p in spans]})
    (tmp_path / "model.json").write_text(json.dumps(raw))
    toml = tmp_path / "geobot.toml"
    toml.write_text('[bot]\nmodel = "model.json"\n[aws]\ntest_utterance = "stop"\nexpected_intent = "Utilities.Stop"\n')
    return configuration.load(toml, {}, {"target": "aws"})


def test_a_users_entities_become_slot_types_and_slots_of_their_intents(tmp_path: Path) -> None:
    lex = render_variables(slotted_config(tmp_path), ZIP)["lex"]
    assert lex["slots"]["Places_PlaceType"] == {"intent": "Places_FindPlace", "slot_type": "Places_PlaceType", "priority": 1}
    find = sorted((s["priority"], name) for name, s in lex["slots"].items() if s["intent"] == "Places_FindPlace")
    assert [name for _, name in find] == ["Places_PlaceType", "Places_AbsoluteLocation", "Places_Address", "number"]
    assert lex["slots"]["number"]["slot_type"] == "AMAZON.Number"
    assert lex["slots"]["Places_AbsoluteLocation_2"]["intent"] == "Places_GetDistance"
    assert lex["slot_types"]["Places_PlaceType"]["resolution"] == "TopResolution"
    assert {"value": "cafe", "synonyms": ["coffee shop", "coffee house"]} in lex["slot_types"]["Places_PlaceType"]["values"]
    assert lex["slot_types"]["Places_AbsoluteLocation"]["resolution"] == "OriginalValue"
    assert {"value": "the harbour", "synonyms": []} in lex["slot_types"]["Places_AbsoluteLocation"]["values"]
    assert "find a cafe with 2 seats near the harbour" in lex["intents"]["Places_FindPlace"]  # as written: publish slots it


def test_terraform_accepts_the_slots_of_a_users_model(contract_dir: Path, tmp_path: Path) -> None:
    variables = render_variables(slotted_config(tmp_path), ZIP)
    assert variables["lex"]["slots"]
    done = plan(contract_dir, variables)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize(("defect", "message"), [
    (lambda lex: lex["slots"]["number"].update(intent="Places_Rate"), "every slot in lex.slots must name an intent"),
    (lambda lex: lex["slots"]["number"].update(slot_type="Number"), "every slot in lex.slots must name an intent"),
    (lambda lex: lex["slot_types"]["Places_PlaceType"]["values"].append({"value": "x" * 141, "synonyms": []}),
     "each value and synonym 1-140 characters"),
    (lambda lex: lex["slots"].update(NUMBER=lex["slots"]["number"]), "slot names must be unique within the bot"),
    (lambda lex: lex["slot_types"].update({"Places.Kind": lex["slot_types"]["Places_PlaceType"]}),
     "lex.slot_types and lex.slots must be named by 1-100 letters"),
])
def test_terraform_refuses_slots_lex_would_refuse(contract_dir: Path, tmp_path: Path,
                                                  defect: Callable[[dict[str, Any]], None], message: str) -> None:
    variables = render_variables(slotted_config(tmp_path), ZIP)
    defect(variables["lex"])
    done = plan(contract_dir, variables)
    assert done.returncode != 0 and message in " ".join((done.stdout + done.stderr).split()), done.stdout + done.stderr
