"""A deliberately naive reference for `MVCCStore`: a full copy of the key space per revision.

Obviously correct and obviously slow, it is what randomized tests compare the real store
against (ranges at every revision, the events of every revision).
"""

from __future__ import annotations

import random
from typing import Any

from kactors.store import ALL_KEYS, KeyValue, prefix_end
from kactors.store.keys import in_range

KEYS = ("a", "ab", "abc", "abd", "b", "ba", "c", "/r/pods/x", "/r/pods/y", "/r/svc/x")
INTERVALS: tuple[tuple[str, str | None], ...] = (
    ("a", None),
    ("abc", None),
    ("a", prefix_end("a")),
    ("ab", "b"),
    ("b", ALL_KEYS),
    ("\0", ALL_KEYS),
    ("/r/", prefix_end("/r/")),
    ("/r/pods/", prefix_end("/r/pods/")),
    ("zz", None),
)


class Model:
    """revision -> {key: KeyValue} and revision -> [(type, key)] for every revision."""

    def __init__(self) -> None:
        self.revision = 1
        self.states: dict[int, dict[str, KeyValue]] = {1: {}}
        self.changes: dict[int, list[tuple[str, str]]] = {}

    @property
    def current(self) -> dict[str, KeyValue]:
        return self.states[self.revision]

    def write(self, ops: list[tuple[str, str, Any]]) -> None:
        """Apply ("put", key, value) / ("delete", key, range_end) ops as one revision."""
        state = dict(self.current)
        rev = self.revision + 1
        changes: list[tuple[str, str]] = []
        for kind, key, arg in ops:
            if kind == "put":
                prev = state.get(key)
                if prev is None:
                    state[key] = KeyValue(key, arg, rev, rev, 1, 0)
                else:
                    state[key] = KeyValue(key, arg, prev.create_revision, rev, prev.version + 1, 0)
                changes.append(("PUT", key))
            else:
                for k in sorted(state):
                    if in_range(k, key, arg):
                        del state[k]
                        changes.append(("DELETE", k))
        if changes:
            self.revision = rev
            self.states[rev] = state
            self.changes[rev] = changes

    def range(self, key: str, range_end: str | None, revision: int) -> tuple[KeyValue, ...]:
        state = self.states[revision]
        return tuple(state[k] for k in sorted(state) if in_range(k, key, range_end))


def random_write(rng: random.Random) -> list[tuple[str, str, Any]]:
    """One random write: a put, a delete (single or interval) or a multi-op txn body."""
    roll = rng.random()
    if roll < 0.6:
        return [("put", rng.choice(KEYS), rng.randrange(1000))]
    if roll < 0.85:
        key, end = rng.choice(INTERVALS)
        return [("delete", key, end)]
    keys = rng.sample(KEYS, rng.randint(1, 3))
    return [("put", k, rng.randrange(1000)) for k in keys]
