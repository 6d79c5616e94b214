"""How Raft members reach each other: one envelope per peer per flush, over the network.

A member never calls a peer: it tells it a `RaftMessages` envelope through
`ctx.remote(peer_ref)`, so whatever `system.network` does to the link (delay, drop,
duplicate, reorder, partition, a crashed host) happens to Raft's traffic too. All the
messages a flush produces for one peer travel in one envelope (like one TCP segment of
etcd's rafthttp stream): one mailbox entry instead of one per message, and the envelope
is lost, duplicated or delayed as a unit, which Raft tolerates like any other loss.

Peers are found by id, either with a `resolve(peer_id) -> ActorRef | None` callable or a
path template such as ``"/cluster/etcd/{id}"`` looked up in the actor system. A ref
survives restarts of its actor, so it is resolved once and cached; a peer that does not
exist yet (a member added later, or not started yet) is looked up again next time.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from kactors.actors.errors import ActorError

from .messages import Message

if TYPE_CHECKING:
    from kactors.actors import ActorContext, ActorRef, RemoteRef

Resolver = Callable[[str], "ActorRef | None"] | str
"""`resolve(peer_id) -> ActorRef | None`, or a path template with ``{id}``."""


class RaftMessages:
    """Every Raft message one member sends another in one flush, in order."""

    __slots__ = ("messages",)

    def __init__(self, messages: Sequence[Message]) -> None:
        self.messages = messages

    def __repr__(self) -> str:
        kinds = ",".join(m.type.value for m in self.messages)
        return f"RaftMessages([{kinds}])"


class Transport:
    """Peer refs (as seen from the member's host) and batched sending."""

    __slots__ = ("_ctx", "_resolve", "_template", "_peers", "sent", "dropped")

    def __init__(self, ctx: ActorContext, resolve: Resolver) -> None:
        self._ctx = ctx
        if isinstance(resolve, str):
            if "{id}" not in resolve:
                raise ValueError(f"peer path template must contain '{{id}}', got {resolve!r}")
            self._template: str | None = resolve
            self._resolve: Callable[[str], Any] | None = None
        else:
            self._template = None
            self._resolve = resolve
        self._peers: dict[str, RemoteRef] = {}
        self.sent = 0
        self.dropped = 0

    def peer(self, peer_id: str) -> RemoteRef | None:
        remote = self._peers.get(peer_id)
        if remote is not None:
            return remote
        if self._template is not None:
            ref = self._ctx.system.lookup(self._template.format(id=peer_id))
        else:
            assert self._resolve is not None
            ref = self._resolve(peer_id)
        if ref is None:
            return None
        remote = self._peers[peer_id] = self._ctx.remote(ref)
        return remote

    def send(self, messages: Sequence[Message]) -> None:
        """Send a Ready's messages: one envelope per recipient, order kept per recipient."""
        if len(messages) == 1:
            m = messages[0]
            self._send_to(m.to, messages)
            return
        by_peer: dict[str, list[Message]] = {}
        for m in messages:
            batch = by_peer.get(m.to)
            if batch is None:
                by_peer[m.to] = [m]
            else:
                batch.append(m)
        for to, batch in by_peer.items():
            self._send_to(to, batch)

    def _send_to(self, to: str, batch: Sequence[Message]) -> None:
        remote = self.peer(to)
        if remote is None:
            self.dropped += len(batch)  # not started yet: as lost on the wire, Raft retries
            return
        self.sent += len(batch)
        try:
            remote.tell(RaftMessages(batch))
        except ActorError:  # a full mailbox on a same-host link: lost, like any message
            self.dropped += len(batch)
