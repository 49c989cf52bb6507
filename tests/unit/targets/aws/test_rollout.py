"""A new model for a serving AWS deployment: one region at a time through the region map (moto), the
publish stage's Lex calls and the functions' answers stubbed.

The region map is moto's table, read and written as geobot and the health checks do; what the
health checks and the region check answer is scripted (`expect_invoke`), in the order geobot asks.
Every checkpoint the stage journals is recorded with the region map as it was then.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from geobot import config as configuration
from geobot.config import Config
from geobot.pipeline.model import Note
from geobot.pipeline.stage import StageContext
from geobot.rollout.driver import RolloutHalted
from geobot.targets.aws.functions.failover import Counters, State
from geobot.targets.aws.functions.regionmap import RegionMap
from geobot.targets.aws.rollout import IN_FLIGHT
from geobot.targets.aws.stages import Publish
from geobot.targets.aws.variables import render_variables
from tests.conftest import Clock

from .conftest import TABLE, Stubbed
from .fakes import (
    ALIAS_IDS,
    PRIMARY,
    SECONDARY,
    alias_arn,
    expect_invoke,
    expect_prune,
    expect_publish,
    health_outcome,
    outputs,
)

CHECKS = {PRIMARY: "geobot-health-check-use1", SECONDARY: "geobot-health-check-usw2"}
HEALTHY = {PRIMARY: True, SECONDARY: True}
CALLER = {"Details": {"Parameters": {"connectRegion": PRIMARY}}}
FALLBACK = "intent 'FallbackIntent', expected 'BookTable'"


def aws_config(env: dict[str, str] | None = None) -> Config:
    return configuration.load(None, env or {}, {"target": "aws"})


def serving(config: Config, serves: str = "the previous model") -> dict[str, Any]:
    """A finished deploy's outputs: both aliases on version 1, built from `serves`; the functions deployed."""
    return {
        "preflight": {"account": "123456789012", "partition": "aws"},
        "bots": outputs(render_variables(config, Path("/state/functions.zip"))),
        "publish": {"alias_ids": ALIAS_IDS, "alias_arns": {r: alias_arn(r) for r in ALIAS_IDS},
                    "versions": dict.fromkeys(ALIAS_IDS, "1"), "serves": dict.fromkeys(ALIAS_IDS, serves)},
        "functions": outputs(render_variables(config, Path("/state/functions.zip"), ALIAS_IDS)),
    }


class Deployment:
    """The stage, its context and the region map; `journal`: each checkpoint with the map's state then."""

    def __init__(self, aws: Any, stubbed: Stubbed, tmp_path: Path, config: Config | None = None,
                 stage_outputs: dict[str, Any] | None = None, progress: Any = None) -> None:
        self.config = config or aws_config()
        self.map = RegionMap(aws, TABLE)
        self.clock = Clock()
        self.stage = Publish(self.config, stubbed, poll=10, clock=self.clock, sleep=self.clock.sleep)
        self.notes: list[Note] = []
        self.journal: list[tuple[Any, State | None]] = []
        self.ctx = StageContext(tmp_path, stage_outputs or serving(self.config), self.emit, lambda question: True,
                                stage="publish", progress={"publish": progress} if progress else {},
                                record_progress=lambda stage, value: self.journal.append((value, self.state())))

    def emit(self, event: object) -> None:
        if isinstance(event, Note):
            self.notes.append(event)

    def state(self) -> State | None:
        return self.map.read(PRIMARY, consistent=True)

    def route(self, active: str, held: str | None = None) -> None:
        """The region map as the health checks left it: callers on `active`, both regions passing for long."""
        passing = {r: Counters(successes=40) for r in (PRIMARY, SECONDARY)}
        self.map.update(PRIMARY, State(active, "t0"), lambda state: State(active, "t0", passing, held=held))

    def seen(self, stubbed: Stubbed, region: str, operation: str) -> list[State]:
        """The region map each time geobot asks Lex in `region` for `operation`."""
        states: list[State] = []

        def called(model: Any, **_: Any) -> None:
            state = self.state()
            if model.name == operation and state is not None:
                states.append(state)

        stubbed.session.api("lexv2-models", region).client.meta.events.register_first("before-call.*.*", called)
        return states

    def steps(self) -> list[tuple[str | None, str | None]]:
        """(region out of rotation, its phase) at each checkpoint."""
        return [(value["current"], value["phase"]) for value, _ in self.journal if value]


