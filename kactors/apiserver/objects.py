"""How objects move between the store and clients: resourceVersion, uid, timestamps, names.

Stored values never carry `metadata.resourceVersion`: the revision is only known once the
write committed, so it is set when the value is read back (as the real apiserver does).
Objects are shared, immutable JSON-shaped dicts; functions here return new dicts.
"""

from __future__ import annotations

import datetime
import random
from typing import Any

from trio.lowlevel import RunVar

Obj = dict[str, Any]

_NAME_CHARS = "bcdfghjklmnpqrstvwxz2456789"  # Kubernetes' utilrand alphabet (no vowels)
#: what cluster time 0 stands for in a virtual-time run: a fixed moment, so that the same
#: seed gives the same objects and the same log
DEFAULT_EPOCH = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
#: the epoch of the current trio run (see :func:`cluster_epoch`)
_RUN_EPOCH: RunVar[datetime.datetime] = RunVar("kactors_cluster_epoch")


def cluster_epoch() -> datetime.datetime:
    """The wall-clock moment cluster time 0 stands for: every timestamp a component writes
    (creationTimestamp, conditions, events) is this plus cluster seconds.

    One value per trio run, because it belongs to the run's clock: :data:`DEFAULT_EPOCH`
    in virtual time (deterministic runs), the wall time at start with a real clock (set by
    ``kactors run`` with :func:`set_cluster_epoch`), so that kubectl, which computes ages
    from its own wall clock, shows "5s" rather than "331d". Outside a run (pure code under
    test) it is :data:`DEFAULT_EPOCH`."""
    try:
        return _RUN_EPOCH.get(DEFAULT_EPOCH)
    except RuntimeError:  # not inside trio.run
        return DEFAULT_EPOCH


def set_cluster_epoch(epoch: datetime.datetime) -> None:
    """Make ``epoch`` (timezone-aware) this trio run's :func:`cluster_epoch`; before any
    component starts."""
    if epoch.tzinfo is None:
        raise ValueError("the cluster epoch must be timezone-aware")
    _RUN_EPOCH.set(epoch)


def wall_clock_epoch() -> datetime.datetime:
    """Now, in UTC, at whole seconds: the epoch of a real-time run."""
    return datetime.datetime.now(datetime.UTC).replace(microsecond=0)


def with_resource_version(obj: Obj, revision: int) -> Obj:
    meta = obj.get("metadata") or {}
    return {**obj, "metadata": {**meta, "resourceVersion": str(revision)}}


def for_storage(obj: Obj) -> Obj:
    meta = obj.get("metadata")
    if meta and "resourceVersion" in meta:
        meta = dict(meta)
        del meta["resourceVersion"]
        return {**obj, "metadata": meta}
    return obj


def new_uid(rng: random.Random) -> str:
    """A random (version 4) UUID from the seeded generator: ``uuid.UUID(int=...,
    version=4)``'s text, formatted directly (every create draws one)."""
    text = "%032x" % ((rng.getrandbits(128) & _UUID_KEEP) | _UUID_SET)
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


#: the bits `uuid.UUID(version=4)` clears and sets: RFC 4122 variant, version 4
_UUID_KEEP = ~((0xC000 << 48) | (0xF000 << 64)) & ((1 << 128) - 1)
_UUID_SET = (0x8000 << 48) | (4 << 76)


def generated_name(prefix: str, rng: random.Random) -> str:
    """`generateName` + 5 random characters, as Kubernetes' SimpleNameGenerator does."""
    return prefix + "".join(rng.choice(_NAME_CHARS) for _ in range(5))


def timestamp(epoch: datetime.datetime, cluster_seconds: float) -> str:
    """RFC 3339 at second precision, like metav1.Time. Answers are remembered (a bounded
    table): every create and update asks, every kubelet status write renders several
    times, and they are nearly all of the same few seconds."""
    key = (epoch, int(cluster_seconds))
    text = _timestamps.get(key)
    if text is None:
        if len(_timestamps) >= _TIMESTAMPS_KEPT:
            _timestamps.clear()
        moment = epoch + datetime.timedelta(seconds=key[1])
        text = _timestamps[key] = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    return text


_timestamps: dict[tuple[datetime.datetime, int], str] = {}
_TIMESTAMPS_KEPT = 4096


def parse_timestamp(text: str) -> datetime.datetime:
    return datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.UTC)


# -- decoding: what Go's JSON decoder would refuse ----------------------------------------------

