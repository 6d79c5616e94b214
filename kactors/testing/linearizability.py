"""Linearizability checker for key-value histories, in the style of porcupine.

Why this exists: the randomized Raft/store fault-simulation tests record what every client
*observed* (call time, return time, result) while leaders crash and partitions heal. Checking
each result against "what the store must have said" is hopeless under faults, because many
interleavings are legal. Linearizability is the right oracle: the history is correct iff every
operation can be given a single instant between its call and its return such that executing the
operations one at a time in that order, against a plain sequential register, yields exactly the
results the clients saw.

The algorithm is the Wing & Gong search with Lowe's memoization, as implemented by porcupine
(github.com/anishathalye/porcupine, ``checker.go``):

* the history becomes a doubly linked list of call/return entries sorted by time;
* the search walks the list: a *call* entry is a candidate to linearize next; it is tried
  against the model and, if legal and the pair (set of linearized operations, model state) was
  never seen before, both its entries are unlinked ("lifted") and the walk restarts at the head;
* reaching a *return* entry means that operation had to be linearized already, so the search
  backtracks to the most recent choice;
* the ``(bitset, state)`` cache is Lowe's improvement: two partial linearizations with the same
  set of operations and the same resulting state have the same future, so only one is explored.

On top of that, :func:`_search` prunes branches that are provably equivalent or dominated
(reads that can be placed greedily, unknown-outcome writes nobody could observe, interchangeable
crashed writes, subsumption of failed configurations); each rule is argued in its docstring, and
a brute-force cross-check in the tests guards them.

A key-value store is *P-compositional*: the history is linearizable iff the sub-history of every
key is (Herlihy & Wing's locality). The checker therefore partitions by key and searches each
small partition separately, which turns an exponential search over the whole history into many
small ones.

Recording rules for callers (the test harness):

* Record an operation only if it *may* have taken effect. An operation that failed before it was
  proposed (no leader, request rejected by validation, client-side timeout before sending) is
  known not to have happened and must simply not be recorded: recording it with an "error"
  output would force the checker to find it a place in the order.
* An operation whose outcome the client cannot know (the leader was lost after the proposal was
  sent, the connection broke before the reply) is recorded with ``ret=INFINITY``. The checker
  lets it take effect at any instant after its call, or not at all. Its output fields are
  ignored; an unknown-outcome ``get`` constrains nothing and is dropped.
* Times only need to be comparable and consistent across clients (a simulated clock is ideal).
  Two operations whose return and call carry the *same* timestamp are treated as concurrent
  (porcupine orders calls before returns on ties), which is the conservative choice: it can
  only accept more histories, never reject a correct one.

Determinism: the search explores candidates in a fixed order (time, then call-before-return,
then position in the input), partitions are checked in sorted key order, and the step budget is
counted in loop iterations, so the same history always yields the same result and the same
explanation. Only the optional wall-clock ``timeout`` is non-deterministic, and it can only turn
an answer into ``unknown``.
"""

from __future__ import annotations

import enum
import math
import time
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence

import attrs

INFINITY: float = math.inf
"""Return time of an operation whose outcome is unknown (it may or may not have applied)."""

DEFAULT_MAX_STEPS: int = 1_000_000
"""Default search budget per key partition: about 0.5 to 3 seconds of CPU in CPython."""

_TIMEOUT_CHECK_MASK = 0xFFF  # look at the clock every 4096 steps: time.monotonic() is not free.
_MAX_LISTED = 8  # operations spelled out in an explanation before eliding the rest.


class OpKind(enum.StrEnum):
    """Operations understood by the register model."""

    PUT = "put"
    GET = "get"
    DELETE = "delete"
    CAS = "cas"


class Outcome(enum.StrEnum):
    """Tri-state verdict: a search that ran out of budget must not be mistaken for success."""

    OK = "ok"
    ILLEGAL = "illegal"
    UNKNOWN = "unknown"


def _check_time(instance: Operation, attribute: attrs.Attribute[float], value: float) -> None:
    # Reject NaN early: it compares false with everything and would silently break the sort.
    if math.isnan(value):
        raise ValueError(f"{attribute.name} must not be NaN")


