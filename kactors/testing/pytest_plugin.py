"""A pytest plugin: the `kactors_cluster` fixture, a whole cluster per test, in virtual time.

Enable it in your project's top-level `conftest.py` (it needs pytest-trio, with
`trio_mode = true` or `@pytest.mark.trio` on the tests):

    pytest_plugins = ["kactors.testing.pytest_plugin"]

then:

    async def test_website(kactors_cluster):
        cluster = kactors_cluster
        await cluster.apply("examples/website/website-crd.yaml")
        ...

The test runs in virtual time: the plugin gives tests that use the fixture a
`MockClock(autojump_threshold=0)` (unless they ask for pytest-trio's `autojump_clock`
themselves, which is the same). Configure it per test with the marker

    @pytest.mark.kactors(seed=7, store="raft", watch_cache_size=5,
                         informer_options={"resync_period": 30})

whose keywords go to `kactors.testing.harness.cluster_harness` (default seed 0, store
"local").
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
import trio
from trio.testing import MockClock

from kactors.testing.harness import Cluster, cluster_harness

__all__ = ["kactors_cluster", "pytest_collection_modifyitems", "pytest_configure"]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "kactors(seed=0, store='local', **options): configure the kactors_cluster "
        "fixture (keywords of kactors.testing.harness.cluster_harness)")


def _run_in_virtual_time(fn: Any, *, clock: trio.abc.Clock | None = None,
                         instruments: Any = ()) -> Any:
    """pytest-trio's runner, with a `MockClock(autojump_threshold=0)` unless the test asked
    for a clock itself (`autojump_clock`, `mock_clock`)."""
    return trio.run(fn, clock=clock or MockClock(autojump_threshold=0),
                    instruments=instruments)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # A clock must be a direct argument of the test for pytest-trio to use it; a test
    # that only asks for kactors_cluster gets virtual time through the trio marker's runner.
    for item in items:
        if "kactors_cluster" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.trio(run=_run_in_virtual_time))


@pytest.fixture
async def kactors_cluster(request: pytest.FixtureRequest) -> AsyncIterator[Cluster]:
    """A running cluster (control plane, controller-manager on demand) for one test."""
    clock = trio.lowlevel.current_clock()
    if not isinstance(clock, MockClock) or clock.autojump_threshold != 0:
        pytest.fail("kactors_cluster runs in virtual time: use MockClock(autojump_threshold=0)"
                    " (pytest-trio's autojump_clock fixture)")
    marker = request.node.get_closest_marker("kactors")
    options = dict(marker.kwargs) if marker is not None else {}
    async with cluster_harness(**options) as cluster:
        yield cluster
