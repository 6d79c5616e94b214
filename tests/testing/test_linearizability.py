"""Tests for the porcupine-style linearizability checker.

Hand-written histories pin down the semantics (what is and is not linearizable, including
unknown outcomes); randomized histories produced by a correct sequential simulation check that
the search accepts everything a correct store can produce and rejects single-value corruptions.
"""

from __future__ import annotations

import random
from typing import Any

import attrs
import pytest

from kactors.testing.linearizability import (
    INFINITY,
    Operation,
    OpKind,
    Outcome,
    check,
    describe,
    partition_by_key,
    register_step,
)

put = Operation.put
get = Operation.get
delete = Operation.delete
cas = Operation.cas


def assert_ok(history: list[Operation], **kwargs: object) -> None:
    result = check(history, **kwargs)  # type: ignore[arg-type]
    assert result.outcome is Outcome.OK, result.explanation
    assert result.ok


def assert_illegal(history: list[Operation], key: str = "k", **kwargs: object) -> None:
    result = check(history, **kwargs)  # type: ignore[arg-type]
    assert result.outcome is Outcome.ILLEGAL, result
    assert not result.ok
    assert result.key == key
    assert result.explanation.startswith(f"key {key!r} is not linearizable")
    assert result.operations, "an illegal verdict must name the operations involved"


# --- basic semantics -------------------------------------------------------------------------


def test_empty_history_is_ok() -> None:
    assert_ok([])


def test_sequential_history_is_ok() -> None:
    assert_ok(
        [
            get(1, "k", None, 0, 1),
            put(1, "k", "a", 2, 3),
            get(2, "k", "a", 4, 5),
            delete(1, "k", 6, 7, ok=True),
            get(2, "k", None, 8, 9),
            delete(2, "k", 10, 11, ok=False),
        ]
    )


def test_stale_read_after_completed_write_is_illegal() -> None:
    assert_illegal(
        [
            put(1, "k", "a", 0, 1),
            put(1, "k", "b", 2, 3),
            get(2, "k", "a", 4, 5),  # "b" was acknowledged before this read began
        ]
    )


def test_read_overlapping_write_may_see_old_or_new() -> None:
    for seen in ("a", "b"):
        assert_ok([put(1, "k", "a", 0, 1), put(1, "k", "b", 2, 6), get(2, "k", seen, 3, 5)])


def test_concurrent_writes_may_take_either_order() -> None:
    for final in ("a", "b"):
        assert_ok([put(1, "k", "a", 0, 5), put(2, "k", "b", 1, 4), get(3, "k", final, 6, 7)])


def test_concurrent_writes_cannot_be_seen_in_both_orders_by_sequential_reads() -> None:
    # After both writes completed, the register holds one final value; two later reads that
    # do not overlap each other must agree.
    assert_illegal(
        [
            put(1, "k", "a", 0, 5),
            put(2, "k", "b", 1, 4),
            get(3, "k", "a", 6, 7),
            get(3, "k", "b", 8, 9),
        ]
    )


def test_read_of_value_never_written_is_illegal() -> None:
    assert_illegal([put(1, "k", "a", 0, 1), get(2, "k", "zzz", 2, 3)])


def test_read_of_absent_key_before_any_write_is_ok_but_not_after() -> None:
    assert_ok([get(1, "k", None, 0, 1), put(1, "k", "a", 2, 3)])
    assert_illegal([put(1, "k", "a", 0, 1), get(1, "k", None, 2, 3)])


def test_lost_write_is_illegal() -> None:
    # An acknowledged write that no later read reflects (reads return the previous value).
    assert_illegal(
        [
            put(1, "k", "a", 0, 1),
            put(2, "k", "b", 2, 3),
            get(1, "k", "a", 4, 5),
            get(2, "k", "a", 6, 7),
        ]
    )


def test_read_cannot_return_value_of_write_that_started_later() -> None:
    assert_illegal([get(1, "k", "a", 0, 1), put(2, "k", "a", 2, 3)])


