"""The RBAC objects a new cluster starts with (Kubernetes' ``bootstrappolicy``).

kube-apiserver creates these at startup (the ``rbac/bootstrap-roles`` post-start hook), all
labelled ``kubernetes.io/bootstrapping: rbac-defaults`` and annotated for auto-update.
kactors ships the ones its components and users rely on:

* ``cluster-admin`` (everything), bound to group ``system:masters``;
* the user-facing roles ``admin``, ``edit`` and ``view``, built by aggregation from
  ``system:aggregate-to-admin/edit/view`` exactly as in Kubernetes (``view`` goes into
  ``edit``, which goes into ``admin``). They are meant for RoleBindings in a namespace and
  are not bound by default. ``view`` reads everything but Secrets; ``edit`` writes
  workloads and reads Secrets but cannot touch Roles; ``admin`` adds Roles and
  RoleBindings. Their ``rules`` are pre-computed with
  :func:`~kactors.apiserver.auth.aggregation.aggregate_cluster_roles`, and their
  ``aggregationRule`` is kept, so an aggregation controller can maintain them;
* ``system:basic-user`` and ``system:discovery``, bound to ``system:authenticated``;
  ``system:public-info-viewer`` (``/healthz``, ``/livez``, ``/readyz``, ``/version``),
  bound to ``system:authenticated`` *and* ``system:unauthenticated``, as Kubernetes does
  since 1.14 (discovery is no longer open to anonymous users);
* ``system:node``, whose ClusterRoleBinding has **no subjects**: as in Kubernetes, kubelets
  are authorized by the node authorizer, which restricts the broad role's powers to
  objects related to the node;
* ``system:kube-scheduler``, bound to user ``system:kube-scheduler`` (Kubernetes' rules);
* ``system:node-proxier``, bound to user ``system:kube-proxy`` (Kubernetes' rules): kube-proxy
  lists and watches Services, Endpoints and EndpointSlices (it reads the slices), reads
  Nodes and writes Events;
* ``system:aggregated-metrics-reader`` (get, list, watch ``pods`` and ``nodes`` in
  ``metrics.k8s.io``), labelled to aggregate into ``admin``, ``edit`` and ``view``, and
  ``system:metrics-server`` (read pods and nodes, ``nodes/metrics``) bound to the
  ServiceAccount ``kube-system/metrics-server``: both as metrics-server's manifest ships them;
* ``kactors:network-policy-agent`` (list and watch NetworkPolicies, pods and namespaces),
  bound to user ``system:kube-proxy``: kactors' kube-proxy also plays the CNI agent that
  enforces NetworkPolicies (a Calico or Cilium agent has its own account in Kubernetes);
* ``ingress-nginx`` bound to the ServiceAccount ``ingress-nginx/ingress-nginx``: the rules of
  ingress-nginx's chart (read Ingresses, IngressClasses, Services, EndpointSlices, pods,
  namespaces; write ``ingresses/status`` and Events), plus creating its IngressClass (what
  the chart's install does) and reading NetworkPolicies (it enforces them on its requests);
* ``system:kube-controller-manager``, bound to user ``system:kube-controller-manager``.
  Kubernetes gives every controller its own service account and role; kactors runs all
  controllers under the one identity, so this role is broad: every ordinary verb on every
  resource, but none of the escalation verbs (``bind``, ``escalate``, ``impersonate``) and
  no non-resource URLs.

Rule lists are Kubernetes' own, trimmed of API groups that no longer exist
(``extensions``) and of features kactors does not model.
"""

from __future__ import annotations

from typing import Any

from kactors.api.kinds import METRICS_GROUP
from kactors.api.meta import deep_copy

from .aggregation import aggregate_cluster_roles
from .node import NODE_RULES
from .rbac import RBAC_GROUP
from .user import (
    ALL_AUTHENTICATED,
    ALL_UNAUTHENTICATED,
    KUBE_CONTROLLER_MANAGER,
    KUBE_PROXY,
    KUBE_SCHEDULER,
    SYSTEM_PRIVILEGED_GROUP,
)

__all__ = ["bootstrap_cluster_role_bindings", "bootstrap_cluster_roles", "bootstrap_rbac_objects"]

API_VERSION = f"{RBAC_GROUP}/v1"
BOOTSTRAP_LABELS = {"kubernetes.io/bootstrapping": "rbac-defaults"}
AUTOUPDATE_ANNOTATIONS = {"rbac.authorization.kubernetes.io/autoupdate": "true"}
AGGREGATE_TO_ADMIN = f"{RBAC_GROUP}/aggregate-to-admin"
AGGREGATE_TO_EDIT = f"{RBAC_GROUP}/aggregate-to-edit"
AGGREGATE_TO_VIEW = f"{RBAC_GROUP}/aggregate-to-view"
#: the ServiceAccount metrics-server runs as: (namespace, name)
METRICS_SERVER_ACCOUNT = ("kube-system", "metrics-server")
INGRESS_NGINX_ACCOUNT = ("ingress-nginx", "ingress-nginx")
NETWORK_POLICY_AGENT = "kactors:network-policy-agent"

