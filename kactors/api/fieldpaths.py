"""Field paths and field sets, and their wire form FieldsV1 (server-side apply's ledger).

Server-side apply records, per field manager, *which fields* it owns. Kubernetes
(sigs.k8s.io/structured-merge-diff) names a field by a path of elements, spelled in
``metadata.managedFields[].fieldsV1`` as:

* ``f:<name>``: a field of a map (``f:spec``, ``f:replicas``);
* ``k:<json>``: an item of an associative list, by its keys as compact JSON with sorted
  names (``k:{"name":"nginx"}``, ``k:{"containerPort":80,"protocol":"TCP"}``);
* ``v:<json>``: an item of a set list, by its value (``v:"example.com/finalizer"``).

FieldsV1 is the *tree* of a set: each path element is a key whose value holds the
elements below it; ``{}`` is a member with nothing below; ``".": {}`` says the node is a
member itself *and* has members below (an owned list item whose fields are owned too).

Here a path is a tuple of those element strings and a set is a ``frozenset`` of paths:
set algebra is Python's, and encoding is a walk. Pure functions, no I/O.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = [
    "FieldSet",
    "Path",
    "decode_fields",
    "encode_fields",
    "field",
    "key_element",
    "path_string",
    "value_element",
    "without_descendants_of",
]

#: a field's path: element strings as FieldsV1 spells them
Path = tuple[str, ...]
FieldSet = frozenset[Path]

_MEMBER = "."


def _compact(value: Any) -> str:
    """JSON as Go's encoding/json writes it (no spaces; map keys sorted)."""
    return json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=False)


def field(name: str) -> str:
    """The element of a map field: ``f:<name>``."""
    return "f:" + name


def key_element(keys: Mapping[str, Any]) -> str:
    """The element of an associative-list item: ``k:`` and its key fields as JSON."""
    return "k:" + _compact(dict(keys))


def value_element(value: Any) -> str:
    """The element of a set-list item: ``v:`` and its value as JSON."""
    return "v:" + _compact(value)


def encode_fields(fields: Iterable[Path]) -> dict[str, Any]:
    """A field set as its FieldsV1 tree (keys sorted, ``.`` first, as Kubernetes writes)."""
    tree: dict[str, Any] = {}
    members: set[Path] = set()
    for path in fields:
        members.add(path)
        node = tree
        for element in path:
            node = node.setdefault(element, {})
    return _sorted_tree(tree, (), members)


def _sorted_tree(node: dict[str, Any], prefix: Path, members: set[Path]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if prefix and node and prefix in members:
        out[_MEMBER] = {}
    for element in sorted(node):
        out[element] = _sorted_tree(node[element], prefix + (element,), members)
    return out


def decode_fields(tree: Any) -> FieldSet:
    """The field set of a FieldsV1 tree; ValueError for anything that is not one (what
    Kubernetes' decoder refuses: a non-object, an element of no known kind, a key element
    whose JSON is not an object)."""
    if not isinstance(tree, Mapping):
        raise ValueError(f"FieldsV1 must be an object, not {type(tree).__name__}")
    out: set[Path] = set()
    _decode(tree, (), out)
    return frozenset(out)


def _decode(node: Mapping[str, Any], prefix: Path, out: set[Path]) -> None:
    for element, below in node.items():
        if not isinstance(below, Mapping):
            raise ValueError(f"FieldsV1 element {element!r} must hold an object")
        if element == _MEMBER:
            if not prefix:
                raise ValueError("FieldsV1: '.' at the root")
            out.add(prefix)
            continue
        kind, colon, rest = element.partition(":")
        if not colon or kind not in ("f", "k", "v", "i"):
            raise ValueError(f"FieldsV1: unknown element {element!r}")
        if kind in ("k", "v"):
            try:
                decoded = json.loads(rest)
            except ValueError:
                raise ValueError(f"FieldsV1: element {element!r} is not JSON") from None
            if kind == "k" and not isinstance(decoded, dict):
                raise ValueError(f"FieldsV1: key element {element!r} is not an object")
        path = prefix + (element,)
        if below:
            _decode(below, path, out)
        else:
            out.add(path)


def path_string(path: Path) -> str:
    """A path as Kubernetes prints it in conflicts: ``.spec.containers[name="web"].image``,
    ``.metadata.finalizers[="x"]``."""
    parts = []
    for element in path:
        kind, _, rest = element.partition(":")
        if kind == "f":
            parts.append("." + rest)
        elif kind == "k":
            keys = json.loads(rest)
            parts.append("[" + ",".join(f"{name}={_compact(value)}"
                                        for name, value in sorted(keys.items())) + "]")
        elif kind == "v":
            parts.append("[=" + rest + "]")
        else:
            parts.append("[" + rest + "]")
    return "".join(parts)


def without_descendants_of(fields: Iterable[Path], roots: Iterable[Path]) -> FieldSet:
    """`fields` without the paths at or under any of `roots` (what a subresource may not
    own: the status of a main-resource write, the spec of a status write)."""
    roots = tuple(roots)
    return frozenset(path for path in fields
                     if not any(path[:len(root)] == root for root in roots))
