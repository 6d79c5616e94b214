"""The node authorizer's rule for TokenRequests: a kubelet may create tokens only for
the ServiceAccounts that pods bound to its node run as."""

from __future__ import annotations

import pytest

from kactors.apiserver.auth import NodeAuthorizer, for_resource, node_user, pod_references
from kactors.apiserver.auth.authn import with_authenticated_group

N1 = with_authenticated_group(node_user("n1"))
WEB = {"metadata": {"name": "web", "namespace": "shop"},
       "spec": {"serviceAccountName": "robot", "containers": [{"name": "app"}]}}
REFS = {"n1": pod_references(WEB)}


@pytest.mark.parametrize(("verb", "name", "namespace", "subresource", "allowed", "reason"), [
    ("create", "robot", "shop", "token", True, ""),
    ("create", "builder", "shop", "token", False,
     "no relationship found between node 'n1' and this object"),
    ("create", "robot", "other", "token", False,
     "no relationship found between node 'n1' and this object"),
    ("create", "", "shop", "token", False,
     "can only create tokens for individual service accounts"),
    ("get", "robot", "shop", "", False, "can only create tokens for individual service accounts"),
    ("create", "robot", "shop", "", False, "can only create token subresource of serviceaccount"),
])
def test_a_kubelet_mints_tokens_only_for_accounts_of_its_pods(
        verb: str, name: str, namespace: str, subresource: str, allowed: bool,
        reason: str) -> None:
    authz = NodeAuthorizer(pod_refs=lambda node: REFS.get(node, frozenset()))
    decision = authz.authorize(for_resource(N1, verb, "serviceaccounts", name=name,
                                            namespace=namespace, subresource=subresource))
    assert decision.allowed is allowed
    assert decision.reason == reason


def test_a_pods_references_include_its_service_account() -> None:
    assert ("ServiceAccount", "shop", "robot") in pod_references(WEB)
    assert not any(kind == "ServiceAccount" for kind, _, _ in pod_references(
        {"metadata": {"namespace": "shop"}, "spec": {}}))
