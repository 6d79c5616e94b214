"""discovery.k8s.io/v1 names shared by the writers and the readers of EndpointSlices.

The EndpointSlice controllers label every slice with the Service it belongs to and the
controller that manages it; kube-proxy (and any consumer) finds a Service's slices by
the first label. One module so both sides index slices the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["DISCOVERY_API_VERSION", "MANAGED_BY_LABEL", "SERVICE_INDEX", "SERVICE_NAME_LABEL",
           "slice_service_keys"]

DISCOVERY_API_VERSION = "discovery.k8s.io/v1"
#: `discovery.LabelServiceName`: the Service a slice belongs to (what consumers index by)
SERVICE_NAME_LABEL = "kubernetes.io/service-name"
#: `discovery.LabelManagedBy`: which controller writes a slice (each touches only its own)
MANAGED_BY_LABEL = "endpointslice.kubernetes.io/managed-by"
#: the name of the slice index of `slice_service_keys`
SERVICE_INDEX = "service-name"


def slice_service_keys(obj: Mapping[str, Any]) -> list[str]:
    """Index function: a slice's "namespace/service" (none without the label)."""
    meta = obj.get("metadata") or {}
    service = (meta.get("labels") or {}).get(SERVICE_NAME_LABEL)
    return [f"{meta.get('namespace') or ''}/{service}"] if service else []
