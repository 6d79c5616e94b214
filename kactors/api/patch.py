"""The three patch formats of ``kubectl patch`` and the apiserver's PATCH verb.

* :func:`json_merge_patch` - RFC 7386 (``application/merge-patch+json``): maps merge
  recursively, ``null`` deletes, anything else (lists included) replaces.
* :func:`json_patch` - RFC 6902 (``application/json-patch+json``): a list of
  ``add``/``remove``/``replace``/``move``/``copy``/``test`` operations addressed by RFC
  6901 JSON pointers, applied atomically.
* :func:`strategic_merge_patch` - Kubernetes' own format
  (``application/strategic-merge-patch+json``): like a merge patch, but lists declared
  with a *patch merge key* (``containers`` by ``name``, ``ports`` by ``containerPort``...)
  are merged element by element, and ``$patch``, ``$retainKeys``,
  ``$setElementOrder/<list>`` and ``$deleteFromPrimitiveList/<list>`` directives are
  honoured. The merge keys come from :data:`PATCH_META`, transcribed from the
  ``patchStrategy``/``patchMergeKey`` tags of the built-in Go types. List ordering
  follows apimachinery's algorithm (``normalizeElementOrder``), so, as with the real
  apiserver, a *new* element of a merged list lands before the existing ones unless
  ``$setElementOrder`` says otherwise.

All functions are pure: they never mutate their arguments, and the result shares no
mutable container with them (it can be mutated freely by its caller).

Where apimachinery copies a patch value verbatim into a place the original did not have
(keeping nested ``null``s and directives in the result), we apply it to an empty value
instead, so results never contain directives; deleting from a primitive list that does
not exist is a no-op rather than creating the list.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from .errors import PatchError
from .meta import deep_copy, is_mapping

__all__ = [
    "PATCH_META",
    "PatchMeta",
    "PatchType",
    "apply_patch",
    "format_json_pointer",
    "json_merge_patch",
    "json_patch",
    "parse_json_pointer",
    "patch_meta_for_kind",
    "strategic_merge_patch",
]


class PatchType(enum.Enum):
    """Patch formats, valued by their HTTP content type."""

    JSON = "application/json-patch+json"
    MERGE = "application/merge-patch+json"
    STRATEGIC_MERGE = "application/strategic-merge-patch+json"


#: content type -> PatchType (see apply_patch)
_PATCH_TYPES: dict[Any, PatchType] = {patch_type.value: patch_type for patch_type in PatchType}


def apply_patch(obj: Mapping[str, Any], patch: Any, patch_type: PatchType | str, *,
                copy: bool = True) -> Any:
    """Apply ``patch`` of the given type to ``obj`` (the apiserver's PATCH dispatch).

    Strategic merge patches use the patch metadata of ``obj``'s kind. ``copy=False``
    lets a merge patch's result share what it did not change (see `json_merge_patch`).
    """
    # (found by its content type without Enum's lookup machinery: every patch asks)
    patch_type = _PATCH_TYPES.get(patch_type) or PatchType(patch_type)
    if patch_type is PatchType.JSON:
        return json_patch(obj, patch)
    if patch_type is PatchType.MERGE:
        return json_merge_patch(obj, patch, copy=copy)
    return strategic_merge_patch(obj, patch, str(obj.get("kind", "")))


# -- RFC 7386 JSON merge patch ---------------------------------------------------------------


def json_merge_patch(target: Any, patch: Any, *, copy: bool = True) -> Any:
    """Apply an RFC 7386 merge patch to ``target``; returns new data.

    Keys keep the target's order; keys new to the target are appended in patch order.
    ``copy=False`` returns a result that shares, instead of copying, the parts of
    ``target`` the patch leaves alone and the patch's own non-object values: for callers
    that never mutate it (a status write of a few fields on a large object, or a merge
    made only to compare), where copying the untouched rest would be most of the cost.
    """
    if not is_mapping(patch):
        return deep_copy(patch) if copy else patch
    source = target if is_mapping(target) else {}
    result: dict[str, Any] = {}
    # a patch value that is not an object replaces what it names: taken here, without a
    # call (a kubelet's status patch is mostly such values)
    for key, value in source.items():
        if key not in patch:
            result[key] = deep_copy(value) if copy else value
        else:
            change = patch[key]
            if change is not None:
                result[key] = json_merge_patch(value, change, copy=copy) if is_mapping(
                    change) else deep_copy(change) if copy else change
    for key, value in patch.items():
        if key not in source and value is not None:
            result[key] = json_merge_patch(None, value, copy=copy) if is_mapping(
                value) else deep_copy(value) if copy else value
    return result


# -- RFC 6902 JSON patch -------------------------------------------------------------------------


def parse_json_pointer(pointer: str) -> list[str]:
    """Split an RFC 6901 pointer into unescaped reference tokens (``""`` is the root)."""
    if pointer == "":
        return []
    if not pointer.startswith("/"):
        raise PatchError(f'invalid JSON pointer "{pointer}": must be empty or start with "/"')
    tokens = pointer[1:].split("/")
    for token in tokens:
        index = token.find("~")
        while index != -1:
            if index + 1 >= len(token) or token[index + 1] not in "01":
                raise PatchError(
                    f'invalid JSON pointer "{pointer}": "~" must be followed by "0" or "1"'
                )
            index = token.find("~", index + 2)
    return [token.replace("~1", "/").replace("~0", "~") for token in tokens]


def format_json_pointer(tokens: Sequence[str | int]) -> str:
    """Build an RFC 6901 pointer from reference tokens, escaping ``~`` and ``/``."""
    return "".join("/" + str(t).replace("~", "~0").replace("/", "~1") for t in tokens)


def json_patch(document: Any, operations: Any) -> Any:
    """Apply an RFC 6902 JSON patch; atomic: on any failure nothing is returned.

    Raises :class:`PatchError` naming the failing operation by index and op.
    """
    if not isinstance(operations, list):
        raise PatchError("a json patch must be a list of operations")
    doc = deep_copy(document)
    for index, operation in enumerate(operations):
        if not isinstance(operation, Mapping):
            raise PatchError(f"json patch operation {index}: must be an object")
        op = operation.get("op")
        try:
            doc = _apply_operation(doc, operation, op)
        except PatchError as error:
            raise PatchError(f"json patch operation {index} ({op}): {error}") from None
    return doc


def _required_pointer(operation: Mapping[str, Any], member: str) -> list[str]:
    pointer = operation.get(member)
    if not isinstance(pointer, str):
        raise PatchError(f'missing or non-string "{member}"')
    return parse_json_pointer(pointer)


def _required_value(operation: Mapping[str, Any]) -> Any:
    if "value" not in operation:
        raise PatchError('missing "value"')
    return deep_copy(operation["value"])


def _apply_operation(doc: Any, operation: Mapping[str, Any], op: Any) -> Any:
    if op == "add":
        return _add(doc, _required_pointer(operation, "path"), _required_value(operation))
    if op == "remove":
        _remove(doc, _required_pointer(operation, "path"))
        return doc
    if op == "replace":
        path = _required_pointer(operation, "path")
        value = _required_value(operation)
        if not path:
            return value
        container, token = _parent(doc, path)
        if isinstance(container, dict):
            if token not in container:
                raise PatchError(f'path "{format_json_pointer(path)}" does not exist')
            container[token] = value
        else:
            container[_index(container, token, path, allow_end=False)] = value
        return doc
    if op in ("move", "copy"):
        source = _required_pointer(operation, "from")
        path = _required_pointer(operation, "path")
        if op == "move":
            if source == path:
                _get(doc, source)  # must still exist
                return doc
            if path[: len(source)] == source:
                raise PatchError(
                    f'cannot move "{format_json_pointer(source)}" into its own child '
                    f'"{format_json_pointer(path)}"'
                )
            return _add(doc, path, _remove(doc, source))
        return _add(doc, path, deep_copy(_get(doc, source)))
    if op == "test":
        path = _required_pointer(operation, "path")
        if "value" not in operation:
            raise PatchError('missing "value"')
        if not _json_equal(_get(doc, path), operation["value"]):
            raise PatchError(
                f'value at "{format_json_pointer(path)}" is not equal to the expected value'
            )
        return doc
    raise PatchError(f"unknown operation {json.dumps(op)}")


def _index(container: list[Any], token: str, path: list[str], *, allow_end: bool) -> int:
    """Parse an array index token; ``-`` (one past the end) only where allowed."""
    size = len(container)
    if token == "-" and allow_end:
        return size
    if not token.isdigit() or not token.isascii() or (token.startswith("0") and token != "0"):
        raise PatchError(f'invalid array index "{token}" in "{format_json_pointer(path)}"')
    index = int(token)
    if index > size or (index == size and not allow_end):
        raise PatchError(f'array index {index} out of bounds in "{format_json_pointer(path)}"')
    return index


def _get(doc: Any, path: list[str]) -> Any:
    current = doc
    for depth, token in enumerate(path):
        if isinstance(current, dict):
            if token not in current:
                raise PatchError(f'path "{format_json_pointer(path)}" does not exist')
            current = current[token]
        elif isinstance(current, list):
            current = current[_index(current, token, path[: depth + 1], allow_end=False)]
        else:
            raise PatchError(f'path "{format_json_pointer(path)}" does not exist')
    return current


def _parent(doc: Any, path: list[str]) -> tuple[Any, str]:
    container = _get(doc, path[:-1])
    if not isinstance(container, dict | list):
        raise PatchError(f'path "{format_json_pointer(path)}" does not exist')
    return container, path[-1]


def _add(doc: Any, path: list[str], value: Any) -> Any:
    if not path:
        return value
    container, token = _parent(doc, path)
    if isinstance(container, dict):
        container[token] = value
    else:
        container.insert(_index(container, token, path, allow_end=True), value)
    return doc


def _remove(doc: Any, path: list[str]) -> Any:
    if not path:
        raise PatchError("cannot remove the document root")
    container, token = _parent(doc, path)
    if isinstance(container, dict):
        if token not in container:
            raise PatchError(f'path "{format_json_pointer(path)}" does not exist')
        return container.pop(token)
    return container.pop(_index(container, token, path, allow_end=False))


def _json_equal(left: Any, right: Any) -> bool:
    """RFC 6902 equality: numbers by value, but booleans are not numbers."""
    if isinstance(left, bool) or isinstance(right, bool):
        return type(left) is type(right) and left == right
    if isinstance(left, int | float) and isinstance(right, int | float):
        return left == right
    if isinstance(left, Mapping) and isinstance(right, Mapping):
        return left.keys() == right.keys() and all(_json_equal(left[k], right[k]) for k in left)
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(map(_json_equal, left, right))
    return type(left) is type(right) and left == right


# -- strategic merge patch ----------------------------------------------------------------------


@attrs.frozen
class PatchMeta:
    """Strategic-merge metadata of one field, like Go's ``patchStrategy`` tags.

    ``strategy="merge"`` on a list merges it (by ``merge_key`` for lists of maps, as a set
    for lists of scalars); on a list without it the list is replaced whole. ``"replace"``
    on a map replaces it instead of merging. ``fields`` describes the children of a map,
    or of each element of a list of maps; fields not described merge generically.
    """

    strategy: str = ""
    merge_key: str = ""
    fields: Mapping[str, PatchMeta] = attrs.field(factory=dict)

    def child(self, name: str) -> PatchMeta:
        return self.fields.get(name, _GENERIC)


_GENERIC = PatchMeta()


def _merge_list(key: str = "", **fields: PatchMeta) -> PatchMeta:
    return PatchMeta("merge", key, fields)


def _struct(**fields: PatchMeta) -> PatchMeta:
    return PatchMeta("", "", fields)


_OBJECT_META = _struct(ownerReferences=_merge_list("uid"), finalizers=_merge_list())
_CONDITIONS = _merge_list("type")
_CONTAINER_FIELDS = {
    "ports": _merge_list("containerPort"),
    "env": _merge_list("name"),
    "volumeMounts": _merge_list("mountPath"),
    "volumeDevices": _merge_list("devicePath"),
}
_POD_SPEC = _struct(
    volumes=_merge_list("name"),
    initContainers=_merge_list("name", **_CONTAINER_FIELDS),
    containers=_merge_list("name", **_CONTAINER_FIELDS),
    ephemeralContainers=_merge_list("name", **_CONTAINER_FIELDS),
    imagePullSecrets=_merge_list("name"),
    hostAliases=_merge_list("ip"),
    topologySpreadConstraints=_merge_list("topologyKey"),
    schedulingGates=_merge_list("name"),
    resourceClaims=_merge_list("name"),
)
_POD_STATUS = _struct(
    conditions=_CONDITIONS,
    podIPs=_merge_list("ip"),
    hostIPs=_merge_list("ip"),
    resourceClaimStatuses=_merge_list("name"),
)
_WORKLOAD = _struct(
    metadata=_OBJECT_META,
    spec=_struct(template=_struct(metadata=_OBJECT_META, spec=_POD_SPEC)),
    status=_struct(conditions=_CONDITIONS),
)
_METADATA_ONLY = _struct(metadata=_OBJECT_META)

#: Strategic-merge metadata of the built-in kinds, by kind.
PATCH_META: Mapping[str, PatchMeta] = {
    "Pod": _struct(metadata=_OBJECT_META, spec=_POD_SPEC, status=_POD_STATUS),
    "Node": _struct(
        metadata=_OBJECT_META,
        spec=_struct(podCIDRs=_merge_list()),
        status=_struct(conditions=_CONDITIONS, addresses=_merge_list("type")),
    ),
    "Namespace": _struct(metadata=_OBJECT_META, status=_struct(conditions=_CONDITIONS)),
    "Service": _struct(
        metadata=_OBJECT_META,
        spec=_struct(ports=_merge_list("port")),
        status=_struct(conditions=_CONDITIONS),
    ),
    "ServiceAccount": _struct(metadata=_OBJECT_META, secrets=_merge_list("name")),
    "PersistentVolume": _struct(metadata=_OBJECT_META),
    "PersistentVolumeClaim": _struct(metadata=_OBJECT_META, status=_struct(
        conditions=_CONDITIONS)),
    "PodDisruptionBudget": _struct(metadata=_OBJECT_META,
                                   status=_struct(conditions=_CONDITIONS)),
    "HorizontalPodAutoscaler": _struct(metadata=_OBJECT_META,
                                       status=_struct(conditions=_CONDITIONS)),
    "Deployment": _WORKLOAD,
    "ReplicaSet": _WORKLOAD,
    "StatefulSet": _WORKLOAD,
    "DaemonSet": _WORKLOAD,
    "Job": _WORKLOAD,
    "CronJob": _struct(metadata=_OBJECT_META, spec=_struct(jobTemplate=_struct(
        metadata=_OBJECT_META, spec=_struct(template=_struct(metadata=_OBJECT_META,
                                                            spec=_POD_SPEC))))),
    **{
        kind: _METADATA_ONLY
        for kind in (
            "ConfigMap",
            "Secret",
            "Endpoints",
            "EndpointSlice",
            "Event",
            "LimitRange",
            "ResourceQuota",
            "PriorityClass",
            "StorageClass",
            "Ingress",
            "IngressClass",
            "NetworkPolicy",
            "Lease",
            "ControllerRevision",
            "Role",
            "RoleBinding",
            "ClusterRole",
            "ClusterRoleBinding",
            "CustomResourceDefinition",
            "Binding",
            "Scale",
            "SelfSubjectAccessReview",
            "SubjectAccessReview",
            "SelfSubjectRulesReview",
            "SelfSubjectReview",
        )
    },
}


def patch_meta_for_kind(kind: str) -> PatchMeta:
    """The strategic-merge metadata of a built-in kind; raises PatchError otherwise.

    Like Kubernetes, strategic merge patch is refused for kinds without Go type
    information (custom resources): use a JSON merge patch for those.
    """
    meta = PATCH_META.get(kind)
    if meta is None:
        raise PatchError(
            f'strategic merge patch is not supported for kind "{kind}": '
            "use a JSON merge patch or a JSON patch"
        )
    return meta


_DIRECTIVE = "$patch"
_RETAIN_KEYS = "$retainKeys"
_SET_ELEMENT_ORDER = "$setElementOrder/"
_DELETE_FROM_PRIMITIVE_LIST = "$deleteFromPrimitiveList/"


def strategic_merge_patch(
    original: Mapping[str, Any], patch: Mapping[str, Any], kind: str | PatchMeta
) -> dict[str, Any]:
    """Apply a strategic merge patch to ``original`` using the metadata of ``kind``.

    ``kind`` is a built-in kind name or an explicit :class:`PatchMeta`. Returns new data;
    raises :class:`PatchError`.
    """
    meta = kind if isinstance(kind, PatchMeta) else patch_meta_for_kind(kind)
    if not isinstance(original, Mapping) or not isinstance(patch, Mapping):
        raise PatchError("a strategic merge patch and its target must both be JSON objects")
    return _merge_map(deep_copy(dict(original)), patch, meta)


def _render(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def _merge_map(
    original: dict[str, Any], patch: Mapping[str, Any], meta: PatchMeta
) -> dict[str, Any]:
    """Merge ``patch`` into ``original``, which this function owns and mutates."""
    if _DIRECTIVE in patch:
        directive = patch[_DIRECTIVE]
        if directive == "replace":
            rest = {k: v for k, v in patch.items() if k != _DIRECTIVE}
            return _merge_map({}, rest, meta)
        if directive == "delete":
            return {}
        raise PatchError(f"Unknown patch type: {directive} in map: {_render(dict(patch))}")
    pending = dict(patch)
    _apply_retain_keys(original, pending)
    _apply_set_element_order(original, pending, meta)
    for key, patch_value in pending.items():
        is_delete_list = key.startswith(_DELETE_FROM_PRIMITIVE_LIST)
        if is_delete_list:
            key = _directive_key(key, _DELETE_FROM_PRIMITIVE_LIST)
        if patch_value is None:
            original.pop(key, None)
            continue
        field = meta.child(key)
        if is_delete_list:
            current = original.get(key)
            if isinstance(current, list) and isinstance(patch_value, list):
                original[key] = _merge_list_values(current, patch_value, field, True)
            continue
        if key not in original:
            original[key] = _fresh(patch_value, field)
            continue
        current = original[key]
        if isinstance(current, dict) and isinstance(patch_value, Mapping):
            if field.strategy == "replace":
                original[key] = _fresh(patch_value, _GENERIC)
            else:
                original[key] = _merge_map(current, patch_value, field)
        elif isinstance(current, list) and isinstance(patch_value, list):
            if field.strategy == "merge":
                original[key] = _merge_list_values(current, patch_value, field, False)
            else:
                original[key] = deep_copy(patch_value)
        else:
            original[key] = _fresh(patch_value, field)
    return original


def _fresh(value: Any, meta: PatchMeta) -> Any:
    """A patch value placed where the original had nothing: apply it to emptiness."""
    if isinstance(value, Mapping):
        return _merge_map({}, value, meta)
    if isinstance(value, list) and meta.strategy == "merge":
        return _merge_list_values([], value, meta, False)
    return deep_copy(value)


def _directive_key(key: str, prefix: str) -> str:
    field = key[len(prefix) :]
    if not field:
        if prefix == _SET_ELEMENT_ORDER:
            raise PatchError("invalid patch format of setElementOrder list")
        raise PatchError("invalid patch format of primitive list")
    return field


def _apply_retain_keys(original: dict[str, Any], patch: dict[str, Any]) -> None:
    if _RETAIN_KEYS not in patch:
        return
    retained = patch.pop(_RETAIN_KEYS)
    if not isinstance(retained, list):
        raise PatchError("invalid patch format of retainKeys")
    allowed = {key for key in retained if isinstance(key, str)}
    for key, value in patch.items():
        if value is None or key.startswith((_DELETE_FROM_PRIMITIVE_LIST, _SET_ELEMENT_ORDER)):
            continue
        if key not in allowed:
            raise PatchError("invalid patch format of retainKeys")
    for key in [key for key in original if key not in allowed]:
        del original[key]


def _apply_set_element_order(
    original: dict[str, Any], patch: dict[str, Any], meta: PatchMeta
) -> None:
    """Merge the lists named by ``$setElementOrder/<list>`` and order them as it says."""
    for directive in [key for key in patch if key.startswith(_SET_ELEMENT_ORDER)]:
        order = patch.pop(directive)
        if not isinstance(order, list):
            raise PatchError("invalid patch format of setElementOrder list")
        key = _directive_key(directive, _SET_ELEMENT_ORDER)
        field = meta.child(key)
        current, patch_list = original.get(key), patch.get(key)
        if current is not None and not isinstance(current, list):
            raise PatchError(f"{key} is not a list in the original object")
        if patch_list is not None and not isinstance(patch_list, list):
            raise PatchError(f"{key} is not a list in the patch")
        _validate_order(patch_list or [], order, field.merge_key)
        if current is None and patch_list is None:
            continue
        if patch_list is None:
            merged = current
        elif current is None:
            merged = _fresh(patch_list, field)
        elif field.strategy == "merge":
            merged = _merge_list_values(current, patch_list, field, False)
        else:
            merged = deep_copy(patch_list)
        is_map = _element_kind(current or [], patch_list or []) == "map"
        merge_key = field.merge_key if is_map else ""
        patch_items, server_only = _partition(merged, order, merge_key)
        original[key] = _normalize_element_order(
            patch_items, server_only, order, current or [], merge_key
        )
        patch.pop(key, None)


def _validate_order(patch_list: list[Any], order: list[Any], merge_key: str) -> None:
    """The relative order of the patch list must agree with ``$setElementOrder``."""
    if not patch_list or not order:
        return
    items = [item for item in patch_list if not (isinstance(item, Mapping) and _DIRECTIVE in item)]
    position = 0
    for wanted in order:
        if position < len(items) and _same_item(items[position], wanted, merge_key):
            position += 1
    if position < len(items):
        raise PatchError(
            f"The order in patch list:\n{_render(patch_list)}\n doesn't match "
            f"$setElementOrder list:\n{_render(order)}\n"
        )


def _scalar_key(value: Any) -> tuple[str, Any]:
    """Identity of a scalar as Go's ``==`` on decoded JSON sees it (1 == 1.0, True != 1)."""
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, int | float):
        return ("number", value)
    if isinstance(value, str):
        return ("string", value)
    if value is None:
        return ("null", None)
    return ("other", _render(value))


