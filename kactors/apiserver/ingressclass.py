"""The DefaultIngressClass admission plugin: an Ingress created without a class gets the
cluster's default IngressClass.

An IngressClass is the default when annotated ``ingressclass.kubernetes.io/is-default-class:
"true"``. An Ingress that names no ``ingressClassName`` and carries no (deprecated)
``kubernetes.io/ingress.class`` annotation gets the default's name written into its spec at
creation, so the controller that owns that class picks it up. With several defaults the
newest wins (ties: the first name), as in Kubernetes since 1.28; with none, the Ingress keeps
no class and, like in Kubernetes, it is up to controllers whether they serve it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kactors.api.validate_networking import INGRESS_CLASS_ANNOTATION

__all__ = ["IS_DEFAULT_CLASS_ANNOTATION", "admit_ingress_class", "default_ingress_class"]

IS_DEFAULT_CLASS_ANNOTATION = "ingressclass.kubernetes.io/is-default-class"


def default_ingress_class(classes: Mapping[str, Mapping[str, Any]]) -> str | None:
    """The name of the default class: the newest of those annotated default."""
    defaults = [c["metadata"] for c in classes.values()
                if ((c.get("metadata") or {}).get("annotations") or {})
                .get(IS_DEFAULT_CLASS_ANNOTATION) == "true"]
    if not defaults:
        return None
    # newest first, then by name: RFC 3339 timestamps of one clock sort as text
    defaults.sort(key=lambda meta: str(meta.get("name")))
    newest = max(defaults, key=lambda meta: str(meta.get("creationTimestamp") or ""))
    return str(newest["name"])


def admit_ingress_class(ingress: dict[str, Any],
                        classes: Mapping[str, Mapping[str, Any]]) -> None:
    """Give a new Ingress the default class (in place) if it names none."""
    spec = ingress.setdefault("spec", {})
    if spec.get("ingressClassName") is not None:
        return
    annotations = (ingress.get("metadata") or {}).get("annotations") or {}
    if INGRESS_CLASS_ANNOTATION in annotations:
        return
    name = default_ingress_class(classes) if classes else None
    if name is not None:
        spec["ingressClassName"] = name