READ = ["get", "list", "watch"]
WRITE = ["create", "delete", "deletecollection", "patch", "update"]
READ_WRITE = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]


def _rule(groups: list[str], resources: list[str], verbs: list[str], **extra: Any) -> dict:
    rule: dict[str, Any] = {"apiGroups": groups, "resources": resources, "verbs": verbs}
    rule.update(extra)
    return rule


def _url_rule(urls: list[str], verbs: list[str]) -> dict:
    return {"nonResourceURLs": urls, "verbs": verbs}


def _events_rules() -> list[dict]:
    return [
        _rule([""], ["events"], ["create", "patch", "update"]),
        _rule(["events.k8s.io"], ["events"], ["create", "patch", "update"]),
    ]


def _cluster_role(
    name: str,
    rules: list[dict] | None,
    *,
    labels: dict[str, str] | None = None,
    aggregate_from: str | None = None,
) -> dict[str, Any]:
    role: dict[str, Any] = {
        "apiVersion": API_VERSION,
        "kind": "ClusterRole",
        "metadata": {
            "name": name,
            "labels": {**BOOTSTRAP_LABELS, **(labels or {})},
            "annotations": dict(AUTOUPDATE_ANNOTATIONS),
        },
    }
    if aggregate_from is not None:
        role["aggregationRule"] = {
            "clusterRoleSelectors": [{"matchLabels": {aggregate_from: "true"}}]
        }
    role["rules"] = rules or []
    return role


def _binding(name: str, subjects: list[dict[str, str]]) -> dict[str, Any]:
    binding: dict[str, Any] = {
        "apiVersion": API_VERSION,
        "kind": "ClusterRoleBinding",
        "metadata": {
            "name": name,
            "labels": dict(BOOTSTRAP_LABELS),
            "annotations": dict(AUTOUPDATE_ANNOTATIONS),
        },
        "roleRef": {"apiGroup": RBAC_GROUP, "kind": "ClusterRole", "name": name},
    }
    if subjects:
        binding["subjects"] = subjects
    return binding


def _group(name: str) -> dict[str, str]:
    return {"apiGroup": RBAC_GROUP, "kind": "Group", "name": name}


def _user(name: str) -> dict[str, str]:
    return {"apiGroup": RBAC_GROUP, "kind": "User", "name": name}


def _view_rules() -> list[dict]:
    return [
        _rule(
            [""],
            [
                "pods",
                "replicationcontrollers",
                "replicationcontrollers/scale",
                "serviceaccounts",
                "services",
                "services/status",
                "endpoints",
                "persistentvolumeclaims",
                "persistentvolumeclaims/status",
                "configmaps",
            ],
            READ,
        ),
        _rule(
            [""],
            [
                "limitranges",
                "resourcequotas",
                "bindings",
                "events",
                "pods/status",
                "resourcequotas/status",
                "namespaces/status",
                "replicationcontrollers/status",
                "pods/log",
            ],
            READ,
        ),
        # Reading namespaces in a namespace means reading *this* namespace.
        _rule([""], ["namespaces"], READ),
        _rule(["discovery.k8s.io"], ["endpointslices"], READ),
        _rule(
            ["apps"],
            [
                "controllerrevisions",
                "statefulsets",
                "statefulsets/status",
                "statefulsets/scale",
                "daemonsets",
                "daemonsets/status",
                "deployments",
                "deployments/status",
                "deployments/scale",
                "replicasets",
                "replicasets/status",
                "replicasets/scale",
            ],
            READ,
        ),
        _rule(
            ["autoscaling"], ["horizontalpodautoscalers", "horizontalpodautoscalers/status"], READ
        ),
        _rule(["batch"], ["jobs", "cronjobs", "cronjobs/status", "jobs/status"], READ),
        _rule(["policy"], ["poddisruptionbudgets", "poddisruptionbudgets/status"], READ),
        _rule(["networking.k8s.io"], ["networkpolicies", "ingresses", "ingresses/status"], READ),
    ]


