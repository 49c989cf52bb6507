"""The Azure deploy's language stage: the same model published to every region's CLU.

Each bot region queries its own Language resource, so the model is imported, trained and
deployed once per region. The regions are independent, so they run in parallel, and each one
runs to its end even when another fails: a re-run then redoes only work that was not done
(import replaces the project, deploy replaces what the deployment served). All failures are
reported together, in one CluError naming every failed region.

The deployer's Language Owner role is assigned by the same apply that runs just before, and
Azure RBAC takes minutes to apply it: a 403 is retried with backoff until `propagation`
seconds have passed, then reported as a role that has not applied.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from geobot.nlu.clu import CluClient, CluError
from geobot.nlu.model import load_model
from geobot.nlu.upgrade import to_luis7

if TYPE_CHECKING:
    from azure.core.credentials import TokenCredential


@dataclass(frozen=True)
class ImportBody:
    """What CLU's import takes: `file_format` "Luis" (a LUIS 7.0.0 app) or "Conversation" (a CLU export)."""

    file_format: str
    body: dict


def import_body(path: Path, project: str) -> ImportBody:
    """The model at `path` as CLU imports it: a LUIS app upgraded to 7.0.0, a CLU export renamed to `project`.

    It is read and checked first, so a bad file stops the stage with its file and lines
    (ModelError, exit 2) before any region is touched.
    """
    model = load_model(path)
    if model.kind == "luis":
        return ImportBody("Luis", to_luis7(model))
    return ImportBody("Conversation", {**model.raw, "metadata": {**model.raw.get("metadata", {}), "projectName": project}})


async def publish_regions(
    endpoints: Mapping[str, str],
    credential: TokenCredential,
    project: str,
    deployment: str,
    model: ImportBody,
    model_label: str,
    progress: Callable[[str, str], None],
    propagation: float = 600.0,
    sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
) -> dict[str, str]:
    """Import, train and deploy `model` as `project`/`deployment` in every region at once.

    `endpoints` maps region → its Language endpoint; `credential` is the deployer's (sync)
    TokenCredential, shared by all regions. `progress(region, step)` hears "import", "train",
    "deploy" and "done", or "failed". Returns region → the id of the deployment job that put
    the model live (what the stage records). Raises one CluError naming each failed region.
    """

    async def one(region: str, endpoint: str) -> str:
        deadline, delay = time.monotonic() + propagation, 2.0
        while True:
            try:
                async with CluClient(endpoint, credential=credential) as client:
                    job = await client.publish(project, deployment, model.body, model_label,
                                               lambda step: progress(region, step), model.file_format)
                break
            except CluError as error:
                if error.status == 403 and time.monotonic() + delay <= deadline:
                    progress(region, f"refused (403): the role may not have applied yet, retrying in {delay:.0f} s")
                    await sleep(delay)
                    delay = min(delay * 2, 60.0)
                    continue
                progress(region, "failed")
                if error.status == 403:
                    raise CluError(f"{error.message} (still refused after {propagation:.0f} s of waiting for the role to apply)",
                                   "check that the deployer holds 'Cognitive Services Language Owner' on the Language "
                                   "resource (terraform/azure modules/region language_owner), then run deploy again",
                                   403) from error
                raise
        progress(region, "done")
        return str(job.get("jobId", ""))

    regions = list(endpoints)
    results = await asyncio.gather(*(one(r, endpoints[r]) for r in regions), return_exceptions=True)
    published: dict[str, str] = {}
    failed: dict[str, CluError] = {}
    for region, result in zip(regions, results, strict=True):
        if isinstance(result, CluError):
            failed[region] = result
        elif isinstance(result, BaseException):
            raise result  # not the service's answer but a defect: show it as it is
        else:
            published[region] = result
    if failed:
        raise CluError(
            f"the language model is not live in {len(failed)} of {len(regions)} regions: "
            + "; ".join(f"{region}: {error.message}" for region, error in failed.items()),
            "; ".join(dict.fromkeys(error.hint for error in failed.values() if error.hint)),
        )
    return published
