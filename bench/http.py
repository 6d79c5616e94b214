"""The Kubernetes API over HTTP: requests per second over loopback, and watch fan-out.

    python bench/http.py [--clients C] [--seconds S] [--creates N] [--watchers W]

The server (a control plane on a local store, and the HTTP front) runs in its own process,
as `kactors run` would; the clients are threads of this process, each with a keep-alive
connection (http.client: what a fast client costs, not kubectl's process start-up):

* CREATE: N pod creates (the first 1,000 into a namespace the LIST reads), C clients;
* GET: one pod, C clients, S seconds;  LIST: the 1,000 pods, C clients, S seconds;
* WATCH: W watchers stream one namespace while 4 clients create pods; events delivered
  per second until every watcher has seen every pod.

The baseline is the in-process `ApiClient` (actor asks, no HTTP, no JSON) against the same
kind of control plane, in the same run: GET and CREATE per second with C concurrent tasks.
``ratio_vs_inprocess`` is HTTP GETs per second over in-process GETs per second. Wall clock,
no virtual time. The last line is machine-readable.
"""

from __future__ import annotations

import os
import sys

# Run as a script, this file's folder comes first on sys.path, and this file (http.py)
# would hide the standard library's `http` package: take the folder off first.
if sys.path and os.path.abspath(sys.path[0] or ".") == os.path.dirname(os.path.abspath(__file__)):
    del sys.path[0]

import argparse  # noqa: E402
import gc  # noqa: E402
import http.client  # noqa: E402
import json  # noqa: E402
import multiprocessing  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from typing import Any  # noqa: E402

import trio  # noqa: E402

from kactors.actors import Actor, ActorSystem, ChildSpec  # noqa: E402

NS_LIST, NS_WATCH = "bench-list", "bench-watch"


def pod(name: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": {"app": "b"}},
            "spec": {"containers": [{"name": "c", "image": "nginx:1.27",
                                     "resources": {"requests": {"cpu": "100m"}}}]}}


# -- the server process ------------------------------------------------------------------------

def serve(ports: Any) -> None:
    from kactors.apiserver.http.server import HttpApi, HttpApiConfig
    from kactors.testing.controlplane import ADMIN_TOKEN, start_control_plane

    gc.set_threshold(100_000, 1000, 1000)

    async def main() -> None:
        async with ActorSystem(seed=1, log_to_stdout=False) as system:
            plane = await start_control_plane(system, store="local",
                                              namespaces=("default", NS_LIST, NS_WATCH))
            listeners = await trio.open_tcp_listeners(0, host="127.0.0.1", backlog=512)
            config = HttpApiConfig(listeners=listeners, apiserver=lambda: plane.apiserver,
                                   token=ADMIN_TOKEN, credentials_default=ADMIN_TOKEN)
            await system.start(ChildSpec("http", lambda: HttpApi(config), host="control-plane"))
            ports.put(listeners[0].socket.getsockname()[1])
            await trio.sleep_forever()

    trio.run(main)


# -- HTTP clients (threads) --------------------------------------------------------------------

class Client:
    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, bytes]:
        data = json.dumps(body).encode() if body is not None else None
        headers = {"Content-Type": "application/json"} if data else {}
        self.conn.request(method, path, body=data, headers=headers)
        reply = self.conn.getresponse()
        return reply.status, reply.read()


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process so far (Linux /proc; 0 elsewhere): what the
    server spends per request, whatever else competes for the machine."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rpartition(")")[2].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return 0.0


