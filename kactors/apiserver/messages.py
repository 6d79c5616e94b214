"""Messages between clients and the ApiServer actor.

An `ApiRequest` is what an HTTP request to the Kubernetes API becomes: a verb, a
resource path and options with Kubernetes' own names. The reply is an object, a list
object, or a `Status` dict for any failure (never an exception). A watch is answered with
`WatchAccepted`; its events then arrive at `watcher` as `ApiWatchEvent` messages.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

VERBS = ("get", "list", "watch", "create", "update", "patch", "delete", "deletecollection")


@attrs.frozen
class ApiRequest:
    verb: str
    resource: str
    group: str = ""
    version: str = ""
    namespace: str | None = None
    name: str | None = None
    subresource: str | None = None
    body: Any = None
    #: Kubernetes query parameters: labelSelector, fieldSelector, limit, continue,
    #: resourceVersion, resourceVersionMatch, allowWatchBookmarks, timeoutSeconds,
    #: propagationPolicy, gracePeriodSeconds, dryRun; patchType for patches, fieldManager
    #: and force (server-side apply); userAgent (the HTTP front sets it from the header:
    #: the default field manager of a write, see kactors.apiserver.serversideapply).
    options: Mapping[str, Any] = attrs.field(factory=dict)
    token: str | None = attrs.field(default=None, repr=False)
    watcher: Any = None  # ActorRef that receives ApiWatchEvent messages
    #: act as another user (`kactors.apiserver.auth.impersonation.Impersonation`), if the
    #: caller may: ``kubectl --as``
    impersonate: Any = None


@attrs.frozen
class AggregatedRequest:
    """A request for an aggregated API (``metrics.k8s.io``), authenticated and authorized
    by the apiserver, handed to the server behind the APIService (kube-aggregator's
    proxy). ``user`` is the requester's name, as the proxy's ``X-Remote-User`` header."""

    verb: str
    group: str
    version: str
    resource: str
    namespace: str | None
    name: str | None
    options: Mapping[str, Any] = attrs.field(factory=dict)
    user: str = ""


@attrs.frozen
class WatchAccepted:
    watch_id: int
    resource_version: str


@attrs.frozen
class ApiWatchEvent:
    """`type` is ADDED, MODIFIED, DELETED, BOOKMARK or ERROR (object is then a Status)."""

    watch_id: int
    type: str
    object: Any
    #: 1, 2, 3... per watch: the simulated network may drop a message where a real watch
    #: stream (HTTP over TCP) would break instead, so a gap tells the watcher to re-watch
    seq: int = 0


@attrs.frozen
class ApiWatchClosed:
    """The server ended the watch (timeoutSeconds elapsed, or the server is stopping)."""

    watch_id: int


@attrs.frozen
class StopWatch:
    watch_id: int
