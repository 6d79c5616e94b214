"""Lifecycle hooks, start/stop order, shutdown timeouts and structured concurrency."""

from __future__ import annotations

from typing import Any

import pytest
import trio

from kactors.actors import (
    Actor,
    ActorError,
    ActorStopped,
    ActorSystem,
    ChildSpec,
    EscalationError,
    Supervisor,
    SystemStopped,
)

from .helpers import Echo, Hooked, Journal, events, new_system, timeline

STOPPED_SYSTEM = "actor system 'kactors' is stopped; cannot send messages to it"


class Parent(Hooked):
    """A Hooked actor that starts two Hooked children in its `started` hook."""

    async def started(self) -> None:
        await super().started()
        for name in ("c1", "c2"):
            await self.ctx.start_child(lambda n=name: Hooked(self.journal, n), name=name)


class Stuck(Actor):
    """Its handler never returns."""

    def __init__(self, journal: Journal | None = None) -> None:
        self.journal = journal

    async def stopped(self) -> None:
        if self.journal is not None:
            self.journal.add("stuck", "stopped")

    async def receive(self, message: Any) -> Any:
        await trio.sleep_forever()


async def test_started_runs_before_the_first_message(autojump_clock: Any) -> None:
    journal = Journal()
    async with new_system() as system:
        ref = system.spawn(lambda: Hooked(journal, "a"), name="a")  # returns at once
        ref.tell("early")
        assert await ref.ask("second") == "second"
    assert journal.entries[:4] == [("a", "started:begin"), ("a", "started"),
                                   ("a", "receive:early"), ("a", "receive:second")]


async def test_stopping_then_children_stopped_then_stopped(autojump_clock: Any) -> None:
    journal = Journal()
    async with new_system() as system:
        parent = await system.start(lambda: Parent(journal, "p"), name="p")
        assert set(system.lookup("/p/c1") and parent._cell.children) == {"c1", "c2"}
        journal.entries.clear()
        await system.stop(parent)
        assert journal.entries == [
            ("p", "stopping"),
            ("c2", "stopping"), ("c2", "stopped"),
            ("c1", "stopping"), ("c1", "stopped"),
            ("p", "stopped"),
        ]
        assert timeline(system, "actor.stopped") == [
            ("/p/c2", "actor.stopped"), ("/p/c1", "actor.stopped"), ("/p", "actor.stopped")]
        assert [e["reason"] for e in events(system, "actor.stopped")] == ["shutdown"] * 3
        assert system.lookup("/p") is None and system.lookup("/p/c1") is None


async def test_children_start_in_order_and_stop_in_reverse_order(autojump_clock: Any) -> None:
    journal = Journal()
    specs = [ChildSpec(n, lambda n=n: Hooked(journal, n)) for n in ("a", "b", "c")]
    async with new_system() as system:
        await system.start(ChildSpec("sup", lambda: Supervisor(specs)))
        # each child's `started` finished before the next one began
        assert journal.entries == [("a", "started:begin"), ("a", "started"),
                                   ("b", "started:begin"), ("b", "started"),
                                   ("c", "started:begin"), ("c", "started")]
        journal.entries.clear()
    assert journal.entries == [("c", "stopping"), ("c", "stopped"),
                               ("b", "stopping"), ("b", "stopped"),
                               ("a", "stopping"), ("a", "stopped")]
    assert timeline(system, "actor.started") == [
        ("/", "actor.started"), ("/sup/a", "actor.started"), ("/sup/b", "actor.started"),
        ("/sup/c", "actor.started"), ("/sup", "actor.started")]