@attrs.frozen
class Operation:
    """One client operation on one key, as observed by the client.

    Field use per kind (``None`` as a value always means "key absent"):

    * ``put``: ``value`` is written. Always succeeds if it completed.
    * ``get``: ``read`` is the value observed (``None``: key was absent).
    * ``delete``: removes the key. ``ok``, if reported, says whether the key existed
      (etcd's ``deleted > 0``); leave it ``None`` when the client did not look.
    * ``cas``: writes ``value`` iff the current value equals ``expected`` (``expected=None``
      means "only if absent", i.e. create). ``ok`` is whether the swap happened. This is a
      compare on the *value*, not on ``mod_revision``: revisions are a store-wide counter, so a
      revision compare cannot be checked one key at a time without recording the revision every
      write received, and an unknown-outcome write would leave it undetermined. Tests that want
      a revision-style guard should write unique values and compare on those.

    ``ret == INFINITY`` marks an unknown outcome; then ``read`` and ``ok`` are ignored.
    """

    client: int
    kind: OpKind = attrs.field(converter=OpKind)
    key: str
    call: float = attrs.field(validator=_check_time)
    ret: float = attrs.field(validator=_check_time)
    value: Hashable | None = None
    expected: Hashable | None = None
    read: Hashable | None = None
    ok: bool | None = None

    def __attrs_post_init__(self) -> None:
        if math.isinf(self.call):
            raise ValueError(f"call time must be finite, got {self.call}")
        if self.ret < self.call:
            raise ValueError(f"return time {self.ret} precedes call time {self.call}")
        if self.ret == -math.inf:
            raise ValueError("return time must be finite or +INFINITY")
        if self.kind in (OpKind.PUT, OpKind.CAS) and self.value is None:
            raise ValueError(f"{self.kind} needs a value (None means absent; use delete)")
        if self.kind is OpKind.CAS and not self.unknown and self.ok is None:
            raise ValueError("a completed cas must report ok=True/False")

    @property
    def unknown(self) -> bool:
        """True when the client cannot know whether the operation took effect."""
        return self.ret == INFINITY

    @classmethod
    def put(cls, client: int, key: str, value: Hashable, call: float, ret: float) -> Operation:
        """A write of ``value``; pass ``ret=INFINITY`` if the outcome is unknown."""
        return cls(client=client, kind=OpKind.PUT, key=key, call=call, ret=ret, value=value)

    @classmethod
    def get(
        cls, client: int, key: str, read: Hashable | None, call: float, ret: float
    ) -> Operation:
        """A read that observed ``read`` (``None``: the key was absent)."""
        return cls(client=client, kind=OpKind.GET, key=key, call=call, ret=ret, read=read)

    @classmethod
    def delete(
        cls, client: int, key: str, call: float, ret: float, ok: bool | None = None
    ) -> Operation:
        """A delete; ``ok`` optionally reports whether the key existed."""
        return cls(client=client, kind=OpKind.DELETE, key=key, call=call, ret=ret, ok=ok)

    @classmethod
    def cas(
        cls,
        client: int,
        key: str,
        expected: Hashable | None,
        value: Hashable,
        ok: bool | None,
        call: float,
        ret: float,
    ) -> Operation:
        """Compare-and-swap on the value: write ``value`` iff current value == ``expected``."""
        return cls(
            client=client,
            kind=OpKind.CAS,
            key=key,
            call=call,
            ret=ret,
            value=value,
            expected=expected,
            ok=ok,
        )


def register_step(state: Hashable | None, op: Operation) -> tuple[bool, Hashable | None]:
    """Apply ``op`` to a single-key register holding ``state`` (``None``: absent).

    Returns ``(legal, new_state)``: whether the result the client observed is what a sequential
    register would have produced, and the register afterwards.

    For an unknown-outcome operation only the "it took effect" transition is returned, and it is
    always legal when the effect is possible. "It never took effect" needs no transition: such an
    operation is simply left unlinearized, which is equivalent to linearizing it after every
    other operation, where it can no longer influence anything anybody observed.
    """
    kind = op.kind
    if op.unknown:
        if kind is OpKind.PUT:
            return True, op.value
        if kind is OpKind.DELETE:
            return True, None
        if kind is OpKind.CAS:
            # A cas that did not match is a no-op, i.e. the "never took effect" case.
            return (True, op.value) if state == op.expected else (False, state)
        return True, state  # unknown get: observes nothing
    if kind is OpKind.GET:
        return op.read == state, state
    if kind is OpKind.PUT:
        return True, op.value
    if kind is OpKind.DELETE:
        return (op.ok is None or op.ok == (state is not None)), None
    # CAS with a known result.
    if op.ok:
        return (True, op.value) if state == op.expected else (False, state)
    return state != op.expected, state