def test_touching_intervals_are_treated_as_concurrent() -> None:
    # The read returns at t=2 exactly when the write is called: porcupine orders calls before
    # returns on ties, so the two overlap and the read may see the write.
    assert_ok([get(1, "k", "a", 0, 2), put(2, "k", "a", 2, 3)])


def test_initial_values() -> None:
    assert_ok([get(1, "k", "x", 0, 1)], initial={"k": "x"})
    assert_illegal([get(1, "k", None, 0, 1)], initial={"k": "x"})


# --- overlapping reads ------------------------------------------------------------------------


def test_overlapping_reads_seeing_different_orders_is_legal_while_write_is_pending() -> None:
    # Two reads overlap the write of "b": one may be linearized before it, one after, and the
    # early-returning read seeing the new value is fine as long as the later one does not then
    # see the old value.
    assert_ok(
        [
            put(1, "k", "a", 0, 1),
            put(2, "k", "b", 2, 10),
            get(3, "k", "b", 3, 5),
            get(4, "k", "a", 4, 9),  # overlaps get#3, may be ordered before it
        ]
    )


def test_new_then_old_in_real_time_order_is_illegal() -> None:
    # Same as above but the old-value read starts after the new-value read returned: once a
    # client saw "b", nobody may see "a" again (no write of "a" is pending).
    assert_illegal(
        [
            put(1, "k", "a", 0, 1),
            put(2, "k", "b", 2, 10),
            get(3, "k", "b", 3, 5),
            get(4, "k", "a", 6, 9),
        ]
    )


def test_two_writers_two_readers_disagreeing_on_order_is_illegal() -> None:
    # Both writes are concurrent with everything, but reader 3 sees a then b while reader 4
    # sees b then a, each pair in real-time order: no single order explains both.
    assert_illegal(
        [
            put(1, "k", "a", 0, 20),
            put(2, "k", "b", 0, 20),
            get(3, "k", "a", 1, 2),
            get(3, "k", "b", 3, 4),
            get(4, "k", "b", 1, 2),
            get(4, "k", "a", 3, 4),
        ]
    )


# --- unknown outcomes -------------------------------------------------------------------------


def test_unknown_put_observed_later_is_ok() -> None:
    assert_ok([put(1, "k", "a", 0, INFINITY), get(2, "k", "a", 5, 6)])


def test_unknown_put_never_observed_is_ok() -> None:
    assert_ok([put(1, "k", "a", 0, INFINITY), get(2, "k", None, 5, 6), get(2, "k", None, 7, 8)])


def test_unknown_put_cannot_apply_before_its_call() -> None:
    assert_illegal([get(2, "k", "a", 0, 1), put(1, "k", "a", 2, INFINITY)])


def test_unknown_put_observed_then_unobserved_is_illegal() -> None:
    # Once seen, an applied write cannot be un-applied by its unknown outcome.
    assert_illegal(
        [
            put(1, "k", "a", 0, 1),
            put(1, "k", "b", 2, INFINITY),
            get(2, "k", "b", 5, 6),
            get(2, "k", "a", 7, 8),
        ]
    )


def test_unknown_put_may_apply_late() -> None:
    # It applies after other writes completed and after reads that did not see it.
    assert_ok(
        [
            put(1, "k", "a", 0, INFINITY),
            put(2, "k", "b", 1, 2),
            get(3, "k", "b", 3, 4),
            get(3, "k", "a", 10, 11),
        ]
    )


def test_unknown_delete_and_get() -> None:
    base = [put(1, "k", "a", 0, 1), delete(2, "k", 2, INFINITY)]
    assert_ok([*base, get(3, "k", "a", 5, 6)])
    assert_ok([*base, get(3, "k", None, 5, 6)])
    # An unknown-outcome read constrains nothing, even with an impossible value.
    assert_ok([*base, get(3, "k", "never", 5, INFINITY)])


# --- delete and cas ---------------------------------------------------------------------------


