"""What the dataplane keeps to enforce NetworkPolicies, and nothing while none exist.

In Kubernetes the CNI plugin's agent on each node (Calico's Felix, Cilium's agent) watches
NetworkPolicies, pods and namespaces and programs the node's packet filter; kube-proxy knows
nothing of policies. Here the dataplane *is* kube-proxy's ``Connect``, so every kube-proxy
reads one :class:`PolicyWatch`: the caches of a single cluster-wide
:class:`NetworkPolicyAgent` (``/cluster/network-policy``; Calico's Typha plays that part,
one watch fanned out to every node's agent), read and never written by the kube-proxies,
as controllers share an informer factory's caches. It watches NetworkPolicies always, and
pods and namespaces only from the moment a first policy appears. A cluster without
policies thus pays one empty watch and, per connection, one length check
(:attr:`PolicyWatch.active`): nothing is evaluated. Like a real agent, it enforces a new
policy a moment after it is created: once the pods and namespaces are listed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kactors.actors import Actor, ActorRef
from kactors.client.indexer import Indexer
from kactors.client.informer import Informer, InformerEvent, InformerSynced, Subscribe
from kactors.networking.policy import Peer, Verdict, evaluate

__all__ = ["POD_IP_INDEX", "NetworkPolicyAgent", "PolicyWatch", "pod_ips"]

POD_IP_INDEX = "podIP"


def pod_ips(pod: Mapping[str, Any]) -> list[str]:
    """The addresses of a pod (``status.podIPs``, else ``status.podIP``)."""
    status = pod.get("status") or {}
    ips = [str(entry.get("ip")) for entry in status.get("podIPs") or ()
           if isinstance(entry, Mapping) and entry.get("ip")]
    if not ips and status.get("podIP"):
        ips = [str(status["podIP"])]
    return ips


class PolicyWatch:
    """The NetworkPolicies of the cluster and, while there are any, its pods and namespaces,
    each in an informer's cache; builds the :class:`Peer` of a pod or an address."""

    def __init__(self, apiserver: ActorRef, token: str | None) -> None:
        self.apiserver = apiserver
        self.token = token
        self.policies = Indexer()
        self.pods = Indexer({POD_IP_INDEX: pod_ips})
        self.namespaces = Indexer()
        self._owner: Actor | None = None
        self._selecting = False

    async def start(self, owner: Actor) -> None:
        """Watch NetworkPolicies as a child of `owner`, which gets their `InformerEvent`s
        (to hand to :meth:`observe`)."""
        self._owner = owner
        self._selecting = False  # (a restarted owner starts its watches anew)
        ref = owner.ctx.spawn(lambda: Informer(self.apiserver, self.token, "networkpolicies",
                                               self.policies), name="networkpolicies")
        await ref.ask(Subscribe(owner.ctx.self))

    def observe(self, message: InformerEvent) -> None:
        """A policy changed: the first one starts the watches of pods and namespaces."""
        if self._selecting or self._owner is None or message.type == "delete":
            return
        self._selecting = True
        ctx = self._owner.ctx
        for kind, indexer in (("pods", self.pods), ("namespaces", self.namespaces)):
            ctx.spawn(lambda kind=kind, indexer=indexer: Informer(
                self.apiserver, self.token, kind, indexer), name=f"policy-{kind}")
        ctx.log.info("netpol.watching", policies=len(self.policies),
                     reason="a NetworkPolicy exists: watching pods and namespaces")

    @property
    def active(self) -> bool:
        """Whether policies are in force: some NetworkPolicy exists and the pods and
        namespaces it may select are known (until then, as a CNI agent that has not
        programmed a new policy yet, the dataplane lets connections through)."""
        return len(self.policies) > 0 and self.pods.synced and self.namespaces.synced

    def pod_peer(self, pod: Mapping[str, Any]) -> Peer:
        meta = pod.get("metadata") or {}
        namespace = str(meta.get("namespace") or "default")
        ns = self.namespaces.get(namespace) or {}
        ips = pod_ips(pod)
        ports = {str(port["name"]): int(port["containerPort"])
                 for container in (pod.get("spec") or {}).get("containers") or ()
                 for port in container.get("ports") or ()
                 if isinstance(port, Mapping) and port.get("name")
                 and isinstance(port.get("containerPort"), int)}
        return Peer(ips[0] if ips else "", namespace, str(meta.get("name") or ""),
                    dict(meta.get("labels") or {}),
                    dict((ns.get("metadata") or {}).get("labels") or
                         {"kubernetes.io/metadata.name": namespace}), ports)

    def peer_at(self, ip: str) -> Peer:
        """The pod that has `ip`, else a peer outside the cluster."""
        pods = self.pods.by_index(POD_IP_INDEX, ip)
        return self.pod_peer(pods[0]) if pods else Peer(ip)

    def source(self, pod_key: str | None, client_ip: str | None) -> Peer | None:
        """The source of a connection: the pod ``namespace/name`` (None when unknown), or a
        client outside the cluster at `client_ip`."""
        if pod_key is None:
            return Peer(client_ip or "0.0.0.0")
        pod = self.pods.get(pod_key)
        return self.pod_peer(pod) if pod is not None else None

    def check(self, source: Peer, destination_ip: str, port: int,
              protocol: str = "TCP") -> tuple[Peer, Verdict]:
        """The destination's peer and whether the policies let `source` reach it."""
        destination = self.peer_at(destination_ip)
        return destination, evaluate(self.policies.list(), source, destination, port, protocol)


class NetworkPolicyAgent(Actor):
    """Keeps the cluster's :class:`PolicyWatch` current, for every kube-proxy to read."""

    def __init__(self, watch: PolicyWatch) -> None:
        self.watch = watch

    async def started(self) -> None:
        await self.watch.start(self)

    def receive(self, message: Any) -> Any:
        if isinstance(message, InformerEvent):
            self.watch.observe(message)
            return None
        if isinstance(message, InformerSynced):
            return None
        return super().receive(message)
