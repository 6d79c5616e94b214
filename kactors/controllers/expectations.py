"""Expectations: what a controller is waiting to see in its informer cache.

A controller reads the cache, not the apiserver. Right after it created three pods, its
cache may not hold them yet: a reconcile running then would count too few pods and create
three more. So, as client-go's `ControllerExpectations` / `UIDTrackingControllerExpectations`
do, a controller records what it expects before it writes ("3 creations", "the deletion of
pods a, b"); its informer's events lower the counts as they arrive ("creation observed",
"deletion of a observed"), and until they reach zero the controller does not act on that
key again (it only updates status). Expectations expire after `ttl` (5 minutes in
Kubernetes): a watch event that never comes must not block the controller forever.

Pure bookkeeping with no I/O: the clock is passed in (`now`, cluster seconds).
"""

from __future__ import annotations

from collections.abc import Iterable

import attrs

__all__ = ["EXPECTATIONS_TIMEOUT", "Expectation", "Expectations"]

#: `ExpectationsTimeout`: how long expectations may stay unmet before they are ignored
EXPECTATIONS_TIMEOUT = 5 * 60.0


@attrs.define
class Expectation:
    """Creations and deletions one key still waits for, and when they were set."""

    add: int = 0
    delete: int = 0
    #: keys ("namespace/name") of the objects whose deletion is awaited
    deleting: set[str] = attrs.field(factory=set)
    timestamp: float = 0.0

    @property
    def fulfilled(self) -> bool:
        return self.add <= 0 and self.delete <= 0


class Expectations:
    def __init__(self, ttl: float = EXPECTATIONS_TIMEOUT) -> None:
        self.ttl = ttl
        self.by_key: dict[str, Expectation] = {}

    def __repr__(self) -> str:
        return f"<Expectations {self.by_key!r}>"

    def get(self, key: str) -> Expectation | None:
        return self.by_key.get(key)

    def satisfied(self, key: str, now: float) -> bool:
        """Whether the controller may act on `key`: nothing awaited, all of it observed,
        or the expectations expired (then it acts and sets new ones)."""
        expectation = self.by_key.get(key)
        if expectation is None:
            return True
        return expectation.fulfilled or now - expectation.timestamp > self.ttl

    def expires_in(self, key: str, now: float) -> float | None:
        """Seconds until unmet expectations of `key` expire (None if nothing is awaited)."""
        expectation = self.by_key.get(key)
        if expectation is None or expectation.fulfilled:
            return None
        return max(0.0, expectation.timestamp + self.ttl - now)

    # -- set before writing ----------------------------------------------------------------------
    def expect_creations(self, key: str, count: int, now: float) -> None:
        """`ExpectCreations`: replace `key`'s expectations with `count` creations."""
        self.by_key[key] = Expectation(add=count, timestamp=now)

    def expect_deletions(self, key: str, deleting: Iterable[str], now: float) -> None:
        """`ExpectDeletions` (UID-tracking): replace `key`'s expectations with the
        deletion of exactly these objects."""
        keys = set(deleting)
        self.by_key[key] = Expectation(delete=len(keys), deleting=keys, timestamp=now)

    # -- lowered by informer events (or by writes that failed) -------------------------------------
    def creation_observed(self, key: str) -> None:
        expectation = self.by_key.get(key)
        if expectation is not None:
            expectation.add -= 1

    def deletion_observed(self, key: str, obj_key: str) -> None:
        """The deletion of `obj_key` was seen (or will never be): counted once per object."""
        expectation = self.by_key.get(key)
        if expectation is not None and obj_key in expectation.deleting:
            expectation.deleting.discard(obj_key)
            expectation.delete -= 1

    def forget(self, key: str) -> None:
        """`DeleteExpectations`: the owner is gone."""
        self.by_key.pop(key, None)
