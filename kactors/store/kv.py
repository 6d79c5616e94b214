"""The immutable values the store hands out: key-value versions and change events.

Keys are ``str`` (etcd keys are bytes; Python's code-point order of ``str`` equals the
byte order of their UTF-8 encoding, so ranges and prefixes behave the same). Values are
arbitrary *immutable* Python objects (the apiserver stores JSON text or frozen objects):
the store never copies, serialises or inspects a value, so it can hand the very same
object to every reader, every watcher and every snapshot. Storing a mutable object and
mutating it afterwards would silently rewrite history; don't.

Both classes are immutable because one instance is shared: a `KeyValue` lives in the
key's history, in the event log, in range results and in snapshots at once, and one
`Event` is fanned out to every interested watcher without copying. They are named tuples
rather than frozen attrs classes because every put builds several of them on every Raft
member: a tuple is built in one C call, a frozen attrs instance field by field (measured:
it is the difference between ~28k and ~33k committed puts/s in bench/raft.py).
"""

from __future__ import annotations

import enum
from typing import Any, NamedTuple


class KeyValue(NamedTuple):
    """One version of a key, as etcd's ``mvccpb.KeyValue``.

    ``create_revision`` is the revision that created the key (since its last delete),
    ``mod_revision`` the revision of this version, ``version`` counts puts since creation
    (1 for a fresh key; a delete resets it). ``lease`` is the attached lease id or 0.
    A deletion is recorded as a *tombstone*: ``version == 0``, ``create_revision == 0``,
    ``value is None`` and ``mod_revision`` the deleting revision (what etcd puts in a
    DELETE event's kv).
    """

    key: str
    value: Any
    create_revision: int
    mod_revision: int
    version: int
    lease: int = 0

    @property
    def is_tombstone(self) -> bool:
        """True for the marker a delete leaves in the history."""
        return self.version == 0


class EventType(enum.Enum):
    """What happened to a key in a revision."""

    PUT = "PUT"
    DELETE = "DELETE"


PUT = EventType.PUT
DELETE = EventType.DELETE


class Event(NamedTuple):
    """One change of one key, shared by every watcher that sees it.

    ``kv`` is the new version (a tombstone for DELETE). ``prev_kv`` is the version it
    replaced, or None when the key did not exist before; it is always recorded because it
    costs nothing at write time, and the watch hub strips it for watchers that did not ask.
    """

    type: EventType
    kv: KeyValue
    prev_kv: KeyValue | None = None

    @property
    def revision(self) -> int:
        """The revision this event belongs to."""
        return self.kv.mod_revision
