"""Validation shared by every kind: ObjectMeta, labels, annotations, selectors, immutability.

A transcription of ``k8s.io/apimachinery/pkg/api/validation`` (``ValidateObjectMeta``,
``ValidateObjectMetaUpdate``, owner references, finalizers),
``.../apis/meta/v1/validation`` (labels, label selectors) and the core wrappers around
them, with Kubernetes' exact messages. The helpers at the top read JSON-shaped objects
defensively: a field of the wrong JSON type reads as absent, so validators never crash on
malformed input (Kubernetes would have rejected such a body while decoding it).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from .errors import QuantityError, SelectorError
from .fielderrors import (
    FieldError,
    FieldPath,
    forbidden,
    immutable,
    invalid,
    required,
    too_long,
)
from .kinds import NameFormat, ResourceInfo
from .labels import selector_from_label_selector
from .meta import is_mapping
from .quantity import Quantity, parse_quantity
from .validation import (
    IS_NEGATIVE_ERROR_MSG,
    go_quote,
    is_dns1035_label,
    is_dns1123_label,
    is_dns1123_subdomain,
    is_label_value,
    is_path_segment_name,
    is_plain_label,
    is_qualified_name,
)

__all__ = [
    "METADATA",
    "NameFn",
    "TOTAL_ANNOTATION_SIZE_LIMIT",
    "as_dicts",
    "as_int",
    "get_list",
    "get_map",
    "get_str",
    "go_map",
    "go_selector",
    "go_string_slice",
    "is_int",
    "name_fn_for",
    "name_is_dns1035_label",
    "name_is_dns_label",
    "name_is_dns_subdomain",
    "name_is_path_segment",
    "quantity_or_none",
    "selector_matches",
    "semantic_equal",
    "validate_annotations",
    "validate_finalizers",
    "validate_immutable",
    "validate_label_name",
    "validate_label_selector",
    "validate_labels",
    "validate_nonnegative",
    "validate_object_meta",
    "validate_object_meta_update",
    "validate_owner_references",
]

METADATA = FieldPath.of("metadata")
#: ``TotalAnnotationSizeLimitB``: 256 KiB of keys and values.
TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024
_STANDARD_FINALIZERS = frozenset({"kubernetes", "orphan", "foregroundDeletion"})

#: ``ValidateNameFunc``: (name, prefix) -> problems; ``prefix`` is true for generateName.
NameFn = Callable[[str, bool], list[str]]

# -- defensive readers --------------------------------------------------------------------


# (These readers run several times per validated object: a plain dict, nearly always, is
# told by its class before `is_mapping`'s call is paid for.)
def get_map(obj: Any, key: str) -> Mapping[str, Any]:
    """``obj[key]`` if it is a mapping, else an empty one."""
    value = obj.get(key) if obj.__class__ is dict or is_mapping(obj) else None
    return value if value.__class__ is dict or (value is not None and is_mapping(value)) \
        else {}


def get_list(obj: Any, key: str) -> list[Any]:
    """``obj[key]`` if it is a list, else an empty one."""
    value = obj.get(key) if obj.__class__ is dict or is_mapping(obj) else None
    return value if isinstance(value, list) else []


def get_str(obj: Any, key: str) -> str:
    """``obj[key]`` if it is a string, else ``""``."""
    value = obj.get(key) if obj.__class__ is dict or is_mapping(obj) else None
    return value if isinstance(value, str) else ""


def as_dicts(value: Any) -> list[Mapping[str, Any]]:
    """A list's items as mappings (non-mappings read as ``{}``); ``[]`` for a non-list."""
    if not isinstance(value, list):
        return []
    return [item if is_mapping(item) else {} for item in value]


def is_int(value: Any) -> bool:
    """A JSON integer (booleans excluded; integral floats accepted, as Go decodes them)."""
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and value.is_integer())


def as_int(value: Any) -> int | None:
    """``value`` as an int, or ``None`` when it is not a JSON integer."""
    return int(value) if is_int(value) else None


def quantity_or_none(value: Any) -> Quantity | None:
    """``value`` parsed as a resource quantity, or ``None`` if it does not parse."""
    try:
        return parse_quantity(value)
    except (QuantityError, TypeError):
        return None


def go_map(value: Any) -> Any:
    """A mapping with its keys sorted, as Go's JSON encoding prints a ``map`` bad value.

    Only for values that are Go maps (labels, selectors' ``matchLabels``): structs keep
    their field order, which JSON-shaped objects already have.
    """
    if isinstance(value, Mapping):
        return {key: value[key] for key in sorted(value)}
    return value


