"""Log entries.

An entry is immutable and shared by reference between the leader's log, the messages that carry
it and every follower's log: nothing ever copies an entry, so appending a batch is a list slice.
"""

from __future__ import annotations

import enum
from typing import Any, NamedTuple


class EntryType(enum.Enum):
    """NORMAL entries carry application commands; CONF_CHANGE entries carry a `ConfChange`."""

    NORMAL = "normal"
    CONF_CHANGE = "conf_change"


class Entry(NamedTuple):
    """One slot of the replicated log.

    `data` is opaque to Raft. A NORMAL entry whose data is None is the no-op a new leader appends
    to commit entries of earlier terms; the application must skip it. A named tuple: one is
    made per proposed command.
    """

    term: int
    index: int
    type: EntryType = EntryType.NORMAL
    data: Any = None