@pytest.fixture
def deployment(aws: Any, stubbed: Stubbed, tmp_path: Path) -> Deployment:
    """Serving: callers on the primary, both regions passing, both aliases on version 1 of the previous model."""
    serving = Deployment(aws, stubbed, tmp_path)
    serving.route(PRIMARY)
    return serving


def run(stubbed: Stubbed, region: str, healthy: dict[str, bool], active: str, held: str | None = None,
        reason: str = FALLBACK) -> None:
    """One health-check run, of `region`'s function, as geobot makes it."""
    expect_invoke(stubbed, region, CHECKS[region], {}, health_outcome(healthy, active, reason, held))


def callers_reach(stubbed: Stubbed, region: str) -> None:
    expect_invoke(stubbed, PRIMARY, "geobot-region-check", CALLER,
                  {"lexRegion": region, "botAliasArn": alias_arn(region), "source": "table"})


def operations(stubbed: Stubbed, service: str, region: str) -> list[str]:
    return [call[2] for call in stubbed.calls if call[:2] == (service, region)]


def until_the_standby_is_updated(stubbed: Stubbed) -> None:
    """A run says both regions serve (so: rolling), another that one serves besides the standby; the standby
    is held, callers are not on it; its alias moves to version 2, version 1 kept."""
    run(stubbed, PRIMARY, HEALTHY, PRIMARY)
    run(stubbed, PRIMARY, HEALTHY, PRIMARY)
    callers_reach(stubbed, PRIMARY)
    expect_publish(stubbed, SECONDARY, version="2", previous="1", prune=False)


def until_the_active_region_is_updated(stubbed: Stubbed) -> None:
    """The standby passes its check (version 1 goes), a run says another region serves besides the active one;
    callers move off it; its alias moves to version 2, version 1 kept."""
    run(stubbed, PRIMARY, HEALTHY, PRIMARY, held=SECONDARY)
    expect_prune(stubbed, SECONDARY, "2", "1")
    run(stubbed, PRIMARY, HEALTHY, PRIMARY)
    callers_reach(stubbed, SECONDARY)
    expect_publish(stubbed, PRIMARY, version="2", previous="1", prune=False)


def test_a_new_model_reaches_the_standby_first_then_callers_move_off_the_active_region_and_back(
        deployment: Deployment, stubbed: Stubbed) -> None:
    until_the_standby_is_updated(stubbed)
    until_the_active_region_is_updated(stubbed)
    run(stubbed, SECONDARY, HEALTHY, SECONDARY, held=PRIMARY)  # its check, by the other region's function
    expect_prune(stubbed, PRIMARY, "2", "1")
    callers_reach(stubbed, PRIMARY)
    built = {region: deployment.seen(stubbed, region, "BuildBotLocale") for region in (PRIMARY, SECONDARY)}

    result = deployment.stage.run(deployment.ctx)

    assert deployment.steps() == [step for region in (SECONDARY, PRIMARY) for step in (
        *[(region, phase) for phase in ("leaving", "out", "drained", "updated", "returning")], (None, None))]
    for value, state in deployment.journal:
        assert state is not None and state.held in (None, value and value["current"]), "two regions out at once"
    assert [(state.active, state.held) for state in built[SECONDARY]] == [(PRIMARY, SECONDARY)]
    assert [(state.active, state.held) for state in built[PRIMARY]] == [(SECONDARY, PRIMARY)]
    lex = [(call[1], call[2]) for call in stubbed.calls if call[0] == "lexv2-models"]
    assert lex.index((SECONDARY, "DeleteBotVersion")) < lex.index((PRIMARY, "BuildBotLocale"))
    end = deployment.state()
    assert end is not None and (end.active, end.held) == (PRIMARY, None)
    assert result["versions"] == {PRIMARY: "2", SECONDARY: "2"} and result["alias_ids"] == ALIAS_IDS
    assert result["serves"] == dict.fromkeys((PRIMARY, SECONDARY), deployment.stage.wanted(deployment.ctx))
    assert result["update"] == {"mode": "rolling", "regions": [PRIMARY, SECONDARY]}
    assert deployment.ctx.last_progress() is None
    assert deployment.clock.now == 2 * IN_FLIGHT  # each region drained; every answer came at once
    assert "rolling update of the language model (one region at a time)" in [n.text for n in deployment.notes]


