"""Failures are Kubernetes Status values with the usual codes, reasons and messages; bad
input never produces a 500 and never stops the apiserver."""

from __future__ import annotations

import math
from typing import Any

import pytest

from kactors.api.kinds import ResourceInfo
from kactors.apiserver.config import TokenUser
from kactors.apiserver.messages import ApiRequest
from kactors.client.errors import (
    AlreadyExists,
    BadRequest,
    Conflict,
    Forbidden,
    Invalid,
    MethodNotAllowed,
    NotFound,
    ServerError,
    Unauthorized,
)

from .conftest import Env, configmap, control_plane, deployment, names, pod

ALICE = TokenUser("alice", "alice-token", ("developers",))


def status_of(error: Any) -> dict[str, Any]:
    status = error.status
    assert status["kind"] == "Status" and status["apiVersion"] == "v1"
    assert status["status"] == "Failure"
    return status


# -- 400 ---------------------------------------------------------------------------------------

async def test_400_for_a_body_of_the_wrong_kind(env: Env, autojump_clock: Any) -> None:
    with pytest.raises(BadRequest) as caught:
        await env.call(lambda c: c.request("create", c.info("pods"), namespace="default",
                                           body=configmap("x")))
    status = status_of(caught.value)
    assert status["code"] == 400 and status["reason"] == "BadRequest"
    assert status["message"] == 'ConfigMap in version "v1" cannot be handled as a Pod'
    with pytest.raises(BadRequest) as caught:
        await env.call(lambda c: c.request("create", c.info("deployments"),
                                           namespace="default",
                                           body={**deployment("web"), "apiVersion": "v1"}))
    assert caught.value.status["message"] == (
        "the API version in the data (v1) does not match the expected API version (apps/v1)")


async def test_400_for_bodies_that_do_not_decode(env: Env, autojump_clock: Any) -> None:
    cases = [
        ("a string", "the body of the request was in an unknown format - expected an object, "
                     "got string"),
        ({"metadata": {"name": 5}},
         'ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot unmarshal '
         'number into Go struct field ObjectMeta.metadata.name of type string'),
        ({"metadata": {"name": "x", "labels": {"a": 1}}},
         'ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot unmarshal '
         'number into Go struct field ObjectMeta.metadata.labels of type string'),
        ({"metadata": {"name": "x", "finalizers": "f"}},
         'ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot unmarshal '
         'string into Go struct field ObjectMeta.metadata.finalizers of type []string'),
        ({"metadata": "x"},
         'ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot unmarshal '
         'string into Go struct field ConfigMap.metadata of type v1.ObjectMeta'),
    ]
    for body, message in cases:
        with pytest.raises(BadRequest) as caught:
            await env.call(lambda c, body=body: c.request(
                "create", c.info("configmaps"), namespace="default", body=body))
        assert caught.value.status["message"] == message
    with pytest.raises(BadRequest) as caught:
        await env.call(lambda c: c.request("create", c.info("pods"), namespace="default",
                                           body={"metadata": {"name": "p"}, "spec": "x"}))
    assert caught.value.status["message"] == (
        'Pod in version "v1" cannot be handled as a Pod: json: cannot unmarshal string into '
        'Go struct field Pod.spec of type v1.PodSpec')


async def test_400_for_a_name_that_cannot_be_a_path_segment(
        env: Env, autojump_clock: Any) -> None:
    with pytest.raises(BadRequest) as caught:
        await env.call(lambda c: c.get("configmaps", "a/b"))
    assert caught.value.status["message"] == (
        "invalid resource name \"a/b\": [may not contain '/']")
    with pytest.raises(BadRequest, match="^name must be provided$"):
        await env.call(lambda c: c.get("configmaps", ""))



async def test_400_for_an_option_of_the_wrong_type(env: Env, autojump_clock: Any) -> None:
    """Query parameters are strings over HTTP; the in-process client may also send
    numbers and booleans where Kubernetes' parameter is one, nothing else."""
    async def ask(options: dict[str, Any]) -> Any:
        request = ApiRequest("list", "configmaps", "", "v1", "default", options=options,
                             token=env.plane.admin_token)
        return await env.run(lambda ctx: ctx.remote(env.plane.apiserver).ask(request,
                                                                              timeout=10))
    for options in ({"limit": "5", "labelSelector": "a=b"}, {"limit": 5},
                    {"allowWatchBookmarks": True}, {"unknownOption": 3}):
        assert (await ask(options))["kind"] == "ConfigMapList"
    for options, message in (({"limit": [5]}, "invalid value for the limit parameter: array"),
                             ({"labelSelector": 3},
                              "invalid value for the labelSelector parameter: number"),
                             ({"limit": True}, "invalid value for the limit parameter: bool")):
        status = await ask(options)
        assert (status["code"], status["message"]) == (400, message)

