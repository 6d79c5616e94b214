"""An in-memory network between actors that would live on different machines.

Actors carry a `host` (inherited from their parent unless a spec names one). A message
sent through the network from one host to another may be delayed (a per-link
distribution), dropped, duplicated or reordered, and never crosses a partition or reaches
a crashed host. Every random choice comes from the system's seeded generator and every
timer from the system's timer service, so a run replays exactly from its seed.
Local messages (same host, or no host) are delivered directly.
"""

from __future__ import annotations

from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any

import attrs

from .errors import ActorError, ActorStopped, InvalidTimeout
from .ref import _NUMBER
from .reply import Reply

if TYPE_CHECKING:
    from .cell import ActorCell
    from .ref import ActorRef
    from .supervision import ChildSpec
    from .system import ActorSystem


@attrs.frozen
class Delay:
    """A delay distribution in seconds: constant, uniform, exponential or normal (>= 0)."""

    kind: str = "constant"
    a: float = 0.0
    b: float = 0.0

    def __attrs_post_init__(self) -> None:
        if self.kind not in ("constant", "uniform", "exponential", "normal"):
            raise ValueError(f"unknown delay distribution {self.kind!r}")
        if self.a < 0 or self.b < 0 or (self.kind == "uniform" and self.b < self.a):
            raise ValueError(f"invalid {self.kind} delay parameters a={self.a}, b={self.b}")

    @classmethod
    def constant(cls, seconds: float) -> Delay:
        return cls("constant", seconds)

    @classmethod
    def uniform(cls, low: float, high: float) -> Delay:
        return cls("uniform", low, high)

    @classmethod
    def exponential(cls, mean: float) -> Delay:
        return cls("exponential", mean)

    @classmethod
    def normal(cls, mean: float, stddev: float) -> Delay:
        return cls("normal", mean, stddev)

    def sample(self, rng: Any) -> float:
        if self.kind == "constant":
            return self.a
        if self.kind == "uniform":
            return rng.uniform(self.a, self.b)
        if self.kind == "exponential":
            return rng.expovariate(1.0 / self.a) if self.a > 0 else 0.0
        return max(0.0, rng.gauss(self.a, self.b))


@attrs.frozen
class LinkFaults:
    """What happens on a link: delay, and probabilities of drop, duplicate and reorder."""

    delay: Delay = Delay()
    drop: float = 0.0
    duplicate: float = 0.0
    reorder: float = 0.0
    reorder_delay: Delay = Delay.uniform(0.0, 0.05)

    def __attrs_post_init__(self) -> None:
        for name in ("drop", "duplicate", "reorder"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} probability must be within [0, 1], got {value}")


@attrs.define
class NetworkStats:
    sent: int = 0
    delivered: int = 0
    dropped: int = 0
    duplicated: int = 0


class _NetReply:
    """Stands in the target's mailbox for the asker's Reply: the answer travels back too."""

    __slots__ = ("network", "src", "dst", "reply", "settled")

    def __init__(self, network: Network, src: str, dst: str, reply: Reply) -> None:
        self.network, self.src, self.dst, self.reply = network, src, dst, reply
        self.settled = False  # like Reply, settled once: only one answer crosses the network

    def set(self, value: Any) -> None:
        if not self.settled:
            self.settled = True
            network = self.network
            if network._perfect:  # `_transmit` then `_arrive` of a reply, in short
                network._sent_and_delivered()
                self.reply.set(value)
                return
            network._transmit(self.dst, self.src, None, (self.reply.set, value))

    def fail(self, error: BaseException) -> None:
        if not self.settled:
            self.settled = True
            self.network._transmit(self.dst, self.src, None, (self.reply.fail, error))


class RemoteRef:
    """A ref seen from `src` host: its tells and asks cross the simulated network."""

    __slots__ = ("network", "src", "target")

    def __init__(self, network: Network, src: str | None, target: ActorRef) -> None:
        self.network, self.src, self.target = network, src, target

    @property
    def path(self) -> str:
        return self.target.path

    def __repr__(self) -> str:
        return f"<RemoteRef {self.src} -> {self.target.path}>"

    def tell(self, message: Any) -> None:
        self.network.send(self.src, self.target, message)

    def ask(self, message: Any, timeout: float = 5.0) -> Coroutine[Any, Any, Any]:
        """`await remote.ask(...)`: the network's own coroutine, not one wrapping it
        (a coroutine less per request, the commonest ask of a cluster)."""
        return self.network.ask(self.src, self.target, message, timeout)