_STRING, _INT, _TIME = "string", "int64", "v1.Time"
_MAP_STRING = "map[string]string"
#: ObjectMeta fields and the Go type each must decode into
_META_TYPES: dict[str, str] = {
    "name": _STRING, "generateName": _STRING, "namespace": _STRING, "selfLink": _STRING,
    "uid": "types.UID", "resourceVersion": _STRING, "generation": _INT,
    "creationTimestamp": _TIME, "deletionTimestamp": _TIME,
    "deletionGracePeriodSeconds": _INT, "labels": _MAP_STRING, "annotations": _MAP_STRING,
    "ownerReferences": "[]v1.OwnerReference", "finalizers": "[]string",
    "managedFields": "[]v1.ManagedFieldsEntry",
}


def query_flag(value: Any) -> bool:
    """A boolean query parameter: true/false, 1/0, or a bool."""
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes")
    return bool(value)


def json_type(value: Any) -> str:
    """The JSON type of a value, as Go's decoder names it in its errors."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list | tuple):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


_INF = float("inf")


def _all_json(value: Any, depth: int) -> bool:
    """The fast check behind `not_json` (every create walks its whole body): exact type
    tests, no path strings; `not_json` re-walks slowly only to say where a problem is."""
    kind = type(value)
    if kind is dict:
        if depth > 100:
            return False
        for key, item in value.items():
            if type(key) is not str:
                return False
            item_kind = type(item)
            if item_kind is str or item_kind is int or item_kind is bool or item is None:
                continue
            if not _all_json(item, depth + 1):
                return False
        return True
    if kind is list:
        if depth > 100:
            return False
        for item in value:
            item_kind = type(item)
            if item_kind is str or item_kind is int or item_kind is bool or item is None:
                continue
            if not _all_json(item, depth + 1):
                return False
        return True
    if kind is str or kind is int or kind is bool or value is None:
        return True
    if kind is float:
        return value == value and value != _INF and value != -_INF
    return False


def json_copy(value: Any, depth: int = 0) -> Any:
    """A deep copy of `value` if it is all JSON data (exact types: dict with string keys,
    list, string, int, bool, null, finite float), else `NOT_JSON`. A create's body is both
    checked and copied (its defaults are then applied in place): one walk instead of two."""
    kind = type(value)
    if kind is dict:
        if depth > 100:
            return NOT_JSON
        # a shallow copy (in C), then only the containers in it replaced by their copies:
        # most values are strings (an event's body: ~17% fewer instructions than
        # building the dict item by item)
        out = value.copy()
        for key, item in value.items():
            if type(key) is not str:
                return NOT_JSON
            item_kind = type(item)
            if item_kind is str or item_kind is int or item_kind is bool or item is None:
                continue
            item = json_copy(item, depth + 1)
            if item is NOT_JSON:
                return NOT_JSON
            out[key] = item
        return out
    if kind is list:
        if depth > 100:
            return NOT_JSON
        out_list = value.copy()
        for index, item in enumerate(value):
            item_kind = type(item)
            if item_kind is str or item_kind is int or item_kind is bool or item is None:
                continue
            item = json_copy(item, depth + 1)
            if item is NOT_JSON:
                return NOT_JSON
            out_list[index] = item
        return out_list
    if kind is str or kind is int or kind is bool or value is None:
        return value
    if kind is float and value == value and value != _INF and value != -_INF:
        return value
    return NOT_JSON


#: what `json_copy` returns for data that is not JSON
NOT_JSON: Any = object()


def not_json(value: Any, path: str = "", depth: int = 0) -> str | None:
    """Where `value` is not JSON data (dict with string keys, list, string, finite number,
    bool, null), or None if it all is."""
    if depth == 0 and _all_json(value, 0):
        return None
    if depth > 100:
        return f"{path}: nested too deeply"
    if value is None or isinstance(value, str | bool | int):
        return None
    if isinstance(value, float):
        return None if value == value and value not in (float("inf"), float("-inf")) else \
            f"{path}: {value!r} is not a JSON number"
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                return f"{path}: the key {key!r} is not a string"
            found = not_json(item, f"{path}.{key}" if path else key, depth + 1)
            if found:
                return found
        return None
    if isinstance(value, list | tuple):
        for index, item in enumerate(value):
            found = not_json(item, f"{path}[{index}]", depth + 1)
            if found:
                return found
        return None
    return f"{path or 'the object'}: a {type(value).__name__} is not JSON data"


def _meta_type_error(field: str, value: Any, go_type: str) -> bool:
    if value is None:
        return False
    if go_type in (_STRING, "types.UID", _TIME):
        return not isinstance(value, str)
    if go_type == _INT:
        return isinstance(value, bool) or not (
            isinstance(value, int) or (isinstance(value, float) and value.is_integer()))
    if go_type == _MAP_STRING:
        return not isinstance(value, dict) or not all(
            isinstance(item, str) for item in value.values())
    if go_type == "[]string":
        return not isinstance(value, list) or not all(isinstance(item, str) for item in value)
    if go_type.startswith("[]"):
        return not isinstance(value, list) or not all(isinstance(item, dict) for item in value)
    return False


def _meta_fields_ok(meta: dict[str, Any]) -> bool:
    """The common case of `decode_error`'s metadata check, fast: every field it knows is
    of its Go type (the fields present are few; the slow loop then names the first bad
    one in Kubernetes' field order)."""
    for field, value in meta.items():
        go_type = _META_TYPES.get(field)
        if go_type is None or value is None:
            continue
        kind = value.__class__
        if kind is str:
            if go_type not in _STRING_TYPES:
                return False
        elif kind is dict and go_type == _MAP_STRING:  # labels, annotations
            for item in value.values():
                if item.__class__ is not str and not isinstance(item, str):
                    return False
        elif kind is list and go_type in _LIST_TYPES:  # ownerReferences, finalizers
            element = _LIST_TYPES[go_type]
            for item in value:
                if item.__class__ is not element and not isinstance(item, element):
                    return False
        elif kind is int and go_type == _INT:  # generation
            continue
        elif _meta_type_error(field, value, go_type):
            return False
    return True


#: the list types of `_META_TYPES` and the type of their elements (see _meta_type_error)
_LIST_TYPES: dict[str, type] = {
    go_type: str if go_type == "[]string" else dict
    for go_type in _META_TYPES.values() if go_type.startswith("[]")}


_STRING_TYPES = frozenset({_STRING, "types.UID", _TIME})


def decode_error(kind: str, version: str, body: Any, *, json_checked: bool = False
                 ) -> str | None:
    """Why the JSON decoder of the real apiserver would refuse `body` as a `kind`, with its
    message (``Pod in version "v1" cannot be handled as a Pod: json: cannot unmarshal
    string into Go struct field Pod.spec of type v1.PodSpec``), or None.

    Only the shape every object shares is checked here (a JSON object whose metadata,
    spec and status are objects, metadata fields of their Go types); what is inside spec
    and status is for validation to judge. `json_checked`: the caller knows `body` is
    JSON data already (`json_copy`).
    """
    if not isinstance(body, dict):
        return None  # reported by the caller (not an object at all)
    kind_value, api_version, meta = body.get("kind"), body.get("apiVersion"), \
        body.get("metadata")
    spec, status = body.get("spec"), body.get("status")
    if json_checked and (kind_value is None or type(kind_value) is str) and (
            api_version is None or type(api_version) is str) and (
            meta is None or type(meta) is dict and _meta_fields_ok(meta)) and (
            spec is None or type(spec) is dict) and (status is None or type(status) is dict):
        return None  # the common case, without building the message's prefix
    prefix = f"{kind} in version {version!r} cannot be handled as a {kind}: ".replace(
        "'", '"')
    found = None if json_checked else not_json(body, "")
    if found:
        return prefix + found
    for field in ("kind", "apiVersion"):
        value = body.get(field)
        if value is not None and not isinstance(value, str):
            return (f"{prefix}json: cannot unmarshal {json_type(value)} into Go struct field "
                    f"{kind}.{field} of type string")
    meta = body.get("metadata")
    if meta is not None:
        if not isinstance(meta, dict):
            return (f"{prefix}json: cannot unmarshal {json_type(meta)} into Go struct field "
                    f"{kind}.metadata of type v1.ObjectMeta")
        for field, go_type in _META_TYPES.items():
            value = meta.get(field)
            if not _meta_type_error(field, value, go_type):
                continue
            bad, bad_go = value, go_type
            if go_type == _MAP_STRING and isinstance(value, dict):
                bad, bad_go = next(i for i in value.values() if not isinstance(i, str)), _STRING
            elif go_type.startswith("[]") and isinstance(value, list):
                element = go_type[2:]
                bad = next(i for i in value if not isinstance(
                    i, str if element == _STRING else dict))
                bad_go = element
            bad_type = json_type(bad)
            if bad_type == "number" and bad_go == _INT:
                bad_type = f"number {bad}"
            return (f"{prefix}json: cannot unmarshal {bad_type} into Go struct field "
                    f"ObjectMeta.metadata.{field} of type {bad_go}")
    for field, suffix in (("spec", "Spec"), ("status", "Status")):
        value = body.get(field)
        if value is not None and not isinstance(value, dict):
            return (f"{prefix}json: cannot unmarshal {json_type(value)} into Go struct field "
                    f"{kind}.{field} of type {version}.{kind}{suffix}")
    return None
