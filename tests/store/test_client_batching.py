"""Request coalescing: concurrent requests of one client travel as one `StoreBatch`."""

from __future__ import annotations

from typing import Any

import pytest
import trio

from kactors.actors import Delay, LinkFaults
from kactors.store import OutcomeUnknown, Range, StoreRequest, Unavailable
from kactors.store.local import LocalStore
from kactors.store.protocol import StoreBatch

from .test_client import local_client, new_system


async def puts(client: Any, n: int, prefix: str = "/k") -> list[Any]:
    results: list[Any] = [None] * n

    async def one(i: int) -> None:
        results[i] = await client.put(f"{prefix}{i}", i)

    async with trio.open_nursery() as nursery:
        for i in range(n):
            nursery.start_soon(one, i)
    return results


async def test_concurrent_requests_share_one_message(autojump_clock: Any) -> None:
    async with new_system() as system:
        client, _ = await local_client(system)
        stats = system.network.stats
        before = stats.sent
        results = await puts(client, 50)
        assert stats.sent - before == 2  # one batch there, one reply back
        assert sorted(r.revision for r in results) == list(range(2, 52))
        client.coalesce = False
        before = stats.sent
        await puts(client, 10, "/one-by-one")
        assert stats.sent - before == 20


async def test_sequential_requests_are_not_delayed(autojump_clock: Any) -> None:
    async with new_system() as system:
        client, _ = await local_client(system)
        system.network.set_default(LinkFaults(delay=Delay.constant(0.01)))
        start = trio.current_time()
        for i in range(5):
            await client.put("/a", i)
        assert trio.current_time() - start == pytest.approx(5 * 0.02)


async def test_a_lost_batch_makes_its_writes_unknown_and_retries_its_reads(
        autojump_clock: Any) -> None:
    async with new_system() as system:
        client, _ = await local_client(system, timeout=1.0)
        await client.put("/a", 1)
        system.network.set_link("store", "client", LinkFaults(drop=1.0), symmetric=False)
        outcomes: dict[str, Any] = {}

        async def write() -> None:
            try:
                await client.put("/a", 2)
            except OutcomeUnknown as error:
                outcomes["write"] = error

        async def read() -> None:
            try:
                await client.get("/a")
            except Unavailable as error:
                outcomes["read"] = error

        async with trio.open_nursery() as nursery:
            nursery.start_soon(write)
            nursery.start_soon(read)
        assert isinstance(outcomes["write"], OutcomeUnknown)
        assert isinstance(outcomes["read"], Unavailable)


async def test_a_cancelled_sender_leaves_the_others_with_unknown_outcomes(
        autojump_clock: Any) -> None:
    async with new_system() as system:
        client, _ = await local_client(system)
        system.network.set_default(LinkFaults(delay=Delay.constant(0.5)))
        outcomes: list[Any] = []

        async def sender() -> None:
            with trio.move_on_after(0.2):
                await client.put("/first", 1)  # queued first: it sends the batch
            outcomes.append("cancelled")

        async def other() -> None:
            try:
                await client.put("/second", 2)
            except OutcomeUnknown as error:
                outcomes.append(error)

        async with trio.open_nursery() as nursery:
            nursery.start_soon(sender)
            await trio.sleep(0)
            nursery.start_soon(other)
        assert outcomes[0] == "cancelled" and isinstance(outcomes[1], OutcomeUnknown)
        await trio.sleep(1.0)
        assert (await client.get("/second")).value == 2  # type: ignore[union-attr]


async def test_servers_answer_a_batch_request_by_request(autojump_clock: Any) -> None:
    async with new_system() as system:
        store = await system.start(LocalStore, name="store")
        batch = StoreBatch((StoreRequest(Range("/a")), "junk", StoreRequest(Range(""))))  # type: ignore[arg-type]
        answers = await store.ask(batch)
        assert answers[0].count == 0
        assert str(answers[1]) == "not a StoreRequest: str"
        assert str(answers[2]) == "key is not provided"
