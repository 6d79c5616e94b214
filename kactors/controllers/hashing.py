"""The `pod-template-hash`: a short, stable name for a pod template.

Kubernetes' `controller.ComputeHash` feeds the template to a 32-bit FNV-1a hash (through
`DeepHashObject`, a printout of the Go struct), adds the Deployment's `collisionCount` (if
set) as 8 little-endian bytes, and "safe-encodes" the decimal value of the sum: every
digit becomes a character of the alphabet Kubernetes uses for generated names (no vowels,
no 0/1/3, so a hash never spells a word). The Go struct printout cannot be reproduced in
Python; we hash the canonical JSON of the template (sorted keys, no spaces) instead, so
hashes have Kubernetes' shape (`5d4f9b7c8c`-like, up to 10 characters) and its stability
(same template and collisionCount, same hash) but not its exact values.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

__all__ = ["ALPHANUMS", "compute_hash", "fnv32a", "safe_encode_string"]

#: Kubernetes' `utilrand` alphabet: no vowels, no confusable digits
ALPHANUMS = "bcdfghjklmnpqrstvwxz2456789"

_FNV32_OFFSET = 0x811C9DC5
_FNV32_PRIME = 0x01000193


def fnv32a(data: bytes, seed: int = _FNV32_OFFSET) -> int:
    """32-bit FNV-1a of `data` (Go's `hash/fnv.New32a`), continuing from `seed`."""
    value = seed
    for byte in data:
        value = ((value ^ byte) * _FNV32_PRIME) & 0xFFFFFFFF
    return value


def safe_encode_string(text: str) -> str:
    """`rand.SafeEncodeString`: map every byte of `text` onto `ALPHANUMS`."""
    return "".join(ALPHANUMS[byte % len(ALPHANUMS)] for byte in text.encode())


def compute_hash(template: Mapping[str, Any], collision_count: int | None = None) -> str:
    """The `pod-template-hash` of `template` (a PodTemplateSpec) and a collision count."""
    canonical = json.dumps(template, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    value = fnv32a(canonical.encode())
    if collision_count is not None:
        value = fnv32a((int(collision_count) & 0xFFFFFFFF).to_bytes(8, "little"), value)
    return safe_encode_string(str(value))
