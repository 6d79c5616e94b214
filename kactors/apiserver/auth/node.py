"""The node authorizer: what a kubelet may do, limited to its own node and pods.

A kubelet authenticates as ``system:node:<node>`` in group ``system:nodes`` (both are
required, as in Kubernetes' default node identifier). Every other user gets "no opinion"
here and is left to RBAC.

Kubernetes splits this job between the Node authorizer (``plugin/pkg/auth/authorizer/node``,
which knows the pod -> node graph) and the NodeRestriction admission plugin (which sees
the stored object and checks ``spec.nodeName``). kactors answers both questions at
authorization time, from two lookups the apiserver provides:

* ``pod_node(namespace, name)``: the node a pod is bound to (``spec.nodeName``), if any;
* ``pod_refs(node)``: the ``(kind, namespace, name)`` of every Secret, ConfigMap and
  ServiceAccount that the pods bound to ``node`` reference (see :func:`pod_references`,
  which computes a pod's references the way Kubernetes' graph populator does).

What a node may do:

* **nodes**: get/list/watch any Node (Kubernetes before the 1.32 ``AuthorizeNodeWithSelectors``
  gate; later versions limit reads to the node's own object); create, update and patch
  *its own* Node, and update/patch its own ``nodes/status``;
* **pods**: get/list/watch; update/patch ``pods/status``, delete, and create
  ``pods/eviction`` only for pods bound to it. Mirror-pod creation is not supported (it
  needs the pod body, which authorization does not see);
* **secrets, configmaps, persistentvolumeclaims**: get/list/watch of a *named* object in
  a namespace, only if a pod bound to the node references it (list/watch need a ``metadata.name`` field selector,
  which the apiserver turns into ``name``);
* **leases** (``coordination.k8s.io``) in ``kube-node-lease``: get, create, update, patch,
  delete of the lease named after the node (its heartbeat);
* **serviceaccounts/token**: create (a TokenRequest) only for a ServiceAccount that a pod
  bound to the node runs as (``pod_refs`` holds it as ``("ServiceAccount", ns, name)``).
  NodeRestriction's further check that the token is bound to such a pod is not made;
* everything else in :data:`NODE_RULES`, uniformly: read services and endpoints, create,
  update and patch events (core and ``events.k8s.io``), create token and access reviews,
  runtime classes, certificate signing requests.

Anything else: no opinion, so RBAC still decides (and by default grants nodes nothing:
the bootstrap ``system:node`` ClusterRoleBinding has no subjects, because binding the
broad ``system:node`` role to ``system:nodes`` would let RBAC allow what this authorizer
carefully restricts).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any

from kactors.api.validation import go_quote

from .attributes import Attributes
from .decision import Decision
from .rules import compile_rules, rules_allow
from .user import node_name_of

__all__ = [
    "NODE_LEASE_NAMESPACE",
    "NODE_RULES",
    "NodeAuthorizer",
    "PodNodeLookup",
    "PodRefsLookup",
    "pod_references",
]

#: The namespace holding one heartbeat Lease per node, named after the node.
NODE_LEASE_NAMESPACE = "kube-node-lease"

#: ``pod_node(namespace, name)``: the node the pod is bound to, or ``None``.
PodNodeLookup = Callable[[str, str], "str | None"]
#: ``pod_refs(node)``: ``{(kind, namespace, name)}`` of Secrets/ConfigMaps/claims/
#: ServiceAccounts its pods use.
PodRefsLookup = Callable[[str], Collection[tuple[str, str, str]]]

_READ = ["get", "list", "watch"]

#: The rules of the ``system:node`` ClusterRole (Kubernetes' ``NodeRules``, restricted to
#: what kactors serves). The node authorizer subdivides nodes, pods, secrets, configmaps
#: and leases itself and applies these rules to everything else.
NODE_RULES: tuple[dict[str, list[str]], ...] = (
    {"apiGroups": ["authentication.k8s.io"], "resources": ["tokenreviews"], "verbs": ["create"]},
    {
        "apiGroups": ["authorization.k8s.io"],
        "resources": ["localsubjectaccessreviews", "subjectaccessreviews"],
        "verbs": ["create"],
    },
    {"apiGroups": [""], "resources": ["services", "endpoints"], "verbs": _READ},
    {"apiGroups": [""], "resources": ["nodes"], "verbs": ["create", *_READ]},
    {"apiGroups": [""], "resources": ["nodes/status"], "verbs": ["patch", "update"]},
    {"apiGroups": [""], "resources": ["nodes"], "verbs": ["patch", "update"]},
    {"apiGroups": [""], "resources": ["events"], "verbs": ["create", "patch", "update"]},
    {
        "apiGroups": ["events.k8s.io"],
        "resources": ["events"],
        "verbs": ["create", "patch", "update"],
    },
    {"apiGroups": [""], "resources": ["pods"], "verbs": _READ},
    {"apiGroups": [""], "resources": ["pods"], "verbs": ["delete"]},
    {"apiGroups": [""], "resources": ["pods/status"], "verbs": ["patch", "update"]},
    {"apiGroups": [""], "resources": ["pods/eviction"], "verbs": ["create"]},
    {"apiGroups": [""], "resources": ["configmaps", "secrets"], "verbs": _READ},
    {
        "apiGroups": ["certificates.k8s.io"],
        "resources": ["certificatesigningrequests"],
        "verbs": ["create", *_READ],
    },
    {
        "apiGroups": ["coordination.k8s.io"],
        "resources": ["leases"],
        "verbs": ["create", "delete", "get", "patch", "update"],
    },
    {"apiGroups": ["node.k8s.io"], "resources": ["runtimeclasses"], "verbs": _READ},
)

_STATIC_RULES = compile_rules(list(NODE_RULES))


def _static_decision(attrs: Attributes) -> Decision:
    """What the static node rules say: a function of the request without its user, so
    remembered (kubelets ask the same few questions, such as create events, all day)."""
    key = (attrs.verb, attrs.resource_request, attrs.api_group, attrs.resource,
           attrs.subresource, attrs.name, attrs.path)
    decision = _STATIC_DECISIONS.get(key)
    if decision is None:
        if len(_STATIC_DECISIONS) >= 4096:
            _STATIC_DECISIONS.clear()
        decision = _STATIC_DECISIONS[key] = (
            Decision.allow() if rules_allow(attrs, _STATIC_RULES) else Decision.no_opinion())
    return decision


#: request without its user -> the static rules' decision (see _static_decision)
_STATIC_DECISIONS: dict[tuple[str | bool, ...], Decision] = {}


def _no_relationship(node: str) -> Decision:
    return Decision.no_opinion(f"no relationship found between node '{node}' and this object")


def _not_own_node(node: str, name: str) -> Decision:
    # NodeRestriction's wording.
    return Decision.no_opinion(
        f"node {go_quote(node)} is not allowed to modify node {go_quote(name)}"
    )


class NodeAuthorizer:
    """Authorize kubelets; see the module doc. Both lookups default to "nothing is bound"."""

    def __init__(
        self,
        *,
        pod_node: PodNodeLookup | None = None,
        pod_refs: PodRefsLookup | None = None,
    ) -> None:
        self._pod_node: PodNodeLookup = pod_node or (lambda namespace, name: None)
        self._pod_refs: PodRefsLookup = pod_refs or (lambda node: ())

    def __repr__(self) -> str:
        return "<NodeAuthorizer>"

    def authorize(self, attrs: Attributes) -> Decision:
        node = node_name_of(attrs.user)
        if node is None:
            return Decision.no_opinion()
        if not node:
            return Decision.no_opinion(f"unknown node for user {go_quote(attrs.user.name)}")
        if attrs.resource_request:
            if attrs.api_group == "":
                if attrs.resource == "secrets":
                    return self._read_referenced(node, "Secret", attrs)
                if attrs.resource == "configmaps":
                    return self._read_referenced(node, "ConfigMap", attrs)
                if attrs.resource == "persistentvolumeclaims":
                    return self._read_referenced(node, "PersistentVolumeClaim", attrs)
                if attrs.resource == "nodes":
                    return self._node(node, attrs)
                if attrs.resource == "pods":
                    return self._pod(node, attrs)
                if attrs.resource == "serviceaccounts":
                    return self._create_token(node, attrs)
            elif attrs.api_group == "coordination.k8s.io" and attrs.resource == "leases":
                return self._lease(node, attrs)
        return _static_decision(attrs)

    def _read_referenced(self, node: str, kind: str, attrs: Attributes) -> Decision:
        """``authorizeReadNamespacedObject``: named reads of objects the node's pods use."""
        if attrs.verb not in ("get", "list", "watch"):
            return Decision.no_opinion("can only read resources of this type")
        if attrs.subresource:
            return Decision.no_opinion("cannot read subresource")
        if not attrs.namespace:
            return Decision.no_opinion("can only read namespaced object of this type")
        if not attrs.name:
            return Decision.no_opinion("No Object name found")
        if (kind, attrs.namespace, attrs.name) in self._pod_refs(node):
            return Decision.allow()
        return _no_relationship(node)

    def _create_token(self, node: str, attrs: Attributes) -> Decision:
        """``authorizeCreateToken``: a token (TokenRequest) for a ServiceAccount that a pod
        bound to the node runs as, for the kubelet to mount in that pod."""
        if attrs.verb != "create" or not attrs.name:
            return Decision.no_opinion("can only create tokens for individual service accounts")
        if attrs.subresource != "token":
            return Decision.no_opinion("can only create token subresource of serviceaccount")
        if ("ServiceAccount", attrs.namespace, attrs.name) in self._pod_refs(node):
            return Decision.allow()
        return _no_relationship(node)

    def _node(self, node: str, attrs: Attributes) -> Decision:
        if attrs.subresource == "":
            if attrs.verb in ("get", "list", "watch"):
                return Decision.allow()
            if attrs.verb == "create" and attrs.name in ("", node):
                # The name of a create may be unknown here; the object is then the
                # registry's to check, as NodeRestriction does in Kubernetes.
                return Decision.allow()
            if attrs.verb in ("update", "patch") and attrs.name == node:
                return Decision.allow()
            if attrs.verb in ("create", "update", "patch"):
                return _not_own_node(node, attrs.name)
        elif attrs.subresource == "status" and attrs.verb in ("update", "patch"):
            if attrs.name == node:
                return Decision.allow()
            return _not_own_node(node, attrs.name)
        return Decision.no_opinion()

    def _pod(self, node: str, attrs: Attributes) -> Decision:
        sub, verb = attrs.subresource, attrs.verb
        if sub == "" and verb in ("get", "list", "watch"):
            return Decision.allow()
        if sub == "" and verb == "delete":
            action = "delete pods"
        elif sub == "status" and verb in ("update", "patch"):
            action = "update pod status for pods"
        elif sub == "eviction" and verb == "create":
            action = "evict pods"
        else:
            return Decision.no_opinion()
        if not attrs.namespace or not attrs.name:
            return Decision.no_opinion("No Object name found")
        if self._pod_node(attrs.namespace, attrs.name) == node:
            return Decision.allow()
        # NodeRestriction's wording.
        return Decision.no_opinion(
            f"node {go_quote(node)} can only {action} with spec.nodeName set to itself"
        )

    def _lease(self, node: str, attrs: Attributes) -> Decision:
        """``authorizeLease``: the node's own heartbeat Lease only."""
        if attrs.verb not in ("get", "create", "update", "patch", "delete"):
            return Decision.no_opinion(
                "can only get, create, update, patch, or delete a node lease"
            )
        if attrs.namespace != NODE_LEASE_NAMESPACE:
            return Decision.no_opinion(
                f"can only access leases in the {go_quote(NODE_LEASE_NAMESPACE)} system namespace"
            )
        # Kubernetes skips the name check on create (the name is unknown to the
        # authorizer there); we check it whenever the request carries one.
        if attrs.name != node and not (attrs.verb == "create" and attrs.name == ""):
            return Decision.no_opinion(
                "can only access node lease with the same name as the requesting node"
            )
        return Decision.allow()