def test_delete_existed_flag_is_checked() -> None:
    assert_ok([put(1, "k", "a", 0, 1), delete(1, "k", 2, 3, ok=True)])
    assert_illegal([put(1, "k", "a", 0, 1), delete(1, "k", 2, 3, ok=False)])
    assert_illegal([delete(1, "k", 0, 1, ok=True)])


def test_cas_semantics() -> None:
    assert_ok([cas(1, "k", None, "a", True, 0, 1), cas(2, "k", "a", "b", True, 2, 3)])
    assert_ok([put(1, "k", "a", 0, 1), cas(2, "k", "x", "b", False, 2, 3), get(1, "k", "a", 4, 5)])
    assert_illegal([put(1, "k", "a", 0, 1), cas(2, "k", "a", "b", False, 2, 3)])
    assert_illegal([put(1, "k", "a", 0, 1), cas(2, "k", "x", "b", True, 2, 3)])


def test_concurrent_cas_only_one_wins() -> None:
    both = [cas(1, "k", None, "a", True, 0, 5), cas(2, "k", None, "b", True, 0, 5)]
    assert_illegal(both)
    one = [cas(1, "k", None, "a", True, 0, 5), cas(2, "k", None, "b", False, 0, 5)]
    assert_ok([*one, get(3, "k", "a", 6, 7)])
    assert_illegal([*one, get(3, "k", "b", 6, 7)])


def test_unknown_cas_applies_only_if_it_matches() -> None:
    assert_ok(
        [put(1, "k", "a", 0, 1), cas(2, "k", "a", "b", None, 2, INFINITY), get(3, "k", "b", 5, 6)]
    )
    assert_illegal(
        [put(1, "k", "a", 0, 1), cas(2, "k", "x", "b", None, 2, INFINITY), get(3, "k", "b", 5, 6)]
    )


# --- partitioning, explanation, determinism, budget -----------------------------------------


def test_partitions_are_checked_per_key_and_first_bad_key_is_reported() -> None:
    history = [
        put(1, "a", "1", 0, 1),
        get(2, "a", "1", 2, 3),
        put(1, "b", "1", 0, 1),
        get(2, "b", "2", 2, 3),  # bad
        put(1, "c", "1", 0, 1),
        get(2, "c", "9", 2, 3),  # also bad, but "b" sorts first
    ]
    result = check(history)
    assert result.outcome is Outcome.ILLEGAL
    assert result.key == "b"
    assert history[3] in result.operations
    assert all(op.key == "b" for op in result.operations + result.linearized)
    assert list(partition_by_key(history)) == ["a", "b", "c"]


def test_values_on_other_keys_do_not_leak_across_partitions() -> None:
    # The read of "y" on key b would be explained by the write on key a in a non-partitioned
    # model; per key it is a read of a value never written.
    assert_illegal([put(1, "a", "y", 0, 1), get(2, "b", "y", 2, 3)], key="b")


def test_explanation_names_the_stuck_operations() -> None:
    history = [put(1, "k", "a", 0, 1), put(1, "k", "b", 2, 3), get(2, "k", "a", 4, 5)]
    result = check(history)
    assert result.linearized == (history[0], history[1])
    assert result.operations == (history[2],)
    assert "#2 client 2 get k -> 'a' [4, 5]" in result.explanation
    assert "the register holds 'b'" in result.explanation


def test_describe_renders_unknown_outcomes() -> None:
    text = describe(7, put(3, "k", "v", 1.5, INFINITY))
    assert text == "#7 client 3 put k='v' [1.5, ?) (outcome unknown)"


def test_same_history_same_answer() -> None:
    history = _random_history(random.Random(3), n_ops=120, n_keys=2)
    history[-1] = attrs.evolve(history[-1], kind=OpKind.GET, value=None, read="corrupt", ret=1e9)
    first, second = check(history), check(history)
    assert first == second
    assert first.outcome is Outcome.ILLEGAL


