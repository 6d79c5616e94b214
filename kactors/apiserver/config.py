"""What an ApiServer is configured with (from cluster.toml, or by a test)."""

from __future__ import annotations

import datetime
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import attrs

from kactors.apiserver.objects import cluster_epoch


@attrs.frozen
class TokenUser:
    """A static bearer token (like kube-apiserver's --token-auth-file)."""

    name: str
    token: str = attrs.field(repr=False)
    groups: tuple[str, ...] = ()
    uid: str = ""


@attrs.frozen
class ApiServerConfig:
    users: tuple[TokenUser, ...] = ()
    #: kubelet credentials: node name -> token (the user becomes system:node:<name>)
    node_tokens: Mapping[str, str] = attrs.field(factory=dict, repr=False)
    #: key that signs service-account tokens
    service_account_key: str = attrs.field(default="kactors-service-account-key", repr=False)
    anonymous: bool = True
    #: cluster time 0 as a wall-clock moment, for creationTimestamp and friends (default:
    #: the run's, :func:`~kactors.apiserver.objects.cluster_epoch`, as every component)
    epoch: datetime.datetime = attrs.field(factory=cluster_epoch)
    namespaces: tuple[str, ...] = ("default", "kube-system", "kube-public", "kube-node-lease")
    #: the ServiceAccount admission plugin (see kactors.apiserver.saadmission): a pod's
    #: account must exist and its token volume is injected. On where something creates
    #: the `default` accounts (ClusterTree, when the serviceaccount controller runs); off
    #: for a bare control plane, whose pods would otherwise all be refused
    service_account_admission: bool = False
    service_cidr: str = "10.96.0.0/12"
    #: where the `kubernetes` Service's Endpoints send pods (--advertise-address): the
    #: control-plane host, whose address the kube-apiserver mirror pod also shows
    advertise_address: str = "10.0.255.100"
    watch_cache_size: int = 4096
    store_timeout: float = 5.0
    #: no notice from the store watch for this long: re-establish it on another member
    store_watch_stall: float = 30.0
    tick: float = 1.0
    #: a watch that asked for bookmarks gets one this often (Kubernetes' cacher sends
    #: them about once a minute): the resourceVersion it may resume from, and proof of
    #: life well within an informer's 60 s stall timeout
    bookmark_interval: float = 10.0
    #: how the apiserver reads container logs (pods/log) from the kubelets, if any
    #: called as pod_logs(apiserver_ctx, pod, options) -> list of lines, or an exception
    #: value with the kubelet's reason, or None when no kubelet answers
    pod_logs: Callable[[Any, dict[str, Any], Any], Awaitable[Any]] | None = None
    #: where aggregated APIs (``metrics.k8s.io``) are served, as kube-aggregator proxies
    #: an APIService: called as aggregated(apiserver_ctx, AggregatedRequest) after
    #: authentication and authorization -> the object or a Status dict, or None when the
    #: backing server does not answer (503, as for an unavailable APIService)
    aggregated: Callable[[Any, Any], Awaitable[Any]] | None = None
    #: how the apiserver reaches a container for pods/exec: called as
    #: pod_exec(apiserver_ctx, pod, container) -> the container as a podexec.ExecTarget,
    #: or the kubelet's ExecUnavailable, or None when no kubelet answers
    pod_exec: Callable[[Any, dict[str, Any], str], Awaitable[Any]] | None = None
    #: objects the cluster starts with besides Kubernetes' own (kind's `standard`
    #: StorageClass, which its local-path provisioner serves): created once the apiserver
    #: serves, like the system PriorityClasses
    bootstrap_objects: tuple[Mapping[str, Any], ...] = ()
