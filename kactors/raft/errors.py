"""The Raft core's domain errors.

Every error carries a fixed, tested message. Errors a *client* can provoke (a proposal on a
follower, a proposal during a leadership transfer) subclass `ProposalDroppedError` and carry a
`leader` hint so the caller can redirect the request instead of parsing text.
"""

from __future__ import annotations


class RaftError(Exception):
    """Base of every error raised by the Raft core and its storage."""


class ProposalDroppedError(RaftError):
    """The core refused a request; `leader` names where to retry (None: unknown)."""

    def __init__(self, message: str, leader: str | None) -> None:
        super().__init__(message)
        self.leader = leader


class NotLeaderError(ProposalDroppedError):
    """A leader-only request reached a member that is not the leader."""

    def __init__(self, leader: str | None) -> None:
        where = f"leader is {leader}" if leader is not None else "leader unknown"
        super().__init__(f"not leader ({where})", leader)


class LeaderTransferInProgressError(ProposalDroppedError):
    """Proposals are refused while leadership moves away (etcd drops them too).

    The hint is the transferee: it is about to become leader, so retry there.
    """

    def __init__(self, transferee: str) -> None:
        super().__init__(
            f"proposal dropped: leadership transfer to {transferee} in progress", transferee
        )


class ConfChangeError(RaftError):
    """A membership change was refused (invalid, or another one is still pending)."""


class LeaderTransferError(RaftError):
    """A leadership transfer was asked for a member that cannot lead."""


class ConfigError(RaftError):
    """The core's configuration is inconsistent."""


class StorageError(RaftError):
    """Base of the storage errors (they mirror etcd's raft.Storage errors)."""


class CompactedError(StorageError):
    """The requested index is older than the storage's compaction point."""

    def __init__(self) -> None:
        super().__init__("requested index is unavailable due to compaction")


class UnavailableError(StorageError):
    """The requested index is beyond the last stored entry."""

    def __init__(self) -> None:
        super().__init__("requested entry at index is unavailable")


class SnapshotOutOfDateError(StorageError):
    """The snapshot is not newer than the one the storage already holds."""

    def __init__(self) -> None:
        super().__init__("requested index is older than the existing snapshot")


class UsageError(RaftError):
    """The caller broke the Ready/advance contract (a bug in the caller)."""
