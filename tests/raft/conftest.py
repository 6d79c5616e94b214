"""Member tests run in virtual time: an async test that forgets the MockClock fails."""

from __future__ import annotations

import inspect

import pytest


@pytest.fixture(autouse=True)
def _virtual_time_only(request: pytest.FixtureRequest) -> None:
    function = getattr(request, "function", None)
    if inspect.iscoroutinefunction(function) and "autojump_clock" not in request.fixturenames:
        pytest.fail(f"{request.node.name} must take the autojump_clock fixture "
                    f"(cluster tests run in virtual time only)")
