"""The aws target's stages in the order the pipeline runs them, against stubbed AWS calls.

Terraform is replaced at the engine's seam (fakes.Terraform: hashicorp/aws cannot be downloaded
here); every AWS call goes through a real boto3 client whose Stubber expects exactly that call.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from geobot import config as configuration
from geobot.config import Config
from geobot.errors import CloudError, StageFailed
from geobot.pipeline.journal import Journal
from geobot.pipeline.model import Note
from geobot.pipeline.runner import Runner
from geobot.pipeline.stage import StageContext
from geobot.targets.aws.package import build_functions
from geobot.targets.aws.stages import Functions, Infrastructure, Online, Publish, Smoke
from geobot.targets.aws.target import AwsTarget
from geobot.targets.aws.variables import lex_bot, render_variables

from tests.models import fixture_model
from tests.conftest import Clock

from .conftest import Stubbed
from .fakes import (
    ACCOUNT,
    ALIAS_IDS,
    INSTANCE,
    PRIMARY,
    SECONDARY,
    Terraform,
    alias_arn,
    expect_invoke,
    expect_preflight,
    expect_publish,
    expect_smoke,
    expect_unpublish,
    health_outcome,
    outputs,
)

HEALTHY = {PRIMARY: True, SECONDARY: True}
CHECKS = {PRIMARY: "geobot-health-check-use1", SECONDARY: "geobot-health-check-usw2"}


def aws_config(env: dict[str, str] | None = None) -> Config:
    return configuration.load(None, env or {}, {"target": "aws"})


def target(config: Config, stubbed: Stubbed, terraform: Terraform) -> AwsTarget:
    return AwsTarget(config, terraform, True, {}, session=stubbed)  # type: ignore[arg-type]


def runner(directory: Path) -> Runner:
    journal = Journal(directory, "geobot", "aws")
    journal.load()
    return Runner(journal, lambda event: None, lambda command: f"geobot {command}")


def deployed(config: Config) -> dict[str, Any]:
    """The outputs a finished deploy journals, as later stages and destroy read them."""
    published = outputs(render_variables(config, Path("/state/functions.zip"), ALIAS_IDS))
    return {
        "preflight": {"account": "123456789012", "partition": "aws"},
        "bots": outputs(render_variables(config, Path("/state/functions.zip"))),
        "publish": {"alias_ids": ALIAS_IDS, "alias_arns": {r: alias_arn(r) for r in ALIAS_IDS}, "versions": {},
                    **({"connect_instance_id": INSTANCE} if config.aws.connect_instance_id else {})},
        "functions": published,
    }


def context(directory: Path, stage_outputs: dict[str, Any], notes: list[Note] | None = None) -> StageContext:
    def emit(event: object) -> None:
        if notes is not None and isinstance(event, Note):
            notes.append(event)

    return StageContext(directory, dict(stage_outputs), emit, lambda question: True)


def test_the_stages_run_in_this_order() -> None:
    names = [s.name for s in AwsTarget(aws_config(), Terraform([]), True, {}).stages()]  # type: ignore[arg-type]
    assert names == ["preflight", "bots", "publish", "functions", "online", "smoke"]


def test_a_deploy_applies_the_functions_only_after_every_alias_exists_and_smokes_after_online(
    stubbed: Stubbed, tmp_path: Path
) -> None:
    config = aws_config({"GEOBOT_AWS_CONNECT_INSTANCE_ID": INSTANCE})
    terraform = Terraform(stubbed.calls)
    expect_preflight(stubbed, connect=True)
    for region in (PRIMARY, SECONDARY):
        expect_publish(stubbed, region)
    stubbed.expect("connect", PRIMARY, "list_bots", {"InstanceId": INSTANCE, "LexVersion": "V2"}, {"LexBots": []})
    for region in (PRIMARY, SECONDARY):
        stubbed.expect("connect", PRIMARY, "associate_bot", {"InstanceId": INSTANCE, "LexV2Bot": {"AliasArn": alias_arn(region)}})
    for region in (PRIMARY, SECONDARY):
        expect_invoke(stubbed, region, CHECKS[region], {}, health_outcome(HEALTHY))
    expect_smoke(stubbed)

    run = runner(tmp_path)
    result = run.deploy(target(config, stubbed, terraform).stages(), run.context(lambda question: True))

    calls = stubbed.calls
    steps = [call[0] if call[0].startswith("terraform") else f"{call[0]} {call[2]}" for call in calls]
    applies = [i for i, step in enumerate(steps) if step == "terraform apply"]
    assert [calls[i][1] for i in applies] == [{}, ALIAS_IDS]
    checks = [i for i, step in enumerate(steps) if step.startswith(("sts", "dynamodb", "lexv2-models ListBots"))]
    publishing = [i for i, step in enumerate(steps) if step.startswith("lexv2-models") and i not in checks]
    assert max(checks) < applies[0] < min(publishing) and max(publishing) < applies[1]
    associations = [i for i, step in enumerate(steps) if step == "connect AssociateBot"]
    assert len(associations) == 2 and max(associations) < applies[1]
    invokes = [i for i, step in enumerate(steps) if step.startswith("lambda")]
    assert applies[1] < min(invokes)
    assert calls[-1] == ("lexv2-runtime", PRIMARY, "RecognizeText")
    assert result["publish"]["alias_arns"] == {r: alias_arn(r) for r in (PRIMARY, SECONDARY)}
    assert result["online"] == {"regions": {PRIMARY: "healthy", SECONDARY: "healthy"}, "active": PRIMARY}
    assert result["smoke"]["region"] == PRIMARY
    assert (tmp_path / "functions.zip").read_bytes() == build_functions().data


def test_publish_gives_a_users_intents_their_slots_before_it_builds(stubbed: Stubbed, tmp_path: Path) -> None:
    (tmp_path / "geobot.toml").write_text(f'[bot]\nmodel = "{fixture_model("7.0.0")}"\n[aws]\ntest_utterance = "stop"\n'
                                          'expected_intent = "Utilities.Stop"\n')
    config = configuration.load(tmp_path / "geobot.toml", {}, {"target": "aws"})
    for region in (PRIMARY, SECONDARY):
        expect_publish(stubbed, region, model=lex_bot(config))
    bots = outputs(render_variables(config, Path("/state/functions.zip")))
    result = Publish(config, stubbed).run(context(tmp_path, {"preflight": {"account": ACCOUNT, "partition": "aws"}, "bots": bots}))
    stubbed.verify()
    for region in (PRIMARY, SECONDARY):
        steps = [call[2] for call in stubbed.calls if call[1] == region]
        assert steps.count("UpdateIntent") == 2 and steps.index("UpdateIntent") < steps.index("BuildBotLocale")
    assert result["slot_names"]["Places_GetDistance"] == {"Places_AbsoluteLocation_2": "Places.AbsoluteLocation"}
    assert result["intent_names"]["Places_FindPlace"] == "Places.FindPlace"


def test_the_functions_never_apply_before_publish_has_handed_back_the_aliases(tmp_path: Path) -> None:
    terraform = Terraform([])
    functions = Functions(aws_config(), terraform, True, build_functions)  # type: ignore[arg-type]
    with pytest.raises(CloudError, match="no published bot alias"):
        functions.run(context(tmp_path, {"bots": deployed(aws_config())["bots"]}))
    assert terraform.log == []


def test_a_new_apply_of_the_bots_keeps_the_published_aliases_without_replanning_for_them(tmp_path: Path) -> None:
    bots = Infrastructure(aws_config(), Terraform([]), True, build_functions)  # type: ignore[arg-type]
    before = context(tmp_path, {})
    after = context(tmp_path, deployed(aws_config()))
    assert bots.render(before)["bot_alias_ids"] == {}
    assert bots.render(after)["bot_alias_ids"] == ALIAS_IDS
    assert bots.inputs(before) == bots.inputs(after)


def test_the_functions_stage_runs_again_when_their_code_changes(tmp_path: Path) -> None:
    config, ctx = aws_config(), context(tmp_path, deployed(aws_config()))
    now = Functions(config, Terraform([]), True, build_functions)  # type: ignore[arg-type]
    changed = Functions(config, Terraform([]), True, lambda: type(build_functions())(b"other"))  # type: ignore[arg-type]
    assert now.inputs(ctx)["variables"]["bot_alias_ids"] == ALIAS_IDS
    assert now.inputs(ctx) != changed.inputs(ctx)


def test_plan_previews_offline_what_each_apply_would_get(tmp_path: Path) -> None:
    stages = {s.name: s for s in AwsTarget(aws_config(), Terraform([]), True, {}).stages()}  # type: ignore[arg-type]
    ctx = context(tmp_path, {})
    bots = stages["bots"].preview(ctx)
    assert bots is not None and '"lex_bot": "geobot-bot-usw2"' in bots and '"BookTable": "24 utterances"' in bots
    assert stages["functions"].preview(ctx) == ("re-applies terraform/aws with the alias ids publish hands back: the "
                                                f"functions (zip sha256 {build_functions().sha256[:12]}), their "
                                                "schedules and alarms, the region check")
    assert not (tmp_path / "terraform").exists()


def test_destroy_removes_what_calls_a_bot_then_the_aliases_then_the_rest(stubbed: Stubbed, tmp_path: Path) -> None:
    config = aws_config({"GEOBOT_AWS_CONNECT_INSTANCE_ID": INSTANCE})
    terraform = Terraform(stubbed.calls)
    run = runner(tmp_path)
    for name, values in deployed(config).items():
        run.journal.record(name, status="successful", outputs=values, error=None)
    for name in ("online", "smoke"):
        run.journal.record(name, status="successful", outputs={}, error=None)
    run.journal.record("publish", progress={"regions": [SECONDARY, PRIMARY], "current": SECONDARY, "phase": "failed"})
    stubbed.expect("connect", PRIMARY, "list_bots", {"InstanceId": INSTANCE, "LexVersion": "V2"},
                   {"LexBots": [{"LexV2Bot": {"AliasArn": alias_arn(r)}} for r in (PRIMARY, SECONDARY)]})
    for region in (PRIMARY, SECONDARY):
        stubbed.expect("connect", PRIMARY, "disassociate_bot",
                       {"InstanceId": INSTANCE, "LexV2Bot": {"AliasArn": alias_arn(region)}})
    for region in (PRIMARY, SECONDARY):
        expect_unpublish(stubbed, region)

    run.destroy(target(config, stubbed, terraform).stages(), run.context(lambda question: True))

    steps = [call if call[0].startswith("terraform") else call[2] for call in stubbed.calls]
    assert steps[0] == ("terraform apply", {})
    assert steps[-1] == ("terraform destroy", {})
    assert steps.index("DisassociateBot") < steps.index("DeleteBotAlias")
    assert not (tmp_path / "terraform" / "bots").exists()
    assert run.journal.stage("publish").get("progress") is None  # a halted rollout is not resumed after a destroy


# ---- online --------------------------------------------------------------------------------


def online(stubbed: Stubbed, config: Config | None = None) -> tuple[Online, Clock]:
    clock = Clock()
    return Online(config or aws_config(), stubbed, poll=10, clock=clock, sleep=clock.sleep), clock


def test_online_runs_every_regions_health_check_until_each_sees_every_bot_pass(stubbed: Stubbed, tmp_path: Path) -> None:
    for region in (PRIMARY, SECONDARY):
        expect_invoke(stubbed, region, CHECKS[region], {}, health_outcome({PRIMARY: True, SECONDARY: False}))
    for region in (PRIMARY, SECONDARY):
        expect_invoke(stubbed, region, CHECKS[region], {}, health_outcome(HEALTHY))
    stage, clock = online(stubbed)
    notes: list[Note] = []
    result = stage.run(context(tmp_path, deployed(aws_config()), notes))
    assert result == {"regions": {PRIMARY: "healthy", SECONDARY: "healthy"}, "active": PRIMARY}
    assert clock.now == 10
    assert [n.text for n in notes] == ["us-west-2: call failed: timeout; checking again"]


def test_online_gives_up_naming_the_region_and_why_its_bot_fails(stubbed: Stubbed, tmp_path: Path) -> None:
    config = aws_config({"GEOBOT_AWS_ONLINE_TIMEOUT": "60"})
    failing = health_outcome({PRIMARY: True, SECONDARY: False}, reason="intent 'FallbackIntent', expected 'BookTable'")
    for _ in range(7):
        for region in (PRIMARY, SECONDARY):
            expect_invoke(stubbed, region, CHECKS[region], {}, failing)
    stage, clock = online(stubbed, config)
    with pytest.raises(CloudError) as raised:
        stage.run(context(tmp_path, deployed(config)))
    assert raised.value.message == ("us-west-2: the bot still fails the health check after 60 s: "
                                    "intent 'FallbackIntent', expected 'BookTable'")
    assert raised.value.hint == ("see the health check's log: aws logs tail /aws/lambda/geobot-health-check-usw2 "
                                 "--region us-west-2")
    assert clock.now == 60


def test_a_health_check_that_raises_is_reported_with_its_error_and_log(stubbed: Stubbed, tmp_path: Path) -> None:
    expect_invoke(stubbed, PRIMARY, CHECKS[PRIMARY], {}, health_outcome(HEALTHY))
    expect_invoke(stubbed, SECONDARY, CHECKS[SECONDARY], {},
                  {"errorType": "ConfigurationError", "errorMessage": "GEOBOT_REGIONS: required, not set"}, "Unhandled")
    with pytest.raises(CloudError) as raised:
        online(stubbed)[0].run(context(tmp_path, deployed(aws_config())))
    assert raised.value.message == ("us-west-2: the function geobot-health-check-usw2 failed: ConfigurationError: "
                                    "GEOBOT_REGIONS: required, not set")
    assert raised.value.hint == "see its log: aws logs tail /aws/lambda/geobot-health-check-usw2 --region us-west-2"


def test_online_warns_when_callers_still_use_a_failover_region(stubbed: Stubbed, tmp_path: Path) -> None:
    config = aws_config({"GEOBOT_AWS_FAILBACK": "manual"})
    for region in (PRIMARY, SECONDARY):
        expect_invoke(stubbed, region, CHECKS[region], {}, health_outcome(HEALTHY, active=SECONDARY))
    notes: list[Note] = []
    assert online(stubbed, config)[0].run(context(tmp_path, deployed(config), notes))["active"] == SECONDARY
    assert [(n.level, n.text) for n in notes] == [("warning", (
        "callers still use us-west-2: the primary us-east-1 passes, and callers return to it when lexRegion is set "
        'back by hand (aws.failback = "manual")'))]


def test_online_refuses_without_deployed_functions(stubbed: Stubbed, tmp_path: Path) -> None:
    with pytest.raises(CloudError, match="no health-check function is deployed") as raised:
        online(stubbed)[0].run(context(tmp_path, {}))
    assert raised.value.hint == "the functions stage must pass first"


# ---- smoke ---------------------------------------------------------------------------------


def test_smoke_asks_the_region_check_then_the_bot_it_names(stubbed: Stubbed, tmp_path: Path) -> None:
    expect_smoke(stubbed, region=SECONDARY)
    result = Smoke(aws_config(), stubbed).run(context(tmp_path, deployed(aws_config())))
    assert result == {"region": SECONDARY, "alias_arn": alias_arn(SECONDARY), "region_check": "table",
                      "heard": "'book a table' as BookTable"}


@pytest.mark.parametrize(("intent", "score", "reason"), [
    ("FallbackIntent", 0.93, "intent 'FallbackIntent', expected 'BookTable'"),
    ("BookTable", 0.5, "confidence 0.5 below 0.8"),
])
def test_smoke_fails_as_the_health_check_would(stubbed: Stubbed, tmp_path: Path, intent: str, score: float,
                                              reason: str) -> None:
    expect_smoke(stubbed, intent=intent, score=score)
    with pytest.raises(CloudError) as raised:
        Smoke(aws_config(), stubbed).run(context(tmp_path, deployed(aws_config())))
    assert raised.value.message == f"us-east-1: the bot the region check names fails 'book a table': {reason}"


def test_a_failed_stage_says_how_to_resume(stubbed: Stubbed, tmp_path: Path) -> None:
    expect_smoke(stubbed, intent="FallbackIntent")
    run = runner(tmp_path)
    with pytest.raises(StageFailed) as raised:
        run.deploy([Smoke(aws_config(), stubbed)], context(tmp_path, deployed(aws_config())))
    assert raised.value.hint == "see `geobot status` and the health check's log; then run `geobot deploy` to resume from stage smoke"


def test_a_change_of_the_connect_flow_is_a_change_of_the_configuration(tmp_path: Path) -> None:
    import shutil

    from geobot.resources import terraform_dir
    from geobot.targets.infra import tree_digest

    copy = tmp_path / "aws"
    shutil.copytree(terraform_dir("aws"), copy)
    before = tree_digest(copy)
    flow = copy / "flows" / "region-routing.json"
    flow.write_text(flow.read_text().replace("}", " }", 1))
    assert tree_digest(copy) != before
