"""The contract server rejects what the contract does not say, so a passing test means something."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from tests.unit.targets.azure.contract_server import TOKEN, ContractServer, Exchange, Reply

URL = "https://management.azure.com/subscriptions/s/resourceGroups/rg?api-version=2024-11-01"
BEARER = {"Authorization": f"Bearer {TOKEN}"}


def violations(azure: ContractServer) -> list[str]:
    """Take the recorded violations (so the fixture's own verify() passes)."""
    found = list(azure.violations)
    azure.violations.clear()
    azure.expected.clear()
    return found


@pytest.mark.parametrize(
    ("method", "url", "kwargs", "problem"),
    [
        ("GET", URL, {}, "method GET, contract says PUT"),
        ("PUT", URL.replace("2024-11-01", "2021-04-01"), {}, "query"),
        ("PUT", URL.replace("/rg", "/other"), {}, "URL management.azure.com/subscriptions/s/resourceGroups/other"),
        ("PUT", URL, {"headers": {}}, "expected the bearer token"),
        ("PUT", URL, {"json": {"location": "eastus"}}, "body {'location': 'eastus'}"),
    ],
)
def test_a_request_off_the_contract_gets_a_400_and_fails_the_test(
    azure: ContractServer, method: str, url: str, kwargs: dict[str, Any], problem: str
) -> None:
    azure.expect(Exchange("PUT", URL, Reply(200, {"id": "rg"}), json={"location": "westeurope"}))
    sent = {"headers": BEARER, "json": {"location": "westeurope"}} | kwargs
    response = requests.request(method, url, timeout=5, **sent)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "ContractViolation"
    (found,) = violations(azure)
    assert problem in found


def test_a_matching_request_gets_the_recorded_answer(azure: ContractServer) -> None:
    azure.expect(Exchange("PUT", URL, Reply(201, {"id": "rg"}, {"x-ms-request-id": "1"}), json={"location": "x"}))
    response = requests.put(URL, headers=BEARER, json={"location": "x"}, timeout=5)
    assert (response.status_code, response.json(), response.headers["x-ms-request-id"]) == (201, {"id": "rg"}, "1")


def test_an_unexpected_request_and_a_missing_one_both_fail(azure: ContractServer) -> None:
    response = requests.get(URL, headers=BEARER, timeout=5)
    assert response.status_code == 400
    azure.expect(Exchange("GET", URL, Reply(200, {})))
    with pytest.raises(AssertionError, match="no request was expected"):
        azure.verify()
    azure.violations.clear()
    with pytest.raises(AssertionError, match="expected requests never came"):
        azure.verify()
    azure.expected.clear()


def test_only_azure_host_names_resolve(azure: ContractServer) -> None:
    with pytest.raises(requests.ConnectionError):
        requests.get("https://login.microsoftonline.com/", timeout=5)