@attrs.frozen
class CheckResult:
    """Verdict of :func:`check`.

    ``key`` names the first (in sorted order) key whose sub-history is illegal, or, if none is,
    the first key whose search ran out of budget. ``operations`` are the operations involved in
    the violation: those that could have gone next when the search got stuck furthest.
    ``linearized`` is that longest legal prefix for the key, in linearization order.
    """

    outcome: Outcome
    key: str | None = None
    explanation: str = ""
    operations: tuple[Operation, ...] = ()
    linearized: tuple[Operation, ...] = ()
    steps: int = 0

    @property
    def ok(self) -> bool:
        """True only for a proven-linearizable history (``unknown`` is not ok)."""
        return self.outcome is Outcome.OK


def partition_by_key(history: Iterable[Operation]) -> dict[str, list[tuple[int, Operation]]]:
    """Split a history into per-key sub-histories, keeping each operation's input position.

    Keys come out sorted so that partitions are always checked in the same order; positions are
    kept so explanations can point back at the caller's list.
    """
    parts: dict[str, list[tuple[int, Operation]]] = {}
    for index, op in enumerate(history):
        parts.setdefault(op.key, []).append((index, op))
    return {key: parts[key] for key in sorted(parts)}


def describe(index: int, op: Operation) -> str:
    """One-line human rendering of an operation, used in explanations."""
    span = f"[{op.call:g}, ?)" if op.unknown else f"[{op.call:g}, {op.ret:g}]"
    if op.kind is OpKind.PUT:
        body = f"put {op.key}={op.value!r}"
    elif op.kind is OpKind.GET:
        body = f"get {op.key} -> {_show(op.read)}"
    elif op.kind is OpKind.DELETE:
        body = f"delete {op.key}" + ("" if op.ok is None else f" -> existed={op.ok}")
    else:
        body = f"cas {op.key} {_show(op.expected)}->{op.value!r}"
        if not op.unknown:
            body += f" -> ok={op.ok}"
    suffix = " (outcome unknown)" if op.unknown else ""
    return f"#{index} client {op.client} {body} {span}{suffix}"


def _show(value: Hashable | None) -> str:
    return "<absent>" if value is None else repr(value)


@attrs.define
class _Stuck:
    """Where the search got furthest before having to give up (for explanations)."""

    prefix: tuple[int, ...]
    state: Hashable | None
    blocking: int
    candidates: tuple[int, ...]


class _Canonical(enum.Enum):
    """Stand-in for every value that no operation of the partition ever compares against."""

    UNOBSERVED = "unobserved"


@attrs.frozen
class _PartitionResult:
    outcome: Outcome
    steps: int
    best_step: int = 0  # step at which the search first hit its deepest dead end
    stuck: _Stuck | None = None


_READ, _WRITE, _CRASHED, _DEAD = 0, 1, 2, 3  # phases of the search loop, see _search


def _by_call(ops: Sequence[Operation]) -> Callable[[int], tuple[float, int]]:
    """Sort key putting operation indices in call order (ties by index, for determinism)."""
    return lambda i: (ops[i].call, i)


@attrs.frozen
class _Wanted:
    """States from which some completed candidate can proceed, at one dead end."""

    values: frozenset[Hashable | None]  # exact states some reader accepts
    differs: frozenset[Hashable | None]  # a failed cas accepts any state but its expected one
    exists: bool  # a delete that found the key accepts any present value