# -- 401 / 403 ---------------------------------------------------------------------------------

async def test_401_for_a_bad_token(env: Env, autojump_clock: Any) -> None:
    for token in ("wrong", "Bearer wrong", "sa.forged.token.value.sig"):
        with pytest.raises(Unauthorized) as caught:
            await env.call(lambda c: c.list("pods"), token=token)
        status = status_of(caught.value)
        assert (status["code"], status["reason"], status["message"]) == (
            401, "Unauthorized", "Unauthorized")


async def test_403_with_the_exact_kubernetes_message(autojump_clock: Any) -> None:
    async with control_plane(users=[ALICE]) as env:
        with pytest.raises(Forbidden) as caught:
            await env.call(lambda c: c.list("pods"), token="alice-token")
        status = status_of(caught.value)
        assert status["code"] == 403 and status["reason"] == "Forbidden"
        assert status["message"] == (
            'pods is forbidden: User "alice" cannot list resource "pods" in API group "" in '
            'the namespace "default"')
        assert status["details"] == {"kind": "pods"}
        with pytest.raises(Forbidden) as caught:
            await env.call(lambda c: c.get("deployments", "web"), token="alice-token")
        assert caught.value.status["message"] == (
            'deployments.apps "web" is forbidden: User "alice" cannot get resource '
            '"deployments" in API group "apps" in the namespace "default"')
        with pytest.raises(Forbidden) as caught:
            await env.call(lambda c: c.list("nodes"), token="alice-token")
        assert caught.value.status["message"] == (
            'nodes is forbidden: User "alice" cannot list resource "nodes" in API group "" at '
            'the cluster scope')
        # anonymous requests are system:anonymous
        with pytest.raises(Forbidden) as caught:
            await env.call(lambda c: c.list("pods"), token="")
        assert caught.value.status["message"] == (
            'pods is forbidden: User "system:anonymous" cannot list resource "pods" in API '
            'group "" in the namespace "default"')


# -- 404 / 405 ---------------------------------------------------------------------------------

async def test_404_for_a_missing_object(env: Env, autojump_clock: Any) -> None:
    with pytest.raises(NotFound) as caught:
        await env.call(lambda c: c.get("deployments", "ghost"))
    status = status_of(caught.value)
    assert status["code"] == 404 and status["reason"] == "NotFound"
    assert status["message"] == 'deployments.apps "ghost" not found'
    assert status["details"] == {"name": "ghost", "group": "apps", "kind": "deployments"}


async def test_404_for_an_unknown_resource(env: Env, autojump_clock: Any) -> None:
    bogus = ResourceInfo("example.com", "v1", "Gizmo", "gizmos", "gizmo", True)
    for info in (bogus, ResourceInfo("", "v7", "Pod", "pods", "pod", True)):
        with pytest.raises(NotFound) as caught:
            await env.call(lambda c, info=info: c.request("list", info, namespace="default"))
        status = status_of(caught.value)
        assert status["message"] == "the server could not find the requested resource"
        assert status["code"] == 404 and status["reason"] == "NotFound"


async def test_405_for_a_verb_the_resource_does_not_have(env: Env, autojump_clock: Any) -> None:
    with pytest.raises(MethodNotAllowed) as caught:
        await env.call(lambda c: c.request("deletecollection", c.info("services"),
                                           namespace="default"))
    status = status_of(caught.value)
    assert status["code"] == 405 and status["reason"] == "MethodNotAllowed"
    assert status["message"] == (
        'deletecollection is not supported on resources of kind "services"')
    with pytest.raises(MethodNotAllowed):
        await env.call(lambda c: c.request("get", c.info("pods"), namespace="default",
                                           name="p", subresource="binding"))
    with pytest.raises(MethodNotAllowed):
        await env.call(lambda c: c.request("frobnicate", c.info("pods"), namespace="default"))


# -- 409 / 410 / 422 ---------------------------------------------------------------------------

