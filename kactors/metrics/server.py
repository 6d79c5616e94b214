"""metrics-server as an actor: scrapes every kubelet, serves ``metrics.k8s.io``.

Every ``resolution`` seconds (metrics-server's ``--metric-resolution``, 15 s) it lists
the Nodes and asks each node's kubelet for its usage summary (``/stats/summary``:
:class:`~kactors.node.kubelet.GetSummary`), all at once, each with ``timeout``
(``--kubelet-request-timeout``). The round goes into the
:class:`~kactors.metrics.store.MetricsStore`; a node whose kubelet did not answer
(stopped, crashed, cut off) is left out of it, so its metrics and its pods' disappear.
One ``metrics.scraped`` event tells each round (at debug level, unless a kubelet failed to
answer: four routine lines a minute would drown a demo's log).

The apiserver hands it the ``metrics.k8s.io`` requests it has authorized
(:class:`~kactors.apiserver.messages.AggregatedRequest`), as kube-aggregator proxies
them to the APIService's server. It reads the selected Nodes or Pods from the
apiserver's cache (selectors applied there) with its own identity, and answers from the
store (:mod:`kactors.metrics.objects`).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import attrs
import trio

from kactors.actors import Actor, ActorRef, ActorStopped, AskTimeout
from kactors.apiserver.messages import AggregatedRequest
from kactors.apiserver.objects import cluster_epoch, timestamp
from kactors.client.client import ApiClient
from kactors.client.errors import ApiError
from kactors.node.kubelet import GetSummary

from .objects import serve_get, serve_list
from .store import MetricsStore, batch_from_summaries

__all__ = ["DEFAULT_RESOLUTION", "KUBELET_TIMEOUT", "MetricsServer"]

#: metrics-server's default ``--metric-resolution``
DEFAULT_RESOLUTION = 15.0
#: metrics-server's default ``--kubelet-request-timeout``
KUBELET_TIMEOUT = 10.0


@attrs.frozen
class _Scrape:
    pass


class MetricsServer(Actor):
    """See the module docstring; ``kubelet(node)`` finds a node's kubelet actor."""

    def __init__(self, apiserver: ActorRef, token: str,
                 kubelet: Callable[[str], ActorRef | None], *,
                 resolution: float = DEFAULT_RESOLUTION,
                 timeout: float = KUBELET_TIMEOUT,
                 epoch: datetime.datetime | None = None) -> None:
        self.apiserver = apiserver
        self.token = token
        self.kubelet = kubelet
        self.resolution = resolution
        self.timeout = min(timeout, resolution)
        self.epoch = cluster_epoch() if epoch is None else epoch
        self.store = MetricsStore(resolution)
        self.scraping = False

    async def started(self) -> None:
        self.client = ApiClient(self.ctx, self.apiserver, self.token)
        self.ctx.every(self.resolution, _Scrape())

    def _time(self, seconds: float) -> str:
        return timestamp(self.epoch, seconds)

    async def receive(self, message: Any) -> Any:
        if isinstance(message, _Scrape):
            if not self.scraping:  # a round still waiting for kubelets: skip this one
                self.scraping = True
                self.ctx.start_soon(self._scrape)
            return None
        if isinstance(message, AggregatedRequest):
            return await self._serve(message)
        return super().receive(message)

    # -- scraping ----------------------------------------------------------------------------
    async def _scrape(self) -> None:
        try:
            try:
                listed = await self.client.list("nodes", resourceVersion="0")
            except (ApiError, TimeoutError) as error:
                self.ctx.log.warning("metrics.scrape_failed", error=str(error))
                return
            names = sorted(str(node["metadata"]["name"]) for node in listed["items"])
            summaries: dict[str, dict[str, Any]] = {}
            failures: dict[str, str] = {}
            async with trio.open_nursery() as nursery:
                for name in names:
                    nursery.start_soon(self._scrape_node, name, summaries, failures)
            batch = batch_from_summaries(summaries[name] for name in names
                                         if name in summaries)
            self.store.store(batch)
            fields: dict[str, Any] = {"nodes": len(batch.nodes), "pods": len(batch.pods)}
            if failures:  # a node that stopped answering is news; a routine round is not
                fields["failed"] = {name: failures[name] for name in sorted(failures)}
                self.ctx.log.info("metrics.scraped", **fields)
            else:
                self.ctx.log.debug("metrics.scraped", **fields)
        finally:
            self.scraping = False

    async def _scrape_node(self, node: str, summaries: dict[str, dict[str, Any]],
                           failures: dict[str, str]) -> None:
        ref = self.kubelet(node)
        if ref is None:
            failures[node] = "kubelet not running"
            return
        try:
            summaries[node] = await self.ctx.remote(ref).ask(GetSummary(),
                                                            timeout=self.timeout)
        except AskTimeout:
            failures[node] = f"no answer within {self.timeout:g}s"
        except ActorStopped:
            failures[node] = "kubelet not running"

    # -- serving -----------------------------------------------------------------------------
    async def _serve(self, request: AggregatedRequest) -> dict[str, Any]:
        """A get or list of ``nodes`` or ``pods`` (the apiserver allows nothing else)."""
        resource = request.resource
        created = self._time(self.ctx.now())
        try:
            if request.verb == "get":
                obj = await self.client.get(resource, str(request.name), request.namespace,
                                            resourceVersion="0")
                return serve_get(resource, obj, self.store, created, self._time)
            options = {key: request.options[key] for key in ("labelSelector",
                                                                 "fieldSelector")
                       if request.options.get(key)}
            listed = await self.client.list(resource, request.namespace,
                                            all_namespaces=request.namespace is None,
                                            resourceVersion="0", **options)
        except ApiError as error:  # the node or pod does not exist, a bad selector...
            return error.status
        return serve_list(resource, listed["items"], self.store, created, self._time)
