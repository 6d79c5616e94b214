"""How often Python's cyclic garbage collector runs while a cluster runs.

A cluster's heap is mostly acyclic: JSON objects (every stored, cached and in-flight
Kubernetes object), log records, actor state. Reference counting frees all of it; the
cyclic collector finds almost nothing there, yet each of its passes walks every tracked
object of the generations it collects. With CPython's default thresholds (a young pass
every 700 allocations, a full pass every 10 middle ones) a cluster of a few hundred nodes
spent 20-25% of its CPU in those passes (`bench/cluster.py`, 100 nodes / 2,000 pods:
13.9 s of CPU with the defaults, 10.7 s with `CLUSTER_THRESHOLDS`, 11.5 s with the
collector off).

What does make cycles (trio's cancel scopes, exceptions and their tracebacks, a crashed
actor's frames) dies young, so the collector stays on, with a young generation big enough
to hold a burst of requests and full passes rare: the same trade Instagram's
`gc.freeze()` paper and most large Python services make. Tests keep the defaults.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["CLUSTER_THRESHOLDS", "cluster_gc"]

#: (young, middle, full): a young pass per 100,000 net allocations, a middle one per 50
#: young ones, a full one per 1,000 middle ones (CPython also waits for a full pass until
#: the objects added since the last one are a quarter of those it would walk).
CLUSTER_THRESHOLDS = (100_000, 50, 1_000)


@contextmanager
def cluster_gc(thresholds: tuple[int, int, int] = CLUSTER_THRESHOLDS) -> Iterator[None]:
    """Run the block with the cluster's collector thresholds; restore the previous ones."""
    previous = gc.get_threshold()
    gc.set_threshold(*thresholds)
    try:
        yield
    finally:
        gc.set_threshold(*previous)
