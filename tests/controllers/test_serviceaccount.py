"""ServiceAccounts: every namespace has `default`; the TokenRequest API mints tokens that
authenticate as the account (RBAC applies) until the account is deleted; the tokens
controller fills service-account-token Secrets."""

from __future__ import annotations

import base64

import pytest

from kactors.client.client import ApiClient
from kactors.client.errors import Forbidden, Invalid, NotFound, Unauthorized
from kactors.controllers.serviceaccount import (
    ServiceAccountController,
    TokensController,
    request_token,
)
from kactors.testing.harness import cluster_harness


def namespace(name: str) -> dict:
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}


def account(name: str, ns: str = "team") -> dict:
    return {"apiVersion": "v1", "kind": "ServiceAccount",
            "metadata": {"name": name, "namespace": ns}}


async def token_for(cluster, name: str, ns: str = "team", **spec) -> dict:
    client = cluster.client
    return await client.request("create", client.info("serviceaccounts"), namespace=ns,
                                name=name, subresource="token",
                                body={"apiVersion": "authentication.k8s.io/v1",
                                      "kind": "TokenRequest", "spec": spec})


def client_with(cluster, token: str) -> ApiClient:
    return ApiClient(cluster.actor(cluster.probe).ctx, cluster.apiserver, token)


async def test_every_namespace_gets_a_default_service_account_again_if_deleted(
        autojump_clock):
    async with cluster_harness(seed=1) as cluster:
        await cluster.start_controller(ServiceAccountController)
        await cluster.apply(namespace("team"))
        await cluster.sleep(2)
        accounts = sorted((a["metadata"]["namespace"], a["metadata"]["name"])
                          for a in await cluster.list("v1/ServiceAccount"))
        assert accounts == [(ns, "default") for ns in (
            "default", "kube-node-lease", "kube-public", "kube-system", "team")]
        first = await cluster.get("v1/ServiceAccount", "default", "team")
        await cluster.delete("v1/ServiceAccount", "default", "team")
        await cluster.sleep(2)
        second = await cluster.get("v1/ServiceAccount", "default", "team")
        assert second["metadata"]["uid"] != first["metadata"]["uid"]
        # another account is not the controller's business
        await cluster.apply(account("builder"))
        await cluster.delete("v1/ServiceAccount", "builder", "team")
        await cluster.sleep(2)
        assert await cluster.get("v1/ServiceAccount", "builder", "team") is None
        created = [r["serviceaccount"] for r in cluster.logs("serviceaccount.created")]
        assert created.count("team/default") == 2


async def test_a_requested_token_authenticates_as_the_account_until_it_is_deleted(
        autojump_clock):
    async with cluster_harness(seed=2) as cluster:
        await cluster.apply([namespace("team"), account("builder")])
        reply = await token_for(cluster, "builder", expirationSeconds=7200)
        assert (reply["kind"], reply["apiVersion"]) == ("TokenRequest",
                                                        "authentication.k8s.io/v1")
        assert reply["spec"]["expirationSeconds"] == 7200
        created = reply["metadata"]["creationTimestamp"]
        assert reply["status"]["expirationTimestamp"] > created
        token = reply["status"]["token"]
        builder = client_with(cluster, token)
        with pytest.raises(Forbidden) as refused:
            await builder.list("pods", "team")
        assert 'User "system:serviceaccount:team:builder" cannot list resource "pods"' in \
            str(refused.value)
        await cluster.apply([
            {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
             "metadata": {"name": "pod-reader", "namespace": "team"},
             "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["list"]}]},
            {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
             "metadata": {"name": "builder-reads-pods", "namespace": "team"},
             "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role",
                         "name": "pod-reader"},
             "subjects": [{"kind": "ServiceAccount", "name": "builder",
                           "namespace": "team"}]}])
        await cluster.sleep(1)
        assert (await builder.list("pods", "team"))["items"] == []
        with pytest.raises(Forbidden):
            await builder.list("pods", "default")  # the Role is the team namespace's only
        await cluster.delete("v1/ServiceAccount", "builder", "team")
        await cluster.sleep(1)
        with pytest.raises(Unauthorized):
            await builder.list("pods", "team")
        # a new account of the same name does not revive the old token
        await cluster.apply(account("builder"))
        await cluster.sleep(1)
        with pytest.raises(Unauthorized):
            await builder.list("pods", "team")
        assert (await token_for(cluster, "builder"))["status"]["token"] != token


async def test_token_requests_are_checked(autojump_clock):
    async with cluster_harness(seed=3) as cluster:
        await cluster.apply([namespace("team"), account("builder")])
        with pytest.raises(NotFound):
            await token_for(cluster, "nobody")
        with pytest.raises(Invalid) as short:
            await token_for(cluster, "builder", expirationSeconds=60)
        assert "may not specify a duration less than 10 minutes" in str(short.value)
        assert (await token_for(cluster, "builder"))["spec"]["expirationSeconds"] == 3600
        # a token is for its holder: a service account cannot mint itself others' tokens
        builder = client_with(cluster, (await token_for(cluster, "builder"))["status"]["token"])
        with pytest.raises(Forbidden):
            await builder.request("create", builder.info("serviceaccounts"), namespace="team",
                                  name="builder", subresource="token", body={})


async def test_the_tokens_controller_fills_service_account_token_secrets(autojump_clock):
    async with cluster_harness(seed=4) as cluster:
        ref = await cluster.start_controller(TokensController)
        await cluster.apply([namespace("team"), {
            "apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/service-account-token",
            "metadata": {"name": "builder-token", "namespace": "team", "annotations": {
                "kubernetes.io/service-account.name": "builder"}}}])
        await cluster.sleep(2)  # no such account yet: left alone
        secret = await cluster.get("v1/Secret", "builder-token", "team")
        assert not secret.get("data")
        sa = (await cluster.apply(account("builder")))[0]
        await cluster.sleep(2)
        secret = await cluster.get("v1/Secret", "builder-token", "team")
        data = {k: base64.b64decode(v).decode() for k, v in secret["data"].items()}
        assert sorted(data) == ["ca.crt", "namespace", "token"]
        assert data["namespace"] == "team"
        assert secret["metadata"]["annotations"]["kubernetes.io/service-account.uid"] == \
            sa["metadata"]["uid"]
        assert data["token"] == await request_token(cluster.actor(ref), "team", "builder")
        with pytest.raises(Forbidden):  # authenticated as the account, which may not list
            await client_with(cluster, data["token"]).list("secrets", "team")
        assert data["token"] not in str(cluster.logs())  # never logged
