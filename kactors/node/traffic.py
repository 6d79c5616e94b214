"""Which pods served how many connections, and when: the simulated network's side of load.

kube-proxy balances each simulated connection onto an endpoint; the pod behind it pays
for it in CPU (its image's ``cpu_per_request``), which its node's kubelet reports to
metrics-server, which the HPA reads. In a real cluster that CPU is measured by the
kernel of the pod's node; here one :class:`Traffic` per cluster stands for the wire
between the node a connection enters (its kube-proxy records it) and the node serving it
(its kubelet reads it when asked for usage). It is plain data, owned by the cluster tree
like the simulated network: nobody calls an actor through it.

Per pod IP, the times connections landed, in order; reads are bisections.
"""

from __future__ import annotations

import bisect

__all__ = ["Traffic"]


class Traffic:
    """Connections landed per pod IP (see the module doc)."""

    def __init__(self) -> None:
        self._landed: dict[str, list[float]] = {}

    def record(self, ip: str, at: float) -> None:
        """A connection landed on the pod with this IP at cluster time ``at``."""
        times = self._landed.setdefault(ip, [])
        if times and at < times[-1]:
            bisect.insort(times, at)
        else:
            times.append(at)

    def count(self, ip: str, since: float, until: float) -> int:
        """Connections that landed on ``ip`` in ``(since, until]``."""
        times = self._landed.get(ip)
        if not times:
            return 0
        return bisect.bisect_right(times, until) - bisect.bisect_right(times, since)
