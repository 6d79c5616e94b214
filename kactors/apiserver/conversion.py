"""Serving a resource in a version other than the one it is stored in.

Kubernetes stores each resource in one version and converts every request and answer of
the other served versions on the way (``runtime.Scheme`` conversion functions). Here the
one such resource is the HorizontalPodAutoscaler: stored as autoscaling/v2, served as
autoscaling/v1 too (what ``kubectl autoscale`` v1.32 creates through). A request for a
version with ``ResourceInfo.stored_as`` set is rewritten by :func:`serve_converted` into a
request for the stored version, its body converted there and its answer converted back;
everything in between (admission, defaults, validation, storage) sees only v2.

A patch through the served version is applied to the object as that version says it,
then written back converted (an update guarded by the resourceVersion it read, retried on
a conflict). Watches are not converted: a v1 watch is refused with a 400 naming the
version to watch instead (kubectl watches the preferred version, v2).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import attrs

from kactors.api import status as st
from kactors.api.autoscaling import hpa_v1_to_v2, hpa_v2_to_v1
from kactors.api.kinds import ResourceInfo
from kactors.apiserver.messages import ApiRequest

__all__ = ["CONVERSIONS", "serve_converted"]

Obj = Mapping[str, Any]
Convert = Callable[[Obj], dict[str, Any]]
#: (group, kind, served version) -> (to the stored version, from it)
CONVERSIONS: dict[tuple[str, str, str], tuple[Convert, Convert]] = {
    ("autoscaling", "HorizontalPodAutoscaler", "v1"): (hpa_v1_to_v2, hpa_v2_to_v1),
}
_RETRIES = 5


def _body_to_stored(info: ResourceInfo, body: Any, to_stored: Convert) -> Any:
    if not isinstance(body, dict):
        return body  # the stored version's checks report it
    api_version, kind = body.get("apiVersion"), body.get("kind")
    if kind not in (None, info.kind) or api_version not in (None, info.api_version):
        if kind == info.kind:
            raise st.StatusError(st.bad_request(
                f"the API version in the data ({api_version}) does not match the expected "
                f"API version ({info.api_version})"))
        raise st.StatusError(st.bad_request(
            f'{kind} in version "{info.version}" cannot be handled as a {info.kind}'))
    return to_stored(body)


def _answer(result: Any, info: ResourceInfo, from_stored: Convert) -> Any:
    if not isinstance(result, dict) or result.get("kind") == "Status":
        return result
    if "items" in result and result.get("kind") == info.list_kind:
        return {**result, "apiVersion": info.api_version,
                "items": [from_stored(item) for item in result["items"]]}
    if result.get("kind") == info.kind:
        return from_stored(result)
    return result


async def serve_converted(request: ApiRequest, info: ResourceInfo,
                          handle: Callable[[ApiRequest], Awaitable[Any]],
                          patch: Callable[[Any, Any, str], Any]) -> Any:
    """Serve `request` (for `info`, a version stored as another) through `handle`, which
    serves requests for the stored version; `patch(obj, patch, patch_type)` applies a
    patch (the apiserver's own)."""
    to_stored, from_stored = CONVERSIONS[(info.group, info.kind, info.version)]
    stored = attrs.evolve(request, version=info.stored_as)
    verb = request.verb
    if verb == "watch":
        raise st.StatusError(st.bad_request(
            f"watching {info.group_resource} in version {info.version} is not served; "
            f"watch version {info.stored_as}"))
    if verb in ("create", "update"):
        stored = attrs.evolve(stored, body=_body_to_stored(info, request.body, to_stored))
    elif verb == "patch":
        patch_type = str(request.options.get("patchType") or "application/merge-patch+json")
        if "apply-patch" in patch_type:
            raise st.StatusError(st.bad_request(
                f"server-side apply of {info.group_resource} is served in version "
                f"{info.stored_as} only"))
        options = {k: v for k, v in request.options.items() if k != "patchType"}
        for _ in range(_RETRIES):
            current = await handle(attrs.evolve(stored, verb="get", body=None, options={}))
            updated = to_stored(patch(from_stored(current), request.body, patch_type))
            updated.setdefault("metadata", {})["resourceVersion"] = \
                current["metadata"]["resourceVersion"]
            try:
                result = await handle(attrs.evolve(stored, verb="update", body=updated,
                                                   options=options))
            except st.StatusError as error:
                if error.code == 409:
                    continue
                raise
            return _answer(result, info, from_stored)
        raise st.StatusError(st.conflict(info, request.name or ""))
    return _answer(await handle(stored), info, from_stored)
