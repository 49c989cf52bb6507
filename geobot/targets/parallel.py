"""Work on every region at once, as the cloud targets do for uploads, model publishing and probes."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from geobot.errors import CloudError

T = TypeVar("T")


def each_region(regions: Iterable[str], work: Callable[[str], T], *, name_regions: bool = False) -> dict[str, T]:
    """Run `work` for every region at once; one CloudError for all that failed.

    Every region runs to its end, so a re-run redoes only what failed. `name_regions` puts each
    region before its error, for errors that do not name it themselves.
    """
    regions = list(regions)
    with ThreadPoolExecutor(max_workers=max(1, len(regions))) as pool:
        futures = {region: pool.submit(work, region) for region in regions}
    results: dict[str, T] = {}
    failed: dict[str, CloudError] = {}
    for region, future in futures.items():
        error = future.exception()
        if error is None:
            results[region] = future.result()
        elif isinstance(error, CloudError):
            failed[region] = error
        else:
            raise error
    if not failed:
        return results
    if len(failed) == 1 and not name_regions:
        raise next(iter(failed.values()))
    messages = (f"{region}: {error.message}" if name_regions else error.message for region, error in failed.items())
    raise CloudError("; ".join(messages), next(iter(failed.values())).hint)