async def test_nested_supervisors_to_depth_three(autojump_clock: Any) -> None:
    journal = Journal()

    def level(depth: int) -> ChildSpec:
        name = f"s{depth}"
        if depth == 3:
            kids = [ChildSpec("leaf", lambda: Hooked(journal, "leaf"))]
        else:
            kids = [level(depth + 1), ChildSpec(f"w{depth}",
                                                lambda d=depth: Hooked(journal, f"w{d}"))]
        return ChildSpec(name, lambda: Supervisor(kids), shutdown=float("inf"))

    async with new_system() as system:
        await system.start(level(1))
        leaf = system.lookup("/s1/s2/s3/leaf")
        assert leaf is not None
        assert journal.of("started") == ["leaf", "w2", "w1"]
        # a crash deep down restarts only the leaf
        with pytest.raises(ValueError, match="^boom in leaf$"):
            await leaf.ask("boom")
        assert await leaf.ask("ping") == "ping"
        assert timeline(system, "actor.restarted") == [("/s1/s2/s3/leaf", "actor.restarted")]
        journal.entries.clear()
        tree = system.tree()
        s1 = tree["children"][0]
        assert s1["path"] == "/s1"
        assert [c["path"] for c in s1["children"]] == ["/s1/s2", "/s1/w1"]
        assert [c["path"] for c in s1["children"][0]["children"]] == ["/s1/s2/s3", "/s1/s2/w2"]
    assert journal.of("stopped") == ["w1", "w2", "leaf"]
    assert timeline(system, "actor.stopped") == [
        ("/s1/w1", "actor.stopped"), ("/s1/s2/w2", "actor.stopped"),
        ("/s1/s2/s3/leaf", "actor.stopped"), ("/s1/s2/s3", "actor.stopped"),
        ("/s1/s2", "actor.stopped"), ("/s1", "actor.stopped"), ("/", "actor.stopped")]


async def test_a_child_that_does_not_stop_is_killed_after_its_shutdown_timeout(
        autojump_clock: Any) -> None:
    journal = Journal()
    specs = [ChildSpec("ok", Echo), ChildSpec("stuck", lambda: Stuck(journal), shutdown=3.0)]
    async with new_system() as system:
        await system.start(ChildSpec("sup", lambda: Supervisor(specs)))
        stuck = system.lookup("/sup/stuck")
        assert stuck is not None
        stuck.tell("hang")
        await trio.sleep(1)
        start = trio.current_time()
        await system.stop(system.lookup("/sup"))  # type: ignore[arg-type]
        assert trio.current_time() - start == pytest.approx(3.0)
        assert timeline(system, "actor.shutdown_timeout", "actor.killed", "actor.stopped") == [
            ("/sup/stuck", "actor.shutdown_timeout"), ("/sup/stuck", "actor.killed"),
            ("/sup/ok", "actor.stopped"), ("/sup", "actor.stopped")]
        timeout = events(system, "actor.shutdown_timeout")[0]
        assert timeout["timeout"] == 3.0 and timeout["level"] == "warning"
        assert events(system, "actor.killed")[0]["level"] == "warning"
        killed_at = events(system, "actor.killed")[0]["ts"]
        assert killed_at - events(system, "actor.shutdown_timeout")[0]["ts"] == 0
        assert journal.entries == []  # no stop hook after a brutal kill


async def test_zero_shutdown_kills_a_busy_child_at_once(autojump_clock: Any) -> None:
    async with new_system() as system:
        stuck = await system.start(Stuck, name="stuck", shutdown=0)
        stuck.tell("hang")
        await trio.sleep(1)
        await system.stop(stuck)
        assert trio.current_time() == pytest.approx(1.0)
        assert timeline(system, "actor.shutdown_timeout", "actor.killed") == [
            ("/stuck", "actor.shutdown_timeout"), ("/stuck", "actor.killed")]


async def test_system_shutdown_kills_a_stuck_actor_after_its_shutdown_timeout(
        autojump_clock: Any) -> None:
    async with new_system() as system:
        await system.start(Echo, name="a")
        stuck = await system.start(Stuck, name="stuck", shutdown=7)
        stuck.tell("hang")
        start = trio.current_time()
    assert trio.current_time() - start == pytest.approx(7.0)
    assert timeline(system, "actor.killed", "actor.stopped") == [
        ("/stuck", "actor.killed"), ("/a", "actor.stopped"), ("/", "actor.stopped")]