def go_selector(selector: Any) -> Any:
    """A ``LabelSelector`` as Go prints it: ``matchLabels`` sorted, fields in struct order."""
    if not isinstance(selector, Mapping):
        return selector
    result = {key: selector[key] for key in ("matchLabels", "matchExpressions") if key in selector}
    if "matchLabels" in result:
        result["matchLabels"] = go_map(result["matchLabels"])
    return {**result, **{k: v for k, v in selector.items() if k not in result}}


def go_string_slice(values: Sequence[str]) -> str:
    """Go's ``%#v`` of a ``[]string``: ``[]string{"a", "b"}``."""
    return "[]string{" + ", ".join(go_quote(value) for value in values) + "}"


def _normalized(value: Any) -> Any:
    """Drop null and empty values, recursively: Go's zero values are indistinguishable."""
    if isinstance(value, Mapping):
        result = {}
        for key, item in value.items():
            item = _normalized(item)
            if item is not None and item != "" and item != {} and item != []:
                result[key] = item
        return result
    if isinstance(value, list | tuple):
        return [_normalized(item) for item in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def semantic_equal(a: Any, b: Any) -> bool:
    """``apiequality.Semantic.DeepEqual`` for JSON data: absent, null and empty are equal.

    Equal data is equal once normalized too: that common case (an update that keeps a
    pod's spec) is told by ``==``, which shared parts answer at once, without walks."""
    return a == b or _normalized(a) == _normalized(b)


# -- name validators (ValidateNameFunc) ---------------------------------------------------


def namespace_problems(namespace: str, check: Callable[..., list[str]]) -> tuple[str, ...]:
    """``check(namespace)`` (a name validator: `name_is_dns_label` with prefix False, or
    `is_dns1123_subdomain`), remembered: every create of a namespaced object checks its
    namespace, and a cluster has few (bounded table; the messages as an immutable tuple)."""
    key = (namespace, check)
    found = _NAMESPACE_PROBLEMS.get(key)
    if found is None:
        if len(_NAMESPACE_PROBLEMS) >= 1024:
            _NAMESPACE_PROBLEMS.clear()
        found = _NAMESPACE_PROBLEMS[key] = tuple(
            check(namespace, False) if check is name_is_dns_label else check(namespace))
    return found


_NAMESPACE_PROBLEMS: dict[tuple[str, Callable[..., list[str]]], tuple[str, ...]] = {}


def _mask_trailing_dash(name: str) -> str:
    """``maskTrailingDash``, Go's off-by-one included (it drops two characters)."""
    if len(name) > 1 and name.endswith("-"):
        return name[:-2] + "a"
    return name


def name_is_dns_subdomain(name: str, prefix: bool) -> list[str]:
    """``NameIsDNSSubdomain``."""
    return is_dns1123_subdomain(_mask_trailing_dash(name) if prefix else name)


def name_is_dns_label(name: str, prefix: bool) -> list[str]:
    """``NameIsDNSLabel`` (namespaces, StatefulSets)."""
    return is_dns1123_label(_mask_trailing_dash(name) if prefix else name)


def name_is_dns1035_label(name: str, prefix: bool) -> list[str]:
    """``NameIsDNS1035Label`` (Services)."""
    return is_dns1035_label(_mask_trailing_dash(name) if prefix else name)


def name_is_path_segment(name: str, prefix: bool) -> list[str]:
    """``ValidateRBACName`` / ``path.IsValidPathSegmentName`` (prefix ignored, as in RBAC)."""
    return is_path_segment_name(name)


_NAME_FNS: dict[NameFormat, NameFn] = {
    NameFormat.DNS_SUBDOMAIN: name_is_dns_subdomain,
    NameFormat.DNS_LABEL: name_is_dns_label,
    NameFormat.DNS1035_LABEL: name_is_dns1035_label,
    NameFormat.PATH_SEGMENT: name_is_path_segment,
}


def name_fn_for(info: ResourceInfo) -> NameFn:
    """The name validator the registry declares for ``info``."""
    return _NAME_FNS[info.name_format]


# -- labels, annotations, selectors ----------------------------------------------------------


def validate_label_name(name: str, path: FieldPath | str) -> list[FieldError]:
    """``ValidateLabelName``: a qualified name."""
    return [invalid(path, name, msg) for msg in is_qualified_name(name)]


def validate_labels(labels: Any, path: FieldPath | str) -> list[FieldError]:
    """``ValidateLabels``: keys are qualified names, values valid label values."""
    errors: list[FieldError] = []
    if not is_mapping(labels):
        return errors
    for key, value in labels.items():
        if is_plain_label(key, value):
            continue
        errors.extend(validate_label_name(str(key), path))
        if not isinstance(value, str):
            errors.append(invalid(path, value, "label values must be strings"))
            continue
        errors.extend(invalid(path, value, msg) for msg in is_label_value(value))
    return errors


def validate_annotations(annotations: Any, path: FieldPath | str) -> list[FieldError]:
    """``ValidateAnnotations``: case-insensitive qualified keys, 256 KiB in total."""
    errors: list[FieldError] = []
    if not is_mapping(annotations):
        return errors
    total = 0
    for key, value in annotations.items():
        key = str(key)
        errors.extend(invalid(path, key, msg) for msg in is_qualified_name(key.lower()))
        total += len(key.encode()) + len(str(value).encode())
    if total > TOTAL_ANNOTATION_SIZE_LIMIT:
        errors.append(too_long(path, TOTAL_ANNOTATION_SIZE_LIMIT))
    return errors


def validate_label_selector(
    selector: Any, path: FieldPath, *, allow_invalid_label_value: bool = False
) -> list[FieldError]:
    """``ValidateLabelSelector``: matchLabels and each matchExpressions requirement."""
    errors: list[FieldError] = []
    if not isinstance(selector, Mapping):
        return errors
    errors.extend(validate_labels(selector.get("matchLabels"), path.child("matchLabels")))
    for index, expression in enumerate(get_list(selector, "matchExpressions")):
        errors.extend(
            _validate_selector_requirement(
                expression, path.child("matchExpressions").index(index), allow_invalid_label_value
            )
        )
    return errors


def validate_requirement_operator(
    operator: str, values: list[Any], path: FieldPath, *, numeric: bool = False
) -> list[FieldError]:
    """The operator of a selector requirement and whether `values` fits it; `numeric`
    admits Gt/Lt with one value (node selectors), as Kubernetes' two validators do."""
    if operator in ("In", "NotIn"):
        if not values:
            return [required(path.child("values"),
                             "must be specified when `operator` is 'In' or 'NotIn'")]
        return []
    if operator in ("Exists", "DoesNotExist"):
        if values:
            return [forbidden(path.child("values"),
                              "may not be specified when `operator` is 'Exists' or "
                              "'DoesNotExist'")]
        return []
    if numeric and operator in ("Gt", "Lt"):
        if len(values) != 1:
            return [required(path.child("values"),
                             "must be specified single value when `operator` is 'Lt' or 'Gt'")]
        return []
    return [invalid(path.child("operator"), operator, "not a valid selector operator")]


def _validate_selector_requirement(
    requirement: Any, path: FieldPath, allow_invalid_label_value: bool
) -> list[FieldError]:
    operator = requirement.get("operator", "") if isinstance(requirement, Mapping) else ""
    values = get_list(requirement, "values")
    errors = validate_requirement_operator(operator, values, path)
    errors.extend(validate_label_name(get_str(requirement, "key"), path.child("key")))
    if not allow_invalid_label_value:
        for index, value in enumerate(values):
            errors.extend(
                invalid(path.child("values").index(index), value, msg)
                for msg in is_label_value(str(value))
            )
    return errors


def selector_matches(selector: Any, labels: Any) -> bool | None:
    """Whether a structured selector matches ``labels``; ``None`` if it does not parse.

    A missing (``None``) selector matches nothing, ``{}`` matches everything, like
    ``metav1.LabelSelectorAsSelector``.
    """
    try:
        parsed = selector_from_label_selector(selector if isinstance(selector, Mapping) else None)
    except SelectorError:
        return None
    return parsed.matches(labels if isinstance(labels, Mapping) else {})


# -- scalars ---------------------------------------------------------------------------------


def validate_nonnegative(value: Any, path: FieldPath | str) -> list[FieldError]:
    """``ValidateNonnegativeField``: ``must be greater than or equal to 0``."""
    if value is None:
        return []
    if not is_int(value):
        return [invalid(path, value, "must be an integer")]
    return [invalid(path, value, IS_NEGATIVE_ERROR_MSG)] if value < 0 else []


def validate_immutable(new: Any, old: Any, path: FieldPath | str) -> list[FieldError]:
    """``ValidateImmutableField``: ``Invalid value: <new>: field is immutable``."""
    return [] if semantic_equal(new, old) else [immutable(path, new)]


# -- ObjectMeta --------------------------------------------------------------------------------


_OWNER_FIELDS = ("apiVersion", "kind", "name", "uid", "controller", "blockOwnerDeletion")


def _go_owner(reference: Mapping[str, Any]) -> dict[str, Any]:
    """An owner reference in ``metav1.OwnerReference`` field order, as Go prints it."""
    ordered = {key: reference[key] for key in _OWNER_FIELDS if key in reference}
    return {**ordered, **{k: v for k, v in reference.items() if k not in ordered}}


def validate_owner_references(references: Any, path: FieldPath) -> list[FieldError]:
    """``ValidateOwnerReferences``: required fields, no Event owners, one controller."""
    errors: list[FieldError] = []
    if not isinstance(references, list):
        return errors
    first_controller = ""
    for reference in references:
        if not is_mapping(reference):
            errors.append(invalid(path, reference, "must be an object"))
            continue
        api_version = get_str(reference, "apiVersion")
        kind = get_str(reference, "kind")
        parts = api_version.split("/")
        group, version = ("", parts[0]) if len(parts) == 1 else (parts[0], parts[1])
        if len(parts) > 2:
            group = version = ""
        if not version:
            errors.append(
                invalid(path.child("apiVersion"), api_version, "version must not be empty")
            )
        if not kind:
            errors.append(invalid(path.child("kind"), kind, "must not be empty"))
        for key in ("name", "uid"):
            if not get_str(reference, key):
                errors.append(
                    invalid(path.child(key), get_str(reference, key), "must not be empty")
                )
        if (group, version, kind) == ("", "v1", "Event"):
            errors.append(
                invalid(
                    path, _go_owner(reference), "/v1, Kind=Event is disallowed from being an owner"
                )
            )
        if reference.get("controller") is True:
            current = f"{kind}/{get_str(reference, 'name')}"
            if first_controller:
                errors.append(
                    invalid(
                        path,
                        [
                            _go_owner(item) if isinstance(item, Mapping) else item
                            for item in references
                        ],
                        'Only one reference can have Controller set to true. Found "true" in '
                        f"references for {first_controller} and {current}",
                    )
                )
            else:
                first_controller = current
    return errors


def validate_finalizers(finalizers: Any, path: FieldPath) -> list[FieldError]:
    """``ValidateFinalizers`` plus core's ``validateKubeFinalizerName`` per entry."""
    errors: list[FieldError] = []
    if not isinstance(finalizers, list):
        return errors
    names = [str(finalizer) for finalizer in finalizers]
    for name in names:
        errors.extend(invalid(path, name, msg) for msg in is_qualified_name(name))
    if "orphan" in names and "foregroundDeletion" in names:
        errors.append(
            invalid(path, names, "finalizer orphan and foregroundDeletion cannot be both set")
        )
    for index, name in enumerate(names):
        if "/" not in name and name not in _STANDARD_FINALIZERS:
            errors.append(
                invalid(
                    path.index(index),
                    name,
                    "name is neither a standard finalizer name nor is it fully qualified",
                )
            )
    return errors


def validate_object_meta(
    obj: Mapping[str, Any], namespaced: bool, name_fn: NameFn, path: FieldPath = METADATA
) -> list[FieldError]:
    """``ValidateObjectMeta`` (core flavour): run on create, after name generation.

    The apiserver must have turned ``generateName`` into ``name`` first; both are then
    checked, like ``ValidateObjectMetaAccessor``.
    """
    metadata = get_map(obj, "metadata")
    errors: list[FieldError] = []
    # every create comes through here: the paths of the messages are built only when a
    # check has something to say
    generate_name = get_str(metadata, "generateName")
    if generate_name:
        messages = name_fn(generate_name, True)
        if messages:
            errors.extend(
                invalid(path.child("generateName"), generate_name, msg) for msg in messages
            )
    name = get_str(metadata, "name")
    if not name:
        errors.append(required(path.child("name"), "name or generateName is required"))
    else:
        messages = name_fn(name, False)
        if messages:
            errors.extend(invalid(path.child("name"), name, msg) for msg in messages)
    namespace = get_str(metadata, "namespace")
    if namespaced:
        if not namespace:
            errors.append(required(path.child("namespace")))
        else:
            messages = namespace_problems(namespace, name_is_dns_label)
            if messages:
                errors.extend(invalid(path.child("namespace"), namespace, msg) for msg in messages)
    elif namespace:
        errors.append(forbidden(path.child("namespace"), "not allowed on this type"))
    _validate_meta_common(metadata, path, errors)
    return errors


def _validate_meta_common(
    metadata: Mapping[str, Any], path: FieldPath, errors: list[FieldError]
) -> None:
    """The checks of the metadata fields every object may carry, added to `errors`."""
    _run_meta_checks(_META_CHECKS, metadata, path, errors)


def _run_meta_checks(checks: tuple[tuple[str, Callable[[Any, FieldPath], list[FieldError]]],
                                   ...],
                     metadata: Mapping[str, Any], path: FieldPath,
                     errors: list[FieldError]) -> None:
    """Each check of a metadata field that is present, its errors added to `errors`:
    each check passes an absent field, so those are skipped without building their paths
    (every create, update and patch comes through here)."""
    children = _METADATA_CHILDREN if path is METADATA else None
    for key, check in checks:
        value = metadata.get(key)
        if value is not None:
            found = check(value, children[key] if children else path.child(key))
            if found:
                errors += found


_META_CHECKS: tuple[tuple[str, Callable[[Any, FieldPath], list[FieldError]]], ...] = (
    ("generation", validate_nonnegative),
    ("labels", validate_labels),
    ("annotations", validate_annotations),
    ("ownerReferences", validate_owner_references),
    ("finalizers", validate_finalizers),
)
#: ``metadata.<key>`` for each of them (paths are immutable values: built once)
_METADATA_CHILDREN = {key: METADATA.child(key) for key, _check in _META_CHECKS}
#: what `validate_object_meta_update` checks of the new metadata, in its order (each
#: check passes an absent field)
_UPDATE_CHECKS: tuple[tuple[str, Callable[[Any, FieldPath], list[FieldError]]], ...] = (
    ("labels", validate_labels),
    ("annotations", validate_annotations),
    ("ownerReferences", validate_owner_references),
)


def validate_object_meta_update(
    new: Mapping[str, Any], old: Mapping[str, Any], path: FieldPath = METADATA
) -> list[FieldError]:
    """``ValidateObjectMetaUpdate``: identity fields immutable, no new finalizers on delete.

    The apiserver is expected to have done what ``rest.BeforeUpdate`` does first: fill an
    absent ``uid``/``creationTimestamp`` from the old object and, for unconditional
    updates, the current ``resourceVersion``.
    """
    new_meta, old_meta = get_map(new, "metadata"), get_map(old, "metadata")
    errors: list[FieldError] = []
    if old_meta.get("deletionTimestamp") is not None:
        old_finalizers = {str(f) for f in get_list(old_meta, "finalizers")}
        extra = sorted({str(f) for f in get_list(new_meta, "finalizers")} - old_finalizers)
        if extra:
            errors.append(
                forbidden(
                    path.child("finalizers"),
                    "no new finalizers can be added if the object is being deleted, "
                    f"found new finalizers {go_string_slice(extra)}",
                )
            )
    if not get_str(new_meta, "resourceVersion"):
        errors.append(
            invalid(
                path.child("resourceVersion"),
                get_str(new_meta, "resourceVersion"),
                "must be specified for an update",
            )
        )
    new_generation = as_int(new_meta.get("generation")) or 0
    if new_generation < (as_int(old_meta.get("generation")) or 0):
        errors.append(invalid(path.child("generation"), new_generation, "must not be decremented"))
    for key in (
        "name",
        "namespace",
        "uid",
        "creationTimestamp",
        "deletionTimestamp",
        "deletionGracePeriodSeconds",
    ):
        new_value, old_value = new_meta.get(key), old_meta.get(key)
        if key in ("name", "namespace", "uid"):
            new_value, old_value = new_value or "", old_value or ""
        if new_value != old_value:
            errors.append(immutable(path.child(key), new_value))
    _run_meta_checks(_UPDATE_CHECKS, new_meta, path, errors)
    for index, name in enumerate(get_list(new_meta, "finalizers")):
        name = str(name)
        if "/" not in name and name not in _STANDARD_FINALIZERS:
            errors.append(
                invalid(
                    path.child("finalizers").index(index),
                    name,
                    "name is neither a standard finalizer name nor is it fully qualified",
                )
            )
    return errors