def _edit_rules() -> list[dict]:
    escalating = ["pods/attach", "pods/proxy", "pods/exec", "pods/portforward"]
    return [
        # Read access to resources that can escalate (secrets, exec into pods).
        _rule([""], [*escalating, "secrets", "services/proxy"], READ),
        _rule([""], ["serviceaccounts"], ["impersonate"]),
        _rule([""], ["pods", *escalating], WRITE),
        _rule([""], ["pods/eviction"], ["create"]),
        _rule(
            [""],
            [
                "replicationcontrollers",
                "replicationcontrollers/scale",
                "serviceaccounts",
                "services",
                "services/proxy",
                "persistentvolumeclaims",
                "configmaps",
                "secrets",
                "events",
            ],
            WRITE,
        ),
        _rule([""], ["serviceaccounts/token"], ["create"]),
        _rule(
            ["apps"],
            [
                "statefulsets",
                "statefulsets/scale",
                "daemonsets",
                "deployments",
                "deployments/scale",
                "deployments/rollback",
                "replicasets",
                "replicasets/scale",
            ],
            WRITE,
        ),
        _rule(["autoscaling"], ["horizontalpodautoscalers"], WRITE),
        _rule(["batch"], ["jobs", "cronjobs"], WRITE),
        _rule(["policy"], ["poddisruptionbudgets"], WRITE),
        _rule(["networking.k8s.io"], ["networkpolicies", "ingresses"], WRITE),
    ]


def _admin_rules() -> list[dict]:
    return [
        _rule(["authorization.k8s.io"], ["localsubjectaccessreviews"], ["create"]),
        _rule([RBAC_GROUP], ["roles", "rolebindings"], READ_WRITE),
    ]


def _scheduler_rules() -> list[dict]:
    return [
        *_events_rules(),
        # Leader election.
        _rule(["coordination.k8s.io"], ["leases"], ["create"]),
        _rule(
            ["coordination.k8s.io"], ["leases"], ["get", "update"], resourceNames=["kube-scheduler"]
        ),
        _rule([""], ["nodes"], READ),
        _rule([""], ["pods"], ["delete", *READ]),
        _rule([""], ["bindings", "pods/binding"], ["create"]),
        _rule([""], ["pods/status"], ["patch", "update"]),
        # Things that select pods.
        _rule([""], ["replicationcontrollers", "services"], READ),
        _rule(["apps"], ["replicasets", "statefulsets"], READ),
        _rule(["policy"], ["poddisruptionbudgets"], READ),
        _rule([""], ["persistentvolumeclaims", "persistentvolumes"], READ),
        _rule(["authentication.k8s.io"], ["tokenreviews"], ["create"]),
        _rule(["authorization.k8s.io"], ["subjectaccessreviews"], ["create"]),
        # Pod affinity namespace selectors.
        _rule([""], ["namespaces"], READ),
    ]


def _volume_scheduler_rules() -> list[dict]:
    """``system:volume-scheduler``: the scheduler's VolumeBinding plugin reads volumes and
    classes and writes the selected node onto claims."""
    return [
        _rule([""], ["persistentvolumes", "persistentvolumeclaims"], ["patch", "update", *READ]),
        _rule(["storage.k8s.io"], ["storageclasses"], READ),
    ]


def _node_proxier_rules() -> list[dict]:
    return [
        # the service and endpoint listers kube-proxy builds its rules from
        _rule([""], ["services", "endpoints"], ["list", "watch"]),
        _rule([""], ["nodes"], READ),
        *_events_rules(),
        _rule(["discovery.k8s.io"], ["endpointslices"], ["list", "watch"]),
    ]


def _controller_manager_rules() -> list[dict]:
    return [
        # Simplified: one identity runs every controller (see the module doc).
        _rule(["*"], ["*"], READ_WRITE),
        _rule(["authentication.k8s.io"], ["tokenreviews"], ["create"]),
        _rule(["authorization.k8s.io"], ["subjectaccessreviews"], ["create"]),
    ]


def _metrics_server_rules() -> list[dict]:
    return [
        _rule([""], ["nodes/metrics"], ["get"]),
        _rule([""], ["pods", "nodes"], READ),
    ]


def _network_policy_agent_rules() -> list[dict]:
    return [_rule([""], ["pods", "namespaces"], ["list", "watch"]),
            _rule(["networking.k8s.io"], ["networkpolicies"], ["list", "watch"])]


def _ingress_nginx_rules() -> list[dict]:
    return [
        _rule([""], ["configmaps", "endpoints", "nodes", "pods", "secrets", "namespaces"],
              ["list", "watch"]),
        _rule([""], ["services"], READ),
        _rule(["networking.k8s.io"], ["ingresses", "ingressclasses"], READ),
        _rule(["networking.k8s.io"], ["ingresses/status"], ["update", "patch"]),
        _rule(["networking.k8s.io"], ["ingressclasses"], ["create"]),
        _rule(["networking.k8s.io"], ["networkpolicies"], ["list", "watch"]),
        _rule(["discovery.k8s.io"], ["endpointslices"], READ),
        *_events_rules(),
    ]