class Network:
    def __init__(self, system: ActorSystem, default: LinkFaults | None = None) -> None:
        self.system = system
        self.default = default or LinkFaults()
        self.links: dict[tuple[str, str], LinkFaults] = {}
        self.cut: dict[tuple[str, str], None] = {}
        self.down: dict[str, list[tuple[ActorCell, ChildSpec]]] = {}
        self.stats = NetworkStats()
        self.log_messages = False
        self._perfect = True
        self._recompute()

    def _recompute(self) -> None:
        """Whether every message is delivered at once (no delay, fault, cut or crashed
        host anywhere): then `_transmit` skips the fault machinery entirely."""
        default = self.default
        self._perfect = (not self.links and not self.cut and not self.down
                         and default.delay.kind == "constant" and default.delay.a == 0
                         and not default.drop and not default.duplicate
                         and not default.reorder)

    def _log(self, event: str, level: str = "info", **fields: Any) -> None:
        getattr(self.system.logger, level)(event, actor="/network", **fields)

    # -- configuration ---------------------------------------------------------------------
    def set_default(self, faults: LinkFaults) -> None:
        self.default = faults
        self._recompute()
        self._log("net.faults_changed", link="*", faults=_describe(faults))

    def set_link(self, a: str, b: str, faults: LinkFaults, symmetric: bool = True) -> None:
        self.links[(a, b)] = faults
        if symmetric:
            self.links[(b, a)] = faults
        self._recompute()
        self._log("net.faults_changed", link=f"{a}<->{b}" if symmetric else f"{a}->{b}",
                  faults=_describe(faults))

    def partition(self, *groups: list[str] | tuple[str, ...]) -> None:
        """Cut every link between hosts of different groups (links within a group stay)."""
        if len(groups) < 2:
            raise ValueError("a partition needs at least two groups of hosts")
        for i, group in enumerate(groups):
            for other in groups[i + 1:]:
                for a in group:
                    for b in other:
                        self.cut[(a, b)] = None
                        self.cut[(b, a)] = None
        self._recompute()
        self._log("net.partitioned", groups=[sorted(g) for g in groups])

    def isolate(self, host: str, others: list[str] | None = None) -> None:
        """Cut `host` off from every other known host (or from `others`)."""
        peers = others if others is not None else self.hosts()
        for other in peers:
            if other != host:
                self.cut[(host, other)] = None
                self.cut[(other, host)] = None
        self._recompute()
        self._log("net.isolated", host=host)

    def heal(self) -> None:
        self.cut.clear()
        self._recompute()
        self._log("net.healed")

    def hosts(self) -> list[str]:
        seen: dict[str, None] = {}
        for cell in list(self.system._cells.values()):
            if cell.host is not None:
                seen[cell.host] = None
        for host in self.down:
            seen[host] = None
        return list(seen)

    def reachable(self, src: str | None, dst: str | None) -> bool:
        if src is None or dst is None or src == dst:
            return dst not in self.down if dst is not None else True
        return src not in self.down and dst not in self.down and (src, dst) not in self.cut

    # -- crash and restart -----------------------------------------------------------------
    def crash(self, host: str) -> None:
        """Kill every actor on `host` at once (no stop hooks, no supervisor restart)."""
        if host in self.down:
            return
        roots = [cell for cell in list(self.system._cells.values())
                 if cell.host == host and (cell.parent is None or cell.parent.host != host)]
        if not roots and host not in self.hosts():
            raise ActorError(f"unknown host {host!r}")
        self.down[host] = [(cell.parent, cell.spec) for cell in roots if cell.parent]
        self._recompute()
        for cell in roots:
            if cell.parent is not None:
                cell.parent.mailbox.put_system(("kill_child", cell.name))
        self._log("net.crashed", host=host, actors=[cell.path for cell in roots])

    def restart(self, host: str) -> None:
        """Start again, from their specs, the actors that `crash` killed on `host`."""
        specs = self.down.pop(host, None)
        self._recompute()
        if specs is None:
            return
        for parent, spec in specs:
            if not parent.dead:
                parent.mailbox.put_system(("start_child", spec))
        self._log("net.restarted", host=host)

    # -- traffic ---------------------------------------------------------------------------
    def ref(self, target: ActorRef, src: str | None) -> RemoteRef:
        return RemoteRef(self, src, target)

    def send(self, src: str | None, target: ActorRef, message: Any) -> None:
        dst = target._cell.host
        if src is None or dst is None or src == dst:
            if dst is None or dst not in self.down:
                target.tell(message)
            return
        if self._perfect:  # `_transmit` then `_arrive` of a tell, in short
            self._sent_and_delivered()
            try:
                target.tell(message)
            except ActorError:
                self._drop(src, dst, message, "mailbox full")
            return
        self._transmit(src, dst, target, message)

    async def ask(self, src: str | None, target: ActorRef, message: Any, timeout: float) -> Any:
        if not (isinstance(timeout, _NUMBER) and timeout > 0):
            raise InvalidTimeout(timeout)
        dst = target._cell.host
        if src is None or dst is None or src == dst:
            return await target.ask(message, timeout)
        reply = Reply(target.path, timeout, message)
        net_reply = _NetReply(self, src, dst, reply)
        if self._perfect:  # `_transmit` then `_arrive` of an ask, in short
            self._sent_and_delivered()
            self._deliver_ask(src, dst, target, message, net_reply)
        else:
            self._transmit(src, dst, target, (message, net_reply))
        self.system.timers.start_timeout(reply, timeout)
        return await reply.wait()

    def _sent_and_delivered(self) -> None:
        """What `_transmit` and `_arrive` count for a message on a perfect network, for
        the sends that skip them there."""
        stats = self.stats
        stats.sent += 1
        stats.delivered += 1

    def _transmit(self, src: str, dst: str, target: ActorRef | None, payload: Any) -> None:
        stats = self.stats
        stats.sent += 1
        if self._perfect:
            self._arrive(src, dst, target, payload)
            return
        if not self.reachable(src, dst):
            self._drop(src, dst, payload, "partitioned" if (src, dst) in self.cut else "host down")
            return
        faults = self.links.get((src, dst), self.default)
        rng = self.system.random
        if faults.drop and rng.random() < faults.drop:
            self._drop(src, dst, payload, "random drop")
            return
        copies = 1
        if faults.duplicate and rng.random() < faults.duplicate:
            copies = 2
            stats.duplicated += 1
            if self.log_messages:
                self._log("net.duplicated", level="debug", src=src, dst=dst,
                          message=_name(payload))
        timers = self.system.timers
        for _ in range(copies):
            delay = faults.delay.sample(rng)
            if faults.reorder and rng.random() < faults.reorder:
                delay += faults.reorder_delay.sample(rng)
            if delay <= 0:
                self._arrive(src, dst, target, payload)
            else:
                timers.call_later(delay, self._arrive, src, dst, target, payload)

    def _arrive(self, src: str, dst: str, target: ActorRef | None, payload: Any) -> None:
        if not self._perfect and not self.reachable(src, dst):
            self._drop(src, dst, payload, "partitioned" if (src, dst) in self.cut else "host down")
            return
        self.stats.delivered += 1
        if target is None:  # a reply travelling back to an asker
            settle, value = payload
            settle(value)
            return
        if isinstance(payload, tuple) and len(payload) == 2 and isinstance(payload[1], _NetReply):
            self._deliver_ask(src, dst, target, payload[0], payload[1])
            return
        try:
            target.tell(payload)
        except ActorError:
            self._drop(src, dst, payload, "mailbox full")

    def _deliver_ask(self, src: str, dst: str, target: ActorRef, message: Any,
                     net_reply: _NetReply) -> None:
        cell = target._live_cell()
        if cell is None:
            net_reply.fail(ActorStopped(target.path))
            return
        try:
            cell.mailbox.put_nowait((message, net_reply, None))
        except ActorError:
            self._drop(src, dst, message, "mailbox full")

    def _drop(self, src: str, dst: str, payload: Any, why: str) -> None:
        self.stats.dropped += 1
        if self.log_messages:
            self._log("net.dropped", level="debug", src=src, dst=dst, message=_name(payload),
                      why=why)


def _name(payload: Any) -> str:
    if isinstance(payload, tuple) and len(payload) == 2 and isinstance(payload[1], _NetReply):
        payload = payload[0]
    return type(payload).__name__


def _describe(faults: LinkFaults) -> dict[str, Any]:
    return {"delay": f"{faults.delay.kind}({faults.delay.a:g},{faults.delay.b:g})",
            "drop": faults.drop, "duplicate": faults.duplicate, "reorder": faults.reorder}


