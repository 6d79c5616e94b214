"""The apiserver's view of identity: who is asking (authentication) and may they
(authorization), kept current from the cluster's own RBAC objects, ServiceAccounts and
pod bindings as the watch caches see them change."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

from kactors.api import status as st
from kactors.apiserver.auth import (
    Attributes,
    Authenticator,
    AuthnConfig,
    NodeAuthorizer,
    NodeToken,
    RBACAuthorizer,
    StaticToken,
    UserInfo,
    bootstrap_rbac_objects,
    default_chain,
    forbidden_detail,
    issue_service_account_token,
    pod_references,
)
from kactors.apiserver.auth.impersonation import Impersonation, impersonated_user
from kactors.apiserver.config import ApiServerConfig

_RBAC_PREFIXES = ("roles", "rolebindings", "clusterroles", "clusterrolebindings")
#: how many issued service-account tokens `Security` remembers (a bound, not a need)
_ISSUED_KEPT = 4096
#: the resources `Security._observe_one` keeps track of
_OBSERVED = frozenset({*_RBAC_PREFIXES, "serviceaccounts", "pods"})


def _key_bytes(key: str) -> bytes:
    """The configured signing key, stretched to the 32 bytes HMAC-SHA256 wants."""
    return hashlib.sha256(key.encode()).digest()


class Security:
    def __init__(self, config: ApiServerConfig) -> None:
        self.sa_uids: dict[tuple[str, str], str] = {}
        #: "namespace/name" -> (node, what the pod references, pod uid)
        self.pod_refs: dict[str, tuple[str, frozenset[tuple[str, str, str]], str]] = {}
        #: node -> {(kind, namespace, name): how many of its pods reference it}
        self.node_refs: dict[str, dict[tuple[str, str, str], int]] = {}
        self.sa_key = _key_bytes(config.service_account_key)
        #: (namespace, name, uid) -> the token issued for that ServiceAccount
        self._issued: dict[tuple[str, str, str], str] = {}
        authn = AuthnConfig(
            static_tokens=tuple(StaticToken(u.token, u.name, u.uid, u.groups)
                                for u in config.users),
            node_tokens=tuple(NodeToken(token, node) for node, token in
                              sorted(config.node_tokens.items())),
            service_account_key=self.sa_key, anonymous=config.anonymous)
        self.authenticator = Authenticator(authn, sa_exists=self._sa_exists)
        self.rbac = RBACAuthorizer()
        self.node = NodeAuthorizer(pod_node=self._pod_node, pod_refs=self._refs_of_node)
        self.chain = default_chain(self.rbac, self.node)
        self.system_user = UserInfo("system:apiserver", "", ("system:masters",))

    # -- authentication ------------------------------------------------------------------------
    def authenticate(self, token: str | None) -> UserInfo:
        result = self.authenticator.authenticate(token)
        if result.user is None:
            raise st.StatusError(st.unauthorized())
        return result.user

    def _sa_exists(self, namespace: str, name: str, uid: str) -> bool:
        return self.sa_uids.get((namespace, name)) == uid

    def service_account_token(self, namespace: str, name: str, uid: str) -> str:
        # a token is a pure function of the key and the account: remembered (every pod's
        # kubelet asks for its ServiceAccount's, the same few accounts over and over)
        account = (namespace, name, uid)
        token = self._issued.get(account)
        if token is None:
            token = issue_service_account_token(self.sa_key, namespace, name, uid)
            if len(self._issued) >= _ISSUED_KEPT:
                self._issued.clear()
            self._issued[account] = token
        return token

    def impersonate(self, requestor: UserInfo, wanted: Any) -> UserInfo:
        """The user `requestor` acts as (:mod:`.auth.impersonation`): 403 unless it may
        impersonate each part of `wanted`, 400 if `wanted` is not an impersonation."""
        if not isinstance(wanted, Impersonation):
            raise st.StatusError(st.bad_request(
                "invalid request: impersonate must be an Impersonation"))
        return impersonated_user(requestor, wanted, self.authorize)

    # -- authorization -------------------------------------------------------------------------
    def authorize(self, attributes: Attributes) -> None:
        decision = self.chain.authorize(attributes)
        if not decision.allowed:
            raise st.StatusError(st.forbidden(
                (attributes.api_group, attributes.resource), attributes.name,
                forbidden_detail(attributes, decision.reason)))

    def _pod_node(self, namespace: str, name: str) -> str | None:
        entry = self.pod_refs.get(f"{namespace}/{name}")
        return entry[0] if entry else None

    def _refs_of_node(self, node: str) -> Iterable[tuple[str, str, str]]:
        return self.node_refs.get(node, {})

    # -- keeping current -----------------------------------------------------------------------
    def resync(self, prefix: str, objects: Iterable[dict[str, Any]]) -> None:
        for obj in objects:
            self._observe_one(prefix, obj, None)

    @staticmethod
    def observes(prefix: str) -> bool:
        """Whether the objects under `prefix` matter here (`observe` ignores the rest)."""
        return prefix.rsplit("/", 1)[-1] in _OBSERVED

    def observe(self, prefix: str, events: Iterable[Any]) -> None:
        for event in events:
            self._observe_one(prefix, event.obj if event.type != "DELETED" else None,
                              event.prev)

    def _observe_one(self, prefix: str, obj: dict[str, Any] | None,
                     prev: dict[str, Any] | None) -> None:
        resource = prefix.rsplit("/", 1)[-1]
        if resource in _RBAC_PREFIXES:
            if obj is None:
                if prev is not None:
                    self.rbac.remove(prev)
            else:
                self.rbac.add(obj)
        elif resource == "serviceaccounts":
            target = obj or prev
            assert target is not None
            meta = target["metadata"]
            key = (meta.get("namespace", ""), meta["name"])
            if obj is None:
                self.sa_uids.pop(key, None)
            else:
                self.sa_uids[key] = meta.get("uid", "")
        elif resource == "pods":
            target = obj or prev
            assert target is not None
            meta = target["metadata"]
            key = f"{meta.get('namespace')}/{meta['name']}"
            node = (obj.get("spec") or {}).get("nodeName") if obj is not None else None
            old = self.pod_refs.get(key)
            uid = meta.get("uid", "")
            if old is not None and node and old[0] == node and old[2] == uid:
                # the node graph's rule: same node, same uid, and everything a pod spec
                # references is immutable, so a status write changes no edge
                return
            if old is not None:
                del self.pod_refs[key]
                counts = self.node_refs.get(old[0], {})
                for ref in old[1]:
                    if counts.get(ref, 0) > 1:
                        counts[ref] -= 1
                    else:
                        counts.pop(ref, None)
            if node:
                refs = pod_references(obj)
                self.pod_refs[key] = (node, refs, uid)
                counts = self.node_refs.setdefault(node, {})
                for ref in refs:
                    counts[ref] = counts.get(ref, 0) + 1

    # -- bootstrap -----------------------------------------------------------------------------
    def bootstrap_objects(self, namespaces: Iterable[str]) -> list[dict[str, Any]]:
        objs: list[dict[str, Any]] = [
            {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}
            for name in namespaces]
        objs.extend(bootstrap_rbac_objects())
        return objs
