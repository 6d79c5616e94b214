"""Supervision: strategies, restart types, intensity, escalation, backoff, management calls."""

from __future__ import annotations

from typing import Any

import pytest
import trio

from kactors.actors import (
    ActorRef,
    ActorStopped,
    ActorSystem,
    Backoff,
    ChildInfo,
    ChildSpec,
    DeleteChild,
    DuplicateName,
    DynamicSupervisor,
    EscalationError,
    InvalidStrategy,
    Restart,
    RestartChild,
    StartChild,
    Strategy,
    SupervisionPolicy,
    Supervisor,
    SupervisorEscalation,
    SystemStopped,
    TerminateChild,
    UnknownChild,
    WhichChildren,
)

from .helpers import Counter, Echo, Hooked, Journal, events, new_system, timeline

GENEROUS = SupervisionPolicy(intensity=100, period=1.0)


def counters(*names: str, **options: Any) -> list[ChildSpec]:
    return [ChildSpec(name, Counter, **options) for name in names]


async def start_sup(system: ActorSystem, children: list[ChildSpec],
                    policy: SupervisionPolicy | None = GENEROUS, name: str = "sup") -> ActorRef:
    return await system.start(ChildSpec(name, lambda: Supervisor(children, policy),
                                        shutdown=float("inf")))


def child(system: ActorSystem, path: str) -> ActorRef:
    ref = system.lookup(path)
    assert ref is not None, f"no live actor at {path}"
    return ref


async def bump(system: ActorSystem, path: str, times: int) -> None:
    for _ in range(times):
        await child(system, path).ask("inc")


async def counts(system: ActorSystem, *paths: str) -> list[int]:
    return [await child(system, path).ask("get") for path in paths]


async def crash(ref: ActorRef, settle: float = 0.5) -> None:
    """Crash the actor behind `ref` with an ask, then give its supervisor `settle` seconds.

    The asker gets the exception as soon as the handler raised, before the supervisor has
    handled the exit: without the pause the next ask could still reach an old incarnation.
    """
    with pytest.raises(ValueError, match=f"^boom in {ref.path}$"):
        await ref.ask("boom")
    await trio.sleep(settle)


# -- strategies ------------------------------------------------------------------------------

async def test_one_for_one_restarts_only_the_crashed_child(autojump_clock: Any) -> None:
    async with new_system() as system:
        await start_sup(system, counters("a", "b", "c"),
                        SupervisionPolicy(strategy="one_for_one", intensity=5))
        for path, n in (("/sup/a", 1), ("/sup/b", 2), ("/sup/c", 3)):
            await bump(system, path, n)
        await crash(child(system, "/sup/b"))
        assert await counts(system, "/sup/a", "/sup/b", "/sup/c") == [1, 0, 3]
        assert timeline(system, "actor.crashed", "actor.stopped", "actor.restarted") == [
            ("/sup/b", "actor.crashed"), ("/sup/b", "actor.restarted")]
        restarting = events(system, "supervisor.restarting")[0]
        assert restarting["actor"] == "/sup" and restarting["strategy"] == "one_for_one"
        assert restarting["group"] == ["b"] and restarting["delay"] == 0.0
        assert restarting["reason"] == "crashed: ValueError: boom in /sup/b"


async def test_one_for_all_restarts_all_stopping_in_reverse_and_starting_in_order(
        autojump_clock: Any) -> None:
    journal = Journal()
    specs = [ChildSpec(n, lambda n=n: Hooked(journal, n)) for n in ("a", "b", "c")]
    async with new_system() as system:
        await start_sup(system, specs, SupervisionPolicy(strategy=Strategy.ONE_FOR_ALL))
        journal.entries.clear()
        with pytest.raises(ValueError, match="^boom in b$"):
            await child(system, "/sup/b").ask("boom")
        await trio.sleep(1)
        assert await child(system, "/sup/c").ask("hi") == "hi"
        assert journal.entries == [
            ("b", "receive:boom"), ("b", "stopping"), ("b", "stopped"),  # hooks of b ran
            ("c", "stopping"), ("c", "stopped"), ("a", "stopping"), ("a", "stopped"),
            ("a", "started:begin"), ("a", "started"), ("b", "started:begin"), ("b", "started"),
            ("c", "started:begin"), ("c", "started"), ("c", "receive:hi")]
        assert timeline(system, "actor.crashed", "actor.stopped", "actor.restarted") == [
            ("/sup/b", "actor.crashed"), ("/sup/c", "actor.stopped"),
            ("/sup/a", "actor.stopped"), ("/sup/a", "actor.restarted"),
            ("/sup/b", "actor.restarted"), ("/sup/c", "actor.restarted")]
        assert events(system, "supervisor.restarting")[0]["group"] == ["a", "b", "c"]


