"""Messages exchanged between Raft members (one record type, like etcd's raftpb.Message).

Local requests (propose, campaign, read_index, ...) are methods on `RaftCore`, not messages, so
only what crosses the wire is here. A message is immutable; its `entries` tuple shares the
`Entry` objects of the sender's log.
"""

from __future__ import annotations

import enum
from typing import Any, NamedTuple

from .entry import Entry
from .snapshot import Snapshot


class MessageType(enum.Enum):
    APP = "MsgApp"
    APP_RESP = "MsgAppResp"
    VOTE = "MsgVote"
    VOTE_RESP = "MsgVoteResp"
    PRE_VOTE = "MsgPreVote"
    PRE_VOTE_RESP = "MsgPreVoteResp"
    HEARTBEAT = "MsgHeartbeat"
    HEARTBEAT_RESP = "MsgHeartbeatResp"
    SNAP = "MsgSnap"
    READ_INDEX = "MsgReadIndex"
    READ_INDEX_RESP = "MsgReadIndexResp"
    TIMEOUT_NOW = "MsgTimeoutNow"


#: `context` of the MsgVote sent after MsgTimeoutNow: voters grant it even inside a leader lease.
CAMPAIGN_TRANSFER = "CampaignTransfer"


class Message(NamedTuple):
    """One Raft message. Field meaning depends on `type`, as in etcd:

    - APP: `index`/`log_term` identify the entry preceding `entries`; `commit` is the leader's.
    - APP_RESP: `index` is the follower's last matching index; on `reject`, `index` is the
      rejected probe, `reject_hint`/`log_term` the follower's guess of the longest match.
    - VOTE/PRE_VOTE: `index`/`log_term` describe the candidate's last entry.
    - HEARTBEAT(_RESP): `commit` (bounded by the follower's match); `context` a ReadIndex ctx.
    - READ_INDEX(_RESP): `context` the request ctx; `index` the read index in the response.
    - SNAP: `snapshot`.
    A `term` of 0 marks a message that is not bound to a term (a forwarded READ_INDEX).

    A named tuple rather than a frozen attrs class: every write makes about six of them
    on a 3-member group, and a tuple is built in one call instead of field by field.
    Copy with a change through `_replace`.
    """

    type: MessageType
    to: str
    sender: str
    term: int = 0
    log_term: int = 0
    index: int = 0
    entries: tuple[Entry, ...] = ()
    commit: int = 0
    reject: bool = False
    reject_hint: int = 0
    snapshot: Snapshot | None = None
    context: Any = None


#: `context` of an empty MsgApp a leader sends only to tell a follower in REPLICATE state its new
#: commit index. The follower applies the commit and does not answer: its log did not change,
#: and the leader learns where that log ends from the answers to the appends that carried the
#: entries (if one of those is lost, the heartbeat response makes the leader send an ordinary
#: append, which is answered). Saves one message and one leader wake-up per commit per
#: follower, most of the traffic of a lightly loaded group.
COMMIT_ONLY = "CommitOnly"

#: The response type of each vote request type.
VOTE_RESPONSE = {
    MessageType.VOTE: MessageType.VOTE_RESP,
    MessageType.PRE_VOTE: MessageType.PRE_VOTE_RESP,
}