def bootstrap_cluster_roles() -> list[dict[str, Any]]:
    """The default ClusterRoles, aggregated roles filled in; fresh dicts on every call."""
    roles = [
        _cluster_role(
            "cluster-admin",
            [_rule(["*"], ["*"], ["*"]), _url_rule(["*"], ["*"])],
        ),
        _cluster_role(
            "system:discovery",
            [
                _url_rule(
                    [
                        "/api",
                        "/api/*",
                        "/apis",
                        "/apis/*",
                        "/healthz",
                        "/livez",
                        "/openapi",
                        "/openapi/*",
                        "/readyz",
                        "/version",
                        "/version/",
                    ],
                    ["get"],
                )
            ],
        ),
        _cluster_role(
            "system:basic-user",
            [
                _rule(
                    ["authorization.k8s.io"],
                    ["selfsubjectaccessreviews", "selfsubjectrulesreviews"],
                    ["create"],
                ),
                _rule(["authentication.k8s.io"], ["selfsubjectreviews"], ["create"]),
            ],
        ),
        _cluster_role(
            "system:public-info-viewer",
            [_url_rule(["/healthz", "/livez", "/readyz", "/version", "/version/"], ["get"])],
        ),
        _cluster_role("admin", None, aggregate_from=AGGREGATE_TO_ADMIN),
        _cluster_role(
            "edit", None, labels={AGGREGATE_TO_ADMIN: "true"}, aggregate_from=AGGREGATE_TO_EDIT
        ),
        _cluster_role(
            "view", None, labels={AGGREGATE_TO_EDIT: "true"}, aggregate_from=AGGREGATE_TO_VIEW
        ),
        _cluster_role(
            "system:aggregate-to-admin", _admin_rules(), labels={AGGREGATE_TO_ADMIN: "true"}
        ),
        _cluster_role(
            "system:aggregate-to-edit", _edit_rules(), labels={AGGREGATE_TO_EDIT: "true"}
        ),
        _cluster_role(
            "system:aggregate-to-view", _view_rules(), labels={AGGREGATE_TO_VIEW: "true"}
        ),
        _cluster_role("system:node", [{k: list(v) for k, v in r.items()} for r in NODE_RULES]),
        _cluster_role("system:kube-scheduler", _scheduler_rules()),
        _cluster_role("system:volume-scheduler", _volume_scheduler_rules()),
        _cluster_role("system:node-proxier", _node_proxier_rules()),
        _cluster_role("system:kube-controller-manager", _controller_manager_rules()),
        _cluster_role(
            "system:aggregated-metrics-reader",
            [_rule([METRICS_GROUP], ["pods", "nodes"], READ)],
            labels={AGGREGATE_TO_ADMIN: "true", AGGREGATE_TO_EDIT: "true",
                    AGGREGATE_TO_VIEW: "true"},
        ),
        _cluster_role("system:metrics-server", _metrics_server_rules()),
        _cluster_role(NETWORK_POLICY_AGENT, _network_policy_agent_rules()),
        _cluster_role("ingress-nginx", _ingress_nginx_rules()),
    ]
    # Aggregation shares rule dicts between roles; hand out independent copies.
    return deep_copy(aggregate_cluster_roles(roles))


def bootstrap_cluster_role_bindings() -> list[dict[str, Any]]:
    """The default ClusterRoleBindings (each named after its ClusterRole)."""
    return [
        _binding("cluster-admin", [_group(SYSTEM_PRIVILEGED_GROUP)]),
        _binding("system:basic-user", [_group(ALL_AUTHENTICATED)]),
        _binding("system:discovery", [_group(ALL_AUTHENTICATED)]),
        _binding(
            "system:public-info-viewer",
            [_group(ALL_AUTHENTICATED), _group(ALL_UNAUTHENTICATED)],
        ),
        _binding("system:node", []),
        _binding("system:kube-scheduler", [_user(KUBE_SCHEDULER)]),
        _binding("system:volume-scheduler", [_user(KUBE_SCHEDULER)]),
        _binding("system:node-proxier", [_user(KUBE_PROXY)]),
        _binding("system:kube-controller-manager", [_user(KUBE_CONTROLLER_MANAGER)]),
        _binding("system:metrics-server", [{"kind": "ServiceAccount",
                                            "name": METRICS_SERVER_ACCOUNT[1],
                                            "namespace": METRICS_SERVER_ACCOUNT[0]}]),
        _binding(NETWORK_POLICY_AGENT, [_user(KUBE_PROXY)]),
        _binding("ingress-nginx", [{"kind": "ServiceAccount", "name": INGRESS_NGINX_ACCOUNT[1],
                                    "namespace": INGRESS_NGINX_ACCOUNT[0]}]),
    ]


def bootstrap_rbac_objects() -> list[dict[str, Any]]:
    """Every bootstrap object as a manifest: ClusterRoles first, then their bindings."""
    return [*bootstrap_cluster_roles(), *bootstrap_cluster_role_bindings()]