async def test_one_for_all_resets_the_state_of_every_child(autojump_clock: Any) -> None:
    async with new_system() as system:
        await start_sup(system, counters("a", "b", "c"),
                        SupervisionPolicy(strategy="one_for_all", intensity=5))
        for path in ("/sup/a", "/sup/b", "/sup/c"):
            await bump(system, path, 2)
        await crash(child(system, "/sup/c"))
        assert await counts(system, "/sup/a", "/sup/b", "/sup/c") == [0, 0, 0]
        assert [c._cell.restarts for c in (child(system, "/sup/a"), child(system, "/sup/c"))
                ] == [1, 1]


async def test_rest_for_one_restarts_the_crashed_child_and_later_ones_only(
        autojump_clock: Any) -> None:
    async with new_system() as system:
        await start_sup(system, counters("a", "b", "c", "d"),
                        SupervisionPolicy(strategy="rest_for_one", intensity=5))
        for path in ("/sup/a", "/sup/b", "/sup/c", "/sup/d"):
            await bump(system, path, 2)
        await crash(child(system, "/sup/b"))
        assert await counts(system, "/sup/a", "/sup/b", "/sup/c", "/sup/d") == [2, 0, 0, 0]
        assert timeline(system, "actor.crashed", "actor.stopped", "actor.restarted") == [
            ("/sup/b", "actor.crashed"), ("/sup/d", "actor.stopped"),
            ("/sup/c", "actor.stopped"), ("/sup/b", "actor.restarted"),
            ("/sup/c", "actor.restarted"), ("/sup/d", "actor.restarted")]
        # the last child crashing restarts only itself
        await crash(child(system, "/sup/d"))
        assert events(system, "supervisor.restarting")[-1]["group"] == ["d"]


async def test_a_temporary_sibling_is_not_restarted_with_its_group(autojump_clock: Any) -> None:
    """OTP: under one_for_all, a temporary sibling stopped for a group restart stays dead."""
    specs = counters("a") + [ChildSpec("t", Counter, restart="temporary")] + counters("c")
    async with new_system() as system:
        await start_sup(system, specs, SupervisionPolicy(strategy="one_for_all", intensity=5))
        await crash(child(system, "/sup/a"))
        await child(system, "/sup/c").ask("get")
        assert system.lookup("/sup/t") is None
        assert sorted(system.lookup("/sup")._cell.children) == ["a", "c"]  # type: ignore


# -- restart types ---------------------------------------------------------------------------

async def test_permanent_child_is_restarted_after_a_crash_and_after_a_normal_stop(
        autojump_clock: Any) -> None:
    async with new_system() as system:
        await start_sup(system, counters("p", restart="permanent"))
        ref = child(system, "/sup/p")
        await crash(ref)
        assert await ref.ask("stop") == "stopping"
        assert await ref.ask("get") == 0
        assert timeline(system, "actor.crashed", "actor.stopped", "actor.restarted") == [
            ("/sup/p", "actor.crashed"), ("/sup/p", "actor.restarted"),
            ("/sup/p", "actor.stopped"), ("/sup/p", "actor.restarted")]
        assert events(system, "actor.stopped", "/sup/p")[0]["reason"] == "normal"
        assert ref._cell.restarts == 2


async def test_transient_child_is_restarted_after_a_crash_but_not_after_a_normal_stop(
        autojump_clock: Any) -> None:
    async with new_system() as system:
        sup = await start_sup(system, counters("t", restart=Restart.TRANSIENT))
        ref = child(system, "/sup/t")
        await crash(ref)
        assert await ref.ask("inc") == 1
        assert await ref.ask("stop") == "stopping"
        await trio.sleep(1)
        assert not ref.alive
        with pytest.raises(ActorStopped):
            await ref.ask("get")
        assert await sup.ask(WhichChildren()) == [ChildInfo("t", None, "transient", 0)]
        assert timeline(system, "actor.crashed", "actor.stopped", "actor.restarted") == [
            ("/sup/t", "actor.crashed"), ("/sup/t", "actor.restarted"),
            ("/sup/t", "actor.stopped")]


