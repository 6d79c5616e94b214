"""API discovery documents (sans-I/O): what kubectl reads before anything else.

``/api`` (APIVersions), ``/apis`` (APIGroupList), ``/apis/<group>`` (APIGroup) and
``/api/v1`` / ``/apis/<group>/<version>`` (APIResourceList) are built from a
:class:`~kactors.api.kinds.Registry`: the built-in kinds plus those the cluster's
CustomResourceDefinitions define. kubectl resolves what a user types (``po``, ``deploy``,
``all``) from these lists alone: short names, categories, verbs (``kubectl get`` needs
list; ``kubectl scale`` finds the Scale kind of ``deployments/scale`` here) and scope.
The aggregated discovery of newer clients is not served: they fall back to these.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from kactors.api.kinds import Registry, ResourceInfo, version_priority_key

__all__ = ["api_group", "api_group_list", "api_versions", "resource_list", "served_groups"]


def served_groups(registry: Registry) -> dict[str, list[str]]:
    """group -> its versions, best first; the core group is ``""``. Groups in the order
    their first resource was registered (the built-ins first, as Kubernetes lists them)."""
    groups: dict[str, list[str]] = {}
    for info in registry:
        versions = groups.setdefault(info.group, [])
        if info.version not in versions:
            versions.append(info.version)
    for versions in groups.values():
        versions.sort(key=version_priority_key)
    return groups


def api_versions(server_address: str) -> dict[str, Any]:
    """``/api``: the legacy core group, and where clients reach it."""
    return {"kind": "APIVersions", "versions": ["v1"],
            "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0",
                                            "serverAddress": server_address}]}


def _group(group: str, versions: list[str]) -> dict[str, Any]:
    entries = [{"groupVersion": f"{group}/{v}", "version": v} for v in versions]
    return {"name": group, "versions": entries, "preferredVersion": entries[0]}


def api_group_list(registry: Registry) -> dict[str, Any]:
    """``/apis``: every named group with its versions and the preferred one."""
    return {"kind": "APIGroupList", "apiVersion": "v1",
            "groups": [_group(group, versions)
                       for group, versions in served_groups(registry).items() if group]}


def api_group(registry: Registry, group: str) -> dict[str, Any] | None:
    """``/apis/<group>``, or None for a group nobody serves."""
    versions = served_groups(registry).get(group)
    if not group or not versions:
        return None
    return {"kind": "APIGroup", "apiVersion": "v1", **_group(group, versions)}


def _storage_hash(info: ResourceInfo) -> str:
    """Kubernetes publishes a hash of the storage version so that clients (the storage
    version migrator) notice a change; any stable digest serves."""
    digest = hashlib.sha256(f"{info.group}/{info.version}/{info.kind}".encode()).digest()
    return base64.b64encode(digest[:8]).decode()


def _resource(info: ResourceInfo) -> list[dict[str, Any]]:
    entry: dict[str, Any] = {
        "name": info.resource, "singularName": info.singular,
        "namespaced": info.namespaced, "kind": info.kind, "verbs": sorted(info.verbs),
    }
    if info.short_names:
        entry["shortNames"] = list(info.short_names)
    if info.categories:
        entry["categories"] = list(info.categories)
    if "list" in info.verbs:
        entry["storageVersionHash"] = _storage_hash(info)
    entries = [entry]
    for sub in info.subresources:
        sub_entry: dict[str, Any] = {
            "name": f"{info.resource}/{sub.name}", "singularName": "",
            "namespaced": info.namespaced, "kind": sub.kind or info.kind,
            "verbs": sorted(sub.verbs),
        }
        if sub.kind and (sub.group, sub.version) != (info.group, info.version):
            sub_entry["group"] = sub.group
            sub_entry["version"] = sub.version
        entries.append(sub_entry)
    return entries


def resource_list(registry: Registry, group: str, version: str) -> dict[str, Any] | None:
    """``/api/v1`` or ``/apis/<group>/<version>``, or None when not served."""
    infos = [info for info in registry if info.group == group and info.version == version]
    if not infos:
        return None
    group_version = f"{group}/{version}" if group else version
    resources = [entry for info in infos for entry in _resource(info)]
    return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": group_version,
            "resources": resources}
