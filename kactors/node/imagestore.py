"""The images on one node: which are present, which are being pulled, and the puller queue.

Two kubelet/containerd behaviours worth seeing in a simulation:

* pulls are **serialized** (the kubelet's default ``serializeImagePulls: true``): a pull
  requested while another runs waits for it, which is the difference between the two
  durations of ``Successfully pulled image "x" in 1s (4s including waiting)``;
* a pull of an image **already being pulled** joins that pull (containerd deduplicates
  by reference) and ends with it.
"""

from __future__ import annotations

import math

__all__ = ["ImageStore"]


class ImageStore:
    """Presence of images by fully qualified name, and the node's single puller."""

    def __init__(self) -> None:
        self._ready_at: dict[str, float] = {}  # name -> when it is (or was) present
        self._free_at = -math.inf

    def present(self, name: str, at: float) -> bool:
        """Whether ``name`` is on the node at time ``at``."""
        ready_at = self._ready_at.get(name)
        return ready_at is not None and ready_at <= at

    def preload(self, name: str) -> None:
        """Mark ``name`` present since forever (images baked into the node)."""
        self._ready_at[name] = -math.inf

    def pull(self, name: str, seconds: float, now: float) -> tuple[float, float]:
        """Pull ``name`` (taking ``seconds`` once started); returns (end time, pull time).

        The end time includes the wait for the puller; an image already being pulled is
        joined instead. An image already present is re-pulled (``imagePullPolicy:
        Always``) and stays present meanwhile.
        """
        ready_at = self._ready_at.get(name)
        if ready_at is not None and ready_at > now:
            return ready_at, ready_at - now
        end = self._occupy(seconds, now)
        if ready_at is None:
            self._ready_at[name] = end
        return end, seconds

    def fail(self, seconds: float, now: float) -> float:
        """A pull that will fail after ``seconds``; returns when (it queues like any pull)."""
        return self._occupy(seconds, now)

    def _occupy(self, seconds: float, now: float) -> float:
        self._free_at = max(now, self._free_at) + seconds
        return self._free_at