def _wanted_states(
    ops: Sequence[Operation], head: int, nxt: Sequence[int], blocked_at: int
) -> _Wanted:
    """Collect what the completed candidates at a dead end (calls before ``blocked_at``) read."""
    values: set[Hashable | None] = set()
    differs: set[Hashable | None] = set()
    exists = False
    node = nxt[head]
    while node != blocked_at:
        if not node & 1:
            op = ops[node >> 1]
            if op.kind is OpKind.GET:
                values.add(op.read)
            elif op.kind is OpKind.CAS:
                (values if op.ok else differs).add(op.expected)
            elif op.kind is OpKind.DELETE:
                if op.ok:
                    exists = True
                elif op.ok is False:
                    values.add(None)
        node = nxt[node]
    return _Wanted(frozenset(values), frozenset(differs), exists)


class _CrashedPool:
    """Bookkeeping for the unknown-outcome operations of one partition.

    Operations with the same canonical effect (kind, expected, value, with unobserved values
    merged) form a class whose members are applied strictly in call order. Blind classes
    (put/delete) sit in a dancing-links list ordered by first call, so that exhausted classes
    cost nothing and a scan stops at the first class called too late; cas classes are indexed
    by the state they require, since only those matching the current state can apply.
    """

    def __init__(
        self, ops: Sequence[Operation], observed: set[Hashable | None], unobserved: Hashable
    ) -> None:
        self.ops = ops
        self.members: list[list[int]] = []
        self.class_of: dict[int, int] = {}
        index_of_effect: dict[tuple[Hashable | None, ...], int] = {}
        crashed = sorted((i for i, op in enumerate(ops) if op.unknown), key=_by_call(ops))
        for u in crashed:
            op = ops[u]
            value = op.value if op.value in observed else unobserved
            c = index_of_effect.setdefault((op.kind.value, op.expected, value), len(self.members))
            if c == len(self.members):
                self.members.append([])
            self.members[c].append(u)
            self.class_of[u] = c
        n = len(self.members)
        self.applied = [0] * n
        self.result: list[Hashable | None] = []
        self.is_blind: list[bool] = []
        self.cas_by_expected: dict[Hashable | None, list[int]] = {}
        # Dancing links over blind classes; node n is the head sentinel.
        self.next = [-1] * (n + 1)
        self.prev = [-1] * (n + 1)
        last = n
        for c, m in enumerate(self.members):
            first = ops[m[0]]
            self.result.append(None if first.kind is OpKind.DELETE else first.value)
            self.is_blind.append(first.kind is not OpKind.CAS)
            if first.kind is OpKind.CAS:
                self.cas_by_expected.setdefault(first.expected, []).append(c)
            else:
                self.next[last] = c
                self.prev[c] = last
                last = c

    def __len__(self) -> int:
        return len(self.members)

    def options(
        self, state: Hashable | None, after_crash: bool, bound: float, wanted: _Wanted
    ) -> tuple[int, ...]:
        """Crashed operations worth trying at a dead end whose blocking return is at ``bound``:
        legal now, called in time, and leaving a state that something can go on from."""
        ops, members, applied = self.ops, self.members, self.applied
        out: list[int] = []
        for c in self.cas_by_expected.get(state, ()):
            if applied[c] < len(members[c]):
                u = members[c][applied[c]]
                if ops[u].call <= bound and self._useful(self.result[c], bound, wanted):
                    out.append(u)
        if not after_crash:  # a crashed blind write right after a crashed op is pointless
            c = self.next[len(members)]
            while c >= 0 and ops[members[c][0]].call <= bound:
                u = members[c][applied[c]]
                if ops[u].call <= bound and self._useful(self.result[c], bound, wanted):
                    out.append(u)
                c = self.next[c]
        return tuple(out)

    def _useful(self, result: Hashable | None, bound: float, wanted: _Wanted) -> bool:
        if result in wanted.values or (wanted.exists and result is not None):
            return True
        if any(result != expected for expected in wanted.differs):
            return True
        # A crashed cas expecting this result could go next (chains of crashed cas).
        for c in self.cas_by_expected.get(result, ()):
            if self.applied[c] < len(self.members[c]):
                if self.ops[self.members[c][self.applied[c]]].call <= bound:
                    return True
        return False

    def apply(self, u: int) -> None:
        """Record that ``u`` was linearized (it is always the next member of its class)."""
        c = self.class_of[u]
        self.applied[c] += 1
        if self.is_blind[c] and self.applied[c] == len(self.members[c]):
            self.next[self.prev[c]] = self.next[c]
            if self.next[c] != -1:
                self.prev[self.next[c]] = self.prev[c]

    def undo(self, u: int) -> None:
        """Reverse :meth:`apply`; calls must be in LIFO order, as backtracking guarantees."""
        c = self.class_of[u]
        if self.is_blind[c] and self.applied[c] == len(self.members[c]):
            self.next[self.prev[c]] = c
            if self.next[c] != -1:
                self.prev[self.next[c]] = c
        self.applied[c] -= 1