async def test_leaving_the_block_stops_the_tree_in_reverse_start_order(
        autojump_clock: Any) -> None:
    journal = Journal()
    async with new_system() as system:
        for name in ("a", "b", "c"):
            await system.start(lambda n=name: Hooked(journal, n), name=name)
        assert system.running
    assert journal.of("stopped") == ["c", "b", "a"]
    assert journal.of("stopping") == ["c", "b", "a"]
    assert not system.running
    assert [e["event"] for e in events(system)][-2:] == ["actor.stopped", "system.stopped"]
    assert events(system, "system.stopped")[0]["dead_letters"] == 0


async def test_cancelling_the_enclosing_scope_stops_everything_with_stop_hooks(
        autojump_clock: Any) -> None:
    """Cancellation from outside is a normal way to leave the block (Ctrl-C, a deadline):
    the tree is stopped in reverse start order, with stop hooks, not torn down by trio."""
    journal = Journal()
    with trio.move_on_after(10) as scope:
        async with new_system() as system:
            parent = await system.start(lambda: Parent(journal, "p"), name="p")
            for name in ("x", "y"):
                await system.start(lambda n=name: Hooked(journal, n), name=name)
            parent.tell("hello")
            await trio.sleep_forever()
    assert scope.cancelled_caught
    assert not system.running
    assert journal.of("stopped") == ["y", "x", "c2", "c1", "p"]
    assert events(system, "actor.killed") == []
    # the stop hooks (which sleep 10 ms each) ran after the deadline
    assert trio.current_time() == pytest.approx(10.05)


async def test_no_task_is_left_after_the_block(autojump_clock: Any) -> None:
    class Ticker(Actor):
        async def started(self) -> None:
            self.ctx.every(1.0, "tick")

        def receive(self, message: Any) -> None:
            self.ctx.log.info("ticked")

    task = trio.lowlevel.current_task()
    nurseries = len(task.child_nurseries)
    async with new_system() as system:
        assert len(task.child_nurseries) == nurseries + 1  # the system's nursery
        ticker = await system.start(Ticker, name="ticker")
        stuck = await system.start(lambda: Stuck(), name="stuck", shutdown=1)
        stuck.tell("hang")  # killed after 1 s at the end of the block
        await trio.sleep(3.5)
    assert len(events(system, "ticked")) == 4  # at 1, 2, 3 and 4 s (the ticker stops last)
    assert trio.current_time() == pytest.approx(4.5)
    count = len(events(system))
    assert len(task.child_nurseries) == nurseries
    await trio.sleep(3600)
    assert len(events(system)) == count
    assert not system.running
    assert system.tree()["state"] == "dead"
    assert len(system.timers) == 0 or all(h.cancelled for _, _, h in system.timers._heap)
    with pytest.raises(SystemStopped) as info:
        ticker.tell("tick")
    assert str(info.value) == STOPPED_SYSTEM


async def test_refs_of_a_stopped_system_raise_system_stopped(autojump_clock: Any) -> None:
    async with new_system() as system:
        echo = await system.start(Echo, name="echo")
        gone = await system.start(Echo, name="gone")
        await system.stop(gone)
    for ref in (echo, gone):
        with pytest.raises(SystemStopped, match=f"^{STOPPED_SYSTEM}$"):
            ref.tell("x")
        with pytest.raises(SystemStopped, match=f"^{STOPPED_SYSTEM}$"):
            await ref.send("x")
        with pytest.raises(SystemStopped, match=f"^{STOPPED_SYSTEM}$"):
            await ref.ask("x")
    with pytest.raises(SystemStopped, match=f"^{STOPPED_SYSTEM}$"):
        system.spawn(Echo, name="late")
    with pytest.raises(SystemStopped, match=f"^{STOPPED_SYSTEM}$"):
        await system.start(Echo, name="late")
    named = ActorSystem("other", seed=0, log_to_stdout=False)
    async with named:
        ref = await named.start(Echo, name="e")
    with pytest.raises(SystemStopped) as info:
        ref.tell("x")
    assert str(info.value) == "actor system 'other' is stopped; cannot send messages to it"


