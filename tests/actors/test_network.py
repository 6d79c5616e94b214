"""The simulated network between hosts: delay, partitions, loss, duplication, reordering,
host crashes and restarts."""

from __future__ import annotations

from typing import Any

import pytest
import trio

from kactors.actors import (
    Actor,
    ActorError,
    ActorRef,
    ActorStopped,
    AskTimeout,
    ChildSpec,
    Delay,
    InvalidTimeout,
    LinkFaults,
    SupervisionPolicy,
    Supervisor,
    TerminateChild,
    UnknownChild,
    WhichChildren,
)

from .helpers import Counter, events, new_system, timeline


class Inbox(Actor):
    """Records (cluster time, message) of everything it receives; answers "inbox"."""

    def __init__(self) -> None:
        self.got: list[tuple[float, Any]] = []

    def receive(self, message: Any) -> Any:
        if message == "inbox":
            return list(self.got)
        self.got.append((self.ctx.now(), message))
        return ("ack", message)


class Relay(Actor):
    """Forwards ("tell"|"ask", ref, message) across the network from its own host."""

    async def receive(self, message: Any) -> Any:
        kind, target, payload = message
        remote = self.ctx.remote(target)
        if kind == "tell":
            remote.tell(payload)
            return None
        return await remote.ask(payload, timeout=3)


async def inbox(ref: ActorRef) -> list[tuple[float, Any]]:
    return await ref.ask("inbox")


def received(got: list[tuple[float, Any]]) -> list[Any]:
    return [message for _, message in got]


async def test_a_constant_delay_delays_delivery_by_that_virtual_time(autojump_clock: Any) -> None:
    async with new_system() as system:
        system.network.set_default(LinkFaults(delay=Delay.constant(0.5)))
        b = await system.start(Inbox, name="b", host="b")
        relay = await system.start(Relay, name="relay", host="a")
        await relay.ask(("tell", b, "hello"))
        start = trio.current_time()
        assert await relay.ask(("ask", b, "ping")) == ("ack", "ping")
        assert trio.current_time() - start == pytest.approx(1.0)  # there and back
        assert await inbox(b) == [(0.5, "hello"), (0.5, "ping")]
        # same host: no network, no delay
        local = system.network.ref(b, "b")
        assert await local.ask("local") == ("ack", "local")
        assert (await inbox(b))[-1] == (1.0, "local")
        assert system.network.stats.sent == 3 and system.network.stats.delivered == 3
        assert events(system, "net.faults_changed")[0]["faults"] == {
            "delay": "constant(0.5,0)", "drop": 0.0, "duplicate": 0.0, "reorder": 0.0}


async def test_a_link_can_have_its_own_faults_in_one_direction(autojump_clock: Any) -> None:
    async with new_system() as system:
        net = system.network
        net.set_link("a", "b", LinkFaults(delay=Delay.constant(2)), symmetric=False)
        a = await system.start(Inbox, name="a", host="a")
        b = await system.start(Inbox, name="b", host="b")
        net.ref(b, "a").tell("a->b")
        net.ref(a, "b").tell("b->a")
        await trio.sleep(5)
        assert await inbox(b) == [(2.0, "a->b")]
        assert await inbox(a) == [(0.0, "b->a")]
        assert events(system, "net.faults_changed")[0]["link"] == "a->b"


async def test_a_partition_drops_messages_and_heal_restores_them(autojump_clock: Any) -> None:
    async with new_system() as system:
        net = system.network
        b = await system.start(Inbox, name="b", host="b")
        to_b = net.ref(b, "a")
        net.partition(["a"], ["b"])
        to_b.tell("lost")
        start = trio.current_time()
        with pytest.raises(AskTimeout,
                           match="^ask to /b timed out after 2s waiting for a reply to str$"):
            await to_b.ask("lost too", timeout=2)
        assert trio.current_time() - start == pytest.approx(2.0)
        assert net.stats.dropped == 2
        net.heal()
        to_b.tell("after")
        assert await to_b.ask("ping") == ("ack", "ping")
        assert received(await inbox(b)) == ["after", "ping"]
        assert timeline(system, "net.partitioned", "net.healed") == [
            ("/network", "net.partitioned"), ("/network", "net.healed")]
        assert events(system, "net.partitioned")[0]["groups"] == [["a"], ["b"]]


async def test_a_partition_keeps_links_within_a_group(autojump_clock: Any) -> None:
    async with new_system() as system:
        net = system.network
        refs = {h: await system.start(Inbox, name=h, host=h) for h in ("a", "b", "c")}
        net.partition(["a", "b"], ["c"])
        for src in ("a", "b", "c"):
            for dst in ("a", "b", "c"):
                net.ref(refs[dst], src).tell(f"{src}->{dst}")
        await trio.sleep(1)
        assert received(await inbox(refs["a"])) == ["a->a", "b->a"]
        assert received(await inbox(refs["b"])) == ["a->b", "b->b"]
        assert received(await inbox(refs["c"])) == ["c->c"]


