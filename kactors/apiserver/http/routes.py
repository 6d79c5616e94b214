"""URL path + query + method -> what the request asks for (sans-I/O).

The HTTP front turns every resource request into an :class:`ApiRequest` for the ApiServer
actor, exactly what an in-process client sends; this module is that translation, a pure
function over strings, so every odd path can be tested without a socket.

Paths follow Kubernetes' ``RequestInfoFactory``::

    /api/v1/namespaces/<ns>/<resource>[/<name>[/<subresource>]]
    /api/v1/<resource>[/<name>[/<subresource>]]             (cluster-scoped, or all namespaces)
    /apis/<group>/<version>/...                               (the same under a group)
    /api/v1/watch/...                                         (the deprecated watch prefix)

``namespaces/<name>/status`` and ``namespaces/<name>/finalize`` are subresources of a
namespace, not a resource inside it. Everything else (discovery, ``/version``, health,
OpenAPI) is an :class:`Endpoint` the front answers itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import attrs

from kactors.api import status as st

__all__ = ["Endpoint", "ResourceRoute", "RouteError", "options_from_query", "route"]

#: query parameters handed to the apiserver under their Kubernetes names
FORWARDED_OPTIONS = (
    "labelSelector", "fieldSelector", "limit", "continue", "resourceVersion",
    "resourceVersionMatch", "allowWatchBookmarks", "timeoutSeconds", "propagationPolicy",
    "gracePeriodSeconds", "dryRun", "fieldManager", "force", "orphanDependents",
    # pods/log
    "container", "tailLines", "previous", "follow", "timestamps", "sinceSeconds",
    "limitBytes",
    # pods/exec (command repeats: one per word)
    "command", "stdin", "stdout", "stderr", "tty",
)
#: parameters that may repeat, kept as lists
_REPEATED = ("dryRun", "command")

#: the subresources of a namespace: ``namespaces/<name>/status`` names no resource inside
NAMESPACE_SUBRESOURCES = ("status", "finalize")

_METHOD_VERBS = {"POST": "create", "PUT": "update", "PATCH": "patch"}


class RouteError(Exception):
    """A request no route serves; ``status`` is the Kubernetes Status to answer with."""

    def __init__(self, status: dict[str, Any]) -> None:
        super().__init__(status.get("message", ""))
        self.status = status


@attrs.frozen
class ResourceRoute:
    """A request for objects: becomes an ApiRequest (plus the query, for the front)."""

    verb: str
    group: str
    version: str
    resource: str
    namespace: str | None = None
    name: str | None = None
    subresource: str | None = None
    options: Mapping[str, Any] = attrs.field(factory=dict)
    query: Mapping[str, str] = attrs.field(factory=dict)


@attrs.frozen
class Endpoint:
    """A path the front answers itself: ``what`` is version, healthz, readyz, livez, api,
    apis, api_group, group_version, openapi_v2, openapi_v3 or openapi_v3_group."""

    what: str
    group: str = ""
    version: str = ""
    query: Mapping[str, str] = attrs.field(factory=dict)


def _not_found() -> RouteError:
    return RouteError(st.new_status(404, "NotFound",
                                    "the server could not find the requested resource", {}))


def _query(raw: str) -> dict[str, list[str]]:
    try:
        return parse_qs(raw, keep_blank_values=True, strict_parsing=False,
                        max_num_fields=200)
    except ValueError as error:  # too many fields
        raise RouteError(st.bad_request(f"invalid query: {error}")) from None


def options_from_query(query: Mapping[str, list[str]]) -> dict[str, Any]:
    """The apiserver's options: the forwarded parameters, the last value of each (dryRun
    may repeat). Values stay strings: the apiserver parses them as Kubernetes does."""
    options: dict[str, Any] = {}
    if not query:
        return options  # most requests: no query at all
    for key in FORWARDED_OPTIONS:
        values = query.get(key)
        if not values:
            continue
        options[key] = list(values) if key in _REPEATED else values[-1]
    if options.get("dryRun") == [""]:
        del options["dryRun"]
    return options


def _flag(values: list[str] | None) -> bool:
    return bool(values) and values[-1].lower() in ("true", "1")


def route(method: str, target: str) -> ResourceRoute | Endpoint:
    """What ``method target`` asks for; raises :class:`RouteError` (404, 405, 400)."""
    parts = urlsplit(target)
    raw_query = _query(parts.query)
    query = {key: values[-1] for key, values in raw_query.items()}
    segments = [unquote(s) for s in parts.path.split("/") if s]
    if any(s in (".", "..") or "/" in s for s in segments):
        raise _not_found()
    simple = _endpoint(method, segments, query)
    if simple is not None:
        return simple
    if not segments or segments[0] not in ("api", "apis"):
        raise _not_found()
    if segments[0] == "api":
        if len(segments) < 2:
            raise _not_found()
        group, version, rest = "", segments[1], segments[2:]
    else:
        if len(segments) < 3:
            raise _not_found()
        group, version, rest = segments[1], segments[2], segments[3:]
    if not rest:
        raise _not_found()
    watch_prefix = rest[0] == "watch"
    if watch_prefix:
        rest = rest[1:]
    namespace = None
    if rest and rest[0] == "namespaces" and len(rest) > 1:
        if len(rest) > 2 and rest[2] not in NAMESPACE_SUBRESOURCES:
            namespace, rest = rest[1], rest[2:]
    if not rest or len(rest) > 3:
        raise _not_found()
    resource = rest[0]
    name = rest[1] if len(rest) > 1 else None
    subresource = rest[2] if len(rest) > 2 else None
    verb = _verb(method, name, watch_prefix or _flag(raw_query.get("watch")), group,
                 resource)
    options = options_from_query(raw_query)
    if verb == "watch" and name and not subresource:
        # GET .../pods/x?watch=true: a watch of that one object, as Kubernetes serves it
        selector = f"metadata.name={name}"
        if options.get("fieldSelector"):
            selector = f"{options['fieldSelector']},{selector}"
        options["fieldSelector"] = selector
        name = None
    return ResourceRoute(verb, group, version, resource, namespace, name, subresource,
                         options, query)


def _endpoint(method: str, segments: list[str], query: dict[str, str]) -> Endpoint | None:
    """Discovery, version, health and OpenAPI paths (GET only)."""
    n = len(segments)
    what: str | None = None
    group = version = ""
    if n == 1 and segments[0] in ("version", "healthz", "readyz", "livez", "api", "apis"):
        what = segments[0]
    elif n == 2 and segments[0] in ("healthz", "readyz", "livez"):
        what = segments[0]  # /readyz/ping and friends: the same answer
    elif n == 2 and segments[0] == "api":
        what, version = "group_version", segments[1]
    elif n == 2 and segments[0] == "apis":
        what, group = "api_group", segments[1]
    elif n == 3 and segments[0] == "apis":
        what, group, version = "group_version", segments[1], segments[2]
    elif segments[:2] == ["openapi", "v2"] and n == 2:
        what = "openapi_v2"
    elif segments[:2] == ["openapi", "v3"]:
        rest = segments[2:]
        if not rest:
            what = "openapi_v3"
        elif rest[0] == "api" and len(rest) == 2:
            what, version = "openapi_v3_group", rest[1]
        elif rest[0] == "apis" and len(rest) == 3:
            what, group, version = "openapi_v3_group", rest[1], rest[2]
        else:
            raise _not_found()
    if what is None:
        return None
    if method not in ("GET", "HEAD"):
        raise RouteError(st.new_status(405, "MethodNotAllowed",
                                       f"{method} is not supported on this path", {}))
    return Endpoint(what, group, version, query)


def _verb(method: str, name: str | None, watch: bool, group: str, resource: str) -> str:
    if method in ("GET", "HEAD"):
        if watch:
            return "watch"
        return "get" if name else "list"
    if method == "DELETE":
        return "delete" if name else "deletecollection"
    verb = _METHOD_VERBS.get(method)
    if verb is None:
        raise RouteError(st.method_not_supported((group, resource), method))
    return verb
