"""The `Ready` record: everything the caller must do after driving the core."""

from __future__ import annotations

from typing import NamedTuple

from .entry import Entry
from .messages import Message
from .snapshot import Snapshot
from .state import HardState, ReadState, SoftState


class Ready(NamedTuple):
    """Work handed to the caller by `RaftCore.ready()`; see `RaftCore` for the contract.

    - `soft_state`: new leader/role, or None if unchanged (not persisted).
    - `hard_state`: new term/vote/commit to persist, or None if unchanged.
    - `entries`: entries to append to stable storage (may overwrite a conflicting suffix).
    - `snapshot`: a snapshot received from the leader to persist and restore the state machine
      from, or None.
    - `committed_entries`: entries to apply to the state machine, in order, each exactly once.
    - `messages`: to send (each has `to`) only after the above is persisted.
    - `read_states`: linearizable reads; serve each once `applied index >= rs.index`.

    A named tuple (built in one call): a member makes one per flush, several per write.
    `RaftMember` unpacks it in this field order.
    """

    soft_state: SoftState | None = None
    hard_state: HardState | None = None
    entries: tuple[Entry, ...] = ()
    snapshot: Snapshot | None = None
    committed_entries: tuple[Entry, ...] = ()
    messages: tuple[Message, ...] = ()
    read_states: tuple[ReadState, ...] = ()