# (op, state before it, return node a crashed op was tried at or -1, forced,
#  crashed options at that dead end, index of the op among them,
#  and the (low, window, crashed_set) encoding of the configuration before it)
_Frame = tuple[int, Hashable | None, int, bool, tuple[int, ...], int, int, int, int]


def _search(
    ops: Sequence[Operation],
    initial: Hashable | None,
    max_steps: int | None,
    deadline: float | None,
    capture_at: int | None = None,
) -> _PartitionResult:
    """Wing & Gong / Lowe search over one key's operations (porcupine's ``checkSingle``).

    Completed operations live in the linked list of call/return entries: nodes ``2i`` and
    ``2i+1`` are the call and return of op ``i``, node ``2n`` is the head sentinel. The list is
    kept in parallel int arrays rather than node objects because attribute access dominates the
    inner loop in CPython. Candidates to linearize next are the calls before the first return.

    Unknown-outcome ("crashed") operations never *have* to be linearized (see
    :func:`register_step`), so they stay out of that list: the search ends once every completed
    operation is placed, and crashed operations are tried only at a dead end (a return entry
    reached), among those called before that return. Kept in the list, every crashed write
    would sit in every scan from the head forever and be applied eagerly at each step.

    Each configuration is explored in phases: ``_READ`` (state-preserving candidates: gets,
    failed cas, deletes that found nothing), ``_WRITE`` (the other completed candidates),
    ``_CRASHED`` (crashed operations), and ``_DEAD`` (backtrack). Pruning, each of which only
    drops branches equivalent to or dominated by one that is kept:

    * A legal state-preserving candidate can always go first: in any legal order it sees this
      same state wherever it sits, and moving it to the front changes nothing for the others.
      So it is taken without branching, and if it fails (or its successor configuration is
      already known to fail) the whole configuration fails. This is what keeps histories with
      many concurrent reads tractable.
    * Values that no read and no cas compares against are indistinguishable to the rest of the
      search, so the memo key maps them all to one token.
    * A crashed operation is only worth applying if the next operation observes the state: if
      a blind write (put, delete that reported nothing, or another crashed put/delete) came
      next, the same order without the crashed operation is legal too. So right after one,
      blind writes are not tried (the memo key records whether the last step was a crashed
      operation), and at a dead end only crashed operations whose result some candidate can
      read are tried. The candidates cannot change until something is placed, so this is
      decided once per dead end.
    * Crashed operations with the same canonical effect are applied in call order only
      (:class:`_CrashedPool`), which removes the 2^k subsets of k interchangeable crashed
      writes. Sound because if any j of them are applied by some instant, the j earliest-called
      ones had all been called by then.
    * Lowe's cache becomes a subsumption check. A configuration is (completed ops placed,
      canonical state, crashed ops applied, "last step was crashed"); it is recorded when the
      search backtracks out of it, i.e. once it is known to fail. A configuration with the same
      placed set and state but a superset of crashed ops applied (and no more freedom to write
      blind next) has a subset of its futures, so it fails too and is not explored. Recording
      on failure rather than on entry keeps this sound: nothing on the current path is ever
      used to prune its own descendants.

    ``capture_at`` replays a previous run up to the step recorded as ``best_step`` and returns
    the dead end found there; recording it on the fly would cost a copy of the stack at every
    new maximum depth, which is quadratic on long linearizable histories.

    Cost: time and memory are proportional to the configurations explored. Linearizable
    histories are usually found in a near-linear pass; proving a history illegal requires
    refuting every order of the operations before the violation, which is where many
    concurrent clients on one key or many unknown outcomes make the search blow up (hence the
    budget).
    """
    n = len(ops)
    head = 2 * n
    unknown = [1 if op.unknown else 0 for op in ops]
    order = sorted(
        (node for node in range(2 * n) if not unknown[node >> 1]),
        key=lambda node: (
            ops[node >> 1].ret if node & 1 else ops[node >> 1].call,
            node & 1,  # calls before returns on equal timestamps
            node >> 1,
        ),
    )
    nxt = [-1] * (2 * n + 1)
    prv = [-1] * (2 * n + 1)
    prev_node = head
    for node in order:
        nxt[prev_node] = node
        prv[node] = prev_node
        prev_node = node

    observed: set[Hashable | None] = {None}
    for op in ops:
        if op.kind is OpKind.GET:
            observed.add(op.read)
        elif op.kind is OpKind.CAS:
            observed.add(op.expected)
    unobserved = _Canonical.UNOBSERVED
    # The phase in which each completed op is tried: _READ for state-preserving ones.
    phase_of = [
        _READ
        if op.kind is OpKind.GET
        or (op.kind is OpKind.CAS and op.ok is False)
        or (op.kind is OpKind.DELETE and op.ok is False)
        else _WRITE
        for op in ops
    ]
    blind_write = [
        1 if op.kind is OpKind.PUT or (op.kind is OpKind.DELETE and op.ok is None) else 0
        for op in ops
    ]
    pool = _CrashedPool(ops, observed, unobserved)

    remaining = n - sum(unknown)
    state: Hashable | None = initial
    # The set of linearized completed operations is kept as ``low`` (all completed ops of rank
    # below it are placed) plus a bitset ``window`` of ranks from ``low`` on. Ranks follow call
    # order, so the window stays about as wide as the concurrency, and configuration keys stay
    # small ints instead of n-bit ones that would cost O(n) to hash and store at every step.
    rank = [0] * n
    for r, i in enumerate(sorted((i for i in range(n) if not unknown[i]), key=_by_call(ops))):
        rank[i] = r
    crash_bit = [0] * n
    for r, u in enumerate(sorted((i for i in range(n) if unknown[i]), key=_by_call(ops))):
        crash_bit[u] = 1 << r
    low = 0
    window = 0
    crashed_set = 0  # bitset (by crash_bit) of linearized crashed operations
    after_crash = False  # was the last linearized operation a crashed one?
    # Configurations known to fail: (low, window, canonical state) -> [(crashed_set, after)].
    failed: dict[tuple[int, int, Hashable | None], list[tuple[int, bool]]] = {}

    def doomed(key: tuple[int, int, Hashable | None], crashed_set: int, after_crash: bool) -> bool:
        # Fewer crashed operations applied, or freedom to write blind next, only adds options:
        # a failed configuration dooms every configuration it is a subset of in that sense.
        for other_crashed, other_after in failed.get(key, ()):
            if other_crashed & crashed_set == other_crashed and (after_crash or not other_after):
                return True
        return False

    stack: list[_Frame] = []
    best_depth = -1
    best_step = 0
    steps = 0
    phase = _READ
    entry = nxt[head]  # _READ/_WRITE: scan position in the list of completed operations
    blocked_at = -1  # _CRASHED/_DEAD: the return node that ended the scan (-1: none)
    options: tuple[int, ...] = ()  # _CRASHED: crashed operations to try at this dead end
    cursor = 0  # _CRASHED: index of the next one

    while remaining:
        steps += 1
        if max_steps is not None and steps > max_steps:
            return _PartitionResult(Outcome.UNKNOWN, steps, best_step)
        if deadline is not None and not steps & _TIMEOUT_CHECK_MASK and time.monotonic() > deadline:
            return _PartitionResult(Outcome.UNKNOWN, steps, best_step)

        if phase <= _WRITE:
            if entry & 1:  # a return: this phase's candidates are exhausted
                if phase == _READ:
                    phase = _WRITE
                    entry = nxt[head]
                    continue
                blocked_at = entry
                phase = _CRASHED
                cursor = 0
                options = ()
                if len(pool):
                    wanted = _wanted_states(ops, head, nxt, blocked_at)
                    options = pool.options(state, after_crash, ops[entry >> 1].ret, wanted)
                continue
            i = entry >> 1
            if phase_of[i] != phase or (after_crash and blind_write[i]):
                entry = nxt[entry]
                continue
            legal, new_state = register_step(state, ops[i])
            if not legal:
                entry = nxt[entry]
                continue
            new_low = low
            new_window = window | (1 << (rank[i] - low))
            while new_window & 1:
                new_window >>= 1
                new_low += 1
            canon = new_state if new_state in observed else unobserved
            if doomed((new_low, new_window, canon), crashed_set, False):
                if phase == _READ:  # the forced successor is known to fail, so does this
                    blocked_at = -1
                    phase = _DEAD
                else:
                    entry = nxt[entry]
                continue
            stack.append((i, state, -1, phase == _READ, (), 0, low, window, crashed_set))
            state = new_state
            low = new_low
            window = new_window
            after_crash = False
            remaining -= 1
            # Lift: unlink the call and its return. A call is never last (its return follows),
            # and the head sentinel guarantees a predecessor.
            ret_node = entry + 1
            nxt[prv[entry]] = nxt[entry]
            prv[nxt[entry]] = prv[entry]
            nxt[prv[ret_node]] = nxt[ret_node]
            if nxt[ret_node] != -1:
                prv[nxt[ret_node]] = prv[ret_node]
            phase = _READ
            entry = nxt[head]
            continue

        if phase == _CRASHED:
            if cursor >= len(options):
                phase = _DEAD
                continue
            u = options[cursor]
            cursor += 1
            legal, new_state = register_step(state, ops[u])
            if not legal:
                continue
            new_crashed = crashed_set | crash_bit[u]
            canon = new_state if new_state in observed else unobserved
            if doomed((low, window, canon), new_crashed, True):
                continue
            stack.append(
                (u, state, blocked_at, False, options, cursor - 1, low, window, crashed_set)
            )
            state = new_state
            crashed_set = new_crashed
            after_crash = True
            pool.apply(u)
            phase = _READ
            entry = nxt[head]
            continue

        # _DEAD: nothing can go next here. With blocked_at set this is a real dead end (that
        # operation must already be placed); otherwise a forced choice below it failed.
        if blocked_at >= 0:
            if steps == capture_at:
                stuck = _dead_end(ops, stack, state, head, nxt, blocked_at)
                return _PartitionResult(Outcome.ILLEGAL, steps, steps, stuck)
            if len(stack) > best_depth:
                best_depth = len(stack)
                best_step = steps
        if not stack:
            return _PartitionResult(Outcome.ILLEGAL, steps, best_step)
        canon = state if state in observed else unobserved
        failed.setdefault((low, window, canon), []).append((crashed_set, after_crash))
        i, state, blocked_at, forced, options, cursor, low, window, crashed_set = stack.pop()
        after_crash = bool(stack) and bool(unknown[stack[-1][0]])
        if unknown[i]:
            pool.undo(i)
            phase = _CRASHED
            cursor += 1  # resume after the undone choice
            continue
        remaining += 1
        # Unlift: relink the return, then the call (reverse order of lifting).
        call_node = 2 * i
        ret_node = call_node + 1
        nxt[prv[ret_node]] = ret_node
        if nxt[ret_node] != -1:
            prv[nxt[ret_node]] = ret_node
        nxt[prv[call_node]] = call_node
        prv[nxt[call_node]] = call_node
        if forced:
            phase = _DEAD  # no alternatives to a forced choice: keep backtracking
        else:
            phase = _WRITE
            entry = nxt[call_node]  # resume the scan after the undone choice

    return _PartitionResult(Outcome.OK, steps, best_step)


