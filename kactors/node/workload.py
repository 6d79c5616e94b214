"""The CPU a container's connections cost it, throttled at its limit: a work queue.

Each connection kube-proxy balanced onto a pod (:mod:`kactors.node.traffic`) brings its
image's ``cpu_per_request`` of work. A container works at most at its CPU limit (less
what its idle process uses): beyond it, the kernel throttles it (CFS quota), the work
waits, and is done later. So a pod that is hammered shows exactly its limit while its
backlog lasts, and keeps serving after the load has stopped until the backlog is gone,
as a real throttled server does.

:class:`WorkQueues` keeps, per container, the work that arrived, the backlog and the work
done, advanced whenever the kubelet is asked for usage (metrics-server's scrapes): the
work that arrived between two summaries is taken to arrive at the first, which is exact
while the container is not throttled and close enough when it is. Sans-I/O, times in
cluster seconds, work in nanoseconds of one core.
"""

from __future__ import annotations

from collections.abc import Iterable

import attrs

__all__ = ["WorkQueues"]


@attrs.define
class _Queue:
    time: float
    arrived: int = 0
    backlog: int = 0
    done: int = 0
    rate: int = 0


class WorkQueues:
    """Per container: work done so far and the rate now (see the module doc)."""

    def __init__(self) -> None:
        self._queues: dict[str, _Queue] = {}

    def serve(self, container_id: str, started: float, arrived: int, now: float,
              capacity: int | None) -> tuple[int, int]:
        """(work done since ``started``, nanocores spent on it lately) for a container
        to which ``arrived`` work has come in all; ``capacity``: the nanocores it may
        spend on it (None: unlimited)."""
        queue = self._queues.get(container_id)
        if queue is None:
            queue = self._queues[container_id] = _Queue(started)
        elapsed = now - queue.time
        if elapsed <= 0:
            return queue.done, queue.rate
        queue.backlog += max(0, arrived - queue.arrived)
        queue.arrived = max(queue.arrived, arrived)
        limit = queue.backlog if capacity is None else int(capacity * elapsed)
        done = min(queue.backlog, limit)
        queue.backlog -= done
        queue.done += done
        queue.rate = int(done / elapsed)
        queue.time = now
        return queue.done, queue.rate

    def forget_all_but(self, container_ids: Iterable[str]) -> None:
        """Drop the queues of containers that are gone (nothing to do without load)."""
        if not self._queues:
            return
        keep = set(container_ids)
        for container_id in [c for c in self._queues if c not in keep]:
            del self._queues[container_id]