def test_verdict_does_not_depend_on_input_order() -> None:
    rng = random.Random(5)
    history = _random_history(rng, n_ops=200, n_keys=2)
    broken = list(history)
    victim = next(i for i, op in enumerate(history) if op.kind is OpKind.GET)
    broken[victim] = attrs.evolve(history[victim], read="never-written")
    for candidate, outcome in ((history, Outcome.OK), (broken, Outcome.ILLEGAL)):
        shuffled = list(candidate)
        rng.shuffle(shuffled)
        assert check(candidate).outcome is outcome
        assert check(shuffled).outcome is outcome
        assert check(list(reversed(candidate))).outcome is outcome


def _pathological(n_writes: int) -> list[Operation]:
    # Many mutually concurrent writes and a later read of a value nobody wrote: illegal, but
    # proving it means trying every subset of the writes as "already applied".
    history = [put(i, "k", f"v{i}", 0, 100) for i in range(n_writes)]
    history.append(get(99, "k", "nobody", 101, 102))
    return history


def test_step_budget_yields_unknown_instead_of_hanging() -> None:
    result = check(_pathological(18), max_steps=20_000)
    assert result.outcome is Outcome.UNKNOWN
    assert result.key == "k"
    assert not result.ok
    assert "budget exhausted" in result.explanation
    # A small instance of the same shape is decided within the default budget.
    assert check(_pathological(6)).outcome is Outcome.ILLEGAL


def test_timeout_yields_unknown() -> None:
    assert check(_pathological(18), max_steps=None, timeout=0.0).outcome is Outcome.UNKNOWN


def test_illegal_key_wins_over_unknown_key() -> None:
    history = [attrs.evolve(op, key="a") for op in _pathological(18)]
    history += [put(1, "b", "x", 0, 1), get(2, "b", "y", 2, 3)]
    result = check(history, max_steps=20_000)
    assert result.outcome is Outcome.ILLEGAL
    assert result.key == "b"


def test_many_crashed_writes_do_not_explode() -> None:
    # 40 concurrent unknown-outcome writes: 2^40 subsets could have applied. Interchangeable
    # ones (same unobserved effect) are applied in call order only, so this stays cheap.
    crashed = [put(i, "k", f"v{i}", 0, INFINITY) for i in range(40)]
    assert check([*crashed, get(99, "k", "nobody", 1, 2)], max_steps=10_000).outcome is (
        Outcome.ILLEGAL
    )
    result = check([*crashed, get(99, "k", "v7", 1, 2), get(99, "k", None, 3, 4)])
    assert result.outcome is Outcome.ILLEGAL  # once seen, v7 stays until someone overwrites it
    assert check([*crashed, get(99, "k", "v7", 1, 2), get(99, "k", "v3", 3, 4)]).ok


def test_chain_of_crashed_cas() -> None:
    base = [
        put(1, "k", "a", 0, 1),
        cas(2, "k", "a", "b", None, 2, INFINITY),
        cas(3, "k", "b", "c", None, 3, INFINITY),
    ]
    assert_ok([*base, get(4, "k", "c", 5, 6)])
    assert_ok([*base, get(4, "k", "b", 5, 6), get(4, "k", "c", 7, 8)])
    assert_illegal([*base, get(4, "k", "c", 5, 6), get(4, "k", "b", 7, 8)])
    # The second cas was called only after the read returned: it cannot explain "c".
    late = [*base[:2], cas(3, "k", "b", "c", None, 7, INFINITY), get(4, "k", "c", 5, 6)]
    assert_illegal(late)


def test_validation() -> None:
    with pytest.raises(ValueError, match="precedes"):
        put(1, "k", "a", 5, 4)
    with pytest.raises(ValueError, match="ok="):
        cas(1, "k", None, "a", None, 0, 1)
    with pytest.raises(ValueError, match="needs a value"):
        Operation(client=1, kind="put", key="k", call=0, ret=1)
    with pytest.raises(ValueError, match="NaN"):
        get(1, "k", None, float("nan"), 1)
    with pytest.raises(ValueError, match="finite"):
        get(1, "k", None, INFINITY, INFINITY)