def _merge_value(item: Any, merge_key: str) -> tuple[str, Any]:
    return _scalar_key(item.get(merge_key) if isinstance(item, Mapping) else None)


def _same_item(left: Any, right: Any, merge_key: str) -> bool:
    if merge_key:
        return _merge_value(left, merge_key) == _merge_value(right, merge_key)
    return _scalar_key(left) == _scalar_key(right)


def _element_kind(*lists: list[Any]) -> str:
    kinds = {
        "map" if isinstance(item, Mapping) else "list" if isinstance(item, list) else "scalar"
        for items in lists
        for item in items
    }
    if "list" in kinds:
        raise PatchError("lists of lists are not supported")
    if len(kinds) > 1:
        raise PatchError("list element types are not identical")
    return kinds.pop() if kinds else "scalar"


def _no_merge_key(item: Any, merge_key: str) -> PatchError:
    return PatchError(f"map: {_render(item)} does not contain declared merge key: {merge_key}")


def _merge_list_values(
    original: list[Any], patch: list[Any], meta: PatchMeta, is_delete_list: bool
) -> list[Any]:
    """``mergeSlice``: merge two lists of a ``patchStrategy: merge`` field."""
    if not original and not patch:
        return original
    merge_key = ""
    if _element_kind(original, patch) == "scalar":
        if is_delete_list:
            doomed = {_scalar_key(item) for item in patch}
            return [item for item in original if _scalar_key(item) not in doomed]
        merged: list[Any] = []
        seen: set[tuple[str, Any]] = set()
        for item in (*original, *patch):
            if _scalar_key(item) not in seen:
                seen.add(_scalar_key(item))
                merged.append(deep_copy(item))
    else:
        merge_key = meta.merge_key
        if not merge_key:
            raise PatchError("cannot merge lists without merge key for type map")
        original, patch = _apply_list_directives(original, patch, merge_key, meta)
        merged = list(original)
        for item in patch:
            if merge_key not in item:
                raise _no_merge_key(item, merge_key)
            for index, existing in enumerate(merged[: len(original)]):
                if isinstance(existing, Mapping) and _same_item(existing, item, merge_key):
                    merged[index] = _merge_map(existing, item, meta)
                    break
            else:
                merged.append(_merge_map({}, item, meta))
    patch_items, server_only = _partition(merged, patch, merge_key)
    return _normalize_element_order(patch_items, server_only, patch, original, merge_key)