async def test_an_exception_in_the_block_propagates_unchanged_after_an_orderly_stop(
        autojump_clock: Any) -> None:
    journal = Journal()
    with pytest.raises(KeyError, match="'body'"):
        async with new_system() as system:
            await system.start(lambda: Hooked(journal, "a"), name="a")
            raise KeyError("body")
    assert journal.of("stopped") == ["a"]
    assert not system.running


async def test_spawn_and_leave_at_once_does_not_wait_for_the_shutdown_timeout(
        autojump_clock: Any) -> None:
    """A child spawned (not yet running) when its parent stops is stopped before it runs."""
    async with new_system() as system:
        ref = system.spawn(Echo, name="a")
    assert trio.current_time() == 0
    assert not ref.alive and events(system, "actor.killed") == []
    # whether the child got to run first depends on scheduling; either way it is stopped
    started = [a for a, _ in timeline(system, "actor.started")]
    assert [a for a, _ in timeline(system, "actor.stopped")] == list(reversed(started))


async def test_an_actor_stopped_before_its_task_ran_never_starts(autojump_clock: Any) -> None:
    """spawn returns before the child runs; stopping it right away must not leave its task
    to start later as an orphan (which kept the system from exiting for its 60 s)."""
    async with new_system() as system:
        ref = system.spawn(Echo, name="a")
        await system.stop(ref)
        assert not ref.alive
        await trio.sleep(1)
        assert system.lookup("/a") is None
    assert trio.current_time() == pytest.approx(1.0)
    assert [a for a, _ in timeline(system, "actor.started")] == ["/"]
    assert events(system, "actor.killed") == []


async def test_a_stopped_top_level_actor_can_be_started_again_under_its_name(
        autojump_clock: Any) -> None:
    async with new_system() as system:
        old = await system.start(Echo, name="echo")
        await system.stop(old)
        with pytest.raises(ActorStopped):
            await old.ask("x")
        await system.start(Echo, name="echo")
        # a ref resolves by path: the old ref reaches the new actor
        assert await old.ask("x") == "x"
        assert old.alive


async def test_a_child_cannot_be_started_by_a_stopped_actor(autojump_clock: Any) -> None:
    class Later(Actor):
        async def stopped(self) -> None:
            try:
                self.ctx.spawn(Echo, name="x")
            except ActorError as exc:
                self.ctx.log.info("refused", error=str(exc))

    async with new_system() as system:
        ref = await system.start(Later, name="later")
        await system.stop(ref)
    assert events(system, "refused")[0]["error"] == "/later cannot start children while stopping"


async def test_system_stop_refuses_an_actor_that_is_not_top_level(autojump_clock: Any) -> None:
    """Otherwise stopping /sup/a would stop a top-level namesake /a."""
    async with new_system() as system:
        await system.start(ChildSpec("sup", lambda: Supervisor([ChildSpec("a", Echo)])))
        top_a = await system.start(Echo, name="a")
        nested = system.lookup("/sup/a")
        assert nested is not None
        with pytest.raises(ActorError) as info:
            await system.stop(nested)
        assert str(info.value) == (
            "/sup/a is not a top-level actor; stop it through its supervisor")
        assert top_a.alive and nested.alive