async def test_409_already_exists_and_conflict(env: Env, autojump_clock: Any) -> None:
    created = await env.call(lambda c: c.create(deployment("web")))
    with pytest.raises(AlreadyExists) as caught:
        await env.call(lambda c: c.create(deployment("web")))
    status = status_of(caught.value)
    assert (status["code"], status["reason"]) == (409, "AlreadyExists")
    assert status["message"] == 'deployments.apps "web" already exists'
    assert status["details"] == {"name": "web", "group": "apps", "kind": "deployments"}
    changed = {**created, "metadata": {**created["metadata"], "labels": {"v": "2"}}}
    await env.call(lambda c: c.update(changed))
    with pytest.raises(Conflict) as caught:
        await env.call(lambda c: c.update(created))
    assert (caught.value.code, caught.value.reason) == (409, "Conflict")


async def test_422_invalid_with_the_causes(env: Env, autojump_clock: Any) -> None:
    bad = pod("Bad_Name")
    bad["spec"]["containers"][0]["image"] = ""
    bad["spec"]["restartPolicy"] = "Sometimes"
    with pytest.raises(Invalid) as caught:
        await env.call(lambda c: c.create(bad))
    status = status_of(caught.value)
    assert (status["code"], status["reason"]) == (422, "Invalid")
    assert status["message"].startswith('Pod "Bad_Name" is invalid: [')
    assert status["details"]["name"] == "Bad_Name" and status["details"]["kind"] == "Pod"
    fields = {cause["field"] for cause in status["details"]["causes"]}
    assert {"metadata.name", "spec.containers[0].image", "spec.restartPolicy"} <= fields
    reasons = {cause["field"]: cause["reason"] for cause in status["details"]["causes"]}
    assert reasons["spec.containers[0].image"] == "FieldValueRequired"
    assert reasons["spec.restartPolicy"] == "FieldValueNotSupported"


async def test_422_for_an_invalid_delete_option(env: Env, autojump_clock: Any) -> None:
    await env.call(lambda c: c.create(configmap("cfg")))
    with pytest.raises(Invalid) as caught:
        await env.call(lambda c: c.delete("configmaps", "cfg", propagation_policy="Sideways"))
    assert caught.value.status["message"] == (
        'DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: Unsupported value: '
        '"Sideways": supported values: "Foreground", "Background", "Orphan"')
    with pytest.raises(BadRequest):
        await env.call(lambda c: c.delete("configmaps", "cfg", grace_period_seconds="soon"))
    assert names(await env.call(lambda c: c.list("configmaps"))) == ["cfg"]