def test_the_active_region_failing_its_check_halts_with_callers_on_the_other_and_its_previous_version_kept(
        deployment: Deployment, stubbed: Stubbed) -> None:
    until_the_standby_is_updated(stubbed)
    until_the_active_region_is_updated(stubbed)
    for _ in range(3):  # aws.failover_after runs
        run(stubbed, SECONDARY, {PRIMARY: False, SECONDARY: True}, SECONDARY, held=PRIMARY)

    with pytest.raises(RolloutHalted) as halted:
        deployment.stage.run(deployment.ctx)

    assert halted.value.message == (
        f"rolling update halted at region {PRIMARY}: its bot fails the health check's probes in 3 runs: {FALLBACK}; "
        f"{PRIMARY} stays out of rotation, the other regions keep serving the version they ran")
    assert halted.value.hint.startswith("to roll back, run `geobot deploy` with the previous language model: it "
                                        "updates that region again and puts it back")
    end = deployment.state()
    assert end is not None and (end.active, end.held) == (SECONDARY, PRIMARY)
    assert "DeleteBotVersion" not in operations(stubbed, "lexv2-models", PRIMARY)
    left = deployment.ctx.last_progress()
    assert (left["current"], left["phase"], left["callers"]) == (PRIMARY, "failed", PRIMARY)
    assert left["versions"] == {PRIMARY: "2", SECONDARY: "2"}


def test_a_standby_failing_its_check_halts_before_callers_ever_move(deployment: Deployment, stubbed: Stubbed) -> None:
    until_the_standby_is_updated(stubbed)
    for _ in range(3):
        run(stubbed, PRIMARY, {PRIMARY: True, SECONDARY: False}, PRIMARY, held=SECONDARY)

    with pytest.raises(RolloutHalted, match=f"halted at region {SECONDARY}"):
        deployment.stage.run(deployment.ctx)

    end = deployment.state()
    assert end is not None and (end.active, end.held) == (PRIMARY, SECONDARY)
    assert operations(stubbed, "lexv2-models", PRIMARY) == []
    assert "DeleteBotVersion" not in operations(stubbed, "lexv2-models", SECONDARY)


def test_a_killed_rollout_resumes_at_the_region_it_left_out_and_updates_no_other(
        aws: Any, stubbed: Stubbed, tmp_path: Path) -> None:
    config = aws_config()
    wanted = Publish(config, stubbed).wanted(StageContext(tmp_path, serving(config), print, bool))
    killed = {"regions": [SECONDARY, PRIMARY], "done": [SECONDARY], "current": PRIMARY, "phase": "drained",
              "out_at": 0.0, "error": None, "have": {SECONDARY: wanted, PRIMARY: "the previous model"},
              "callers": PRIMARY, "alias_ids": ALIAS_IDS, "versions": {SECONDARY: "2", PRIMARY: "1"}}
    deployment = Deployment(aws, stubbed, tmp_path, progress=killed)
    deployment.route(SECONDARY, held=PRIMARY)
    run(stubbed, PRIMARY, HEALTHY, SECONDARY, held=PRIMARY)
    expect_publish(stubbed, PRIMARY, version="2", previous="1", prune=False)
    run(stubbed, SECONDARY, HEALTHY, SECONDARY, held=PRIMARY)
    expect_prune(stubbed, PRIMARY, "2", "1")
    callers_reach(stubbed, PRIMARY)

    result = deployment.stage.run(deployment.ctx)

    assert deployment.notes[0].text == (
        f"rolling update of the language model (resuming at region {PRIMARY}, which a previous run left out of rotation)")
    assert deployment.steps()[0] == (PRIMARY, "updated")
    assert operations(stubbed, "lexv2-models", SECONDARY) == []
    end = deployment.state()
    assert end is not None and (end.active, end.held) == (PRIMARY, None)
    assert result["versions"] == {PRIMARY: "2", SECONDARY: "2"}
    assert result["serves"] == dict.fromkeys((PRIMARY, SECONDARY), wanted)


