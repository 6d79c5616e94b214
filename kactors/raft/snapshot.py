"""Snapshots: the state machine at some log index plus the membership at that index."""

from __future__ import annotations

from typing import Any

import attrs

from .confchange import ConfState


@attrs.frozen
class SnapshotMetadata:
    """Where the snapshot sits in the log (`index`, `term`) and the membership there."""

    index: int = 0
    term: int = 0
    conf_state: ConfState = ConfState()


@attrs.frozen
class Snapshot:
    """`data` is the application's opaque serialized state machine at `metadata.index`."""

    metadata: SnapshotMetadata = SnapshotMetadata()
    data: Any = None

    @property
    def index(self) -> int:
        return self.metadata.index

    @property
    def term(self) -> int:
        return self.metadata.term

    @property
    def is_empty(self) -> bool:
        return self.metadata.index == 0
