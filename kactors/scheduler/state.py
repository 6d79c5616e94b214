"""``ClusterState``: the scheduler's cache of nodes and assigned pods, with assumed pods.

It is what kube-scheduler calls its *cache* plus its *snapshot*: NodeInfos by name, fed
by informer events (nodes, pods bound to nodes) and by the scheduler itself, which
*assumes* a pod on its chosen node right away so the next pod sees the node as fuller,
before the binding round trip completes:

    assume_pod -> (binding sent) -> finish_binding(now) -> informer add_pod confirms it
                                                  \\-> forget_pod on binding failure
                                                  \\-> cleanup_expired(now) after the TTL

For the algorithm it also keeps the nodes in name order (the order sampling walks), a log
of node indices whose verdicts may have changed (so cached verdicts stay valid, see
``table.py``) and indexes for inter-pod affinity (pods by namespace, pods with required
anti-affinity). Everything is deterministic: dicts keep insertion order and nothing
iterates over a set.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import attrs

from ._util import get_map
from .nodeinfo import NodeChange, NodeInfo
from .podinfo import PodInfo, bound_pod_info, evolve_pod_info, new_pod_info, pod_key
from .volumes import VolumeCache

__all__ = ["ClusterState"]

_MIN_LOG = 4096


@attrs.define
class _PodState:
    info: PodInfo
    node: str
    assumed: bool = False
    deadline: float | None = None
    binding_finished: bool = False


def _is_terminal(pod: Mapping[str, Any]) -> bool:
    """Succeeded and Failed pods no longer hold resources on their node."""
    return get_map(pod, "status").get("phase") in ("Succeeded", "Failed")


def _same_for_scheduling(old: Mapping[str, Any], new: Mapping[str, Any]) -> bool:
    """Whether two versions of a pod differ at most in status and bookkeeping metadata
    (what `new_pod_info` parses is the spec, labels, namespace and name)."""
    if old is new:
        return True
    return old.get("spec") == new.get("spec") and _same_metadata(old, new)


def _same_metadata(old: Mapping[str, Any], new: Mapping[str, Any]) -> bool:
    """Whether the labels, namespace and name of two versions of a pod are equal (a
    malformed metadata counts as empty, as `new_pod_info` reads it)."""
    old_meta, new_meta = get_map(old, "metadata"), get_map(new, "metadata")
    return (old_meta.get("labels") == new_meta.get("labels") and
            old_meta.get("namespace") == new_meta.get("namespace") and
            old_meta.get("name") == new_meta.get("name"))


def _bound_version(old: Mapping[str, Any], new: Mapping[str, Any], node: str) -> bool:
    """Whether ``new`` is ``old`` bound to ``node``: ``spec.nodeName`` set to ``node`` and
    otherwise the same for scheduling (what the binding subresource does to a pod)."""
    old_spec, new_spec = get_map(old, "spec"), get_map(new, "spec")
    if new_spec.get("nodeName") != node or old_spec.get("nodeName"):
        return False
    if len(new_spec) != len(old_spec) + ("nodeName" not in old_spec):
        return False
    missing = object()
    for field, value in new_spec.items():
        if field != "nodeName" and old_spec.get(field, missing) != value:
            return False
    return _same_metadata(old, new)


def _node_name(node: Mapping[str, Any]) -> str:
    metadata = node.get("metadata")
    return str(metadata.get("name", "")) if isinstance(metadata, Mapping) else ""


@attrs.define(eq=False)
class ClusterState:
    """Nodes and the pods counted on them.

    ``assumed_ttl`` (seconds of cluster time) is how long an assumed pod whose binding
    finished may wait for the informer to confirm it before it is dropped. The default,
    ``None``, keeps it until confirmed or forgotten, as kube-scheduler does since it set
    ``durationToExpireAssumedPod`` to 0 (expiring them let slow informers cause
    over-commitment); older releases used 30 seconds.
    """

    assumed_ttl: float | None = None
    _infos: dict[str, NodeInfo] = attrs.field(init=False, factory=dict)
    _pods: dict[str, _PodState] = attrs.field(init=False, factory=dict)
    _assumed: dict[str, None] = attrs.field(init=False, factory=dict)
    _anti_affinity: dict[str, None] = attrs.field(init=False, factory=dict)
    _by_namespace: dict[str, dict[str, None]] = attrs.field(init=False, factory=dict)
    _namespace_labels: dict[str, Mapping[str, str]] = attrs.field(init=False, factory=dict)
    _nodes: list[NodeInfo] | None = attrs.field(init=False, default=None)
    _names: list[str] = attrs.field(init=False, factory=list)
    _index: dict[str, int] = attrs.field(init=False, factory=dict)
    _topology: dict[str, dict[str, list[int]]] = attrs.field(init=False, factory=dict)
    #: Bumped whenever the list of nodes (or their labels) changes: resets cached verdicts.
    epoch: int = attrs.field(init=False, default=0)
    #: Node indices whose verdicts may have changed, since ``log_base``.
    changes: list[int] = attrs.field(init=False, factory=list)
    log_base: int = attrs.field(init=False, default=0)
    #: Bumped when anything inter-pod affinity prefilters depend on changes.
    affinity_version: int = attrs.field(init=False, default=0)
    #: Where the next scheduling cycle starts looking (kube's ``nextStartNodeIndex``).
    next_start_index: int = attrs.field(init=False, default=0)
    #: Cached verdicts by pod signature (managed by the algorithm), least recently used first.
    score_tables: OrderedDict[Any, Any] = attrs.field(init=False, factory=OrderedDict)
    #: Claims, volumes and classes (VolumeBinding), as the scheduler's informers have them.
    volumes: VolumeCache = attrs.field(init=False, factory=VolumeCache)

    # -- nodes -------------------------------------------------------------------------------

    def add_node(self, node: Mapping[str, Any]) -> NodeChange:
        """Add or update a node; returns :class:`NodeChange` flags (all set for a new node)."""
        name = _node_name(node)
        info = self._infos.get(name)
        if info is None or info.node is None:
            if info is None:
                info = self._infos[name] = NodeInfo(name)
            info.set_node(node)
            self._nodes_changed()
            return NodeChange.ALL
        change = info.set_node(node)
        if change & NodeChange.LABELS:
            self._nodes_changed()
        elif change:
            self._log(name)
        return change

    update_node = add_node

    def remove_node(self, name: str) -> bool:
        """Forget a node; its pods stay counted (on a node-less NodeInfo) until removed."""
        info = self._infos.get(name)
        if info is None or info.node is None:
            return False
        if info.pods:
            info.set_node(None)
        else:
            del self._infos[name]
        self._nodes_changed()
        return True

    def _nodes_changed(self) -> None:
        self._nodes = None
        self._topology.clear()
        self.epoch += 1
        self.affinity_version += 1
        self.log_base += len(self.changes)
        self.changes.clear()

    def _rebuild(self) -> list[NodeInfo]:
        nodes = sorted(
            (i for i in self._infos.values() if i.node is not None), key=lambda i: i.name
        )
        self._nodes = nodes
        self._names = [info.name for info in nodes]
        self._index = {name: position for position, name in enumerate(self._names)}
        return nodes

    def node_infos(self) -> list[NodeInfo]:
        """The nodes, in name order (shared list: do not modify)."""
        nodes = self._nodes
        return nodes if nodes is not None else self._rebuild()

    def node_names(self) -> list[str]:
        """Node names in the order of :meth:`node_infos` (shared list: do not modify)."""
        self.node_infos()
        return self._names

    def node_info(self, name: str) -> NodeInfo | None:
        """The NodeInfo of a known node, or ``None``."""
        info = self._infos.get(name)
        return info if info is not None and info.node is not None else None

    @property
    def num_nodes(self) -> int:
        """How many nodes are known."""
        return len(self.node_infos())

    def _log(self, node_name: str) -> None:
        if self._nodes is None:
            self._rebuild()
        position = self._index.get(node_name)
        if position is None:
            return
        changes = self.changes
        changes.append(position)
        if len(changes) > _MIN_LOG and len(changes) > 4 * len(self._names):
            half = len(self.changes) // 2
            del self.changes[:half]
            self.log_base += half

    def _domain(self, key: str, value: str) -> list[int]:
        index = self._topology.get(key)
        if index is None:
            index = self._topology[key] = {}
            for position, info in enumerate(self.node_infos()):
                label = info.labels.get(key)
                if label is not None:
                    index.setdefault(label, []).append(position)
        return index.get(value, [])

    # -- namespaces ---------------------------------------------------------------------------

    def set_namespace(self, namespace: Mapping[str, Any]) -> None:
        """Record a namespace's labels (for affinity terms with a ``namespaceSelector``)."""
        metadata = namespace.get("metadata")
        metadata = metadata if isinstance(metadata, Mapping) else {}
        labels = metadata.get("labels")
        self._namespace_labels[str(metadata.get("name", ""))] = dict(
            labels if isinstance(labels, Mapping) else {}
        )
        self.affinity_version += 1

    def remove_namespace(self, name: str) -> None:
        """Forget a namespace's labels."""
        if self._namespace_labels.pop(name, None) is not None:
            self.affinity_version += 1

    def namespace_labels(self, name: str) -> Mapping[str, str]:
        """A namespace's labels; unknown namespaces carry only the automatic
        ``kubernetes.io/metadata.name`` label."""
        labels = self._namespace_labels.get(name)
        return labels if labels is not None else {"kubernetes.io/metadata.name": name}

    # -- pods ----------------------------------------------------------------------------------

    def _place(self, state: _PodState) -> None:
        info = state.info
        node = self._infos.get(state.node)
        if node is None:
            node = self._infos[state.node] = NodeInfo(state.node)
        node.add_pod(info)
        self._pods[info.key] = state
        self._by_namespace.setdefault(info.namespace, {})[info.key] = None
        if info.anti_affinity_terms:
            self._anti_affinity[info.key] = None
            self._log_domains(info, node)
            self.affinity_version += 1
        if node.node is not None:
            self._log(node.name)

    def _unplace(self, key: str) -> _PodState | None:
        state = self._pods.pop(key, None)
        if state is None:
            return None
        info = state.info
        node = self._infos.get(state.node)
        if node is not None:
            node.remove_pod(key)
            if node.node is None and not node.pods:
                del self._infos[state.node]
            elif node.node is not None:
                self._log(node.name)
            if info.anti_affinity_terms:
                self._log_domains(info, node)
        pods = self._by_namespace.get(info.namespace)
        if pods is not None:
            pods.pop(key, None)
            if not pods:
                del self._by_namespace[info.namespace]
        if key in self._anti_affinity:
            del self._anti_affinity[key]
            self.affinity_version += 1
        self._assumed.pop(key, None)
        return state

    def _log_domains(self, info: PodInfo, node: NodeInfo) -> None:
        """An anti-affinity pod repels pods from its whole topology domain: every node
        sharing the label value may have a new verdict."""
        if node.node is None:
            return
        for term in info.anti_affinity_terms:
            value = node.labels.get(term.topology_key)
            if value is None:
                continue
            for position in self._domain(term.topology_key, value):
                self.changes.append(position)

    def add_pod(self, pod: Mapping[str, Any] | PodInfo) -> bool:
        """An informer saw a pod: count it on its node if it is bound (``spec.nodeName``).

        Confirms an assumed pod (moving it if it landed elsewhere); re-adds one that had
        expired. Unbound pods are the queue's business, and finished (Succeeded/Failed)
        pods hold nothing: for those the pod is dropped and ``False`` returned.
        """
        if not isinstance(pod, PodInfo):
            known = self._pods.get(pod_key(pod))
            if known is not None and not known.assumed and not _is_terminal(pod) and \
                    _same_for_scheduling(known.info.pod, pod):
                # a status update (the kubelet's): nothing the plugins read changed, so
                # the node's accounting stands and no parse is needed
                known.info = evolve_pod_info(known.info, pod=pod)
                return True
            if known is not None and known.assumed and not _is_terminal(pod) and \
                    not known.info.anti_affinity_terms and \
                    _bound_version(known.info.pod, pod, known.node):
                self._confirm(known, pod)
                return True
        info = pod if isinstance(pod, PodInfo) else new_pod_info(pod)
        if not info.node_name or _is_terminal(info.pod):
            self.remove_pod(info.key)
            return False
        self._unplace(info.key)
        self._place(_PodState(info, info.node_name))
        return True

    update_pod = add_pod

    def _confirm(self, state: _PodState, pod: Mapping[str, Any]) -> None:
        """The informer shows our assumed pod bound where we assumed it (cache.AddPod of
        an assumed pod): it stops being assumed and nothing else changes. The node's
        totals and every cached verdict stand, so the pod is neither re-parsed nor
        re-counted; its PodInfo is the assumed one with the bound pod and node name (what
        `new_pod_info` of the bound pod gives: `spec.nodeName` is all that differs)."""
        info = state.info = bound_pod_info(state.info, pod)
        state.assumed = state.binding_finished = False
        state.deadline = None
        self._assumed.pop(info.key, None)
        node = self._infos.get(state.node)
        if node is not None:
            node.pods[info.key] = info

    def remove_pod(self, pod: Mapping[str, Any] | PodInfo | str) -> bool:
        """A pod was deleted (or unbound): stop counting it. Returns whether it was counted."""
        key = pod if isinstance(pod, str) else pod.key if isinstance(pod, PodInfo) else pod_key(pod)
        return self._unplace(key) is not None

    def assume_pod(self, pod: Mapping[str, Any] | PodInfo, node_name: str) -> PodInfo:
        """Count ``pod`` on ``node_name`` now, before its binding is confirmed."""
        info = pod if isinstance(pod, PodInfo) else new_pod_info(pod)
        if info.key in self._pods:
            raise ValueError(f"pod {info.key} is in the cache, so can't be assumed")
        self._place(_PodState(info, node_name, assumed=True))
        self._assumed[info.key] = None
        return info

    def finish_binding(self, key: str, now: float) -> None:
        """The binding was sent: the assumed pod may now expire ``assumed_ttl`` from ``now``."""
        state = self._pods.get(key)
        if state is not None and state.assumed:
            state.binding_finished = True
            state.deadline = None if self.assumed_ttl is None else now + self.assumed_ttl

    def forget_pod(self, key: str) -> bool:
        """Binding failed: release what the assumed pod held. Returns whether it was assumed."""
        state = self._pods.get(key)
        if state is None or not state.assumed:
            return False
        self._unplace(key)
        return True

    def cleanup_expired(self, now: float) -> list[str]:
        """Drop assumed pods whose deadline has passed; returns their keys."""
        expired = [
            key
            for key in self._assumed
            if (deadline := self._pods[key].deadline) is not None and now > deadline
        ]
        for key in expired:
            self._unplace(key)
        return expired

    def is_assumed(self, key: str) -> bool:
        """Whether the pod is counted but its binding not yet confirmed."""
        return key in self._assumed

    def pod_node(self, key: str) -> str | None:
        """The node a pod is counted on, or ``None``."""
        state = self._pods.get(key)
        return state.node if state is not None else None

    def pod_info(self, key: str) -> PodInfo | None:
        """The counted pod with ``key``, or ``None``."""
        state = self._pods.get(key)
        return state.info if state is not None else None

    @property
    def num_pods(self) -> int:
        """How many pods are counted (assumed ones included)."""
        return len(self._pods)

    @property
    def has_anti_affinity_pods(self) -> bool:
        """Whether any counted pod has required anti-affinity terms."""
        return bool(self._anti_affinity)

    def pods_with_anti_affinity(self) -> Iterator[tuple[PodInfo, NodeInfo]]:
        """Counted pods with required anti-affinity, with their (known) nodes."""
        for key in self._anti_affinity:
            state = self._pods[key]
            node = self._infos.get(state.node)
            if node is not None and node.node is not None:
                yield state.info, node

    def assigned_pods(
        self, namespaces: Iterable[str] | None = None
    ) -> Iterator[tuple[PodInfo, NodeInfo]]:
        """Counted pods on known nodes, optionally only in ``namespaces``."""
        if namespaces is None:
            keys: Iterable[str] = self._pods
        else:
            keys = (k for ns in namespaces for k in self._by_namespace.get(ns, ()))
        for key in keys:
            state = self._pods[key]
            node = self._infos.get(state.node)
            if node is not None and node.node is not None:
                yield state.info, node
