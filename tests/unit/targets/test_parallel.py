"""Work on every region at once: every region runs to its end, and the failures come back together."""

from __future__ import annotations

import threading

import pytest

from geobot.errors import CloudError
from geobot.targets.parallel import each_region


def test_every_region_runs_at_once() -> None:
    together = threading.Barrier(3, timeout=5)
    assert each_region(["a", "b", "c"], lambda region: (together.wait(), region.upper())[1]) == {"a": "A", "b": "B", "c": "C"}


def fail_in(*bad: str):
    done: list[str] = []

    def work(region: str) -> str:
        done.append(region)
        if region in bad:
            raise CloudError(f"{region} broke", f"mend {region}")
        return region

    return work, done


def test_one_failure_is_raised_as_it_is_and_the_others_finish() -> None:
    work, done = fail_in("b")
    with pytest.raises(CloudError) as raised:
        each_region(["a", "b", "c"], work)
    assert (raised.value.message, raised.value.hint) == ("b broke", "mend b")
    assert sorted(done) == ["a", "b", "c"]


def test_several_failures_make_one_error_naming_the_regions_when_asked() -> None:
    work, _ = fail_in("a", "c")
    with pytest.raises(CloudError, match=r"^a broke; c broke$"):
        each_region(["a", "b", "c"], work)
    with pytest.raises(CloudError, match=r"^a: a broke; c: c broke$"):
        each_region(["a", "b", "c"], work, name_regions=True)


def test_a_defect_is_not_dressed_up_as_a_cloud_failure() -> None:
    with pytest.raises(ZeroDivisionError):
        each_region(["a"], lambda region: 1 / 0)
