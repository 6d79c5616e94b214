"""Async controller tests run in virtual time: an async test that forgets the MockClock fails."""

from __future__ import annotations

import inspect

import pytest


def pytest_configure(config: pytest.Config) -> None:
    # what kactors.testing.pytest_plugin registers; test_harness.py loads that plugin only
    # after its own marks were evaluated
    config.addinivalue_line("markers", "kactors(seed=0, store='local', **options): configure "
                            "the kactors_cluster fixture")


@pytest.fixture(autouse=True)
def _virtual_time_only(request: pytest.FixtureRequest) -> None:
    function = getattr(request, "function", None)
    virtual = {"autojump_clock", "kactors_cluster"}  # the plugin's fixture brings its clock
    if inspect.iscoroutinefunction(function) and not virtual & set(request.fixturenames):
        pytest.fail(f"{request.node.name} must take the autojump_clock fixture "
                    f"(cluster tests run in virtual time only)")
