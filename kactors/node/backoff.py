"""The kubelet's per-key exponential back-off (client-go ``util/flowcontrol.Backoff``).

Two kubelet back-offs use it, both from 10 s doubling up to 300 s:

* image pulls, keyed by pod and image: after a failed pull, no new pull until the
  back-off since that failure has passed (``ImagePullBackOff``);
* container restarts, keyed by pod and container: the *first* restart after an exit is
  immediate, later ones wait for the back-off since the exit (``CrashLoopBackOff``:
  0, 10, 20, 40, 80, 160, 300, 300... seconds).

An entry not updated for twice the maximum (10 minutes) starts again from 10 s: a
container that ran for over 10 minutes before crashing restarts at once.
"""

from __future__ import annotations

import attrs

__all__ = ["Backoff"]

#: Cluster times are floats: ``finished + 10.0 - finished`` may be 9.999999999999998.
_EPSILON = 1e-9


@attrs.define
class Backoff:
    """One key's back-off state; pure (times are passed in)."""

    initial: float = 10.0
    maximum: float = 300.0
    duration: float = 0.0
    last_update: float | None = None

    def _expired(self, now: float) -> bool:
        return self.last_update is None or now - self.last_update > 2 * self.maximum

    def in_backoff_since(self, event_time: float, now: float) -> bool:
        """``IsInBackOffSince``: is ``now`` within the back-off from ``event_time``?"""
        if self._expired(now):
            return False
        return now - event_time < self.duration - _EPSILON

    def in_backoff_since_update(self, now: float) -> bool:
        """``IsInBackOffSinceUpdate``: is ``now`` within the back-off from the last update?"""
        if self._expired(now):
            return False
        assert self.last_update is not None
        return now - self.last_update < self.duration - _EPSILON

    def next(self, event_time: float, now: float) -> float:
        """``Next``: the first back-off, or double the last one (capped); returns it."""
        if self.last_update is None or event_time - self.last_update > 2 * self.maximum:
            self.duration = self.initial
        else:
            self.duration = min(self.duration * 2, self.maximum)
        self.last_update = now
        return self.duration

    def reset(self) -> None:
        self.duration, self.last_update = 0.0, None
