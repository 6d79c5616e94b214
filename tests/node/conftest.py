"""Every runtime test also checks the runtime's status cache: each container status it
reuses must be what :func:`container_status` computes afresh (a stale cache would show
an old state in ``kubectl get pods`` without failing any single assertion)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from kactors.node import records


@pytest.fixture(autouse=True)
def _status_cache_is_never_stale(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    cached = records.cached_status
    checked = [0]

    def checking(pod: records.PodRecord, record: records.ContainerRecord) -> dict:
        status = cached(pod, record)
        assert status == records.container_status(pod, record), (pod.name, record.name)
        checked[0] += 1
        return status

    monkeypatch.setattr("kactors.node.runtime.cached_status", checking)
    yield