async def test_temporary_child_is_never_restarted(autojump_clock: Any) -> None:
    async with new_system() as system:
        await start_sup(system, counters("crashy", "quitter", restart="temporary"))
        await crash(child(system, "/sup/crashy"))
        await child(system, "/sup/quitter").ask("stop")
        await trio.sleep(1)
        assert system.lookup("/sup/crashy") is None and system.lookup("/sup/quitter") is None
        assert events(system, "actor.restarted") == []
        assert events(system, "supervisor.restarting") == []


# -- restart intensity and escalation --------------------------------------------------------

def test_the_default_policy_is_one_for_one_with_one_restart_in_five_seconds() -> None:
    policy = SupervisionPolicy()
    assert (policy.strategy, policy.intensity, policy.period, policy.backoff) == (
        Strategy.ONE_FOR_ONE, 1, 5.0, None)
    assert Supervisor().supervision == policy


async def test_exceeding_the_intensity_stops_the_children_and_escalates_to_the_parent(
        autojump_clock: Any) -> None:
    journal = Journal()
    mid = ChildSpec("mid", lambda: Supervisor(
        counters("a") + [ChildSpec("b", lambda: Hooked(journal, "b"))]), shutdown=float("inf"))
    async with new_system() as system:
        await start_sup(system, [mid], SupervisionPolicy(intensity=5), name="top")
        await crash(child(system, "/top/mid/a"))  # restart 1 of 1 allowed in 5 s
        journal.entries.clear()
        await trio.sleep(4.0)
        await crash(child(system, "/top/mid/a"))  # one too many within 5 s: mid gives up
        escalated = events(system, "supervisor.escalated")
        assert [(e["actor"], e["child"], e["intensity"], e["period"]) for e in escalated] == [
            ("/top/mid", "/top/mid/a", 1, 5.0)]
        assert escalated[0]["reason"] == "crashed: ValueError: boom in /top/mid/a"
        # mid stopped its other child, then crashed; top restarted mid and its children
        assert journal.entries[:2] == [("b", "stopping"), ("b", "stopped")]
        assert journal.of("started") == ["b"]
        crashed = events(system, "actor.crashed", "/top/mid")[0]
        assert crashed["reason"] == (
            "crashed: SupervisorEscalation: /top/mid gave up: child /top/mid/a crashed more "
            "than 1 time(s) in 5s; last error: ValueError: boom in /top/mid/a")
        assert timeline(system, "actor.restarted")[-1] == ("/top/mid", "actor.restarted")
        assert child(system, "/top/mid")._cell.restarts == 1
        # the new incarnation of mid has a fresh restart history: one restart is fine again
        await crash(child(system, "/top/mid/a"))
        assert await child(system, "/top/mid/a").ask("get") == 0
        assert len(events(system, "supervisor.escalated")) == 1


async def test_restarts_spread_over_more_than_the_period_do_not_escalate(
        autojump_clock: Any) -> None:
    async with new_system() as system:
        await start_sup(system, counters("a"), SupervisionPolicy())  # 1 restart in 5 s
        for _ in range(5):
            await crash(child(system, "/sup/a"), settle=5.1)
        assert events(system, "supervisor.escalated") == []
        assert child(system, "/sup/a")._cell.restarts == 5


async def test_escalation_through_two_levels_to_the_root_ends_the_block(
        autojump_clock: Any) -> None:
    never = SupervisionPolicy(intensity=0)
    s2 = ChildSpec("s2", lambda: Supervisor(counters("c"), never), shutdown=float("inf"))
    journal = Journal()
    with pytest.raises(EscalationError) as info:
        async with new_system(root_policy=never) as system:
            await system.start(lambda: Hooked(journal, "bystander"), name="bystander")
            await start_sup(system, [s2], never, name="s1")
            child_ref = child(system, "/s1/s2/c")
            with pytest.raises(ValueError):  # the asker sees the crash at once
                await child_ref.ask("boom")
            await trio.sleep_forever()  # the escalation reaches the root and ends the block
    error = info.value
    assert str(error) == (
        "/ failed; / gave up on /s1; /s1 gave up on /s1/s2; /s1/s2 gave up on /s1/s2/c; "
        "root cause: ValueError: boom in /s1/s2/c")
    assert isinstance(error.root_cause, ValueError)
    assert isinstance(error.cause, SupervisorEscalation) and error.cause.child == "/s1"
    assert not system.running
    assert journal.of("stopped") == ["bystander"]  # the root stopped its other children
    assert [e["actor"] for e in events(system, "supervisor.escalated")] == ["/s1/s2", "/s1", "/"]
    assert events(system, "system.escalated")[0]["error"] == str(error)
    assert system.lookup("/s1") is None
    with pytest.raises(SystemStopped):
        child_ref.tell("after the end")


