"""How server-side apply merges each field of a kind: the list types and map types.

Structured merge needs to know, for every list, whether it is

* ``map`` (an *associative* list: items are identified by key fields, e.g. containers by
  ``name``; two appliers may each own their own items),
* ``set`` (items are unique scalars, e.g. ``metadata.finalizers``), or
* ``atomic`` (replaced whole by whoever sets it: the default),

and, for every map, whether it is granular (merged key by key: the default) or atomic
(a label selector). Kubernetes reads this from the OpenAPI of each kind
(``x-kubernetes-list-type``, ``x-kubernetes-list-map-keys``, ``x-kubernetes-map-type``,
generated from the Go types' ``+listType`` tags); the built-in kinds' table here
transcribes the ones that matter, and a CustomResource's comes from its CRD's
``openAPIV3Schema``. Pure data and functions, built once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

__all__ = ["ANY", "ListSchema", "builtin_schema", "schema_from_openapi"]


@attrs.frozen
class ListSchema:
    """The merge shape of one node of an object: its known fields, the shape of its list
    items or map values (`elements`), and its list or map type. Anything not described
    is granular if a map and atomic if a list (Kubernetes' defaults)."""

    fields: Mapping[str, ListSchema] = attrs.field(factory=dict)
    elements: ListSchema | None = None
    #: for a list: "atomic", "map" or "set"
    list_type: str = "atomic"
    #: an associative list's key fields, each with its default (None: none)
    keys: tuple[tuple[str, Any], ...] = ()
    #: a map replaced whole (``x-kubernetes-map-type: atomic``)
    map_atomic: bool = False

    def child(self, name: str) -> ListSchema:
        """The shape of field `name` (or of any value of a free-form map)."""
        return self.fields.get(name) or self.elements or ANY

    def item(self) -> ListSchema:
        return self.elements or ANY


#: nothing known: granular maps, atomic lists, all the way down
ANY = ListSchema()


# -- the built-in kinds ------------------------------------------------------------------------
def _map(*keys: str | tuple[str, Any]) -> dict[str, Any]:
    return {"list_type": "map", "keys": tuple(k if isinstance(k, tuple) else (k, None)
                                              for k in keys)}


_SET: dict[str, Any] = {"list_type": "set"}
_ATOMIC_MAP: dict[str, Any] = {"map_atomic": True}

_CONTAINER = {
    "ports": _map("containerPort", ("protocol", "TCP")),
    "env": _map("name"),
    "volumeMounts": _map("mountPath"),
    "volumeDevices": _map("devicePath"),
    "resizePolicy": _map("resourceName"),
}

#: PodSpec's list types (k8s.io/api/core/v1 types.go tags), relative to a pod spec
_POD_SPEC: dict[str, Any] = {
    "containers": _map("name"), "initContainers": _map("name"),
    "ephemeralContainers": _map("name"),
    **{f"{kind}[].{name}": shape for kind in ("containers", "initContainers",
                                              "ephemeralContainers")
       for name, shape in _CONTAINER.items()},
    "volumes": _map("name"), "imagePullSecrets": _map("name"), "hostAliases": _map("ip"),
    "nodeSelector": _ATOMIC_MAP,
    "topologySpreadConstraints": _map("topologyKey", "whenUnsatisfiable"),
    "resourceClaims": _map("name"), "schedulingGates": _map("name"),
}

_EVERY_KIND: dict[str, Any] = {
    "metadata.finalizers": _SET,
    "metadata.ownerReferences": _map("uid"),
    "status.conditions": _map("type"),
}


def _under(prefix: str, table: Mapping[str, Any]) -> dict[str, Any]:
    return {f"{prefix}.{path}": shape for path, shape in table.items()}


_WORKLOAD = {**_under("spec.template.spec", _POD_SPEC), "spec.selector": _ATOMIC_MAP}

_BUILTIN_TABLES: dict[tuple[str, str], dict[str, Any]] = {
    ("", "Pod"): {**_under("spec", _POD_SPEC), "status.podIPs": _map("ip"),
                  "status.hostIPs": _map("ip")},
    ("", "PodTemplate"): _under("template.spec", _POD_SPEC),
    ("", "ReplicationController"): _WORKLOAD,
    ("apps", "Deployment"): _WORKLOAD,
    ("apps", "ReplicaSet"): _WORKLOAD,
    ("apps", "StatefulSet"): _WORKLOAD,
    ("apps", "DaemonSet"): _WORKLOAD,
    ("batch", "Job"): _WORKLOAD,
    ("batch", "CronJob"): {**_under("spec.jobTemplate.spec.template.spec", _POD_SPEC),
                           "spec.jobTemplate.spec.selector": _ATOMIC_MAP},
    ("", "Service"): {"spec.ports": _map("port", ("protocol", "TCP")),
                      "spec.selector": _ATOMIC_MAP},
    ("", "Node"): {"spec.podCIDRs": _SET, "status.addresses": _map("type")},
}


def _build(table: Mapping[str, Any]) -> ListSchema:
    """A schema tree from ``{"a.b[].c": shape}`` (``[]``: into the items of list b)."""
    root: dict[str, Any] = {}
    for path, shape in table.items():
        node = root
        for part in path.split("."):
            for step in _steps(part):
                node = node.setdefault("children", {}).setdefault(step, {})
        node.update(shape)
    return _freeze(root)


def _steps(part: str) -> list[str]:
    if part.endswith("[]"):
        return [part[:-2], "[]"]
    return [part]


def _freeze(node: Mapping[str, Any]) -> ListSchema:
    children = dict(node.get("children") or {})
    items = children.pop("[]", None)
    return ListSchema(fields={name: _freeze(child) for name, child in children.items()},
                      elements=_freeze(items) if items is not None else None,
                      list_type=node.get("list_type", "atomic"), keys=node.get("keys", ()),
                      map_atomic=node.get("map_atomic", False))


_BUILTIN: dict[tuple[str, str], ListSchema] = {}
_COMMON = _build(_EVERY_KIND)


def builtin_schema(group: str, kind: str) -> ListSchema:
    """The merge shape of a built-in kind (metadata, conditions and its own lists)."""
    cached = _BUILTIN.get((group, kind))
    if cached is None:
        table = _BUILTIN_TABLES.get((group, kind))
        cached = _build({**_EVERY_KIND, **table}) if table else _COMMON
        _BUILTIN[(group, kind)] = cached
    return cached


def schema_from_openapi(schema: Mapping[str, Any] | None) -> ListSchema:
    """A CustomResource's merge shape from its CRD version's ``openAPIV3Schema``: its
    ``x-kubernetes-list-type`` / ``-list-map-keys`` / ``-map-type`` (lists atomic where it
    says nothing), with metadata and ``status.conditions`` as every kind has them."""
    if not schema:
        return _COMMON
    described = _from_openapi(schema)
    fields = dict(described.fields)
    fields["metadata"] = _COMMON.child("metadata")
    return attrs.evolve(described, fields=fields)


def _from_openapi(schema: Mapping[str, Any]) -> ListSchema:
    properties = schema.get("properties") or {}
    fields = {name: _from_openapi(sub) for name, sub in properties.items()
              if isinstance(sub, Mapping)}
    elements = None
    if isinstance(schema.get("items"), Mapping):
        elements = _from_openapi(schema["items"])
    elif isinstance(schema.get("additionalProperties"), Mapping):
        elements = _from_openapi(schema["additionalProperties"])
    list_type = schema.get("x-kubernetes-list-type") or "atomic"
    keys: tuple[tuple[str, Any], ...] = ()
    if list_type == "map":
        item_properties = (schema.get("items") or {}).get("properties") or {}
        keys = tuple((name, (item_properties.get(name) or {}).get("default"))
                     for name in schema.get("x-kubernetes-list-map-keys") or ())
    return ListSchema(fields=fields, elements=elements, list_type=str(list_type), keys=keys,
                      map_atomic=schema.get("x-kubernetes-map-type") == "atomic")