def in_threads(count: int, work: Any) -> float:
    """Run work(index) in `count` threads; wall seconds until all are done."""
    threads = [threading.Thread(target=work, args=(i,)) for i in range(count)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - start


def create_pods(port: int, clients: int, count: int, prefix: str,
                namespace_of: Callable[[int], str]) -> float:
    """Create pods `prefix-0` .. `prefix-{count-1}` from `clients` threads sharing one
    counter; wall seconds."""
    names = iter(range(count))
    lock = threading.Lock()

    def work(_: int) -> None:
        client = Client(port)
        while True:
            with lock:
                i = next(names, None)
            if i is None:
                return
            status, body = client.call("POST", f"/api/v1/namespaces/{namespace_of(i)}/pods",
                                       pod(f"{prefix}-{i}"))
            assert status == 201, body[:300]

    return in_threads(clients, work)


def http_creates(port: int, clients: int, total: int) -> float:
    return total / create_pods(port, clients, total, "p",
                               lambda i: NS_LIST if i < 1000 else "default")


def http_repeat(port: int, clients: int, seconds: float, path: str) -> float:
    counts = [0] * clients

    def work(index: int) -> None:
        client = Client(port)
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            status, _ = client.call("GET", path)
            assert status == 200
            counts[index] += 1

    elapsed = in_threads(clients, work)
    return sum(counts) / elapsed


def http_watch(port: int, watchers: int, pods: int) -> float:
    status, body = Client(port).call("GET", f"/api/v1/namespaces/{NS_WATCH}/pods")
    revision = json.loads(body)["metadata"]["resourceVersion"]
    ready = threading.Barrier(watchers + 1)
    seen = [0] * watchers

    def watch(index: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        conn.request("GET", f"/api/v1/namespaces/{NS_WATCH}/pods?watch=true"
                            f"&resourceVersion={revision}")
        reply = conn.getresponse()
        ready.wait()
        while seen[index] < pods:
            line = reply.readline()
            if not line:
                return
            seen[index] += 1
        conn.close()

    threads = [threading.Thread(target=watch, args=(i,)) for i in range(watchers)]
    for thread in threads:
        thread.start()
    ready.wait()
    start = time.perf_counter()
    create_pods(port, 4, pods, "w", lambda i: NS_WATCH)
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    assert sum(seen) == watchers * pods, (sum(seen), watchers * pods)
    return sum(seen) / elapsed


# -- the in-process baseline -------------------------------------------------------------------

class Bench(Actor):
    def __init__(self, plane: Any, clients: int, seconds: float, creates: int) -> None:
        self.plane, self.clients, self.seconds, self.creates = plane, clients, seconds, creates

    async def receive(self, message: Any) -> tuple[float, float]:
        client = self.plane.client(self.ctx)
        client.timeout = 120.0
        names = iter(range(self.creates))

        async def create() -> None:
            for i in names:
                await client.create(pod(f"p-{i}"), namespace="default")

        start = time.perf_counter()
        async with trio.open_nursery() as nursery:
            for _ in range(self.clients):
                nursery.start_soon(create)
        create_rate = self.creates / (time.perf_counter() - start)
        count = 0
        end = time.perf_counter() + self.seconds

        async def get() -> None:
            nonlocal count
            while time.perf_counter() < end:
                await client.get("pods", "p-0", namespace="default")
                count += 1

        start = time.perf_counter()
        async with trio.open_nursery() as nursery:
            for _ in range(self.clients):
                nursery.start_soon(get)
        return count / (time.perf_counter() - start), create_rate


def in_process(clients: int, seconds: float, creates: int) -> tuple[float, float]:
    from kactors.testing.controlplane import start_control_plane

    async def main() -> tuple[float, float]:
        async with ActorSystem(seed=1, log_to_stdout=False) as system:
            plane = await start_control_plane(system, store="local")
            bench = await system.start(ChildSpec(
                "bench", lambda: Bench(plane, clients, seconds, creates),
                host="control-plane"))
            return await bench.ask("go", timeout=600)

    return trio.run(main)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--creates", type=int, default=3_000)
    parser.add_argument("--watchers", type=int, default=50)
    parser.add_argument("--watch-pods", type=int, default=400)
    args = parser.parse_args()
    gc.set_threshold(100_000, 1000, 1000)

    inproc_get, inproc_create = in_process(args.clients, args.seconds, args.creates)
    print(f"in-process ApiClient: {inproc_get:,.0f} gets/s  {inproc_create:,.0f} creates/s "
          f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)")

    ports: Any = multiprocessing.get_context("spawn").Queue()
    server = multiprocessing.get_context("spawn").Process(target=serve, args=(ports,),
                                                          daemon=True)
    server.start()
    try:
        port = ports.get(timeout=120)
        pid = server.pid or 0

        def measured(run: Any, count_of: Any) -> tuple[float, float]:
            """(rate, server CPU ms per request)."""
            before = cpu_seconds(pid)
            rate, seconds = run()
            used = cpu_seconds(pid) - before
            return rate, 1000 * used / max(1, count_of(rate, seconds))

        start = time.perf_counter()
        create, create_cpu = measured(
            lambda: (http_creates(port, args.clients, args.creates), 0.0),
            lambda rate, _: args.creates)
        print(f"HTTP CREATE: {create:,.0f} /s  ({args.clients} clients; server CPU "
              f"{create_cpu:.2f} ms each)")
        get, get_cpu = measured(
            lambda: (http_repeat(port, args.clients, args.seconds,
                                 "/api/v1/namespaces/default/pods/p-1000"), args.seconds),
            lambda rate, seconds: rate * seconds)
        print(f"HTTP GET:    {get:,.0f} /s  (server CPU {get_cpu:.2f} ms each)")
        lists, list_cpu = measured(
            lambda: (http_repeat(port, min(args.clients, 4), args.seconds,
                                 f"/api/v1/namespaces/{NS_LIST}/pods"), args.seconds),
            lambda rate, seconds: rate * seconds)
        print(f"HTTP LIST:   {lists:,.1f} /s  (1,000 pods each; server CPU {list_cpu:.1f} ms "
              "each)")
        watch = http_watch(port, args.watchers, args.watch_pods)
        print(f"HTTP WATCH:  {watch:,.0f} events/s to {args.watchers} watchers")
        del start
    finally:
        server.terminate()
        server.join(10)
    ratio = get / inproc_get
    print(f"ratio vs in-process: get {ratio:.2f}  create {create / inproc_create:.2f}")
    print(f"RESULT get_per_s={get:.0f} list_per_s={lists:.1f} create_per_s={create:.0f} "
          f"watch_events_per_s={watch:.0f} ratio_vs_inprocess={ratio:.2f}")


if __name__ == "__main__":
    main()
