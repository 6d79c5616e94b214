"""OpenAPI documents: what ``kubectl explain``, ``kubectl apply`` and validation read.

Three documents, generated from the registry and a compact field table
(:mod:`._schemas`, one line per field) rather than shipped as megabytes of JSON:

* ``/openapi/v2`` (:func:`openapi_v2`): Swagger 2.0, ``definitions`` named like Kubernetes'
  (``io.k8s.api.core.v1.Pod``) with ``x-kubernetes-group-version-kind``. (kubectl itself
  only reads v2 as protobuf; JSON v2 is for other tools.)
* ``/openapi/v3`` (:func:`openapi_v3_index`): the discovery document, one
  ``serverRelativeURL`` per group version, with a content hash.
* ``/openapi/v3/apis/<group>/<version>`` (:func:`openapi_v3_group`): OpenAPI 3.0 with
  ``components.schemas`` and ``paths``. kubectl 1.32 reads it for ``explain``, and, before
  ``create``/``apply``, to learn that the server validates fields itself: each kind's PATCH
  path declares the ``fieldValidation`` query parameter and the kind's GVK, so kubectl
  sends ``fieldValidation=Strict`` instead of validating client-side. Its PATCH request
  bodies do *not* list ``application/strategic-merge-patch+json``, so ``kubectl apply``
  computes strategic merge patches from its compiled-in types (exact Kubernetes semantics)
  rather than from these schemas, which carry no patch strategies.

Covered with their fields (for ``explain`` and :func:`unknown_fields`): ObjectMeta,
LabelSelector, Pod (PodSpec, Container, ports, env, resources, probes, volume mounts,
tolerations, PodStatus and container states), Deployment, ReplicaSet, StatefulSet,
DaemonSet, ControllerRevision, Job, Service, Endpoints, ConfigMap, Secret, ServiceAccount,
Namespace, Node, Event, Binding, Lease, Roles and bindings, access reviews,
PersistentVolume, PersistentVolumeClaim, StorageClass. Rarely used sub-objects
(affinity, securityContext, volume sources, lifecycle hooks...) are open objects
(``x-kubernetes-preserve-unknown-fields``): accepted as they are, not explained deeper.
Custom resources use their CRD's ``openAPIV3Schema``; any other kind an open object.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Iterable, Mapping
from typing import Any

from kactors.api.kinds import Registry, ResourceInfo

from ._schemas import GROUP_PACKAGES, META, RENAMED, TYPES

__all__ = [
    "definition_name",
    "openapi_v2",
    "openapi_v3_group",
    "openapi_v3_index",
    "resolve_field",
    "strict_field_errors",
    "unknown_fields",
]

KUBERNETES_VERSION = "v1.32.0"
_V2_REF, _V3_REF = "#/definitions/", "#/components/schemas/"
_SCALARS: dict[str, dict[str, Any]] = {
    "string": {"type": "string"},
    "boolean": {"type": "boolean"},
    "integer": {"type": "integer", "format": "int32"},
    "int64": {"type": "integer", "format": "int64"},
    "number": {"type": "number", "format": "double"},
    "byte": {"type": "string", "format": "byte"},
    "object": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
}
#: named schemas that are not objects with fields
_SPECIAL: dict[str, tuple[str, dict[str, Any]]] = {
    "Time": (META, {"type": "string", "format": "date-time",
                    "description": "Time is a wrapper around time.Time which supports correct "
                                   "marshaling to YAML and JSON (RFC 3339)."}),
    "Quantity": ("io.k8s.apimachinery.pkg.api.resource", {
        "type": "string", "x-kubernetes-int-or-string": True,
        "description": "Quantity is a fixed-point representation of a number (\"500m\", "
                       "\"1Gi\", 2)."}),
    "IntOrString": ("io.k8s.apimachinery.pkg.util.intstr", {
        "type": "string", "format": "int-or-string", "x-kubernetes-int-or-string": True,
        "description": "IntOrString is a type that can hold an int32 or a string."}),
}
_TYPE_META = {
    "apiVersion": "string APIVersion defines the versioned schema of this representation of "
                  "an object.",
    "kind": "string Kind is a string value representing the REST resource this object "
            "represents.",
    "metadata": "ObjectMeta Standard object's metadata.",
}


def _full_name(short: str) -> str:
    """The definition name of a field-table key (``RENAMED`` keys: their short name)."""
    if short in _SPECIAL:
        return f"{_SPECIAL[short][0]}.{short}"
    return f"{TYPES[short][0]}.{RENAMED.get(short, short)}"


#: definition name -> field-table key
_KEYS: dict[str, str] = {_full_name(key): key for key in TYPES}


def definition_name(info: ResourceInfo) -> str:
    """The schema name of a kind: ``io.k8s.api.apps.v1.Deployment``; for custom resources
    the reversed group, as Kubernetes names them (``com.example.v1.Widget``)."""
    package = GROUP_PACKAGES.get(info.group) if not info.custom else None
    if package is None:
        reversed_group = ".".join(reversed(info.group.split("."))) if info.group else "core"
        return f"{reversed_group}.{info.version}.{info.kind}"
    return f"{package[: package.rindex('.')]}.{info.version}.{info.kind}"


# -- schemas from the field table ---------------------------------------------------------------

def _type_schema(text: str, ref: str) -> dict[str, Any]:
    """The schema of one type expression of the field table."""
    if text.startswith("[") and text.endswith("]"):
        return {"type": "array", "items": _type_schema(text[1:-1], ref)}
    if text.startswith("{") and text.endswith("}"):
        return {"type": "object", "additionalProperties": _type_schema(text[1:-1], ref)}
    if text in _SCALARS:
        return dict(_SCALARS[text])
    target = ref + _full_name(text)
    if ref == _V3_REF:
        return {"allOf": [{"$ref": target}], "default": {}}
    return {"$ref": target}


def _field_schema(text: str, ref: str) -> tuple[dict[str, Any], bool]:
    """(schema, required) of one field's ``"type[!] description"``."""
    type_text, _, description = text.partition(" ")
    required = type_text.endswith("!")
    schema = _type_schema(type_text.rstrip("!"), ref)
    schema["description"] = description
    return schema, required