def _apply_list_directives(
    original: list[Any], patch: list[Any], merge_key: str, meta: PatchMeta
) -> tuple[list[Any], list[Any]]:
    """``mergeSliceWithSpecialElements``: handle ``$patch`` entries of a merged list."""
    remaining: list[Any] = []
    replace = False
    for item in patch:
        if _DIRECTIVE not in item:
            remaining.append(item)
            continue
        directive = item[_DIRECTIVE]
        if directive == "delete":
            if merge_key not in item:
                raise _no_merge_key(item, merge_key)
            original = [
                existing
                for existing in original
                if not (isinstance(existing, Mapping) and _same_item(existing, item, merge_key))
            ]
        elif directive == "replace":
            replace = True
        elif directive == "merge":
            raise PatchError("merging lists cannot yet be specified in the patch")
        else:
            raise PatchError(f"Unknown patch type: {directive} in map: {_render(item)}")
    if replace:
        return [_merge_map({}, item, meta) for item in remaining], []
    return original, remaining


def _partition(merged: list[Any], present: list[Any], merge_key: str) -> tuple[list, list]:
    """Split ``merged`` into items present in ``present`` and the others (server-only)."""
    if merge_key:
        for item in merged:
            if not isinstance(item, Mapping) or merge_key not in item:
                raise _no_merge_key(item, merge_key)
        wanted = {_merge_value(item, merge_key) for item in present if isinstance(item, Mapping)}
        inside = [item for item in merged if _merge_value(item, merge_key) in wanted]
        outside = [item for item in merged if _merge_value(item, merge_key) not in wanted]
    else:
        wanted = {_scalar_key(item) for item in present}
        inside = [item for item in merged if _scalar_key(item) in wanted]
        outside = [item for item in merged if _scalar_key(item) not in wanted]
    return inside, outside


