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
* :mod:`~kactors.api.errors` - the domain exceptions;
* :mod:`~kactors.api.fielderrors` - field-level validation errors and field paths;
* :mod:`~kactors.api.status` - ``Status`` objects (API errors) and :class:`StatusError`;
* :mod:`~kactors.api.defaults` - per-kind defaulting (pod specs in ``defaults_pod``);
* :mod:`~kactors.api.objvalidation` - per-kind create/update validation, dispatching to
  the ``validate_*`` modules (one per kind family, on top of ``validate_meta``);
* :mod:`~kactors.api.schema` - custom resources against their CRD schema;
* :mod:`~kactors.api.discovery` - EndpointSlice labels and the index by Service, shared
  by the slices' writers and readers.
"""

from .defaults import apply_defaults, generate_job_selector
from .errors import (
    ApiError,
    KindError,
    ManifestError,
    PatchError,
    QuantityError,
    SelectorError,
)
from .fielderrors import ErrorType, FieldError, FieldPath
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
from .objvalidation import invalid_status, validate_create, validate_update
from .patch import PatchType, apply_patch, json_merge_patch, json_patch, strategic_merge_patch
from .quantity import Quantity, QuantityFormat, parse_quantity
from .schema import apply_schema_defaults, prune, validate_custom_resource, validate_schema
from .status import StatusError, is_status

__all__ = [
    "DEFAULT_REGISTRY",
    "ApiError",
    "ErrorType",
    "FieldError",
    "FieldPath",
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
    "StatusError",
    "apply_defaults",
    "apply_patch",
    "apply_schema_defaults",
    "dump_json",
    "dump_yaml",
    "generate_job_selector",
    "invalid_status",
    "is_status",
    "json_merge_patch",
    "json_patch",
    "load_manifest_file",
    "load_manifests",
    "parse_api_version",
    "parse_field_selector",
    "parse_quantity",
    "parse_selector",
    "prune",
    "resource_infos_from_crd",
    "selectable_fields",
    "selector_from_label_selector",
    "selector_from_set",
    "storage_key",
    "storage_prefix",
    "strategic_merge_patch",
    "validate_create",
    "validate_custom_resource",
    "validate_schema",
    "validate_update",
]
