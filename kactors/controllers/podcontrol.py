"""Deleting an owner's pods, as client-go's `PodControl.DeletePod` does for every
workload controller: all at once, one `SuccessfulDelete` event per pod, a
`FailedDelete` warning for a refusal, and expectations kept honest.

Shared by the ReplicaSet and DaemonSet controllers so that both tell the same story
and neither can forget that a failed delete will never be observed by the informer.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import trio

from kactors.client.errors import NotFound
from kactors.controllers.expectations import Expectations
from kactors.controllers.podevents import object_key

Obj = Mapping[str, Any]


async def delete_pods(controller: Any, key: str, owner: Obj, pods: Sequence[Obj],
                      expectations: Expectations,
                      on_deleted: Callable[[Obj], None] | None = None) -> list[Exception]:
    """Delete `pods` of `owner` (whose controller key is `key`) concurrently; return the
    errors (a pod already gone is not one). `on_deleted(pod)` runs after each success,
    before its event. The caller set `expectations` for these deletions beforehand."""
    errors: list[Exception] = []

    async def delete_one(pod: Obj) -> None:
        meta = pod.get("metadata") or {}
        name = meta["name"]
        try:
            await controller.client.delete("v1/Pod", name, meta.get("namespace"))
        except Exception as error:
            # the informer will never see this deletion: stop waiting for it
            expectations.deletion_observed(key, object_key(pod))
            if isinstance(error, NotFound):
                return
            controller.record_event(owner, "Warning", "FailedDelete",
                                    f"Error deleting: {error}")
            errors.append(error)
            return
        if on_deleted is not None:
            on_deleted(pod)
        controller.record_event(owner, "Normal", "SuccessfulDelete", f"Deleted pod: {name}")

    async with trio.open_nursery() as nursery:
        for pod in pods:
            nursery.start_soon(delete_one, pod)
    return errors