def _position(items: list[Any], item: Any, merge_key: str) -> int:
    for index, candidate in enumerate(items):
        if _same_item(candidate, item, merge_key):
            return index
    return -1


def _normalize_element_order(
    patch_items: list[Any],
    server_only: list[Any],
    patch_order: list[Any],
    server_order: list[Any],
    merge_key: str,
) -> list[Any]:
    """apimachinery's ``normalizeElementOrder`` + ``mergeSortedSlice``.

    Patch items follow the patch order, server-only items the live order, and the two
    sequences are interleaved by the live order where both items are in it; where they
    are not, the patch item goes first.
    """

    def by(order: list[Any]) -> Any:
        def key(item: Any) -> int:
            position = _position(order, item, merge_key)
            return position if position >= 0 else len(order)

        return key

    right = sorted(patch_items, key=by(patch_order))
    left = sorted(server_only, key=by(server_order))
    result: list[Any] = []
    i = j = 0
    while i < len(left) or j < len(right):
        if i >= len(left):
            result.append(right[j])
            j += 1
        elif j >= len(right):
            result.append(left[i])
            i += 1
        else:
            li = _position(server_order, left[i], merge_key)
            ri = _position(server_order, right[j], merge_key)
            if li >= 0 and ri >= 0 and li < ri:
                result.append(left[i])
                i += 1
            else:
                result.append(right[j])
                j += 1
    return result
