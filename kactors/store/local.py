"""`LocalStore`: the store state machine in one actor, without Raft.

The baseline that Raft's cost is measured against (bench/raft.py) and a fast backend for
tests of the layers above; it speaks `kactors.store.protocol` like a Raft member. Lease
expiry runs from the actor's own clock, since there is no leader to decide it.
"""

from __future__ import annotations

import itertools
from typing import Any

import attrs

from kactors.actors import Actor
from kactors.store.commands import LeaseExpire
from kactors.store.errors import InvalidRequest, StoreError
from kactors.store.protocol import (
    MemberStatus,
    Status,
    StoreBatch,
    StoreRequest,
    WatchCancel,
    WatchCreate,
    WatchNotice,
    WatchStarted,
)
from kactors.store.state_machine import StoreStateMachine
from kactors.store.watch import WatchResponse


@attrs.frozen
class _ExpireLeases:
    pass


@attrs.frozen
class _Progress:
    pass


class LocalStore(Actor):
    def __init__(self, name: str = "local", lease_check_interval: float = 0.5,
                 progress_interval: float = 5.0) -> None:
        self.progress_interval = progress_interval
        self.name = name
        self.machine = StoreStateMachine()
        self.index = itertools.count(1)
        self.lease_check_interval = lease_check_interval
        #: hub watch id -> (tag, the watcher as seen from here: notices cross the network)
        self.watchers: dict[int, tuple[Any, Any]] = {}
        self.by_tag: dict[Any, int] = {}
        self.seqs: dict[int, int] = {}

    async def started(self) -> None:
        self.ctx.every(self.lease_check_interval, _ExpireLeases())
        self.ctx.every(self.progress_interval, _Progress())

    def receive(self, message: Any) -> Any:
        if isinstance(message, StoreRequest):
            result = self.machine.apply(next(self.index), message.command)
            self._route_watch_responses()
            return result
        if isinstance(message, StoreBatch):  # requests one client sent together
            return tuple(self.receive(request) if isinstance(request, StoreRequest) else
                         InvalidRequest(f"not a StoreRequest: {type(request).__name__}")
                         for request in message.requests)
        if isinstance(message, WatchCreate):
            return self._watch(message)
        if isinstance(message, WatchCancel):
            watch_id = self.by_tag.pop(message.tag, None)
            if watch_id is not None:
                self.machine.hub.cancel(watch_id)
                self.watchers.pop(watch_id, None)
            return watch_id is not None
        if isinstance(message, _ExpireLeases):
            now = self.ctx.now()
            if self.machine.store.leases.expired(now):
                self.machine.apply(next(self.index), LeaseExpire(now))
                self._route_watch_responses()
            return None
        if isinstance(message, _Progress):
            route_watch_responses(self.name, self.machine.hub.progress(), self.watchers,
                                  self.seqs)
            return None
        if isinstance(message, Status):
            return MemberStatus(self.name, self.name, 1, self.machine.applied_index,
                                self.machine.applied_index, self.machine.store.revision,
                                "leader")
        return super().receive(message)

    def _watch(self, message: WatchCreate) -> Any:
        try:
            created = self.machine.hub.watch(
                message.key, message.range_end, message.start_revision,
                prev_kv=message.prev_kv, progress_notify=message.progress_notify)
        except StoreError as error:
            return error
        remote = self.ctx.remote(message.deliver_to)
        self.watchers[created.watch_id] = (message.tag, remote)
        self.by_tag[message.tag] = created.watch_id
        for response in created.responses:
            remote.tell(WatchNotice(message.tag, self.name, response,
                                                self._next_seq(created.watch_id)))
        return WatchStarted(message.tag, self.name, self.machine.store.revision)

    def _next_seq(self, watch_id: int) -> int:
        seq = self.seqs.get(watch_id, 0) + 1
        self.seqs[watch_id] = seq
        return seq

    def _route_watch_responses(self) -> None:
        route_watch_responses(self.name, self.machine.take_watch_responses(), self.watchers,
                              self.seqs)


def route_watch_responses(member: str, responses: list[WatchResponse],
                          watchers: dict[int, tuple[Any, Any]], seqs: dict[int, int]) -> None:
    """Deliver each response to the actor that registered the watch, by its tag."""
    for response in responses:
        entry = watchers.get(response.watch_id)
        if entry is not None:
            tag, deliver_to = entry
            seq = seqs[response.watch_id] = seqs.get(response.watch_id, 0) + 1
            deliver_to.tell(WatchNotice(tag, member, response, seq))