def _object_schema(description: str, fields: Mapping[str, str], ref: str) -> dict[str, Any]:
    properties: dict[str, Any] = {}
    required: list[str] = []
    for name in sorted(fields):
        properties[name], needed = _field_schema(fields[name], ref)
        if needed:
            required.append(name)
    schema: dict[str, Any] = {"description": description, "type": "object",
                              "properties": properties}
    if required:
        schema["required"] = required
    return schema


def _gvk(info: ResourceInfo) -> list[dict[str, str]]:
    return [{"group": info.group, "kind": info.kind, "version": info.version}]


def _kind_schema(info: ResourceInfo, ref: str) -> dict[str, Any]:
    """A served kind: its table entry, its CRD schema, or an open object."""
    entry = TYPES.get(info.kind) if not info.custom else None
    if entry is not None and definition_name(info) == f"{entry[0]}.{info.kind}":
        schema = _object_schema(entry[1], {**_TYPE_META, **entry[2]}, ref)
    elif info.custom and info.openapi_schema:
        schema = _crd_schema(json.loads(info.openapi_schema), ref)
    else:
        schema = _object_schema(f"{info.kind} ({info.api_version}): fields not described.",
                                _TYPE_META, ref)
        schema["x-kubernetes-preserve-unknown-fields"] = True
    schema["x-kubernetes-group-version-kind"] = _gvk(info)
    return schema


def _crd_schema(schema: Mapping[str, Any], ref: str) -> dict[str, Any]:
    """A CRD's ``openAPIV3Schema`` as served: apiVersion, kind and metadata are added as
    Kubernetes does (metadata as a reference to ObjectMeta)."""
    served = dict(schema)
    properties = dict(served.get("properties") or {})
    for name, text in _TYPE_META.items():
        if name == "metadata" or name not in properties:
            properties[name] = _field_schema(text, ref)[0]
    served["properties"] = properties
    served.setdefault("type", "object")
    return served


def _referenced(schema: Any, found: set[str]) -> None:
    """Collect the definition names a schema refers to (transitively via the table)."""
    if isinstance(schema, Mapping):
        target = schema.get("$ref")
        if isinstance(target, str):
            name = target.rsplit("/", 1)[-1]
            if name not in found:
                found.add(name)
                key = _KEYS.get(name)
                if key is not None:
                    for text in TYPES[key][2].values():
                        _referenced(_field_schema(text, _V2_REF)[0], found)
        for value in schema.values():
            _referenced(value, found)
    elif isinstance(schema, list):
        for value in schema:
            _referenced(value, found)


def _definitions(infos: Iterable[ResourceInfo], ref: str) -> dict[str, Any]:
    """The schemas of ``infos`` and of every type they refer to, sorted by name."""
    schemas: dict[str, Any] = {}
    for info in infos:
        schemas[definition_name(info)] = _kind_schema(info, ref)
    needed: set[str] = set()
    _referenced(schemas, needed)
    _referenced({"$ref": ref + _full_name("ObjectMeta")}, needed)
    for name in needed - schemas.keys():
        short = name.rsplit(".", 1)[-1]
        if short in _SPECIAL:
            schemas[name] = dict(_SPECIAL[short][1])
        elif name in _KEYS or short in TYPES:
            package, description, fields = TYPES[_KEYS.get(name, short)]
            schemas[name] = _object_schema(description, fields, ref)
    return dict(sorted(schemas.items()))


