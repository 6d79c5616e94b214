"""ReadIndex bookkeeping on the leader (etcd's read_only.go).

A read request records the commit index at arrival; it may be served once a quorum of voters
acknowledged a heartbeat carrying its context, which proves we were still leader then.
Acknowledging a later request also confirms every earlier one (queue order).
"""

from __future__ import annotations

from collections.abc import Hashable

import attrs


@attrs.define
class ReadIndexStatus:
    ctx: Hashable
    requester: str
    index: int
    acks: dict[str, bool] = attrs.Factory(dict)


class ReadOnly:
    __slots__ = ("_pending",)

    def __init__(self) -> None:
        # Insertion-ordered: doubles as the request queue.
        self._pending: dict[Hashable, ReadIndexStatus] = {}

    def add_request(self, index: int, ctx: Hashable, requester: str) -> None:
        if ctx not in self._pending:
            self._pending[ctx] = ReadIndexStatus(ctx, requester, index)

    def recv_ack(self, node: str, ctx: Hashable) -> dict[str, bool] | None:
        status = self._pending.get(ctx)
        if status is None:
            return None
        status.acks[node] = True
        return status.acks

    def advance(self, ctx: Hashable) -> list[ReadIndexStatus]:
        """Pop and return every request up to and including `ctx`."""
        if ctx not in self._pending:
            return []
        done: list[ReadIndexStatus] = []
        for key in list(self._pending):
            done.append(self._pending.pop(key))
            if key == ctx:
                break
        return done

    def last_pending_ctx(self) -> Hashable | None:
        if not self._pending:
            return None
        return next(reversed(self._pending))