async def test_a_failing_stop_hook_is_logged_and_the_stop_goes_on(autojump_clock: Any) -> None:
    journal = Journal()

    class BadStop(Parent):
        async def stopping(self) -> None:
            await super().stopping()
            raise RuntimeError("cannot let go")

    async with new_system() as system:
        ref = await system.start(lambda: BadStop(journal, "p"), name="p")
        await system.stop(ref)
        failed = events(system, "actor.hook_failed")
        assert [(e["actor"], e["hook"], e["error"], e["level"]) for e in failed] == [
            ("/p", "stopping", "RuntimeError('cannot let go')", "error")]
        assert journal.of("stopped") == ["c2", "c1", "p"]
        assert events(system, "actor.stopped", "/p")[0]["reason"] == "shutdown"


async def test_an_actor_whose_started_hook_fails_is_restarted_by_its_supervisor(
        autojump_clock: Any) -> None:
    attempts: list[int] = []

    class Flaky(Echo):
        async def started(self) -> None:
            attempts.append(len(attempts) + 1)
            if len(attempts) == 1:
                raise ConnectionError("not yet")

    async with new_system() as system:
        ref = await system.start(Flaky, name="flaky")
        assert await ref.ask("up?") == "up?"
        assert attempts == [1, 2]
        assert timeline(system, "actor.crashed", "actor.restarted") == [
            ("/flaky", "actor.crashed"), ("/flaky", "actor.restarted")]
        assert events(system, "actor.crashed")[0]["reason"] == "crashed: ConnectionError: not yet"


async def test_a_top_level_actor_crashing_twice_in_five_seconds_stops_the_system(
        autojump_clock: Any) -> None:
    """The root guardian applies the default policy (1 restart in 5 s) unless the system
    is given another `root_policy`."""

    class Crashy(Actor):
        def receive(self, message: Any) -> Any:
            raise RuntimeError(f"crash {message}")

    with pytest.raises(EscalationError) as info:
        async with new_system() as system:
            ref = await system.start(Crashy, name="crashy")
            for i in (1, 2):
                with pytest.raises(RuntimeError):
                    await ref.ask(i)
                await trio.sleep(1)
    assert str(info.value) == (
        "/ failed; / gave up on /crashy; root cause: RuntimeError: crash 2")
    assert trio.current_time() == pytest.approx(1.0)


async def test_start_soon_tasks_run_concurrently_and_die_with_the_actor(autojump_clock):
    """Tasks started with ctx.start_soon run beside the mailbox loop; they are cancelled
    when the actor stops (after `stopping`), and a failing task crashes the actor."""
    from kactors.actors import Actor, ActorSystem

    events: list[str] = []

    class Worker(Actor):
        async def slow(self, n, handle):
            await trio.sleep(n)
            handle.set(f"slept {n}")

        async def forever(self):
            try:
                await trio.sleep_forever()
            finally:
                events.append("task cancelled")

        async def stopping(self):
            events.append("stopping")

        async def receive(self, message):
            if message == "forever":
                self.ctx.start_soon(self.forever)
                return None
            if message == "fail":
                async def boom():
                    raise RuntimeError("task failed")
                self.ctx.start_soon(boom)
                return None
            if message == "ping":
                return "pong"
            self.ctx.start_soon(self.slow, message, self.ctx.defer_reply())
            return None

    async with ActorSystem(seed=1, log_to_stdout=False, capture_logs=True) as system:
        ref = await system.start(Worker, name="worker")
        async with trio.open_nursery() as nursery:
            results = []

            async def ask(n):
                results.append(await ref.ask(n, timeout=10))

            nursery.start_soon(ask, 2)
            nursery.start_soon(ask, 1)
            await trio.sleep(0.5)
            assert await ref.ask("ping") == "pong"  # the loop is free meanwhile
        assert sorted(results) == ["slept 1", "slept 2"]
        ref.tell("forever")
        ref.tell("fail")
        await trio.sleep(0.1)
        crashed = [r for r in system.records if r["event"] == "actor.crashed"]
        assert crashed and "task failed" in crashed[0]["reason"]
        assert events == ["stopping", "task cancelled"]