# -- paths --------------------------------------------------------------------------------------

_PATCH_TYPES = ("application/json-patch+json", "application/merge-patch+json",
                "application/apply-patch+yaml")


def _prefix(info: ResourceInfo) -> str:
    return f"/api/{info.version}" if not info.group else f"/apis/{info.group}/{info.version}"


def _query(name: str, description: str, v3: bool) -> dict[str, Any]:
    if v3:
        return {"name": name, "in": "query", "description": description,
                "schema": {"type": "string", "uniqueItems": True}}
    return {"name": name, "in": "query", "description": description, "type": "string",
            "uniqueItems": True}


def _operation(info: ResourceInfo, verb: str, ref: str, v3: bool) -> dict[str, Any]:
    schema_ref = {"$ref": ref + definition_name(info)}
    operation: dict[str, Any] = {
        "description": f"{verb} {info.kind}",
        "operationId": f"{verb}{(info.group.split('.')[0] or 'core').title()}"
                       f"{info.version.title()}"
                       f"{'Namespaced' if info.namespaced else ''}{info.kind}",
        "x-kubernetes-action": verb,
        "x-kubernetes-group-version-kind": _gvk(info)[0],
    }
    parameters = []
    if verb in ("post", "put", "patch"):
        parameters = [
            _query("dryRun", "When present, modifications should not be persisted.", v3),
            _query("fieldManager", "A name associated with the actor or entity that is "
                                   "making these changes.", v3),
            _query("fieldValidation", "How the server should respond to unknown or duplicate "
                                      "fields in the object: Ignore, Warn or Strict.", v3),
        ]
    if parameters:
        operation["parameters"] = parameters
    if v3:
        if verb == "patch":
            patch_schema = {"type": "object", "x-kubernetes-preserve-unknown-fields": True}
            operation["requestBody"] = {"content": {kind: {"schema": patch_schema}
                                                    for kind in _PATCH_TYPES},
                                        "required": True}
        elif verb in ("post", "put"):
            operation["requestBody"] = {"content": {"*/*": {"schema": schema_ref}},
                                        "required": True}
        operation["responses"] = {"200": {"description": "OK", "content": {
            "application/json": {"schema": schema_ref}}}}
    else:
        operation["responses"] = {"200": {"description": "OK", "schema": schema_ref}}
    return operation


def _paths(infos: Iterable[ResourceInfo], ref: str, v3: bool) -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for info in infos:
        base = _prefix(info) + ("/namespaces/{namespace}" if info.namespaced else "")
        collection: dict[str, Any] = {}
        item: dict[str, Any] = {}
        if "list" in info.verbs:
            collection["get"] = _operation(info, "list", ref, v3)
        if "create" in info.verbs:
            collection["post"] = _operation(info, "post", ref, v3)
        for verb, method in (("get", "get"), ("update", "put"), ("patch", "patch"),
                             ("delete", "delete")):
            if verb in info.verbs:
                item[method] = _operation(info, method if verb != "update" else "put", ref, v3)
        if collection:
            paths[f"{base}/{info.resource}"] = collection
        if item:
            paths[f"{base}/{info.resource}/{{name}}"] = item
    return dict(sorted(paths.items()))


# -- the documents ------------------------------------------------------------------------------

def _info(title: str = "Kubernetes") -> dict[str, str]:
    return {"title": title, "version": KUBERNETES_VERSION}


def openapi_v2(registry: Registry) -> dict[str, Any]:
    """``/openapi/v2``: Swagger 2.0 for every served kind."""
    infos = list(registry)
    return {"swagger": "2.0", "info": _info(), "paths": _paths(infos, _V2_REF, False),
            "definitions": _definitions(infos, _V2_REF)}


def _group_versions(registry: Registry) -> dict[str, list[ResourceInfo]]:
    groups: dict[str, list[ResourceInfo]] = {}
    for info in registry:
        key = f"api/{info.version}" if not info.group else f"apis/{info.group}/{info.version}"
        groups.setdefault(key, []).append(info)
    return groups


def openapi_v3_group(registry: Registry, group: str, version: str) -> dict[str, Any] | None:
    """``/openapi/v3/api/v1`` or ``/openapi/v3/apis/<group>/<version>``; None if not
    served."""
    infos = [i for i in registry if i.group == group and i.version == version]
    if not infos:
        return None
    return {"openapi": "3.0.0", "info": _info(), "paths": _paths(infos, _V3_REF, True),
            "components": {"schemas": _definitions(infos, _V3_REF)}}


def _hash(document: Mapping[str, Any]) -> str:
    text = json.dumps(document, sort_keys=True, separators=(",", ":"))
    return hashlib.sha512(text.encode()).hexdigest().upper()