def _dead_end(
    ops: Sequence[Operation],
    stack: Sequence[_Frame],
    state: Hashable | None,
    head: int,
    nxt: Sequence[int],
    blocked_at: int,
) -> _Stuck:
    """Snapshot a dead end: the prefix so far and every operation that could have gone next."""
    candidates = []
    node = nxt[head]
    while node != blocked_at:
        if not node & 1:
            candidates.append(node >> 1)
        node = nxt[node]
    placed = {entry[0] for entry in stack}
    bound = ops[blocked_at >> 1].ret
    candidates.extend(
        i
        for i, op in enumerate(ops)
        if op.unknown and i not in placed and op.call <= bound  # crashed ones still pending
    )
    return _Stuck(
        prefix=tuple(entry[0] for entry in stack),
        state=state,
        blocking=blocked_at >> 1,
        candidates=tuple(candidates),
    )


def _explain(
    key: str,
    indexed: Sequence[tuple[int, Operation]],
    initial: Hashable | None,
    stuck: _Stuck,
) -> tuple[str, tuple[Operation, ...], tuple[Operation, ...]]:
    def show(local: int) -> str:
        return describe(*indexed[local])

    n_definite = sum(1 for _, op in indexed if not op.unknown)
    n_placed = sum(1 for p in stuck.prefix if not indexed[p][1].unknown)
    blocking_op = indexed[stuck.blocking][1]
    if stuck.prefix:
        after = f"after {show(stuck.prefix[-1])}"
    else:
        after = f"from the initial state {_show(initial)}"
    listed = [show(c) for c in stuck.candidates[:_MAX_LISTED]]
    if len(stuck.candidates) > _MAX_LISTED:
        listed.append(f"... and {len(stuck.candidates) - _MAX_LISTED} more")
    text = (
        f"key {key!r} is not linearizable: the longest legal order found places "
        f"{n_placed} of its {n_definite} completed operations. "
        f"Furthest point: {after}, the register holds {_show(stuck.state)}; "
        f"{show(stuck.blocking)} must take effect before it returns at {blocking_op.ret:g}, "
        f"but none of the operations that may go next leads anywhere: " + "; ".join(listed)
    )
    operations = tuple(indexed[c][1] for c in stuck.candidates)
    prefix = tuple(indexed[p][1] for p in stuck.prefix)
    return text, operations, prefix


