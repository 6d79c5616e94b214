"""Structured merge: how an applied configuration meets the live object (KEP-555).

Server-side apply does not patch: the applier sends the *whole intent* it has for the
object (its configuration), and the apiserver

1. merges it into the live object along the kind's shape (:mod:`.listtypes`): maps field
   by field, associative lists item by item (by key), set lists as sets, anything else
   (atomic lists, atomic maps, scalars) replaced whole;
2. removes what this applier set last time and no longer sets, unless another manager
   owns it too (so an applier can delete a field by dropping it from its configuration,
   without a separate "delete" step);
3. refuses (a *conflict*) to change a value another manager owns, unless forced.

The ownership bookkeeping lives in field sets (:mod:`.fieldpaths`); this module computes
them from objects and does the merge and the removal. Pure functions over plain dicts;
inputs are never mutated.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from .fieldpaths import FieldSet, Path, field, key_element, value_element
from .listtypes import ListSchema
from .meta import deep_copy

__all__ = [
    "ItemKeyError",
    "changes",
    "conflicting",
    "fields_of",
    "leaves",
    "merge",
    "remove_fields",
]

#: the value an associative-list item's own path has in `leaves` (its fields have theirs)
_ITEM = object()


class ItemKeyError(ValueError):
    """An associative-list item without a key field that has no default."""


def _element(item: Any, schema: ListSchema) -> str:
    """The path element of a list item: ``k:{keys}`` or ``v:value``."""
    if schema.list_type == "set":
        return value_element(item)
    if not isinstance(item, Mapping):
        raise ItemKeyError(f"an item of an associative list must be an object, not {item!r}")
    keys: dict[str, Any] = {}
    for name, default in schema.keys:
        value = item.get(name, default)
        if value is None:
            raise ItemKeyError(
                f"associative list with keys has an element that omits key field "
                f"{json.dumps(name)} (and doesn't have default value)")
        keys[name] = value
    return key_element(keys)


def leaves(obj: Any, schema: ListSchema, prefix: Path = ()) -> dict[Path, Any]:
    """Every field of `obj` with its value: the scalars, empty maps and atomic values
    (the members a manager can own), and the items of associative and set lists."""
    out: dict[Path, Any] = {}
    _leaves(obj, schema, prefix, out)
    return out


def _leaves(value: Any, schema: ListSchema, prefix: Path, out: dict[Path, Any]) -> None:
    if isinstance(value, Mapping) and value and not schema.map_atomic:
        for name, sub in value.items():
            _leaves(sub, schema.child(name), prefix + (field(name),), out)
        return
    if isinstance(value, list) and value and schema.list_type in ("map", "set"):
        item_schema = schema.item()
        for item in value:
            path = prefix + (_element(item, schema),)
            if schema.list_type == "set":
                out[path] = True
                continue
            out[path] = _ITEM
            for name, sub in item.items():
                _leaves(sub, item_schema.child(name), path + (field(name),), out)
        return
    if prefix:
        out[prefix] = value


def fields_of(obj: Any, schema: ListSchema) -> FieldSet:
    """The field set of an object: what an applier of exactly `obj` owns."""
    return frozenset(leaves(obj, schema))


def changes(old: Any, new: Any, schema: ListSchema) -> tuple[FieldSet, FieldSet]:
    """(fields added or given another value, fields removed) from `old` to `new`."""
    before, after = leaves(old, schema), leaves(new, schema)
    changed = frozenset(path for path, value in after.items()
                        if path not in before or not _same(before[path], value))
    return changed, frozenset(before.keys() - after.keys())


def _same(a: Any, b: Any) -> bool:
    # (True == 1 in Python; JSON tells them apart)
    return a is b or (type(a) is type(b) and a == b)


def merge(live: Any, config: Any, schema: ListSchema) -> Any:
    """`config` merged into `live` (a new object; neither is changed). A ``null`` in the
    configuration is dropped, as if not given."""
    if isinstance(config, Mapping):
        if not isinstance(live, Mapping) or schema.map_atomic:
            return _without_nulls(config)
        out = dict(live)
        for name, value in config.items():
            if value is None:
                continue
            out[name] = merge(live.get(name), value, schema.child(name))
        return out
    if isinstance(config, list) and isinstance(live, list) and schema.list_type in ("map",
                                                                                   "set"):
        return _merge_list(live, config, schema)
    return _without_nulls(config)


def _merge_list(live: list[Any], config: list[Any], schema: ListSchema) -> list[Any]:
    """Live items keep their places (merged with the configuration's item of the same key);
    the configuration's new items follow, in its order."""
    out = list(live)
    where = {_element(item, schema): index for index, item in enumerate(live)}
    for item in config:
        element = _element(item, schema)
        index = where.get(element)
        if index is None:
            where[element] = len(out)
            out.append(_without_nulls(item))
        elif schema.list_type == "map":
            out[index] = merge(live[index], item, schema.item())
    return out


def _without_nulls(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value


def remove_fields(obj: Any, paths: Iterable[Path], schema: ListSchema) -> Any:
    """`obj` without the fields at `paths` (a new object). A map or list left empty by a
    removal goes too, as it was only there to hold what was removed; the key fields of an
    associative-list item that stays are kept (an item cannot lose its identity)."""
    paths = sorted(paths, key=len)  # an item before its fields (then already gone)
    if not paths:
        return obj
    out = deep_copy(obj)
    for path in paths:
        _remove(out, path, schema)
    return out


def _remove(node: Any, path: Path, schema: ListSchema) -> None:
    element, rest = path[0], path[1:]
    if isinstance(node, dict) and element.startswith("f:"):
        name = element[2:]
        if name not in node:
            return
        if not rest:
            del node[name]
            return
        child = node[name]
        _remove(child, rest, schema.child(name))
        if isinstance(child, dict | list) and not child:
            del node[name]
        return
    if isinstance(node, list) and element[:2] in ("k:", "v:"):
        for index, item in enumerate(node):
            try:
                matches = _element(item, schema) == element
            except ItemKeyError:
                continue
            if not matches:
                continue
            if not rest:
                del node[index]
            elif not (len(rest) == 1 and any(rest[0] == field(name)
                                             for name, _ in schema.keys)):
                _remove(item, rest, schema.item())
            return


def conflicting(changed: FieldSet, owners: Mapping[Any, FieldSet], applier: Any
                ) -> list[tuple[Any, Path]]:
    """(manager, path) for each changed field another manager owns, sorted by path."""
    found = []
    for manager, owned in owners.items():
        if manager == applier:
            continue
        for path in owned & changed:
            found.append((manager, path))
    return sorted(found, key=lambda pair: (pair[1], str(pair[0])))