def openapi_v3_index(registry: Registry) -> dict[str, Any]:
    """``/openapi/v3``: where each group version's document is, with a hash of its content
    (clients cache a document as long as its hash does not change)."""
    paths = {}
    for key in sorted(_group_versions(registry)):
        _, _, rest = key.partition("/")
        group, _, version = rest.rpartition("/")
        document = openapi_v3_group(registry, group, version)
        assert document is not None
        paths[key] = {"serverRelativeURL": f"/openapi/v3/{key}?hash={_hash(document)}"}
    return {"paths": paths}


# -- reading the documents ----------------------------------------------------------------------

def _deref(document: Mapping[str, Any], schema: Mapping[str, Any]) -> Mapping[str, Any]:
    """Follow ``$ref`` / ``allOf: [{$ref}]`` to the named schema."""
    for _ in range(32):
        target = schema.get("$ref")
        if target is None and len(schema.get("allOf") or ()) == 1:
            target = schema["allOf"][0].get("$ref")
        if not isinstance(target, str):
            return schema
        name = target.rsplit("/", 1)[-1]
        schemas = (document.get("components") or {}).get("schemas") or document.get(
            "definitions") or {}
        schema = schemas.get(name, {})
    return schema


def _kind_schema_of(document: Mapping[str, Any], group: str, version: str, kind: str
                    ) -> Mapping[str, Any] | None:
    schemas = (document.get("components") or {}).get("schemas") or document.get(
        "definitions") or {}
    wanted = {"group": group, "version": version, "kind": kind}
    for schema in schemas.values():
        if wanted in (schema.get("x-kubernetes-group-version-kind") or []):
            return schema
    return None


def resolve_field(document: Mapping[str, Any], group: str, version: str, kind: str,
                  path: str = "") -> Mapping[str, Any] | None:
    """The schema ``kubectl explain kind.path`` shows: ``resolve_field(doc, "", "v1",
    "Pod", "spec.containers")`` is the array of Container (lists are stepped through)."""
    schema = _kind_schema_of(document, group, version, kind)
    for step in [s for s in path.split(".") if s]:
        if schema is None:
            return None
        schema = _deref(document, schema)
        while schema.get("type") == "array":
            schema = _deref(document, schema.get("items") or {})
        schema = (schema.get("properties") or {}).get(step)
    return schema


@functools.lru_cache(maxsize=64)
def _cached_group(registry: Registry, group: str, version: str) -> dict[str, Any] | None:
    # registries are immutable values: a document per (registry, group version) stays right
    return openapi_v3_group(registry, group, version)


def strict_field_errors(registry: Registry, obj: Mapping[str, Any]) -> list[str]:
    """What ``fieldValidation=Strict`` (kubectl's default) refuses in ``obj``, in
    Kubernetes' words: ``unknown field "spec.containers[0].imagee"``. A 400 Status with
    message ``strict decoding error: `` + these joined by ``", "`` is the apiserver's
    answer; with ``Warn`` they become ``Warning`` headers. Unknown kinds give ``[]``."""
    group, _, version = str(obj.get("apiVersion", "")).rpartition("/")
    document = _cached_group(registry, group, version)
    if document is None:
        return []
    return [f'unknown field "{path}"' for path in unknown_fields(document, obj)]


def unknown_fields(document: Mapping[str, Any], obj: Mapping[str, Any]) -> list[str]:
    """The fields of ``obj`` its kind's schema does not declare, as Kubernetes names them in
    a strict decoding error (``spec.containers[0].imagee``); what ``fieldValidation=Strict``
    refuses and ``Warn`` warns about. ``document`` is the kind's v3 group document."""
    group, _, version = str(obj.get("apiVersion", "")).rpartition("/")
    schema = _kind_schema_of(document, group, version, str(obj.get("kind", "")))
    found: list[str] = []
    if schema is not None:
        _walk(document, schema, obj, "", found)
    return found


def _walk(document: Mapping[str, Any], schema: Mapping[str, Any], value: Any, path: str,
          found: list[str]) -> None:
    schema = _deref(document, schema)
    if schema.get("x-kubernetes-preserve-unknown-fields"):
        return
    if isinstance(value, list) and isinstance(schema.get("items"), Mapping):
        for index, item in enumerate(value):
            _walk(document, schema["items"], item, f"{path}[{index}]", found)
        return
    if not isinstance(value, Mapping):
        return
    properties = schema.get("properties")
    extra = schema.get("additionalProperties")
    for key, item in value.items():
        child = f"{path}.{key}" if path else str(key)
        if isinstance(properties, Mapping) and key in properties:
            _walk(document, properties[key], item, child, found)
        elif isinstance(extra, Mapping):
            _walk(document, extra, item, child, found)
        elif properties is not None and extra is not True:
            found.append(child)
