"""NetworkPolicy evaluation, sans-I/O: may this connection from `source` reach
`destination` on `port`?

Kubernetes' semantics (``networking.k8s.io/v1``, as CNI plugins such as Calico and Cilium
enforce them):

* A pod is *isolated for ingress* when some NetworkPolicy of its namespace selects it
  (``spec.podSelector``; ``{}`` selects every pod) and lists ``Ingress`` in its
  ``policyTypes``; likewise for egress. A pod no policy isolates accepts (or sends)
  everything.
* Policies are additive, never deny: a connection to an isolated pod is allowed when *any*
  ingress rule of *any* policy isolating it admits it; a rule admits when its ``from``
  admits the source (empty: every source) and its ``ports`` the port (empty: every port).
* Both ends must agree: the source pod's egress rules (if it is isolated for egress) must
  admit the destination, and the destination pod's ingress rules the source.
* A peer is ``podSelector`` (pods of the policy's own namespace), ``namespaceSelector`` (all
  pods of the matching namespaces), both (the selected pods of the matching namespaces), or
  an ``ipBlock`` (addresses in ``cidr`` and not in any ``except``; it applies to any address,
  pods' included, as Calico applies it). Something that is not a pod (a client outside the
  cluster, a node) matches only ``ipBlock`` peers.
* A port is a number (``endPort``: a range), a name (resolved against the *destination*
  pod's named container ports), or absent (every port of that protocol; TCP by default).

Everything here is a pure function over plain dicts; the callers (kube-proxy, the ingress
controller) find the pods, the namespaces and the policies.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import attrs

from kactors.api.errors import SelectorError
from kactors.api.labels import selector_from_label_selector

__all__ = ["Peer", "Verdict", "evaluate", "isolating", "rule_admits"]

Policy = Mapping[str, Any]


@attrs.frozen
class Peer:
    """One end of a connection. ``namespace`` None: not a pod (outside the cluster)."""

    ip: str
    namespace: str | None = None
    name: str = ""
    labels: Mapping[str, str] = attrs.field(factory=dict)
    namespace_labels: Mapping[str, str] = attrs.field(factory=dict)
    #: named container ports of a pod -> number (to resolve named policy ports)
    ports: Mapping[str, int] = attrs.field(factory=dict)

    @property
    def label(self) -> str:
        """``namespace/name`` of a pod, else its address."""
        return f"{self.namespace}/{self.name}" if self.namespace is not None else self.ip


@attrs.frozen
class Verdict:
    """Truthy when the connection is allowed; else why not.

    ``direction`` is ``"ingress"`` (the destination's policies refused it) or ``"egress"``
    (the source's), ``policies`` the names of the policies that isolate that end.
    """

    allowed: bool
    direction: str = ""
    policies: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return self.allowed

    @property
    def reason(self) -> str:
        if self.allowed:
            return ""
        which = "destination's" if self.direction == "ingress" else "source's"
        return (f"refused by NetworkPolicy: no {self.direction} rule of the {which} "
                f"policies ({', '.join(self.policies)}) admits it")


ALLOWED = Verdict(True)


def _selects(selector: Any, labels: Mapping[str, str]) -> bool:
    try:
        return selector_from_label_selector(selector if isinstance(selector, Mapping) else {}
                                            ).matches(labels)
    except (SelectorError, ValueError, TypeError):
        return False  # an unparsable selector selects nothing


def isolating(policies: Iterable[Policy], pod: Peer, policy_type: str) -> list[Policy]:
    """The policies of the pod's namespace that select it for ``policy_type``."""
    if pod.namespace is None:
        return []
    return [p for p in policies
            if (p.get("metadata") or {}).get("namespace", "default") == pod.namespace
            and policy_type in ((p.get("spec") or {}).get("policyTypes") or ("Ingress",))
            and _selects((p.get("spec") or {}).get("podSelector"), pod.labels)]


def _in_block(ip: str, block: Mapping[str, Any]) -> bool:
    try:
        address = ipaddress.ip_address(ip)
        if address not in ipaddress.ip_network(str(block.get("cidr")), strict=False):
            return False
        return not any(address in ipaddress.ip_network(str(e), strict=False)
                       for e in block.get("except") or ())
    except (ValueError, TypeError):
        return False


def _peer_matches(peer: Mapping[str, Any], policy_namespace: str, other: Peer) -> bool:
    block = peer.get("ipBlock")
    if isinstance(block, Mapping):
        return _in_block(other.ip, block)
    if other.namespace is None:
        return False
    pods, namespaces = peer.get("podSelector"), peer.get("namespaceSelector")
    if namespaces is not None:
        if not _selects(namespaces, other.namespace_labels):
            return False
    elif other.namespace != policy_namespace:
        return False
    return pods is None or _selects(pods, other.labels)


def _port_matches(entry: Mapping[str, Any], port: int, protocol: str,
                  destination: Peer) -> bool:
    if str(entry.get("protocol") or "TCP") != protocol:
        return False
    wanted = entry.get("port")
    if wanted is None:
        return True
    if isinstance(wanted, str):
        return destination.ports.get(wanted) == port
    end = entry.get("endPort")
    return wanted <= port <= end if isinstance(end, int) else wanted == port


def rule_admits(rule: Mapping[str, Any], peers_field: str, policy_namespace: str, other: Peer,
                port: int, protocol: str, destination: Peer) -> bool:
    """Whether one ingress (``peers_field="from"``) or egress (``"to"``) rule admits the
    connection with `other` (the source, or the destination) on `port`."""
    ports: Sequence[Any] = rule.get("ports") or ()
    if ports and not any(isinstance(p, Mapping) and _port_matches(p, port, protocol,
                                                                  destination) for p in ports):
        return False
    peers: Sequence[Any] = rule.get(peers_field) or ()
    return not peers or any(isinstance(p, Mapping) and _peer_matches(p, policy_namespace, other)
                            for p in peers)


def _admitted(policies: list[Policy], direction: str, other: Peer, port: int, protocol: str,
              destination: Peer) -> bool:
    peers_field = "from" if direction == "ingress" else "to"
    for policy in policies:
        namespace = (policy.get("metadata") or {}).get("namespace", "default")
        for rule in (policy.get("spec") or {}).get(direction) or ():
            if isinstance(rule, Mapping) and rule_admits(rule, peers_field, namespace, other,
                                                         port, protocol, destination):
                return True
    return False


def _names(policies: list[Policy]) -> tuple[str, ...]:
    return tuple(sorted(str((p.get("metadata") or {}).get("name")) for p in policies))


def evaluate(policies: Sequence[Policy], source: Peer, destination: Peer, port: int,
             protocol: str = "TCP") -> Verdict:
    """Whether `source` may open a connection to `destination`'s `port`: egress of the
    source first (a packet leaves before it arrives), then ingress of the destination."""
    egress = isolating(policies, source, "Egress")
    if egress and not _admitted(egress, "egress", destination, port, protocol, destination):
        return Verdict(False, "egress", _names(egress))
    ingress = isolating(policies, destination, "Ingress")
    if ingress and not _admitted(ingress, "ingress", source, port, protocol, destination):
        return Verdict(False, "ingress", _names(ingress))
    return ALLOWED
