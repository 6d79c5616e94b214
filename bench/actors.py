"""Actor runtime throughput against raw trio memory channels, measured in the same run.

    python bench/actors.py [--messages N] [--asks N]

tell: a producer enqueues without waiting, in chunks of the mailbox capacity, and the
receiver drains everything queued per wake-up; the baseline is trio's `send_nowait` plus a
`receive_nowait` drain. ask: one request/reply round trip at a time; the baseline is a
ping-pong over two memory channels. The last line is machine-readable.
"""

from __future__ import annotations

import argparse
import time

import trio

from kactors.actors import Actor, ActorSystem

CHUNK = 1000


async def raw_tell(n: int) -> float:
    send, recv = trio.open_memory_channel(2 * CHUNK)
    done = trio.Event()

    async def consumer() -> None:
        count = 0
        while count < n:
            await recv.receive()
            count += 1
            while True:
                try:
                    recv.receive_nowait()
                except trio.WouldBlock:
                    break
                count += 1
        done.set()

    async with trio.open_nursery() as nursery:
        nursery.start_soon(consumer)
        await trio.sleep(0)
        start = time.perf_counter()
        sent = 0
        while sent < n:
            for _ in range(min(CHUNK, n - sent)):
                send.send_nowait(sent)
                sent += 1
            await trio.sleep(0)
            while send.statistics().current_buffer_used > CHUNK:
                await trio.sleep(0)
        await done.wait()
        return n / (time.perf_counter() - start)


async def raw_ask(n: int) -> float:
    req_send, req_recv = trio.open_memory_channel(0)
    rep_send, rep_recv = trio.open_memory_channel(0)

    async def server() -> None:
        async for message in req_recv:
            await rep_send.send(message)

    async with trio.open_nursery() as nursery:
        nursery.start_soon(server)
        start = time.perf_counter()
        for i in range(n):
            await req_send.send(i)
            await rep_recv.receive()
        elapsed = time.perf_counter() - start
        await req_send.aclose()
        return n / elapsed


class Counter(Actor):
    def __init__(self) -> None:
        self.count = 0

    def receive(self, message: object) -> int:
        if message is None:
            return self.count
        self.count += 1
        return self.count


async def actor_tell(n: int) -> float:
    async with ActorSystem(seed=0, log_level="warning") as system:
        ref = await system.start(Counter, name="counter", mailbox_capacity=2 * CHUNK)
        mailbox = ref._cell.mailbox  # peeked only to pace the producer like the baseline
        start = time.perf_counter()
        sent = 0
        tell = ref.tell
        while sent < n:
            for _ in range(min(CHUNK, n - sent)):
                tell(sent)
                sent += 1
            await trio.sleep(0)
            while len(mailbox) > CHUNK:
                await trio.sleep(0)
        count = await ref.ask(None)
        elapsed = time.perf_counter() - start
        assert count == n, (count, n)
        return n / elapsed


async def actor_ask(n: int) -> float:
    async with ActorSystem(seed=0, log_level="warning") as system:
        ref = await system.start(Counter, name="counter")
        start = time.perf_counter()
        ask = ref.ask
        for i in range(n):
            await ask(i)
        return n / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--asks", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    best: dict[str, float] = {}
    for _ in range(args.rounds):  # interleaved rounds, best of each, to even out noise
        for name, fn, n in (("raw_tell", raw_tell, args.messages),
                            ("tell", actor_tell, args.messages),
                            ("raw_ask", raw_ask, args.asks),
                            ("ask", actor_ask, args.asks)):
            best[name] = max(best.get(name, 0.0), trio.run(fn, n))
    for name, value in best.items():
        print(f"{name:>9}: {value:>12,.0f} msg/s")
    tell_ratio = best["tell"] / best["raw_tell"]
    ask_ratio = best["ask"] / best["raw_ask"]
    print(f"RESULT tell_per_s={best['tell']:.0f} ask_per_s={best['ask']:.0f} "
          f"tell_ratio={tell_ratio:.2f} ask_ratio={ask_ratio:.2f}")


if __name__ == "__main__":
    main()
