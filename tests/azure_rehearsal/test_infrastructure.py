"""The rehearsal's stand-in for an apply: outputs as outputs.tf declares them, loudly checked."""

from __future__ import annotations

from typing import Any

import pytest

from tests.azure_rehearsal.fixtures import DEFAULT_VARIABLES, DOMAIN
from tests.azure_rehearsal.infrastructure import ROOT, Ids, check_declared, declared_outputs, outputs

EDGES = {  # the rendered variables of each edge the rehearsal deploys
    "trafficmanager": DEFAULT_VARIABLES | {"domain": DOMAIN},
    "frontdoor": DEFAULT_VARIABLES | {"edge": "frontdoor"},
}
READ = {  # what the azure target's stages read, by output
    "key_vault": {"uri", "name"}, "certificate_vault": {"uri", "name"}, "bot": {"name", "resource_group"},
    "regions": {"default_hostname", "language_endpoint", "web_app_id", "web_app_instance"},
}


def derived(edge: str) -> dict[str, Any]:
    variables = EDGES[edge]
    return outputs(Ids(variables, {region: f"instance-{region}" for region in variables["regions"]}))


@pytest.mark.parametrize("edge", EDGES)
def test_each_edge_gets_every_output_its_stages_read(edge: str) -> None:
    values = derived(edge)
    for name, keys in READ.items():
        sample = next(iter(values[name].values())) if name == "regions" else values[name]
        assert keys <= set(sample), name
    assert (values["traffic_manager"] is None) == (edge == "frontdoor") == (values["front_door"] is not None)
    assert values["host_name"] == (DOMAIN if edge == "trafficmanager" else values["front_door"]["endpoint_host_name"])


def test_an_output_the_stages_read_that_outputs_tf_lost_stops_the_derivation() -> None:
    text = (ROOT / "outputs.tf").read_text().replace("      default_hostname              = regional.default_hostname\n", "")
    with pytest.raises(AssertionError, match="output regions no longer has default_hostname"):
        check_declared(derived("frontdoor"), declared_outputs(text))
