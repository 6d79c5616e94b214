"""The Kubernetes object model: pure, deterministic code over JSON-shaped objects.

Objects are plain ``dict``/``list``/scalar data with Kubernetes' field names (see
:mod:`kactors.api.meta`); objects obtained from the apiserver or a cache are shared and
must be treated as immutable. Submodules, one concept each:

* :mod:`~kactors.api.quantity` - resource quantities (``500m``, ``1Gi``);
* :mod:`~kactors.api.labels` - label selectors, string and structured forms;
* :mod:`~kactors.api.fields` - field selectors and per-kind selectable fields;
* :mod:`~kactors.api.kinds` - the registry of kinds/resources and storage keys;
* :mod:`~kactors.api.meta` - typed accessors and builders over objects;
* :mod:`~kactors.api.manifests` - YAML/JSON manifests in and out;
* :mod:`~kactors.api.patch` - JSON patch, JSON merge patch, strategic merge patch;
* :mod:`~kactors.api.validation` - name validators with Kubernetes' messages;
* :mod:`~kactors.api.errors` - the domain exceptions.
"""

from .errors import (
    ApiError,
    KindError,
    ManifestError,
    PatchError,
    QuantityError,
    SelectorError,
)
from .fields import FieldSelector, parse_field_selector, selectable_fields
from .kinds import (
    DEFAULT_REGISTRY,
    Registry,
    ResourceInfo,
    parse_api_version,
    resource_infos_from_crd,
    storage_key,
    storage_prefix,
)
from .labels import Selector, parse_selector, selector_from_label_selector, selector_from_set
from .manifests import dump_json, dump_yaml, load_manifest_file, load_manifests
from .patch import PatchType, apply_patch, json_merge_patch, json_patch, strategic_merge_patch
from .quantity import Quantity, QuantityFormat, parse_quantity

__all__ = [
    "DEFAULT_REGISTRY",
    "ApiError",
    "FieldSelector",
    "KindError",
    "ManifestError",
    "PatchError",
    "PatchType",
    "Quantity",
    "QuantityError",
    "QuantityFormat",
    "Registry",
    "ResourceInfo",
    "Selector",
    "SelectorError",
    "apply_patch",
    "dump_json",
    "dump_yaml",
    "json_merge_patch",
    "json_patch",
    "load_manifest_file",
    "load_manifests",
    "parse_api_version",
    "parse_field_selector",
    "parse_quantity",
    "parse_selector",
    "resource_infos_from_crd",
    "selectable_fields",
    "selector_from_label_selector",
    "selector_from_set",
    "storage_key",
    "storage_prefix",
    "strategic_merge_patch",
]