async def test_an_internal_error_is_a_500_and_the_apiserver_goes_on(
        env: Env, autojump_clock: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from kactors.apiserver.rest import Rest

    async def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr(Rest, "get_scale", broken)
    await env.call(lambda c: c.create(deployment("web")))
    with pytest.raises(ServerError) as caught:
        await env.call(lambda c: c.request("get", c.info("deployments"), namespace="default",
                                           name="web", subresource="scale"))
    assert caught.value.status["message"] == "Internal error occurred: RuntimeError: boom"
    assert env.logs("apiserver.internal_error")
    assert names(await env.call(lambda c: c.list("deployments"))) == ["web"]


# -- garbage in, never a 500 -------------------------------------------------------------------

GARBAGE: list[Any] = [
    None, 0, -1, 1.5, math.nan, math.inf, "x", "", b"bytes", [], [1, 2], ["x"], {}, {"a": 1},
    {"metadata": "x"}, {"metadata": []}, {"metadata": {"name": 5}},
    {"metadata": {"name": None}}, {"metadata": {"name": "ok", "labels": "x"}},
    {"metadata": {"name": "ok", "labels": {"a": 1}}},
    {"metadata": {"name": "ok", "labels": {1: "a"}}},
    {"metadata": {"name": "ok", "annotations": [1]}},
    {"metadata": {"name": "ok", "finalizers": "x"}},
    {"metadata": {"name": "ok", "finalizers": [1]}},
    {"metadata": {"name": "ok", "ownerReferences": "x"}},
    {"metadata": {"name": "ok", "ownerReferences": [{}]}},
    {"metadata": {"generateName": 5}}, {"metadata": {"name": "ok", "resourceVersion": "abc"}},
    {"metadata": {"name": "ok", "resourceVersion": 5}},
    {"metadata": {"name": "ok", "namespace": 5}}, {"metadata": {"name": "ok", "uid": 5}},
    {"metadata": {"name": "ok", "deletionTimestamp": 5}},
    {"metadata": {"name": "ok", "generation": 1.5}},
    {"metadata": {"name": "ok", "deletionGracePeriodSeconds": "x"}},
    {"kind": 5}, {"kind": "Pod", "apiVersion": 5}, {"apiVersion": ["v1"]},
    {"metadata": {"name": "ok"}, "spec": "x"}, {"metadata": {"name": "ok"}, "spec": []},
    {"metadata": {"name": "ok"}, "spec": {"containers": "x"}},
    {"metadata": {"name": "ok"}, "spec": {"containers": [None]}},
    {"metadata": {"name": "ok"}, "spec": {"containers": [{"name": 5, "image": []}]}},
    {"metadata": {"name": "ok"}, "status": "x"}, {"metadata": {"name": "ok"}, "data": "x"},
    {"metadata": {"name": "ok"}, "data": {"a": 1}},
    {"metadata": {"name": "ok"}, "spec": {"replicas": "x", "selector": "x", "template": "x"}},
    {"metadata": {"name": "ok"}, "spec": {"ports": [{"port": "x"}], "clusterIP": "bogus"}},
    {"metadata": {"name": "ok"}, "spec": {"replicas": -5}},
    {"metadata": {"name": "ok"}, "spec": {"finalizers": "x"}},
    {"metadata": {"name": "ok"}, "target": "node"}, {"target": {"name": 5}},
    {"metadata": {"name": "ok"}, "rules": "x"}, {"subjects": [None], "roleRef": "x"},
    object(), {1, 2}, {"metadata": {"name": "ok"}, "x": object()},
    [{"op": "replace", "path": "/spec", "value": "x"}], [{"op": "remove", "path": "/metadata"}],
    [{"op": "bogus"}], [{"op": "add", "path": "/metadata/labels/a", "value": 1}],
    {"$patch": "delete"}, {"metadata": {"$patch": "replace"}},
]
#: one namespaced, one cluster-scoped and a few with special strategies
KINDS = [("pods", "", "v1"), ("configmaps", "", "v1"), ("deployments", "apps", "v1"),
         ("services", "", "v1"), ("namespaces", "", "v1"), ("nodes", "", "v1")]
PATCH_TYPES = ("application/merge-patch+json", "application/json-patch+json",
               "application/strategic-merge-patch+json")
OPTION_VALUES: list[Any] = [5, -1, 1.5, math.nan, "x", "", [], ["a"], {"a": 1}, True,
                            object(), b"x", "a in (", "!!", "=", ","]
OPTION_KEYS = ["labelSelector", "fieldSelector", "limit", "continue", "resourceVersion",
               "allowWatchBookmarks", "timeoutSeconds", "propagationPolicy",
               "gracePeriodSeconds", "dryRun", "patchType", "body"]


def garbage_requests(token: str, watcher: Any) -> list[ApiRequest]:
    requests = []
    for resource, group, version in KINDS:
        def req(verb: str, resource: str = resource, group: str = group,
                version: str = version, **kw: Any) -> ApiRequest:
            kw.setdefault("namespace", "default")
            return ApiRequest(verb, resource, group, version, token=token, **kw)

        for body in GARBAGE:
            requests += [
                req("create", body=body),
                req("update", name="ok", body=body),
                req("update", name="ok", subresource="status", body=body),
                req("update", name="ok", subresource="scale", body=body),
                req("update", name="ok", subresource="finalize", body=body),
                req("create", name="ok", subresource="binding", body=body),
                req("delete", name="nope", options={"body": body}),
            ]
            for patch_type in PATCH_TYPES:
                for subresource in (None, "status", "scale"):
                    requests.append(req("patch", name="ok", subresource=subresource, body=body,
                                        options={"patchType": patch_type}))
        if resource in ("configmaps", "nodes"):
            for key in OPTION_KEYS:
                for value in OPTION_VALUES:
                    for verb in ("get", "list", "watch", "delete", "deletecollection", "patch"):
                        requests.append(req(
                            verb, name="ok" if verb in ("get", "delete", "patch") else None,
                            options={key: value}, body={} if verb == "patch" else None,
                            watcher=watcher if verb == "watch" else None))
    for field, values in (
            ("verb", ["", "GET", "bogus", None, 5]),
            ("resource", ["", "nope", None, 5, "pods/status"]), ("group", ["x", None, 5]),
            ("version", ["v9", None, 5]), ("namespace", ["", "nope", 5, ["x"], "a/b"]),
            ("name", ["", 5, "..", "a/b", "x" * 300]), ("subresource", ["", "bogus", 5]),
            ("options", [None, 5, "x", []]), ("token", ["", "bad", 5, b"x"]),
            ("watcher", [None, 5, "x", object()])):
        for value in values:
            fields: dict[str, Any] = dict(verb="get", resource="pods", group="", version="v1",
                                          namespace="default", name="ok", token=token)
            if field == "watcher":
                fields.update(verb="watch", name=None)
            fields[field] = value
            requests.append(ApiRequest(**fields))
    return requests


async def test_garbage_never_produces_a_500_nor_stops_the_apiserver(
        env: Env, autojump_clock: Any) -> None:
    service = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "ok"},
               "spec": {"ports": [{"port": 80}]}}
    for obj in (pod("ok"), configmap("ok"), deployment("ok"), service,
                {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "ok"}},
                {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "ok"}}):
        await env.call(lambda c, obj=obj: c.create(obj))
    watcher = await env.collector()

    async def send_all(ctx: Any) -> tuple[int, list[Any]]:
        remote = ctx.remote(env.plane.apiserver)
        requests = garbage_requests(env.plane.admin_token, watcher.ref)
        failures = []
        for request in requests:
            result = await remote.ask(request, timeout=10)
            if isinstance(result, dict) and result.get("kind") == "Status" and \
                    result.get("code", 0) >= 500:
                failures.append((request, result["message"]))
        return len(requests), failures

    count, failures = await env.run(send_all, timeout=10_000)
    assert count > 5000
    assert failures == []
    assert env.logs("apiserver.internal_error") == []
    assert env.logs("apiserver.index_failed") == []
    assert env.logs("actor.crashed") == []
    # still serving, and every stored object still reads back as an object
    for resource in ("pods", "configmaps", "deployments", "services", "namespaces", "nodes"):
        listed = await env.call(lambda c, resource=resource: c.list(resource,
                                                                    all_namespaces=True))
        for item in listed["items"]:
            assert isinstance(item["metadata"]["name"], str)
            assert all(isinstance(item.get(part, {}), dict) for part in ("spec", "status"))
    created = await env.call(lambda c: c.create(configmap("after")))
    assert created["metadata"]["name"] == "after"