async def test_a_message_in_flight_is_dropped_by_a_partition_before_it_arrives(
        autojump_clock: Any) -> None:
    async with new_system() as system:
        net = system.network
        net.set_default(LinkFaults(delay=Delay.constant(1.0)))
        b = await system.start(Inbox, name="b", host="b")
        net.ref(b, "a").tell("in flight")
        await trio.sleep(0.5)
        net.partition(["a"], ["b"])
        await trio.sleep(1)
        assert await inbox(b) == []
        assert net.stats.dropped == 1


async def test_isolate_cuts_one_host_from_all_others(autojump_clock: Any) -> None:
    async with new_system() as system:
        net = system.network
        refs = {h: await system.start(Inbox, name=h, host=h) for h in ("a", "b", "c")}
        net.isolate("c")
        for src, dst in (("a", "b"), ("b", "a"), ("a", "c"), ("c", "b"), ("c", "c")):
            net.ref(refs[dst], src).tell(f"{src}->{dst}")
        await trio.sleep(1)
        assert [received(await inbox(refs[h])) for h in "abc"] == [
            ["b->a"], ["a->b"], ["c->c"]]
        assert events(system, "net.isolated")[0]["host"] == "c"
        net.heal()
        net.ref(refs["c"], "a").tell("back")
        await trio.sleep(1)
        assert received(await inbox(refs["c"])) == ["c->c", "back"]


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_random_drop_loses_about_the_expected_fraction(
        autojump_clock: Any, seed: int) -> None:
    n, p = 2000, 0.3
    async with new_system(seed=seed) as system:
        net = system.network
        net.set_default(LinkFaults(drop=p))
        b = await system.start(Inbox, name="b", host="b")
        to_b = net.ref(b, "a")
        for i in range(n):
            to_b.tell(i)
        got = received(await inbox(b))
        lost = n - len(got)
        # std dev is sqrt(n p (1-p)) ~ 20.5 messages; allow 5 of them
        assert abs(lost - n * p) < 100, f"seed={seed}: lost {lost} of {n}, expected ~{n * p}"
        assert got == sorted(got), f"seed={seed}: drop alone must not reorder"
        assert net.stats.dropped == lost, f"seed={seed}"


async def test_duplicate_delivers_twice(autojump_clock: Any) -> None:
    async with new_system(seed=4) as system:
        net = system.network
        net.set_default(LinkFaults(duplicate=1.0))
        b = await system.start(Inbox, name="b", host="b")
        for i in range(3):
            net.ref(b, "a").tell(i)
        await trio.sleep(1)
        assert received(await inbox(b)) == [0, 0, 1, 1, 2, 2]
        assert net.stats.duplicated == 3 and net.stats.delivered == 6


@pytest.mark.parametrize("seed", [5, 6])
async def test_reorder_changes_the_order_of_some_messages(
        autojump_clock: Any, seed: int) -> None:
    async with new_system(seed=seed) as system:
        net = system.network
        net.set_default(LinkFaults(delay=Delay.constant(0.01), reorder=0.5,
                                   reorder_delay=Delay.uniform(0.0, 0.05)))
        b = await system.start(Inbox, name="b", host="b")
        sent = list(range(50))
        for i in sent:
            net.ref(b, "a").tell(i)
        await trio.sleep(1)
        got = received(await inbox(b))
        assert got != sent, f"seed={seed}: expected some reordering"
        assert sorted(got) == sent, f"seed={seed}: reorder must neither lose nor add"


async def test_crash_kills_the_hosts_actors_and_restart_starts_them_again(
        autojump_clock: Any) -> None:
    specs = [ChildSpec("a1", Counter, host="a"), ChildSpec("b1", Counter, host="b"),
             ChildSpec("b2", Counter, host="b")]
    async with new_system() as system:
        net = system.network
        await system.start(ChildSpec("sup", lambda: Supervisor(
            specs, SupervisionPolicy(intensity=5))))
        a1, b1, b2 = (system.lookup(f"/sup/{n}") for n in ("a1", "b1", "b2"))
        assert a1 is not None and b1 is not None and b2 is not None
        for ref in (a1, b1, b2):
            await ref.ask("inc")
        net.crash("b")
        await trio.sleep(0.1)
        assert timeline(system, "actor.killed", "actor.restarted") == [
            ("/sup/b1", "actor.killed"), ("/sup/b2", "actor.killed")]
        crashed = events(system, "net.crashed")[0]
        assert crashed["host"] == "b" and crashed["actors"] == ["/sup/b1", "/sup/b2"]
        with pytest.raises(ActorStopped, match="^ask to /sup/b1 failed: actor is stopped$"):
            await b1.ask("get")
        with pytest.raises(AskTimeout):
            await net.ref(b2, "a").ask("get", timeout=1)
        assert await a1.ask("get") == 1  # other hosts are untouched
        net.crash("b")  # already down: nothing happens
        await trio.sleep(10)
        assert events(system, "actor.restarted") == []  # the supervisor did not restart them
        net.restart("b")
        await trio.sleep(0.1)
        assert await b1.ask("get") == 0 and await b2.ask("get") == 0  # fresh state
        assert await net.ref(b1, "a").ask("inc") == 1
        assert events(system, "net.restarted")[0]["host"] == "b"
        assert timeline(system, "actor.started")[-2:] == [
            ("/sup/b1", "actor.started"), ("/sup/b2", "actor.started")]
        net.restart("b")  # not down: nothing happens
        assert len(events(system, "net.restarted")) == 1


