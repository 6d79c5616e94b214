"""The lease table: leases, their deadlines, and the keys attached to them.

A lease's deadline is *replicated state*: ``expiry = now + ttl`` where ``now`` is the
leader's cluster clock carried in the grant / keep-alive command, so every member holds
the same deadline and a new leader knows it without etcd's checkpoint machinery. Nothing
here reads a clock: the leader asks `LeaseTable.expired` with its own ``now`` and proposes
a `LeaseExpire`; the revocation (deleting the attached keys) is done by `MVCCStore`,
which owns the keys.
"""

from __future__ import annotations

from collections.abc import Iterable

import attrs

from kactors.store.errors import InvalidRequest, LeaseExists, LeaseNotFound, LeaseTTLTooLarge

MAX_LEASE_TTL = 9_000_000_000
"""etcd's ``MaxLeaseTTL`` (seconds)."""


@attrs.define
class Lease:
    """A live lease. Mutable, private to the table (snapshots use `LeaseRecord`)."""

    lease_id: int
    ttl: int
    expiry: float
    keys: dict[str, None] = attrs.Factory(dict)
    """Attached keys (a dict used as an insertion-ordered set)."""


@attrs.frozen
class LeaseRecord:
    """A lease as stored in a snapshot (attached keys are rebuilt from the keys' ``lease``)."""

    lease_id: int
    ttl: int
    expiry: float


def check_lease_id(lease_id: object) -> int:
    """Lease ids are non-negative ints (0 means "no lease" / "pick one")."""
    if lease_id.__class__ is not int or lease_id < 0:  # type: ignore[operator]
        raise InvalidRequest(f"lease id must be a non-negative int, not {lease_id!r}")
    return lease_id  # type: ignore[return-value]


def check_now(now: object) -> float:
    """Cluster time is a plain number."""
    if now.__class__ is not int and now.__class__ is not float:
        raise InvalidRequest(f"now must be a number, not {now!r}")
    return now  # type: ignore[return-value]


class LeaseTable:
    """Leases by id, with deterministic id generation and expiry queries."""

    def __init__(self, min_ttl: int = 1, max_ttl: int = MAX_LEASE_TTL) -> None:
        self.min_ttl = min_ttl
        self.max_ttl = max_ttl
        self._leases: dict[int, Lease] = {}
        self.next_id = 1
        """Next candidate for a store-chosen id; replicated so every member picks the same."""

    def __contains__(self, lease_id: object) -> bool:
        return lease_id in self._leases

    def __len__(self) -> int:
        return len(self._leases)

    def get(self, lease_id: int) -> Lease | None:
        """The lease, or None."""
        return self._leases.get(lease_id)

    def ids(self) -> list[int]:
        """Every lease id, sorted."""
        return sorted(self._leases)

    def grant(self, lease_id: int, ttl: int, now: float) -> Lease:
        """Create a lease; ``lease_id`` 0 picks the lowest free id from ``next_id`` on.

        Like etcd, a TTL below ``min_ttl`` is raised to it (a lease must outlive a leader
        election) and one above ``max_ttl`` is refused.
        """
        check_lease_id(lease_id)
        check_now(now)
        if ttl.__class__ is not int:
            raise InvalidRequest(f"ttl must be an int, not {ttl!r}")
        if ttl > self.max_ttl:
            raise LeaseTTLTooLarge(ttl)
        if lease_id == 0:
            while self.next_id in self._leases:
                self.next_id += 1
            lease_id = self.next_id
            self.next_id += 1
        elif lease_id in self._leases:
            raise LeaseExists(lease_id)
        ttl = max(ttl, self.min_ttl)
        lease = Lease(lease_id, ttl, now + ttl)
        self._leases[lease_id] = lease
        return lease

    def keep_alive(self, lease_id: int, now: float) -> Lease:
        """Refresh the deadline to ``now + ttl``.

        A lease already past its deadline at ``now`` is dead even if its revocation has not
        been applied yet, so it cannot be revived (etcd answers "lease not found" too).
        """
        check_now(now)
        lease = self._leases.get(lease_id)
        if lease is None or lease.expiry <= now:
            raise LeaseNotFound(lease_id)
        lease.expiry = now + lease.ttl
        return lease

    def remove(self, lease_id: int) -> Lease:
        """Forget the lease and return it (the caller deletes its keys)."""
        lease = self._leases.pop(lease_id, None)
        if lease is None:
            raise LeaseNotFound(lease_id)
        return lease

    def attach(self, lease_id: int, key: str) -> None:
        """Record that ``key`` now lives and dies with the lease (which must exist)."""
        self._leases[lease_id].keys[key] = None

    def detach(self, lease_id: int, key: str) -> None:
        """Forget ``key`` (overwritten without this lease, or deleted)."""
        lease = self._leases.get(lease_id)
        if lease is not None:
            lease.keys.pop(key, None)

    def expired(self, now: float) -> list[int]:
        """Ids of leases whose deadline is ``<= now``, sorted (for the leader to expire)."""
        return sorted(lid for lid, lease in self._leases.items() if lease.expiry <= now)

    def records(self) -> tuple[LeaseRecord, ...]:
        """Immutable copy for a snapshot, sorted by id."""
        return tuple(
            LeaseRecord(lid, self._leases[lid].ttl, self._leases[lid].expiry)
            for lid in sorted(self._leases)
        )

    @classmethod
    def from_records(
        cls,
        records: Iterable[LeaseRecord],
        next_id: int,
        min_ttl: int = 1,
        max_ttl: int = MAX_LEASE_TTL,
    ) -> LeaseTable:
        """Rebuild from a snapshot; attached keys are re-attached by the store."""
        table = cls(min_ttl, max_ttl)
        for record in records:
            table._leases[record.lease_id] = Lease(record.lease_id, record.ttl, record.expiry)
        table.next_id = next_id
        return table