async def test_escalation_with_default_intensities_takes_eight_crashes(
        autojump_clock: Any) -> None:
    """Each level allows one restart in 5 s: 2 crashes fail s2, 2 failures of s2 fail s1,
    2 failures of s1 fail the root."""
    s2 = ChildSpec("s2", lambda: Supervisor(counters("c")), shutdown=float("inf"))
    crashes = 0
    with pytest.raises(EscalationError, match=(
            r"^/ failed; / gave up on /s1; /s1 gave up on /s1/s2; /s1/s2 gave up on "
            r"/s1/s2/c; root cause: ValueError: boom in /s1/s2/c$")):
        async with new_system() as system:
            await start_sup(system, [s2], SupervisionPolicy(), name="s1")
            while True:
                await trio.sleep(0.1)
                with pytest.raises(ValueError):
                    await child(system, "/s1/s2/c").ask("boom")
                crashes += 1
    assert crashes == 8
    assert trio.current_time() < 5


# -- backoff ---------------------------------------------------------------------------------

async def test_backoff_delays_each_restart_exponentially_in_virtual_time(
        autojump_clock: Any) -> None:
    policy = SupervisionPolicy(intensity=10, period=100, backoff=Backoff(1.0, 4.0, 2.0))
    async with new_system() as system:
        await start_sup(system, counters("a"), policy)
        ref = child(system, "/sup/a")
        for _ in range(4):
            await crash(ref, settle=0)
            assert await ref.ask("get", timeout=10) == 0  # queued until the restart
        crashed = [e["ts"] for e in events(system, "actor.crashed", "/sup/a")]
        restarted = [e["ts"] for e in events(system, "actor.restarted", "/sup/a")]
        delays = [round(r - c, 6) for c, r in zip(crashed, restarted, strict=True)]
        assert delays == [1.0, 2.0, 4.0, 4.0]
        assert [e["delay"] for e in events(system, "supervisor.restarting")] == delays


def test_backoff_delay_arithmetic() -> None:
    backoff = Backoff(initial=0.5, maximum=3.0, factor=3.0)
    assert [backoff.delay(n) for n in range(0, 5)] == [0.5, 0.5, 1.5, 3.0, 3.0]
    assert Backoff().delay(1) == 0.1


async def test_stopping_a_supervisor_cancels_a_pending_backoff_restart(
        autojump_clock: Any) -> None:
    policy = SupervisionPolicy(intensity=10, backoff=Backoff(30.0, 30.0))
    async with new_system() as system:
        sup = await start_sup(system, counters("a"), policy)
        await crash(child(system, "/sup/a"), settle=1)
        await system.stop(sup)
        assert trio.current_time() == pytest.approx(1.0)  # did not wait for the backoff
        await trio.sleep(60)
        assert events(system, "actor.restarted") == []
        assert system.lookup("/sup/a") is None


# -- management calls ------------------------------------------------------------------------