def test_the_client_raises_one_class_per_reason() -> None:
    from kactors.api import status as st
    from kactors.client import errors

    cases = [
        (st.bad_request("x"), errors.BadRequest), (st.unauthorized(), errors.Unauthorized),
        (st.forbidden("pods", "p", "no"), errors.Forbidden),
        (st.not_found("pods", "p"), errors.NotFound),
        (st.method_not_supported("pods", "frob"), errors.MethodNotAllowed),
        (st.already_exists("pods", "p"), errors.AlreadyExists),
        (st.conflict("pods", "p"), errors.Conflict), (st.gone("old"), errors.Gone),
        (st.resource_expired("old"), errors.Gone), (st.invalid("Pod", "p", []), errors.Invalid),
        (st.too_many_requests(), errors.TooManyRequests),
        (st.internal_error("x"), errors.ServerError),
        (st.timeout("slow"), errors.ServerTimeout),
        (st.server_timeout("pods", "get"), errors.ServerTimeout),
        (st.unsupported_media_type(["a"]), errors.UnsupportedMediaType),
        (st.not_acceptable(["a"]), errors.NotAcceptable),
        (st.request_entity_too_large("big"), errors.RequestEntityTooLarge),
        (st.service_unavailable("down"), errors.ServiceUnavailable),
        (st.new_status(418, "", "teapot"), errors.ApiError),
        (st.new_status(404, "SomethingNew", "gone"), errors.NotFound),
    ]
    for status, cls in cases:
        error = errors.error_from_status(status)
        assert type(error) is cls, (status, cls)
        assert error.code == status.get("code", 0)
        assert str(error) == status["message"]
    # a malformed code does not break the client
    assert errors.error_from_status({"kind": "Status", "code": "x"}).code == 0
