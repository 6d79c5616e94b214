"""A sorted set of keys that stays cheap to update at a million keys.

Ranges and prefix lists need the keys in order; a plain sorted list pays a memmove of the
whole list for every new key (tens of microseconds at 10^5-10^6 keys, which would dwarf a
put). Instead keys live in a list of sorted *chunks* of bounded size, with the maximum of
each chunk in a separate list: finding a key is two bisects, inserting moves at most one
chunk, and a range scan walks chunks in order. (The same idea as ``sortedcontainers``,
cut down to what the store uses, since the project does not depend on it.)
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Iterator
from itertools import chain

from kactors.store.keys import ALL_KEYS

_LOAD = 512


class SortedKeys:
    """A sorted set of ``str`` with bisect-based add/discard, range iteration and counting."""

    __slots__ = ("_chunks", "_maxes", "_len")

    def __init__(self, sorted_unique: Iterable[str] = ()) -> None:
        """Bulk-load from keys that are already sorted and unique (snapshot restore)."""
        keys = list(sorted_unique)
        self._chunks: list[list[str]] = [keys[i : i + _LOAD] for i in range(0, len(keys), _LOAD)]
        self._maxes: list[str] = [chunk[-1] for chunk in self._chunks]
        self._len = len(keys)

    def __len__(self) -> int:
        return self._len

    def __contains__(self, key: str) -> bool:
        maxes = self._maxes
        i = bisect_left(maxes, key)
        if i == len(maxes):
            return False
        chunk = self._chunks[i]
        j = bisect_left(chunk, key)
        return chunk[j] == key

    def __iter__(self) -> Iterator[str]:
        for chunk in self._chunks:
            yield from chunk

    def to_list(self) -> list[str]:
        """Every key, in order, as a new list (built in C: no generator step per key)."""
        return list(chain.from_iterable(self._chunks))

    def add(self, key: str) -> bool:
        """Insert ``key``; return False if it was already present."""
        maxes = self._maxes
        chunks = self._chunks
        if not maxes:
            chunks.append([key])
            maxes.append(key)
            self._len = 1
            return True
        i = bisect_left(maxes, key)
        if i == len(maxes):
            # Beyond every key: the common case for sequential names, a plain append.
            i -= 1
            chunk = chunks[i]
            chunk.append(key)
            maxes[i] = key
        else:
            chunk = chunks[i]
            j = bisect_left(chunk, key)
            if chunk[j] == key:
                return False
            chunk.insert(j, key)
        self._len += 1
        if len(chunk) > 2 * _LOAD:
            chunks[i : i + 1] = [chunk[:_LOAD], chunk[_LOAD:]]
            maxes[i : i + 1] = [chunk[_LOAD - 1], chunk[-1]]
        return True

    def discard(self, key: str) -> bool:
        """Remove ``key``; return False if it was absent."""
        maxes = self._maxes
        i = bisect_left(maxes, key)
        if i == len(maxes):
            return False
        chunk = self._chunks[i]
        j = bisect_left(chunk, key)
        if chunk[j] != key:
            return False
        del chunk[j]
        self._len -= 1
        if not chunk:
            del self._chunks[i]
            del maxes[i]
        elif j == len(chunk):
            maxes[i] = chunk[-1]
        return True

    def _position(self, key: str) -> tuple[int, int]:
        """(chunk index, index in chunk) of the first element >= key."""
        i = bisect_left(self._maxes, key)
        if i == len(self._maxes):
            return i, 0
        return i, bisect_left(self._chunks[i], key)

    def irange(self, key: str, range_end: str | None) -> Iterator[str]:
        """Keys in the interval ``key``/``range_end`` (normalised, see `keys.check_range`)."""
        if range_end is None:
            if key in self:
                yield key
            return
        bounded = range_end != ALL_KEYS
        chunks = self._chunks
        i, j = self._position(key)
        while i < len(chunks):
            chunk = chunks[i]
            if bounded and chunk[-1] >= range_end:
                stop = bisect_left(chunk, range_end, j)
                yield from chunk[j:stop]
                return
            yield from chunk[j:] if j else chunk
            i += 1
            j = 0

    def count(self, key: str, range_end: str | None) -> int:
        """How many keys lie in the interval, without visiting them one by one."""
        if range_end is None:
            return 1 if key in self else 0
        i1, j1 = self._position(key)
        if range_end == ALL_KEYS:
            i2, j2 = len(self._chunks), 0
        else:
            i2, j2 = self._position(range_end)
        if (i1, j1) >= (i2, j2):
            return 0
        chunks = self._chunks
        if i1 == i2:
            return j2 - j1
        total = len(chunks[i1]) - j1 + j2
        for k in range(i1 + 1, i2):
            total += len(chunks[k])
        return total