async def test_supervisor_management_messages(autojump_clock: Any) -> None:
    async with new_system() as system:
        sup = await start_sup(system, counters("a", "b"))
        ref_a = child(system, "/sup/a")
        await ref_a.ask("inc")
        assert await sup.ask(WhichChildren()) == [
            ChildInfo("a", ref_a, "permanent", 0), ChildInfo("b", child(system, "/sup/b"),
                                                            "permanent", 0)]
        # StartChild
        ref_c = await sup.ask(StartChild(ChildSpec("c", Echo, restart="transient")))
        assert ref_c.path == "/sup/c" and await ref_c.ask("hi") == "hi"
        # TerminateChild keeps the spec; a permanent child is not restarted
        assert await sup.ask(TerminateChild("a")) is None
        assert not ref_a.alive
        await trio.sleep(1)
        assert events(system, "actor.stopped", "/sup/a")[0]["reason"] == "shutdown"
        assert [(i.name, i.ref) for i in await sup.ask(WhichChildren())] == [
            ("a", None), ("b", child(system, "/sup/b")), ("c", ref_c)]
        assert await sup.ask(TerminateChild("a")) is None  # already terminated: no-op
        # RestartChild starts it again, fresh
        restarted = await sup.ask(RestartChild("a"))
        assert restarted == ref_a and await ref_a.ask("get") == 0
        assert await sup.ask(RestartChild("a")) == ref_a  # already running: its ref
        # DeleteChild stops it and forgets the spec
        assert await sup.ask(DeleteChild("b")) is None
        assert [i.name for i in await sup.ask(WhichChildren())] == ["a", "c"]
        assert system.lookup("/sup/b") is None
        assert events(system, "actor.crashed") == []


async def test_bad_management_calls_fail_the_asker_but_not_the_supervisor(
        autojump_clock: Any) -> None:
    """OTP answers a bad supervisor call with an error; it does not crash the supervisor
    (a crash would restart every child)."""
    async with new_system() as system:
        sup = await start_sup(system, counters("a"))
        await child(system, "/sup/a").ask("inc")
        with pytest.raises(DuplicateName) as dup:
            await sup.ask(StartChild(ChildSpec("a", Echo)))
        assert str(dup.value) == "/sup already has a child named 'a'"
        for request in (TerminateChild("zz"), RestartChild("zz"), DeleteChild("zz")):
            with pytest.raises(UnknownChild) as unknown:
                await sup.ask(request)
            assert str(unknown.value) == "/sup has no child named 'zz'"
        sup.tell(DeleteChild("zz"))  # told, the error can only be logged
        await trio.sleep(0.1)
        failed = events(system, "supervisor.request_failed")
        assert [(e["actor"], e["request"], e["error"]) for e in failed] == [
            ("/sup", "DeleteChild", "/sup has no child named 'zz'")]
        assert events(system, "actor.crashed") == [] and sup._cell.restarts == 0
        assert await child(system, "/sup/a").ask("get") == 1


async def test_dynamic_supervisor_starts_children_at_run_time(autojump_clock: Any) -> None:
    async with new_system() as system:
        dyn = await system.start(ChildSpec("nodes", DynamicSupervisor))
        assert await dyn.ask(WhichChildren()) == []
        refs = [await dyn.ask(StartChild(ChildSpec(f"kubelet-{i}", Counter))) for i in range(3)]
        assert [r.path for r in refs] == ["/nodes/kubelet-0", "/nodes/kubelet-1",
                                          "/nodes/kubelet-2"]
        await refs[0].ask("inc")
        await crash(refs[1])
        assert await counts(system, *(r.path for r in refs)) == [1, 0, 0]


@pytest.mark.parametrize("strategy", ["one_for_all", "rest_for_one"])
def test_dynamic_supervisor_rejects_strategies_other_than_one_for_one(strategy: str) -> None:
    with pytest.raises(InvalidStrategy) as info:
        DynamicSupervisor(SupervisionPolicy(strategy=strategy))
    assert str(info.value) == f"a dynamic supervisor supports only one_for_one, got {strategy}"
    assert DynamicSupervisor(SupervisionPolicy(intensity=3)).supervision.intensity == 3


async def test_a_supervisor_subclass_handles_its_own_messages(autojump_clock: Any) -> None:
    """Other messages go to `handle`, with ordinary actor semantics: an exception there is
    a crash of the supervisor (only bad management calls are error replies)."""

    class Manager(Supervisor):
        def handle(self, message: Any) -> Any:
            if message == "count":
                return len(self.ctx.children)
            raise LookupError(f"no idea what {message!r} is")

    async with new_system() as system:
        manager = await system.start(ChildSpec("mgr", lambda: Manager(counters("a", "b"))))
        assert await manager.ask("count") == 2
        with pytest.raises(LookupError, match="^no idea what 'zz' is$"):
            await manager.ask("zz")
        await trio.sleep(0.1)
        assert timeline(system, "actor.crashed", "actor.restarted")[0] == (
            "/mgr", "actor.crashed")
        assert timeline(system, "actor.crashed", "actor.restarted")[-1] == (
            "/mgr", "actor.restarted")
        assert await manager.ask("count") == 2