async def test_crash_of_a_host_takes_its_whole_subtree(autojump_clock: Any) -> None:
    async with new_system() as system:
        net = system.network
        await system.start(ChildSpec("node", lambda: Supervisor(
            [ChildSpec("kubelet", Counter), ChildSpec("proxy", Counter)]), host="n1"))
        kubelet = system.lookup("/node/kubelet")
        assert kubelet is not None and kubelet._cell.host == "n1"
        await kubelet.ask("inc")
        net.crash("n1")
        await trio.sleep(0.1)
        assert system.lookup("/node") is None and system.lookup("/node/kubelet") is None
        assert events(system, "net.crashed")[0]["actors"] == ["/node"]
        net.restart("n1")
        await trio.sleep(0.1)
        assert await kubelet.ask("get") == 0
        assert system.lookup("/node/proxy") is not None


async def test_asks_in_progress_when_the_host_crashes_fail(autojump_clock: Any) -> None:
    """A local asker learns at once (ActorStopped); a remote asker's failure reply cannot
    leave the crashed host, so it times out, as it would on a real network."""

    class Slow(Actor):
        async def receive(self, message: Any) -> Any:
            await trio.sleep(10)
            return message

    async with new_system() as system:
        net = system.network
        slow = await system.start(Slow, name="slow", host="b")
        local = await system.start(Slow, name="local", host="b")
        outcomes: dict[str, tuple[str, float]] = {}

        async def ask(name: str, ref: Any) -> None:
            try:
                await ref.ask("x", timeout=3)
            except ActorError as exc:
                outcomes[name] = (str(exc), trio.current_time())

        async with trio.open_nursery() as nursery:
            nursery.start_soon(ask, "local", local)
            nursery.start_soon(ask, "remote", net.ref(slow, "a"))
            await trio.sleep(1)
            net.crash("b")
        assert outcomes == {
            "local": ("ask to /local failed: actor stopped before it replied", 1.0),
            "remote": ("ask to /slow timed out after 3s waiting for a reply to str", 3.0),
        }


async def test_a_remote_ask_gets_exactly_one_reply(autojump_clock: Any) -> None:
    """A supervisor answers a bad call with an error reply; across the network that is one
    message back, not an error and then a second (ignored) answer."""
    async with new_system() as system:
        net = system.network
        sup = await system.start(ChildSpec("sup", lambda: Supervisor([]), host="b"))
        with pytest.raises(UnknownChild, match="^/sup has no child named 'zz'$"):
            await net.ref(sup, "a").ask(TerminateChild("zz"))
        assert await net.ref(sup, "a").ask(WhichChildren()) == []
        await trio.sleep(1)
        assert (net.stats.sent, net.stats.delivered) == (4, 4)


async def test_network_errors_have_clear_messages(autojump_clock: Any) -> None:
    async with new_system() as system:
        net = system.network
        b = await system.start(Counter, name="b", host="b")
        with pytest.raises(ActorError, match="^unknown host 'zz'$"):
            net.crash("zz")
        with pytest.raises(ValueError, match="^a partition needs at least two groups of hosts$"):
            net.partition(["a", "b"])
        with pytest.raises(InvalidTimeout, match="^ask timeout must be a number > 0, got 0$"):
            await net.ref(b, "a").ask("get", timeout=0)
    with pytest.raises(ValueError, match="^unknown delay distribution 'gamma'$"):
        Delay("gamma", 1.0)
    with pytest.raises(ValueError, match="^invalid uniform delay parameters a=2, b=1$"):
        Delay.uniform(2, 1)
    with pytest.raises(ValueError, match="^invalid constant delay parameters a=-1, b=0.0$"):
        Delay.constant(-1)
    with pytest.raises(ValueError, match=r"^drop probability must be within \[0, 1\], got 1.5$"):
        LinkFaults(drop=1.5)
    with pytest.raises(ValueError, match=r"^reorder probability must be within \[0, 1\], "
                                         r"got -0.1$"):
        LinkFaults(reorder=-0.1)
