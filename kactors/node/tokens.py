"""The kubelet's token manager: one service-account token per pod, from the TokenRequest API.

A pod whose volumes project a ``serviceAccountToken`` (the ``kube-api-access-*`` volume
that ServiceAccount admission injects, or one the user wrote) needs a token of its
ServiceAccount before its volumes can be mounted. As Kubernetes' kubelet
(``pkg/kubelet/token``), this asks ``POST .../serviceaccounts/<sa>/token`` with the
projection's ``expirationSeconds`` and audience, bound to the pod (``boundObjectRef``:
kind Pod, its name and uid), and keeps the answer per ``(namespace, account, pod uid)``:
one request when the pod starts, none while it runs (kactors' tokens do not expire, so
nothing is refreshed). A failed request is remembered with its message, which the
runtime reports as ``FailedMount`` (``failed to fetch token: ...``); the kubelet asks
again each heartbeat.

The node authorizer lets a kubelet create tokens only for the accounts of pods bound to
its node. Tokens are secrets: never logged.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from kactors.client.errors import ApiError

if TYPE_CHECKING:
    from kactors.client.client import ApiClient

__all__ = ["TOKEN_KIND", "TokenManager", "token_name", "token_projection"]

#: the ``kind`` under which the runtime's config lookup answers tokens; the ``name`` is
#: :func:`token_name` (a token is bound to one pod)
TOKEN_KIND = "ServiceAccountToken"


def token_name(account: str, pod_uid: str) -> str:
    """The lookup name of a pod's token: ``<account>/<pod uid>`` (no name has a ``/``)."""
    return f"{account}/{pod_uid}"


def token_projection(pod: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The first ``serviceAccountToken`` projection of the pod's volumes, if any."""
    for volume in (pod.get("spec") or {}).get("volumes") or ():
        projected = volume.get("projected") if isinstance(volume, Mapping) else None
        if not isinstance(projected, Mapping):
            continue
        for source in projected.get("sources") or ():
            if isinstance(source, Mapping) and isinstance(source.get("serviceAccountToken"),
                                                          Mapping):
                return source["serviceAccountToken"]
    return None


class TokenManager:
    """Tokens of the pods of one node: ``{"token": ...}`` or ``{"error": ...}`` each."""

    def __init__(self, client: ApiClient, log: Any = None) -> None:
        self.client = client
        self.log = log  # structlog-style: .info/.warning(event, **fields); never the token
        #: pod uid -> (namespace, account, {"token": ...} or {"error": ...})
        self.tokens: dict[str, tuple[str, str, dict[str, str]]] = {}

    async def fetch(self, pod: Mapping[str, Any]) -> None:
        """Get the pod's token unless it has one (or needs none)."""
        projection = token_projection(pod)
        if projection is None:
            return
        meta = pod["metadata"]
        namespace, uid = meta["namespace"], meta["uid"]
        account = (pod.get("spec") or {}).get("serviceAccountName") or "default"
        known = self.tokens.get(uid)
        if known is not None and known[:2] == (namespace, account) and "token" in known[2]:
            return
        spec: dict[str, Any] = {
            "expirationSeconds": projection.get("expirationSeconds") or 3600,
            "boundObjectRef": {"apiVersion": "v1", "kind": "Pod", "name": meta["name"],
                               "uid": uid}}
        if projection.get("audience"):
            spec["audiences"] = [projection["audience"]]
        client = self.client
        try:
            reply = await client.request(
                "create", client.info("serviceaccounts"), namespace=namespace, name=account,
                subresource="token", body={"apiVersion": "authentication.k8s.io/v1",
                                           "kind": "TokenRequest", "spec": spec})
            entry = {"token": str(reply["status"]["token"])}
        except ApiError as error:
            entry = {"error": str(error)}
        except TimeoutError:
            entry = {"error": "the apiserver did not answer in time"}
        self.tokens[uid] = (namespace, account, entry)
        if self.log is not None:
            fields = {"pod": f"{namespace}/{meta['name']}",
                      "serviceaccount": f"{namespace}/{account}"}
            if "token" in entry:
                self.log.info("pod.token_issued", **fields)
            else:
                self.log.warning("pod.token_failed", **fields, error=entry["error"])

    def lookup(self, namespace: str, name: str) -> Mapping[str, str] | None:
        """The token (or the error) of :func:`token_name` ``name``; ``None``: not asked."""
        account, _, uid = name.partition("/")
        known = self.tokens.get(uid)
        return known[2] if known is not None and known[:2] == (namespace, account) else None

    def failed(self) -> set[str]:
        """The uids of pods whose token request failed (to ask again)."""
        return {uid for uid, (_, _, entry) in self.tokens.items() if "error" in entry}

    def forget(self, uid: str) -> None:
        """The pod is gone: drop its token."""
        self.tokens.pop(uid, None)
