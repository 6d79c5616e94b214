"""Every runtime test also checks the runtime's status cache: each container status it
reuses must be what :func:`container_status` computes afresh (a stale cache would show
an old state in ``kubectl get pods`` without failing any single assertion); and each pod
status it hands out must be what the kubelet's shortcut, ``rendered_status``, renders
(the same keys in the same order, the same values); and after each ``sync_pod`` (which
skips the refresh of a pod update that changes nothing a refresh reads), refreshing the
pod again must change nothing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from kactors.node import records
from kactors.node.runtime import ContainerRuntime, render_times


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


def _text(seconds: float) -> str:
    return f"T{seconds!r}"  # repr: an int where a float belongs would show


def _ordered(value: object) -> object:
    """``value`` with every dict as a list of its items: equal only in the same order."""
    if isinstance(value, dict):
        return [(key, _ordered(item)) for key, item in value.items()]
    if isinstance(value, list):
        return [_ordered(item) for item in value]
    return value


@pytest.fixture(autouse=True)
def _rendered_status_is_the_rendered_pod_status(monkeypatch: pytest.MonkeyPatch
                                                ) -> Iterator[None]:
    pod_status = ContainerRuntime.pod_status

    def checking(runtime: ContainerRuntime, pod: dict, now: float) -> dict:
        status = pod_status(runtime, pod, now)
        expected = render_times(status, _text)
        rendered = runtime.rendered_status(pod, now, _text)
        assert _ordered(rendered) == _ordered(expected), pod["metadata"]["name"]
        return status

    monkeypatch.setattr(ContainerRuntime, "pod_status", checking)
    yield


@pytest.fixture(autouse=True)
def _a_synced_pod_is_refreshed(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    sync_pod = ContainerRuntime.sync_pod

    def checking(runtime: ContainerRuntime, pod: dict, now: float, *args: object) -> None:
        sync_pod(runtime, pod, now, *args)
        record = runtime._pods.get(pod["metadata"]["uid"])
        if record is None:
            return
        before = (record.phase, dict(record.conditions), len(runtime._outbox))
        runtime._refresh(record, runtime.now)
        assert (record.phase, dict(record.conditions), len(runtime._outbox)) == before

    monkeypatch.setattr(ContainerRuntime, "sync_pod", checking)
    yield
