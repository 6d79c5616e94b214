"""The store's domain errors.

Every error a client can provoke is a `StoreError` subclass with a fixed message. The texts
follow etcd's (without etcd's ``etcdserver: `` prefix) so that people who know etcd recognise
them and the apiserver can map them to Kubernetes statuses by *type*, never by parsing text.

The state machine returns these as *values* (it never raises on bad input), and the same
error may be cached, compared between Raft members and carried across actors, so errors
compare equal by type and attributes rather than by identity.
"""

from __future__ import annotations

from typing import Any


class StoreError(Exception):
    """Base of every error the store reports to a client."""

    message: str = "store error"

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)

    def __str__(self) -> str:
        return self.message

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        assert isinstance(other, StoreError)
        return self.args == other.args

    def __hash__(self) -> int:
        return hash((self.__class__.__name__, self.args))

    def __repr__(self) -> str:
        return f"{self.__class__.__name__}({', '.join(repr(a) for a in self.args)})"


class EmptyKey(StoreError):
    """A request named no key (etcd: ``etcdserver: key is not provided``)."""

    message = "key is not provided"


class InvalidRange(StoreError):
    """``range_end`` sorts before ``key``: the interval would be negative."""

    message = "range end is before key"

    def __init__(self, key: str, range_end: str) -> None:
        super().__init__(key, range_end)
        self.key = key
        self.range_end = range_end


class Compacted(StoreError):
    """The requested revision is older than the compaction point: its history is gone.

    ``compact_revision`` tells the client where history now starts, so a watcher can
    re-list and resume from there (Kubernetes turns this into ``410 Gone``).
    """

    message = "mvcc: required revision has been compacted"

    def __init__(self, compact_revision: int) -> None:
        super().__init__(compact_revision)
        self.compact_revision = compact_revision


class FutureRevision(StoreError):
    """The requested revision has not happened yet."""

    message = "mvcc: required revision is a future revision"

    def __init__(self, revision: int, current_revision: int) -> None:
        super().__init__(revision, current_revision)
        self.revision = revision
        self.current_revision = current_revision


class LeaseNotFound(StoreError):
    """The lease does not exist (never granted, revoked, or already expired)."""

    message = "requested lease not found"

    def __init__(self, lease_id: int) -> None:
        super().__init__(lease_id)
        self.lease_id = lease_id


class LeaseExists(StoreError):
    """A grant asked for an id that is already in use."""

    message = "lease already exists"

    def __init__(self, lease_id: int) -> None:
        super().__init__(lease_id)
        self.lease_id = lease_id


class LeaseTTLTooLarge(StoreError):
    """A grant asked for a TTL above the configured maximum."""

    message = "too large lease TTL"

    def __init__(self, ttl: int) -> None:
        super().__init__(ttl)
        self.ttl = ttl


class InvalidCompare(StoreError):
    """A txn compare cannot be evaluated: unknown target or result, or unordered values.

    The message says which; etcd has no equivalent because its values are always bytes.
    """

    TARGET = "invalid compare target"
    RESULT = "invalid compare result"
    UNORDERED = "compare values are not ordered"

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason

    def __str__(self) -> str:
        return self.reason


class DuplicateKey(StoreError):
    """A txn branch writes the same key twice (etcd forbids it: one revision, one change)."""

    message = "duplicate key given in txn request"

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


class InvalidRequest(StoreError):
    """A request is malformed in a way etcd's typed protocol would not even allow.

    Python lets a caller pass a wrong type or an unknown command object; the state machine
    must still answer with a value instead of crashing, so such requests land here with a
    message naming the problem.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason

    def __str__(self) -> str:
        return self.reason


# -- client-side errors (raised by `StoreClient`, never returned by the state machine) --------


class Unavailable(StoreError):
    """No leader answered within the client's timeout (etcd: ``request timed out``).

    The request was *not* applied: either it was a read, or every attempt was refused
    (``NotLeader``) or never reached a member. Retrying later is safe.
    """

    message = "request timed out: no leader available"

    def __init__(self, timeout: float) -> None:
        super().__init__(timeout)
        self.timeout = timeout

    def __str__(self) -> str:
        return f"{self.message} within {self.timeout:g}s"


class OutcomeUnknown(StoreError):
    """A write reached a leader that was lost, or did not answer in time: it may or may
    not have been applied (etcd: ``request timed out, possibly due to previous leader
    failure``).

    The client never re-sends it by itself. The caller may: the command carried
    ``request_id`` and the state machine remembers the result of recent writes by id, so
    sending the same write again with ``request_id=error.request_id`` applies it at most
    once and returns the original result if it had been applied.
    """

    message = "request timed out, possibly due to previous leader failure"

    def __init__(self, request_id: str) -> None:
        super().__init__(request_id)
        self.request_id = request_id

    def __str__(self) -> str:
        return f"{self.message} (request {self.request_id}; outcome unknown)"
