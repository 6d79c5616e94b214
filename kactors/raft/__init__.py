"""Sans-I/O Raft core in the style of etcd-io/raft.

`RaftCore` is a pure state machine driven by `tick()`, `step(msg)` and local requests; its
output is a `Ready` record the caller persists to `MemoryStorage`, sends and applies, then
acknowledges with `advance()`. See `kactors.raft.core` for the full contract.
"""

from .confchange import ConfChange, ConfChangeType, ConfState, apply_conf_change
from .config import Config, ReadOnlyOption
from .core import Proposed, RaftCore
from .entry import Entry, EntryType
from .errors import (
    CompactedError,
    ConfChangeError,
    ConfigError,
    LeaderTransferError,
    LeaderTransferInProgressError,
    NotLeaderError,
    ProposalDroppedError,
    RaftError,
    SnapshotOutOfDateError,
    StorageError,
    UnavailableError,
    UsageError,
)
from .member import (
    AddMember,
    MemberOptions,
    MembershipChanged,
    PromoteMember,
    RaftMember,
    RemoveMember,
    TransferLeadership,
)
from .messages import CAMPAIGN_TRANSFER, COMMIT_ONLY, Message, MessageType
from .progress import Progress, ProgressState
from .ready import Ready
from .snapshot import Snapshot, SnapshotMetadata
from .state import HardState, ReadState, Role, SoftState
from .storage import MemoryStorage
from .transport import RaftMessages, Transport

__all__ = [
    "AddMember",
    "MemberOptions",
    "MembershipChanged",
    "PromoteMember",
    "RaftMember",
    "RaftMessages",
    "RemoveMember",
    "TransferLeadership",
    "Transport",
    "CAMPAIGN_TRANSFER",
    "COMMIT_ONLY",
    "CompactedError",
    "ConfChange",
    "ConfChangeError",
    "ConfChangeType",
    "ConfState",
    "Config",
    "ConfigError",
    "Entry",
    "EntryType",
    "HardState",
    "LeaderTransferError",
    "LeaderTransferInProgressError",
    "MemoryStorage",
    "Message",
    "MessageType",
    "NotLeaderError",
    "Progress",
    "ProgressState",
    "ProposalDroppedError",
    "Proposed",
    "RaftCore",
    "RaftError",
    "ReadOnlyOption",
    "ReadState",
    "Ready",
    "Role",
    "SnapshotMetadata",
    "Snapshot",
    "SnapshotOutOfDateError",
    "SoftState",
    "StorageError",
    "UnavailableError",
    "UsageError",
    "apply_conf_change",
]
