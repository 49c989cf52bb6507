"""The rehearsal's Traffic Manager endpoints and Front Door origins refuse what Azure refuses and remember
every change."""

from __future__ import annotations

import pytest

from tests.azure_rehearsal.cloud import Cloud, Refused
from tests.azure_rehearsal.fixtures import DEFAULT_VARIABLES, DOMAIN
from tests.azure_rehearsal.infrastructure import DEPLOYER, Ids
from tests.azure_rehearsal.rbac import Assignment

WRITE = "Microsoft.Network/trafficManagerProfiles/azureEndpoints/write"
ORIGIN_WRITE = "Microsoft.Cdn/profiles/originGroups/origins/write"
OPERATOR = "operator-object-id"


@pytest.fixture
def cloud() -> Cloud:
    deployed = Cloud(propagation=0)
    deployed.apply(DEFAULT_VARIABLES | {"domain": DOMAIN})
    return deployed


def with_role(cloud: Cloud, role: str) -> str:
    ids: Ids = cloud.ids()
    cloud.rbac.assign([Assignment(ids.global_group, role, OPERATOR, "test")])
    return OPERATOR


def test_a_reader_may_not_disable_an_endpoint(cloud: Cloud) -> None:
    region = next(iter(cloud.apps))
    with pytest.raises(Refused) as refused:
        cloud.set_enabled(with_role(cloud, "Reader"), WRITE, region, False)
    assert refused.value.status == 403 and WRITE in refused.value.message
    assert cloud.apps[region].enabled and cloud.rotation == []


def test_traffic_manager_contributor_may_and_each_change_is_recorded(cloud: Cloud) -> None:
    first, second = cloud.apps
    operator = with_role(cloud, "Traffic Manager Contributor")
    cloud.set_enabled(operator, WRITE, first, False)
    cloud.set_enabled(operator, WRITE, first, True)
    cloud.set_enabled(operator, WRITE, second, False)
    cloud.set_enabled(operator, WRITE, first, False)
    assert cloud.rotation == [(first, False), (first, True), (second, False), (first, False)]
    assert cloud.most_out_at_once() == 2
    assert cloud.monitor_status(first) == "Disabled"


def test_a_write_while_another_operation_runs_is_refused_with_409_and_changes_nothing(cloud: Cloud) -> None:
    region = next(iter(cloud.apps))
    cloud.conflicts = 1
    with pytest.raises(Refused) as refused:
        cloud.set_enabled(with_role(cloud, "Traffic Manager Contributor"), WRITE, region, False)
    assert refused.value.status == 409 and cloud.rotation == [] and cloud.conflicts == 0


def test_a_reader_may_not_disable_a_front_door_origin_and_the_deployers_owner_role_may() -> None:
    cloud = Cloud(propagation=0)
    cloud.apply(DEFAULT_VARIABLES | {"edge": "frontdoor"})
    region = next(iter(cloud.apps))
    with pytest.raises(Refused) as refused:
        cloud.set_enabled(with_role(cloud, "Reader"), ORIGIN_WRITE, region, False)
    assert refused.value.status == 403 and ORIGIN_WRITE in refused.value.message
    assert cloud.apps[region].enabled and cloud.rotation == []
    cloud.set_enabled(DEPLOYER.object_id, ORIGIN_WRITE, region, False)  # Owner of the subscription (docs/azure.md)
    assert cloud.rotation == [(region, False)] and cloud.propagating == {region: 1}