def _items(value: object) -> Sequence[Any]:
    """``value`` if it is a list (or tuple), else nothing."""
    if value is None:
        return ()
    if value.__class__ is list or isinstance(value, list | tuple):
        return value  # type: ignore[return-value]
    return ()


def _name_at(item: object, *path: str) -> str:
    """The non-empty string at ``path`` inside the map ``item``, else ``""``."""
    value: Any = item
    for step in path:
        if not (value.__class__ is dict or isinstance(value, Mapping)):
            return ""
        value = value.get(step)
    return value if isinstance(value, str) else ""


def pod_references(pod: Mapping[str, Any]) -> frozenset[tuple[str, str, str]]:
    """The Secrets, ConfigMaps, PersistentVolumeClaims and ServiceAccount a pod uses, as
    ``(kind, namespace, name)``.

    Like Kubernetes' node graph populator: image pull secrets; ``secret``, ``configMap``,
    ``persistentVolumeClaim`` and ``projected`` volumes; ``env[].valueFrom`` key references and ``envFrom`` of
    every init, regular and ephemeral container; ``serviceAccountName``. All live in the
    pod's namespace.
    """
    metadata = pod.get("metadata")
    namespace = metadata.get("namespace", "") if isinstance(metadata, Mapping) else ""
    spec = pod.get("spec")
    if not isinstance(spec, Mapping) or not isinstance(namespace, str):
        return frozenset()
    # one pass over each list, absent fields skipped at once: every event of a pod that
    # is bound (or rebound) asks, and the kubelet asks for each pod it runs
    secrets: list[str] = [_name_at(item, "name") for item in _items(spec.get("imagePullSecrets"))]
    configmaps: list[str] = []
    claims: list[str] = []
    for volume in _items(spec.get("volumes")):
        if not (volume.__class__ is dict or isinstance(volume, Mapping)):
            continue
        secrets.append(_name_at(volume, "secret", "secretName"))
        configmaps.append(_name_at(volume, "configMap", "name"))
        if "persistentVolumeClaim" in volume:
            claims.append(_name_at(volume, "persistentVolumeClaim", "claimName"))
        projected = volume.get("projected")
        if projected.__class__ is dict or isinstance(projected, Mapping):
            for source in _items(projected.get("sources")):
                secrets.append(_name_at(source, "secret", "name"))
                configmaps.append(_name_at(source, "configMap", "name"))
    for field in ("initContainers", "containers", "ephemeralContainers"):
        for container in _items(spec.get(field)):
            if not (container.__class__ is dict or isinstance(container, Mapping)):
                continue
            for env in _items(container.get("env")):
                secrets.append(_name_at(env, "valueFrom", "secretKeyRef", "name"))
                configmaps.append(_name_at(env, "valueFrom", "configMapKeyRef", "name"))
            for source in _items(container.get("envFrom")):
                secrets.append(_name_at(source, "secretRef", "name"))
                configmaps.append(_name_at(source, "configMapRef", "name"))
    account = spec.get("serviceAccountName")
    refs = {("Secret", namespace, name) for name in secrets if name}
    refs.update(("ConfigMap", namespace, name) for name in configmaps if name)
    refs.update(("PersistentVolumeClaim", namespace, name) for name in claims if name)
    if isinstance(account, str) and account:
        refs.add(("ServiceAccount", namespace, account))
    return frozenset(refs)