def test_all_at_once_publishes_every_region_together_as_before_and_moves_no_caller(
        aws: Any, stubbed: Stubbed, tmp_path: Path) -> None:
    deployment = Deployment(aws, stubbed, tmp_path, config=aws_config({"GEOBOT_UPDATE": "all-at-once"}))
    deployment.route(PRIMARY)
    before = deployment.state()
    run(stubbed, PRIMARY, HEALTHY, PRIMARY)
    for region in (PRIMARY, SECONDARY):
        expect_publish(stubbed, region, version="2", previous="1")

    result = deployment.stage.run(deployment.ctx)

    assert deployment.state() == before and deployment.journal == [(None, before)]
    assert result["update"] == {"mode": "all-at-once", "regions": [PRIMARY, SECONDARY]}
    assert "all-at-once update of the language model (update = all-at-once: every changed region restarts together)" \
        in [n.text for n in deployment.notes]


def test_before_the_health_checks_exist_a_changed_model_is_published_everywhere_at_once(
        aws: Any, stubbed: Stubbed, tmp_path: Path) -> None:
    stage_outputs = {name: values for name, values in serving(aws_config()).items() if name != "functions"}
    deployment = Deployment(aws, stubbed, tmp_path, stage_outputs=stage_outputs)
    for region in (PRIMARY, SECONDARY):
        expect_publish(stubbed, region, version="2", previous="1")

    result = deployment.stage.run(deployment.ctx)

    assert result["update"]["mode"] == "all-at-once" and deployment.state() is None
    assert not [call for call in stubbed.calls if call[0] == "lambda"]


def test_health_checks_older_than_the_hold_are_warned_of(aws: Any, stubbed: Stubbed, tmp_path: Path) -> None:
    deployment = Deployment(aws, stubbed, tmp_path, config=aws_config({"GEOBOT_UPDATE": "all-at-once"}))
    older = health_outcome(HEALTHY)
    del older["held"]
    expect_invoke(stubbed, PRIMARY, CHECKS[PRIMARY], {}, older)
    for region in (PRIMARY, SECONDARY):
        expect_publish(stubbed, region, version="2", previous="1")

    deployment.stage.run(deployment.ctx)

    assert [n.text for n in deployment.notes if n.level == "warning"] == [(
        "the deployed health checks predate the region map's hold (the functions stage updates them after this one): "
        "until then an automatic failback could send callers to the region being updated, before its check")]


@pytest.mark.parametrize(("env", "shown"), [
    ({}, ("update: rolling, one region at a time, callers' region last: the region map holds the region out of "
          "rotation (its callers, if any, move to another passing region, as the region check confirms), 5 s for turns "
          "in flight, its bot is built and its alias moved to the new version, a health-check run must see it pass "
          "(within aws.failover_after = 3 runs)")),
    ({"GEOBOT_UPDATE": "all-at-once"}, "update: all at once: every region's alias moves to its new version together"),
])
def test_plan_shows_how_a_new_model_reaches_the_regions(tmp_path: Path, env: dict[str, str], shown: str) -> None:
    text = Publish(aws_config(env), Stubbed()).preview(StageContext(tmp_path, {}, print, bool))
    assert text is not None and text.startswith(shown)