def test_register_step_unknown_put_only_offers_the_applied_transition() -> None:
    assert register_step("a", put(1, "k", "b", 0, INFINITY)) == (True, "b")
    assert register_step("a", get(1, "k", "b", 0, 1)) == (False, "a")


# --- randomized histories from a correct sequential simulation ----------------------------------


def _random_history(
    rng: random.Random, n_ops: int, n_keys: int, n_clients: int = 5, p_unknown: float = 0.05
) -> list[Operation]:
    """Simulate a correct store: each operation takes effect at a random instant inside its
    interval, effects are applied in instant order, and clients overlap freely.

    Unknown-outcome operations get ``ret=INFINITY`` and take effect or not at random. Values
    are unique so that corrupted reads are provably illegal.
    """
    keys = [f"k{i}" for i in range(n_keys)]
    planned = []  # (effect time, seq, kind, key, value, call, ret, applies, client)
    clock = [rng.uniform(0, 2) for _ in range(n_clients)]
    for seq in range(n_ops):
        client = seq % n_clients
        call = clock[client]
        effect = call + rng.uniform(0.01, 3)
        ret = effect + rng.uniform(0.01, 3)
        clock[client] = ret + rng.uniform(0, 1)
        unknown = rng.random() < p_unknown
        kind = rng.choice(["put", "put", "get", "get", "get", "delete", "cas"])
        if unknown and kind == "get":
            kind = "put"
        key = rng.choice(keys)
        applies = not unknown or rng.random() < 0.5
        planned.append(
            (
                effect,
                seq,
                kind,
                key,
                f"v{seq}",
                call,
                INFINITY if unknown else ret,
                applies,
                client,
            )
        )
    planned.sort()
    store: dict[str, str] = {}
    last_written: dict[str, str | None] = {}
    out: list[tuple[int, Operation]] = []
    for _effect, seq, kind, key, value, call, ret, applies, client in planned:
        current = store.get(key)
        if kind == "get":
            op = get(client, key, current, call, ret)
        elif kind == "put":
            if applies:
                store[key] = value
            op = put(client, key, value, call, ret)
        elif kind == "delete":
            if applies:
                store.pop(key, None)
            op = delete(client, key, call, ret, ok=None if ret == INFINITY else current is not None)
        else:
            # Half the time compare against the value we believe is current, so swaps succeed.
            expected = current if rng.random() < 0.5 else last_written.get(key)
            matched = current == expected
            if applies and matched:
                store[key] = value
            op = cas(client, key, expected, value, None if ret == INFINITY else matched, call, ret)
        if kind in ("put", "cas"):
            last_written[key] = value
        out.append((seq, op))
    out.sort(key=lambda pair: pair[0])  # back to issue order: the checker must not rely on it
    return [op for _, op in out]


def _stale_read_mutation(history: list[Operation]) -> tuple[int, str] | None:
    """Find a read and a value it provably cannot return: the value of a completed put P that
    was overwritten by a completed put Q (P returned before Q was called), where Q returned
    before the read was called. Values are unique, so nothing can restore P's value."""
    puts = [(i, op) for i, op in enumerate(history) if op.kind is OpKind.PUT and not op.unknown]
    for r, read in enumerate(history):
        if read.kind is not OpKind.GET:
            continue
        for _, q in puts:
            if q.key != read.key or not q.ret < read.call:
                continue
            for _, p in puts:
                if p.key == read.key and p.ret < q.call and p.value != read.read:
                    return r, str(p.value)
    return None


SEEDS = range(12)
# ~6 clients on 2 keys, 10% of operations with unknown outcome: a few hundred ops per key.
RANDOM_SHAPE: dict[str, Any] = {"n_ops": 500, "n_keys": 2, "n_clients": 6, "p_unknown": 0.1}


@pytest.mark.parametrize("seed", SEEDS)
def test_random_correct_history_is_linearizable(seed: int) -> None:
    history = _random_history(random.Random(seed), **RANDOM_SHAPE)
    result = check(history)
    assert result.outcome is Outcome.OK, f"seed={seed}: {result.explanation}"


