"""``fieldValidation``: what the API does with fields a kind's schema does not declare.

kube-apiserver decodes every create, update and patch into its Go struct; a field the
struct lacks is *unknown*, and the request's ``fieldValidation`` query parameter decides
its fate: ``Strict`` refuses the request (400 for a create or update, 422 for a patch),
``Warn`` (the default) serves it with one ``Warning`` header per unknown field, ``Ignore``
drops them silently. kubectl sends ``fieldValidation=Strict`` on create, apply and replace
unless ``--validate=false``, so a typo such as ``imagee:`` fails as::

    Error from server (BadRequest): ... strict decoding error: unknown field
    "spec.template.spec.containers[0].imagee"

For a patch, Kubernetes judges the *patched result*, not the patch: an object already
stored with an unknown field (written with ``Warn``) does not make a later ``kubectl label``
fail, and a patch that removes such a field is fine. Here the front does the same by
applying the patch to the current object (the apiserver's own patch code) and reporting
the unknown fields the result has and the current object had not.

Pure functions over dicts and the OpenAPI v3 document of the kind's group (what
``/openapi/v3`` serves, :func:`.openapi.unknown_fields`); the front does the I/O.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from kactors.api import fielderrors as fe
from kactors.api import status as st
from kactors.api.patch import PatchType

from . import openapi

__all__ = ["MODES", "go_value", "mode_of", "patch_may_add_fields", "patched_unknown_fields",
           "strict_decoding_error", "strict_patch_error", "warnings"]

MODES = ("Ignore", "Warn", "Strict")
_ADDING_OPS = ("add", "replace", "copy", "move")


def mode_of(query: Mapping[str, str]) -> str:
    """The request's directive (``Warn`` when absent); 400 for any other value."""
    mode = query.get("fieldValidation") or "Warn"
    if mode not in MODES:
        raise st.StatusError(st.bad_request(
            f"fieldValidation must be one of Ignore, Warn or Strict, not {mode!r}"))
    return mode


def _fields_only(value: Any) -> Any:
    """A merge patch as the partial object it adds: without the strategic merge
    directives (``$patch``, ``$setElementOrder/...``, ``$retainKeys``) and without the
    ``null`` values that delete."""
    if isinstance(value, Mapping):
        return {key: _fields_only(item) for key, item in value.items()
                if item is not None and not str(key).startswith("$")}
    if isinstance(value, list):
        return [_fields_only(item) for item in value]
    return value


def patch_may_add_fields(document: Mapping[str, Any], api_version: str, kind: str,
                         patch: Any, patch_type: str) -> bool:
    """Whether ``patch`` could give the object an unknown field: the cheap test that
    spares most patches (``kubectl scale``, ``label``) the read of the current object.
    A merge patch is a partial object, checked as one; a JSON patch that adds anything
    may."""
    if patch_type == PatchType.JSON.value:
        return isinstance(patch, list) and any(
            isinstance(op, Mapping) and op.get("op") in _ADDING_OPS for op in patch)
    if not isinstance(patch, Mapping):
        return False  # not an object: the apiserver refuses it
    probe = {**_fields_only(patch), "apiVersion": api_version, "kind": kind}
    return bool(openapi.unknown_fields(document, probe))


def patched_unknown_fields(document: Mapping[str, Any], current: Mapping[str, Any],
                           patched: Mapping[str, Any]) -> list[str]:
    """The unknown fields of the patched object that the current one did not have."""
    before = set(openapi.unknown_fields(document, current))
    return [path for path in openapi.unknown_fields(document, patched) if path not in before]


def warnings(unknown: list[str]) -> list[str]:
    """The ``Warning`` header texts for ``Warn``: ``unknown field "spec.x"``."""
    return [f'unknown field "{path}"' for path in unknown]


def strict_decoding_error(body: Mapping[str, Any], unknown: list[str]) -> dict[str, Any]:
    """A create's or update's refusal: 400 ``Deployment in version "v1" cannot be handled
    as a Deployment: strict decoding error: unknown field "spec.x"``."""
    kind = str(body.get("kind", ""))
    version = str(body.get("apiVersion", "")).rpartition("/")[2]
    return st.bad_request(f'{kind} in version "{version}" cannot be handled as a {kind}: '
                          f'strict decoding error: {", ".join(warnings(unknown))}')


def go_value(value: Any) -> str:
    """``fmt.Sprintf("%+v", v)`` of decoded JSON, as Go prints it: ``map[a:1 b:[x y]]``
    (keys sorted), ``<nil>``, strings bare."""
    if isinstance(value, Mapping):
        return "map[" + " ".join(f"{key}:{go_value(value[key])}"
                                 for key in sorted(value, key=str)) + "]"
    if isinstance(value, list):
        return "[" + " ".join(go_value(item) for item in value) + "]"
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def strict_patch_error(patch_type: str, patch: Any, result: Any, unknown: list[str]
                       ) -> dict[str, Any]:
    """A patch's refusal, as Kubernetes' patch handler words it: 422 Invalid, field
    ``patch``, whose value is the patch as Go prints a map (strategic merge) or the
    patched object's JSON (JSON and merge patches); kubectl shows ``The request is
    invalid: patch: Invalid value: "...": strict decoding error: unknown field "spec.x"``.
    """
    if patch_type == PatchType.STRATEGIC_MERGE.value:
        shown = go_value(patch)
    else:
        shown = json.dumps(result, separators=(",", ":"))
    return st.invalid(("", ""), "", [fe.invalid(
        "patch", shown, f'strict decoding error: {", ".join(warnings(unknown))}')])