def check(
    history: Iterable[Operation],
    *,
    initial: Mapping[str, Hashable] | None = None,
    max_steps: int | None = DEFAULT_MAX_STEPS,
    timeout: float | None = None,
) -> CheckResult:
    """Decide whether ``history`` is linearizable with respect to a per-key register.

    ``initial`` gives values of keys that existed before the history started (others start
    absent). ``max_steps`` bounds the search per key (deterministic); ``timeout`` bounds the
    whole call in wall-clock seconds (non-deterministic, off by default). When a budget runs
    out the answer is ``unknown`` rather than a guess, but every key is still examined so that
    an illegal key elsewhere is reported as ``illegal``.
    """
    initial = initial or {}
    deadline = None if timeout is None else time.monotonic() + timeout
    total_steps = 0
    unknown: CheckResult | None = None
    for key, indexed in partition_by_key(history).items():
        # Unknown-outcome reads observed nothing; dropping them shrinks the search.
        indexed = [(i, op) for i, op in indexed if not (op.unknown and op.kind is OpKind.GET)]
        ops = [op for _, op in indexed]
        start = initial.get(key)
        result = _search(ops, start, max_steps, deadline)
        total_steps += result.steps
        if result.outcome is Outcome.ILLEGAL:
            # Replay deterministically to the deepest dead end to explain it (no deadline: the
            # first run already got there within budget).
            replay = _search(ops, start, None, None, capture_at=result.best_step)
            assert replay.stuck is not None, "replay must reach the recorded dead end"
            text, involved, prefix = _explain(key, indexed, start, replay.stuck)
            return CheckResult(Outcome.ILLEGAL, key, text, involved, prefix, total_steps)
        if result.outcome is Outcome.UNKNOWN and unknown is None:
            unknown = CheckResult(
                Outcome.UNKNOWN,
                key,
                f"key {key!r}: search budget exhausted after {result.steps} steps over "
                f"{len(ops)} operations; linearizability undecided",
            )
    if unknown is not None:
        return attrs.evolve(unknown, steps=total_steps)
    return CheckResult(Outcome.OK, steps=total_steps)