@pytest.mark.parametrize("seed", SEEDS)
def test_random_history_with_corrupted_read_is_illegal(seed: int) -> None:
    rng = random.Random(seed)
    history = _random_history(rng, **RANDOM_SHAPE)
    reads = [i for i, op in enumerate(history) if op.kind is OpKind.GET]
    assert reads, f"seed={seed}: generator produced no reads"

    never_written = list(history)
    victim = rng.choice(reads)
    never_written[victim] = attrs.evolve(history[victim], read="never-written")
    result = check(never_written)
    assert result.outcome is Outcome.ILLEGAL, f"seed={seed} victim=#{victim}"
    assert result.key == history[victim].key, f"seed={seed}"

    mutation = _stale_read_mutation(history)
    assert mutation is not None, f"seed={seed}: no stale-read candidate"
    index, stale = mutation
    stale_history = list(history)
    stale_history[index] = attrs.evolve(history[index], read=stale)
    result = check(stale_history)
    assert result.outcome is Outcome.ILLEGAL, f"seed={seed} read=#{index} stale={stale!r}"
    assert result.key == history[index].key, f"seed={seed}"


# --- cross-check against brute force on tiny histories ------------------------------------------


def _brute_force(history: list[Operation]) -> bool:
    """Try every order (and every subset of unknown-outcome ops) respecting real time.

    Only exact-repeat memoization, none of the checker's pruning: an independent oracle.
    """
    definite = frozenset(i for i, op in enumerate(history) if not op.unknown)
    failed: set[tuple[frozenset[int], object]] = set()

    def extend(state: object, placed: frozenset[int]) -> bool:
        if definite <= placed:
            return True
        if (placed, state) in failed:
            return False
        for x, op in enumerate(history):
            if x in placed or (op.unknown and op.kind is OpKind.GET):
                continue
            # x may go next only if no unplaced op had to precede it (returned before its call).
            if any(y not in placed and other.ret < op.call for y, other in enumerate(history)):
                continue
            legal, new_state = register_step(state, op)  # type: ignore[arg-type]
            if legal and extend(new_state, placed | {x}):
                return True
        failed.add((placed, state))
        return False

    return extend(None, frozenset())


def _tiny_history(rng: random.Random, n_values: int) -> list[Operation]:
    """Small, dense, adversarial: repeated values, equal timestamps, crashes, cas, deletes."""
    values = ["a", "b", "c"][:n_values]
    history = []
    for client in range(rng.randint(1, 9)):
        call = rng.randint(0, 12)
        ret = INFINITY if rng.random() < 0.35 else call + rng.randint(0, 5)
        kind = rng.choice(["put", "put", "get", "get", "get", "delete", "cas"])
        if kind == "put":
            history.append(put(client, "k", rng.choice(values), call, ret))
        elif kind == "get":
            history.append(get(client, "k", rng.choice([None, *values]), call, ret))
        elif kind == "delete":
            history.append(delete(client, "k", call, ret, ok=rng.choice([None, True, False])))
        else:
            ok = rng.choice([True, False])
            expected = rng.choice([None, *values])
            history.append(cas(client, "k", expected, rng.choice(values), ok, call, ret))
    return history


# Seeds include ones known to expose subtle pruning bugs (e.g. the failed-configuration
# subsumption taken in the wrong direction fails at cases 156, 730 and 270 respectively).
@pytest.mark.parametrize(("n_values", "seed"), [(2, 21), (2, 7), (3, 5)])
def test_agrees_with_brute_force_on_tiny_histories(n_values: int, seed: int) -> None:
    rng = random.Random(seed)
    verdicts = {True: 0, False: 0}
    for case in range(1200):
        history = _tiny_history(rng, n_values)
        expected = _brute_force(history)
        result = check(history)
        assert result.outcome is not Outcome.UNKNOWN, f"seed={seed} case={case}"
        assert result.ok == expected, f"seed={seed} case={case} brute={expected} {history}"
        verdicts[expected] += 1
    assert min(verdicts.values()) > 300, verdicts  # both verdicts are well exercised
