"""Discovery: learning the custom resources a cluster serves, so a client can name them.

A client's `Registry` starts with the built-in kinds. A kind defined by a
CustomResourceDefinition (`example.com/v1/Website`) is unknown to it until it asks the
apiserver which CRDs exist, as kubectl's discovery does. `resolve_kind` looks a kind up
and, when it is unknown, refreshes the client's registry from the cluster's CRDs once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kactors.api.errors import KindError
from kactors.api.kinds import Registry, ResourceInfo, resource_infos_from_crd

if TYPE_CHECKING:
    from kactors.client.client import ApiClient

__all__ = ["discover", "lookup_kind", "resolve_kind", "split_kind"]


def split_kind(kind: str) -> tuple[str, str] | None:
    """`"example.com/v1/Website"` -> `("example.com/v1", "Website")`; `"v1/Pod"` ->
    `("v1", "Pod")`; None for what kubectl accepts (`pods`, `Pod`, `deployments.apps`)."""
    api_version, slash, name = kind.rpartition("/")
    if not slash or not api_version or not name[:1].isupper():
        return None
    return api_version, name


def lookup_kind(registry: Registry, kind: str) -> ResourceInfo:
    """Resolve `group/version/Kind`, a kind, a resource or a short name; raises KindError."""
    split = split_kind(kind)
    if split is not None:
        return registry.by_api_version(*split)
    return registry.resolve(kind)


def with_crds(registry: Registry, crds: list[dict]) -> Registry:
    """`registry` with the served versions of `crds` (replacing those it knew of them)."""
    for crd in crds:
        try:
            infos = resource_infos_from_crd(crd)
        except KindError:
            continue
        if not infos:
            continue
        first = infos[0]
        registry = registry.without_resource(first.group, first.resource).with_resources(*infos)
    return registry


async def discover(client: ApiClient) -> Registry:
    """The client's registry refreshed with every CRD the cluster has (one list request)."""
    listed = await client.list("customresourcedefinitions.apiextensions.k8s.io")
    base = Registry(info for info in client.registry if not info.custom)
    return with_crds(base, list(listed["items"]))


async def resolve_kind(client: ApiClient, kind: str) -> ResourceInfo:
    """`kind`'s resource; an unknown kind refreshes `client.registry` from the cluster's
    CRDs first. Raises KindError if the cluster does not serve it either."""
    try:
        return lookup_kind(client.registry, kind)
    except KindError:
        pass
    client.registry = await discover(client)
    return lookup_kind(client.registry, kind)
