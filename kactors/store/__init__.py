"""The etcd-like replicated store: an MVCC key space applied from the Raft log.

Pure and sans-I/O: `StoreStateMachine` is what a Raft member applies committed commands
to; `MVCCStore` is the key space itself (usable directly for reads); `WatchHub` fans each
revision's events out to watchers. See each module for the etcd semantics it reproduces.
"""

from kactors.store.commands import (
    Command,
    Compact,
    DeleteRange,
    LeaseExpire,
    LeaseGrant,
    LeaseKeepAlive,
    LeaseRevoke,
    LeaseTimeToLive,
    Put,
    Range,
    SortOrder,
    SortTarget,
    Txn,
)
from kactors.store.compare import (
    Compare,
    CompareResult,
    CompareTarget,
    compare_create,
    compare_lease,
    compare_mod,
    compare_value,
    compare_version,
)
from kactors.store.errors import (
    Compacted,
    DuplicateKey,
    EmptyKey,
    FutureRevision,
    InvalidCompare,
    InvalidRange,
    InvalidRequest,
    LeaseExists,
    LeaseNotFound,
    LeaseTTLTooLarge,
    StoreError,
)
from kactors.store.keys import ALL_KEYS, prefix_end
from kactors.store.kv import Event, EventType, KeyValue
from kactors.store.lease import MAX_LEASE_TTL, LeaseTable
from kactors.store.mvcc import MVCCStore
from kactors.store.results import (
    CompactResult,
    DeleteRangeResult,
    LeaseExpireResult,
    LeaseGrantResult,
    LeaseKeepAliveResult,
    LeaseRevokeResult,
    LeaseTimeToLiveResult,
    PutResult,
    RangeResult,
    TxnResult,
)
from kactors.store.snapshot import StoreSnapshot
from kactors.store.state_machine import StateMachineSnapshot, StoreStateMachine
from kactors.store.watch import WatchCreated, WatchHub, WatchResponse

__all__ = [
    "ALL_KEYS",
    "MAX_LEASE_TTL",
    "Command",
    "Compact",
    "CompactResult",
    "Compacted",
    "Compare",
    "CompareResult",
    "CompareTarget",
    "DeleteRange",
    "DeleteRangeResult",
    "DuplicateKey",
    "EmptyKey",
    "Event",
    "EventType",
    "FutureRevision",
    "InvalidCompare",
    "InvalidRange",
    "InvalidRequest",
    "KeyValue",
    "LeaseExists",
    "LeaseExpire",
    "LeaseExpireResult",
    "LeaseGrant",
    "LeaseGrantResult",
    "LeaseKeepAlive",
    "LeaseKeepAliveResult",
    "LeaseNotFound",
    "LeaseRevoke",
    "LeaseRevokeResult",
    "LeaseTTLTooLarge",
    "LeaseTable",
    "LeaseTimeToLive",
    "LeaseTimeToLiveResult",
    "MVCCStore",
    "Put",
    "PutResult",
    "Range",
    "RangeResult",
    "SortOrder",
    "SortTarget",
    "StateMachineSnapshot",
    "StoreError",
    "StoreSnapshot",
    "StoreStateMachine",
    "Txn",
    "TxnResult",
    "WatchCreated",
    "WatchHub",
    "WatchResponse",
    "compare_create",
    "compare_lease",
    "compare_mod",
    "compare_value",
    "compare_version",
    "prefix_end",
]
