"""Pod IP addresses from the node's pod CIDR, like the CNI ``host-local`` IPAM plugin.

The first address after the network is the bridge gateway (``10.244.1.1`` on ``cni0``),
so pods get ``.2`` onwards. Like host-local, allocation goes round the range from the
last address handed out instead of reusing a freed address at once: a new pod does not
inherit a just-deleted pod's IP while stale endpoints may still point at it.
"""

from __future__ import annotations

import ipaddress

__all__ = ["IPAllocator", "IPExhaustedError"]


class IPExhaustedError(RuntimeError):
    """Every address of the range is in use (the CNI plugin's error text)."""


class IPAllocator:
    """Hands out the addresses of one CIDR to owners (pod UIDs); deterministic."""

    def __init__(self, cidr: str) -> None:
        network = ipaddress.ip_network(cidr, strict=False)
        if network.num_addresses < 4:
            raise ValueError(f"pod CIDR {cidr} is too small: it needs at least 4 addresses")
        self.network = network
        self.gateway = str(network.network_address + 1)
        self._first = int(network.network_address) + 2
        self._last = int(network.broadcast_address) - 1
        self._cursor = self._first - 1  # the last address handed out
        self._owners: dict[int, str] = {}
        self._by_owner: dict[str, int] = {}

    @property
    def capacity(self) -> int:
        """How many pod addresses the range holds."""
        return self._last - self._first + 1

    def allocate(self, owner: str) -> str:
        """An address for ``owner`` (the same one again if it already has one).

        Raises :class:`IPExhaustedError` when the range is full.
        """
        if owner in self._by_owner:
            return self._text(self._by_owner[owner])
        size = self.capacity
        for step in range(1, size + 1):
            candidate = self._first + (self._cursor - self._first + step) % size
            if candidate not in self._owners:
                self._owners[candidate] = owner
                self._by_owner[owner] = candidate
                self._cursor = candidate
                return self._text(candidate)
        raise IPExhaustedError(
            "failed to allocate for range 0: no IP addresses available in range set: "
            f"{self.gateway}-{self._text(self._last)}"
        )

    def release(self, owner: str) -> str | None:
        """Free ``owner``'s address; returns it, or ``None`` if it had none."""
        address = self._by_owner.pop(owner, None)
        if address is None:
            return None
        del self._owners[address]
        return self._text(address)

    def address_of(self, owner: str) -> str | None:
        address = self._by_owner.get(owner)
        return None if address is None else self._text(address)

    def in_use(self) -> dict[str, str]:
        """Address -> owner, in address order."""
        return {self._text(address): self._owners[address] for address in sorted(self._owners)}

    def _text(self, address: int) -> str:
        return str(type(self.network.network_address)(address))
