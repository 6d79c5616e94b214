"""client-go's `EventCorrelator`, sans-I/O: what an event recorder does before it writes.

Two steps, after `tools/record/events_cache.go`:

* **aggregation**: events that differ only by message (same source, involved object, type
  and reason) are combined once more than `max_events - 1` distinct messages were seen in
  `aggregate_interval` seconds: from then on they become one Event whose message is
  ``(combined from similar events): <latest message>`` and whose count goes up. A
  ReplicaSet creating 10,000 pods records ten "Created pod: ..." Events, then counts.
* **spam filter**: a token bucket per source and involved object (`burst` events, then
  one more every `1 / qps` seconds); an event without a token is dropped. Kubernetes'
  defaults, 25 and one per 5 minutes, are why a big scale-up shows a few dozen
  SuccessfulCreate writes rather than one per pod.

Both caches forget their least recently used entries beyond `cache_size` (4096), as
client-go's LRUs do. Times are cluster seconds from the caller; nothing here reads a clock.
"""

from __future__ import annotations

import attrs

__all__ = [
    "AGGREGATE_INTERVAL",
    "AGGREGATE_MAX_EVENTS",
    "COMBINED_PREFIX",
    "SPAM_BURST",
    "SPAM_QPS",
    "Correlation",
    "EventCorrelator",
]

#: more than this many similar events (message aside) in the interval are combined
AGGREGATE_MAX_EVENTS = 10
AGGREGATE_INTERVAL = 600.0
COMBINED_PREFIX = "(combined from similar events): "
#: events per source and object before the spam filter drops them
SPAM_BURST = 25
#: tokens regained per second (one per 5 minutes)
SPAM_QPS = 1.0 / 300.0
CACHE_SIZE = 4096


@attrs.frozen
class Correlation:
    """What to do with one event: `skip` it (spam), or write it with `message`;
    `aggregated` when the message is the combined one."""

    skip: bool
    message: str
    aggregated: bool = False


@attrs.define
class _Aggregate:
    messages: dict[str, None]
    last: float


@attrs.define
class _Bucket:
    tokens: float
    last: float


def _touch(cache: dict, key: object, value: object, size: int) -> None:
    """Insert `key` (taken out by the caller) as the most recently used; evict beyond
    `size`. Callers `pop` rather than `get` the entry first: one lookup fewer."""
    cache[key] = value
    if len(cache) > size:
        del cache[next(iter(cache))]


@attrs.define
class EventCorrelator:
    max_events: int = AGGREGATE_MAX_EVENTS
    aggregate_interval: float = AGGREGATE_INTERVAL
    burst: int = SPAM_BURST
    qps: float = SPAM_QPS
    cache_size: int = CACHE_SIZE
    _aggregates: dict[tuple[str, ...], _Aggregate] = attrs.field(factory=dict)
    _buckets: dict[tuple[str, ...], _Bucket] = attrs.field(factory=dict)

    def correlate(self, source: tuple[str, ...], involved: tuple[str, ...], type_: str,
                  reason: str, message: str, now: float) -> Correlation:
        """`source`: (component, host); `involved`: the involved object's (kind,
        namespace, name, uid, apiVersion)."""
        about = (*source, *involved)  # the spam filter's key; the aggregate key adds two
        message, aggregated = self._aggregate((*about, type_, reason), message, now)
        return Correlation(not self._allow(about, now), message, aggregated)

    def _aggregate(self, key: tuple[str, ...], message: str, now: float) -> tuple[str, bool]:
        record = self._aggregates.pop(key, None)
        if record is None or now - record.last > self.aggregate_interval:
            record = _Aggregate({}, now)
        record.last = now
        record.messages[message] = None
        _touch(self._aggregates, key, record, self.cache_size)
        if len(record.messages) < self.max_events:
            return message, False
        del record.messages[next(iter(record.messages))]  # never grow past the maximum
        return COMBINED_PREFIX + message, True

    def _allow(self, key: tuple[str, ...], now: float) -> bool:
        bucket = self._buckets.pop(key, None)
        if bucket is None:
            bucket = _Bucket(float(self.burst), now)
        else:
            bucket.tokens = min(float(self.burst), bucket.tokens + (now - bucket.last) * self.qps)
            bucket.last = now
        _touch(self._buckets, key, bucket, self.cache_size)
        if bucket.tokens < 1.0:
            return False
        bucket.tokens -= 1.0
        return True
