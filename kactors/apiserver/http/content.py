"""Content negotiation (sans-I/O): what a client accepts, and what a request body is.

Responses are always JSON. kubectl asks for protobuf first with a JSON fallback
(``application/vnd.kubernetes.protobuf,application/json``): the fallback is taken. The one
alternative representation served is a *transformation* of the JSON answer that the Accept
header names with parameters: ``application/json;as=Table;g=meta.k8s.io;v=v1`` (server-side
printing: what ``kubectl get`` shows) and ``as=PartialObjectMetadata`` (metadata only).

Request bodies: JSON (and YAML, which Kubernetes also accepts) for create and update, and
protobuf for the kinds kubectl's typed clients post (``kubectl create namespace|deployment|
service|job|role|...|token``, ``auth can-i``: :mod:`.protobuf`); for
patch, the content type *is* the patch type (merge, JSON, strategic merge, and server-side
apply's ``application/apply-patch+yaml``, whose body is YAML or JSON).
"""

from __future__ import annotations

import json
from typing import Any

import yaml

from kactors.api import status as st

from . import protobuf

__all__ = [
    "JSON",
    "PATCH_TYPES",
    "Representation",
    "decode_body",
    "media_type",
    "negotiate",
]

JSON = "application/json"
YAML = "application/yaml"
PROTOBUF = "application/vnd.kubernetes.protobuf"
JSON_PATCH = "application/json-patch+json"
MERGE_PATCH = "application/merge-patch+json"
STRATEGIC_MERGE_PATCH = "application/strategic-merge-patch+json"
APPLY_PATCH = "application/apply-patch+yaml"
PATCH_TYPES = (JSON_PATCH, MERGE_PATCH, STRATEGIC_MERGE_PATCH, APPLY_PATCH)
BODY_TYPES = (JSON, YAML)

#: what an answer is transformed into: plain JSON, a Table, or metadata only
Representation = str
PLAIN, TABLE, PARTIAL = "json", "table", "partial"

_META_GROUP = "meta.k8s.io"


def media_type(header: str) -> tuple[str, dict[str, str]]:
    """``"application/json; charset=utf-8"`` -> (``"application/json"``, {charset: utf-8})."""
    kind, _, rest = header.partition(";")
    params: dict[str, str] = {}
    for part in rest.split(";"):
        key, eq, value = part.partition("=")
        if eq:
            params[key.strip().lower()] = value.strip().strip('"')
    return kind.strip().lower(), params


def negotiate(accept: str | None) -> Representation:
    """The representation to answer with: the first media range of ``accept`` we can serve.

    ``as=Table`` / ``as=PartialObjectMetadata[List]`` in group meta.k8s.io (v1 or v1beta1)
    are transformations; a plain JSON or wildcard range means plain JSON; protobuf and other
    types are skipped. Nothing servable at all still gets JSON (clients decode by the
    Content-Type of the answer, and every Kubernetes client understands JSON).
    """
    for item in (accept or "").split(","):
        kind, params = media_type(item)
        if kind not in (JSON, "application/*", "*/*"):
            continue
        as_ = params.get("as")
        if as_ is None:
            return PLAIN
        if params.get("g") != _META_GROUP or params.get("v") not in ("v1", "v1beta1"):
            continue
        if as_ == "Table":
            return TABLE
        if as_ in ("PartialObjectMetadata", "PartialObjectMetadataList"):
            return PARTIAL
    return PLAIN


def _json_error(error: Exception) -> str:
    return f"couldn't get version/kind; json parse error: {error}"


def _load_json(data: bytes) -> Any:
    try:
        return json.loads(data)
    except (ValueError, RecursionError) as error:
        raise st.StatusError(st.bad_request(_json_error(error))) from None


def _load_yaml(data: bytes) -> Any:
    try:
        return yaml.safe_load(data)
    except (yaml.YAMLError, ValueError, RecursionError) as error:
        raise st.StatusError(st.bad_request(
            f"couldn't get version/kind; yaml parse error: {error}")) from None


def _load_protobuf(data: bytes) -> Any:
    try:
        obj = protobuf.decode(data)
    except (ValueError, UnicodeDecodeError) as error:
        raise st.StatusError(st.bad_request(f"invalid protobuf body: {error}")) from None
    if obj is None:
        raise st.StatusError(st.unsupported_media_type(BODY_TYPES))
    return obj


def decode_body(verb: str, content_type: str | None, data: bytes
                ) -> tuple[Any, dict[str, Any]]:
    """(body, extra options) of a request; raises StatusError 400 (malformed) or 415.

    Create and update take JSON, YAML or (for the kinds :mod:`.protobuf` reads) protobuf;
    any other protobuf kind is a 415. A patch's content type is its patch type (an
    extra option ``patchType``); a delete may carry DeleteOptions (option ``body``).
    """
    kind, _ = media_type(content_type or "")
    if verb == "patch":
        if kind not in PATCH_TYPES:
            raise st.StatusError(st.unsupported_media_type(PATCH_TYPES))
        if kind == APPLY_PATCH:
            return _load_yaml(data), {"patchType": kind}
        return _load_json(data), {"patchType": kind}
    if verb in ("create", "update"):
        if kind in ("", JSON):
            if not data.strip():
                raise st.StatusError(st.bad_request(
                    "the body of the request was empty: an object is required"))
            return _load_json(data), {}
        if kind in (YAML, "application/x-yaml", "text/yaml"):
            return _load_yaml(data), {}
        if kind == PROTOBUF:
            return _load_protobuf(data), {}
        raise st.StatusError(st.unsupported_media_type(BODY_TYPES))
    if verb in ("delete", "deletecollection"):
        if not data.strip():
            return None, {}
        if kind not in ("", JSON):
            raise st.StatusError(st.unsupported_media_type((JSON,)))
        return None, {"body": _load_json(data)}
    return None, {}
