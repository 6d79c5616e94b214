"""EndpointSlices: the pure slice computation (endpoints, packing, updates in place), then
the EndpointSlice and mirroring controllers against a control plane with a fake kubelet,
in virtual time."""

from __future__ import annotations

from typing import Any

import trio

from kactors.api.meta import deep_copy
from kactors.controllers.endpointslice import EndpointSliceController
from kactors.controllers.garbagecollector import GarbageCollector
from kactors.controllers.slicemirroring import EndpointSliceMirroringController, mirror_groups
from kactors.controllers.sliceutil import (
    Group,
    endpoint_key,
    plan_slices,
    pod_endpoint,
    port_key,
    service_groups,
)

from .test_endpoints import HTTP, running, service
from .workloads_env import Env, cluster, pod

ES = "discovery.k8s.io/v1/EndpointSlice"
PORT = [{"name": "http", "port": 8080, "protocol": "TCP"}]
NODES = {"node-1": {"metadata": {"name": "node-1",
                                 "labels": {"topology.kubernetes.io/zone": "zone-a"}}},
         "node-2": {"metadata": {"name": "node-2"}}}


def _ep(name: str, ip: str, ready: bool = True) -> dict[str, Any]:
    return {"addresses": [ip], "conditions": {"ready": ready, "serving": ready,
                                              "terminating": False},
            "targetRef": {"kind": "Pod", "namespace": "default", "name": name, "uid": name}}


def _new(address_type: str, ports: list[dict[str, Any]]) -> dict[str, Any]:
    return {"metadata": {"generateName": "web-", "labels": {}}, "addressType": address_type,
            "ports": ports, "endpoints": []}


def _existing(name: str, endpoints: list[dict[str, Any]], ports: Any = PORT) -> dict[str, Any]:
    return {"metadata": {"name": name, "resourceVersion": "7", "labels": {}},
            "addressType": "IPv4", "ports": ports, "endpoints": endpoints}


def _group(endpoints: list[dict[str, Any]]) -> dict[Any, Group]:
    return {("IPv4", port_key(PORT)): Group("IPv4", PORT, endpoints)}


# -- pure ----------------------------------------------------------------------------------------
def test_pod_endpoint_conditions_zone_and_hostname():
    svc = service("web", {"app": "web"}) | {"metadata": {"name": "web", "namespace": "default"}}
    ready = running("web-1", "10.244.0.5") | {}
    ready["spec"] |= {"hostname": "h1", "subdomain": "web"}
    endpoint = pod_endpoint(svc, ready, NODES["node-1"], "IPv4")
    assert endpoint == {
        "addresses": ["10.244.0.5"],
        "conditions": {"ready": True, "serving": True, "terminating": False},
        "hostname": "h1",
        "targetRef": {"kind": "Pod", "namespace": "default", "name": "web-1", "uid": "uid-web-1"},
        "nodeName": "node-1", "zone": "zone-a"}
    # terminating: never ready, serving as its readiness says
    leaving = running("web-2", "10.244.0.6", node="node-2", deletionTimestamp="2024-01-01T00:00:00Z")
    assert pod_endpoint(svc, leaving, NODES["node-2"], "IPv4")["conditions"] == {
        "ready": False, "serving": True, "terminating": True}
    publish = svc | {"spec": svc["spec"] | {"publishNotReadyAddresses": True}}
    assert pod_endpoint(publish, running("w", "10.0.0.1", ready=False), None,
                        "IPv4")["conditions"]["ready"] is True
    assert pod_endpoint(svc, running("w", "10.0.0.1"), None, "IPv6") is None


def test_service_groups_split_by_ports_and_skip_missing_nodes():
    svc = service("web", {"app": "web"}, ports=[{"name": "http", "port": 80,
                                                 "targetPort": "http"}])
    pods = [running("a", "10.0.0.1"), running("b", "10.0.0.2", ports=[]),
            running("c", "10.0.0.3", node="node-9"), running("d", None),
            running("e", "10.0.0.4") | {"status": {"phase": "Succeeded", "podIP": "10.0.0.4"}}]
    groups, missing = service_groups(svc, pods, NODES.get)
    assert missing == ["node-9"]
    by_ports = {key[1]: [e["targetRef"]["name"] for e in g.endpoints] for key, g in groups.items()}
    assert by_ports == {port_key(PORT): ["a"], (): ["b"]}


def test_plan_packs_at_most_max_per_slice_and_reuses_the_placeholder():
    endpoints = [_ep(f"p{i}", f"10.0.0.{i}") for i in range(5)]
    plan = plan_slices([], _group(endpoints), {"l": "v"}, _new, 2, ["IPv4"])
    assert [len(s["endpoints"]) for s in plan.create] == [2, 2, 1]
    assert not plan.update and not plan.delete
    # no endpoints at all: one placeholder, kept as it is on the next pass
    plan = plan_slices([], {}, {}, _new, 2, ["IPv4"])
    assert [(s["ports"], s["endpoints"]) for s in plan.create] == [([], [])]
    placeholder = _existing("web-abcde", [], ports=[])
    assert not plan_slices([placeholder], {}, {}, _new, 2, ["IPv4"])
    # the first endpoint turns the placeholder into a real slice (an update, same name)
    plan = plan_slices([placeholder], _group(endpoints[:1]), {}, _new, 2, ["IPv4"])
    assert not plan.create and not plan.delete
    (updated,) = plan.update
    assert updated["metadata"]["name"] == "web-abcde" and updated["ports"] == PORT
    assert updated["metadata"]["resourceVersion"] == "7"


def test_plan_updates_in_place_and_writes_nothing_when_nothing_changed():
    a, b, c = _ep("a", "10.0.0.1"), _ep("b", "10.0.0.2"), _ep("c", "10.0.0.3")
    full, half = _existing("s1", [a, b]), _existing("s2", [c])
    assert not plan_slices([full, half], _group([a, b, c]), {}, _new, 2, ["IPv4"])
    # b turns not ready: only s1 is rewritten
    b_down = _ep("b", "10.0.0.2", ready=False)
    plan = plan_slices([full, half], _group([a, b_down, c]), {}, _new, 2, ["IPv4"])
    assert [s["metadata"]["name"] for s in plan.update] == ["s1"]
    assert plan.update[0]["endpoints"] == [a, b_down] and not plan.create
    # a goes, d comes: d fills the room a left in s1 (a slice that changes anyway)
    d = _ep("d", "10.0.0.4")
    plan = plan_slices([full, half], _group([b, c, d]), {}, _new, 2, ["IPv4"])
    assert [(s["metadata"]["name"], [endpoint_key(e)[3] for e in s["endpoints"]])
            for s in plan.update] == [("s1", ["b", "d"])]
    # a new endpoint with nothing changing: into the unchanged slice it fits best
    plan = plan_slices([full, half], _group([a, b, c, d]), {}, _new, 2, ["IPv4"])
    assert [(s["metadata"]["name"], len(s["endpoints"])) for s in plan.update] == [("s2", 2)]
    # everything gone from s2: deleted; labels changed: rewritten
    plan = plan_slices([full, half], _group([a, b]), {"new": "label"}, _new, 2, ["IPv4"])
    assert [s["metadata"]["name"] for s in plan.delete] == ["s2"]
    assert [s["metadata"]["labels"] for s in plan.update] == [{"new": "label"}]


def test_mirror_groups_from_hand_written_endpoints():
    endpoints = {"metadata": {"name": "ext", "namespace": "default"}, "subsets": [
        {"addresses": [{"ip": "192.168.1.10", "hostname": "db"}, {"ip": "not-an-ip"}],
         "notReadyAddresses": [{"ip": "fd00::1"}],
         "ports": [{"name": "http", "port": 80, "protocol": "TCP"}]}]}
    groups, invalid, skipped = mirror_groups(endpoints, max_per_subset=2)
    assert (invalid, skipped) == (1, 0)
    assert {key[0]: [(e["addresses"], e["conditions"]) for e in g.endpoints]
            for key, g in groups.items()} == {
        "IPv4": [(["192.168.1.10"], {"ready": True})],
        "IPv6": [(["fd00::1"], {"ready": False})]}
    assert mirror_groups(endpoints, max_per_subset=1)[2] == 2


# -- through the actors --------------------------------------------------------------------------
async def _slices(env: Env, service_name: str) -> list[dict[str, Any]]:
    return await env.items(ES, label_selector=f"kubernetes.io/service-name={service_name}")


def _names(slices: list[dict[str, Any]], ready: bool | None = None) -> list[str]:
    return sorted(e["targetRef"]["name"] for s in slices for e in s.get("endpoints") or []
                  if ready is None or e["conditions"]["ready"] is ready)


async def _nodes(env: Env) -> None:
    for node in ("node-1", "node-2", "node-3"):
        labels = {"topology.kubernetes.io/zone": "zone-a"} if node == "node-1" else {}
        await env.client.create({"apiVersion": "v1", "kind": "Node",
                                 "metadata": {"name": node, "labels": labels}})


async def test_slices_follow_readiness_and_go_with_their_service(autojump_clock):
    async with cluster() as env:
        await _nodes(env)
        await env.start(EndpointSliceController)
        await env.start(GarbageCollector)
        await env.start_kubelet(never_ready=lambda p: True)  # the test says who is ready
        svc = await env.client.create(service("web", {"app": "web"}))
        await env.until(lambda: _slices(env, "web"))  # a placeholder before any pod
        for name in ("web-1", "web-2"):
            await env.client.create(pod(name, {"app": "web"}, ports=HTTP))
        await trio.sleep(2)
        (slice_,) = await _slices(env, "web")
        assert slice_["metadata"]["name"].startswith("web-") and len(slice_["metadata"]["name"]) == 9
        assert slice_["metadata"]["labels"] == {
            "tier": "web", "kubernetes.io/service-name": "web",
            "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io"}
        assert slice_["metadata"]["ownerReferences"] == [{
            "apiVersion": "v1", "kind": "Service", "name": "web",
            "uid": svc["metadata"]["uid"], "controller": True, "blockOwnerDeletion": True}]
        assert slice_["addressType"] == "IPv4" and slice_["ports"] == PORT
        assert _names([slice_], ready=False) == ["web-1", "web-2"]
        zones = {e["targetRef"]["name"]: (e["nodeName"], e.get("zone"))
                 for e in slice_["endpoints"]}
        assert zones == {"web-1": ("node-1", "zone-a"), "web-2": ("node-2", None)}

        await env.set_ready("web-1")
        await trio.sleep(1)
        (slice_,) = await _slices(env, "web")
        assert _names([slice_], ready=True) == ["web-1"]
        # a change that cannot move an endpoint: the slice is not written again
        await env.client.patch("v1/Pod", "web-2", {"metadata": {"annotations": {"a": "b"}}},
                               "default")
        await trio.sleep(1)
        (again,) = await _slices(env, "web")
        assert again["metadata"]["resourceVersion"] == slice_["metadata"]["resourceVersion"]

        # a terminating pod stays, terminating and not ready, until it is gone
        await env.client.delete("v1/Pod", "web-1")
        await trio.sleep(0.2)
        (slice_,) = await _slices(env, "web")
        web1 = [e for e in slice_["endpoints"] if e["targetRef"]["name"] == "web-1"]
        assert web1[0]["conditions"] == {"ready": False, "serving": True, "terminating": True}
        await trio.sleep(2)
        assert _names(await _slices(env, "web")) == ["web-2"]

        # deleted by someone: written again; the Service gone: its slices too (owner GC)
        await env.client.delete(ES, slice_["metadata"]["name"], "default")
        await env.until(lambda: _slices(env, "web"))
        await env.client.delete("v1/Service", "web")
        await env.until(lambda: _no_slices(env, "web"))


async def _no_slices(env: Env, name: str) -> bool:
    return not await _slices(env, name)


async def test_more_than_max_endpoints_make_a_second_slice(autojump_clock):
    async with cluster(seed=3) as env:
        await _nodes(env)
        controller = await env.start(EndpointSliceController)
        controller.max_endpoints_per_slice = 4
        await env.start_kubelet()
        await env.client.create(service("web", {"app": "web"}))
        for i in range(6):
            await env.client.create(pod(f"web-{i}", {"app": "web"}, ports=HTTP))

        async def two_full_slices() -> list[dict[str, Any]] | None:
            slices = await _slices(env, "web")
            sizes = sorted(len(s.get("endpoints") or []) for s in slices)
            return slices if sizes == [2, 4] and len(_names(slices, ready=True)) == 6 else None

        slices = await env.until(two_full_slices)
        assert _names(slices) == [f"web-{i}" for i in range(6)]
        # the pods of the smaller slice go: it is emptied and deleted, the other one stays
        small = min(slices, key=lambda s: len(s["endpoints"]))
        big = max(slices, key=lambda s: len(s["endpoints"]))
        for name in _names([small]):
            await env.client.delete("v1/Pod", name)

        async def one_slice() -> list[dict[str, Any]] | None:
            slices = await _slices(env, "web")
            return slices if len(slices) == 1 and len(_names(slices)) == 4 else None

        (slice_,) = await env.until(one_slice)
        assert slice_["metadata"]["name"] == big["metadata"]["name"]
        assert _names([slice_]) == _names([big])


async def test_mirroring_of_hand_written_endpoints(autojump_clock):
    async with cluster() as env:
        await env.start(EndpointSliceMirroringController)
        await env.start(GarbageCollector)
        await env.client.create(service("external"))
        manual = await env.client.create({
            "apiVersion": "v1", "kind": "Endpoints",
            "metadata": {"name": "external", "namespace": "default", "labels": {"team": "a"}},
            "subsets": [{"addresses": [{"ip": "192.168.1.10"}],
                         "notReadyAddresses": [{"ip": "192.168.1.11"}],
                         "ports": [{"name": "http", "port": 80, "protocol": "TCP"}]}]})
        (slice_,) = await env.until(lambda: _slices(env, "external"))
        assert slice_["metadata"]["labels"] == {
            "team": "a", "kubernetes.io/service-name": "external",
            "endpointslice.kubernetes.io/managed-by": "endpointslicemirroring-controller.k8s.io"}
        assert slice_["metadata"]["ownerReferences"][0]["uid"] == manual["metadata"]["uid"]
        assert [(e["addresses"], e["conditions"]) for e in slice_["endpoints"]] == [
            (["192.168.1.10"], {"ready": True}), (["192.168.1.11"], {"ready": False})]
        assert slice_["ports"] == [{"name": "http", "port": 80, "protocol": "TCP"}]

        # an address added by hand is mirrored in place
        changed = deep_copy(manual)  # (a response is shared with the server: never mutate it)
        changed["subsets"][0]["addresses"].append({"ip": "192.168.1.12"})
        changed["metadata"]["annotations"] = {"owner": "dba"}
        await env.client.update(changed)

        async def three() -> list[dict[str, Any]] | None:
            slices = await _slices(env, "external")
            count = sum(len(s["endpoints"]) for s in slices)
            return slices if count == 3 else None

        (updated,) = await env.until(three)
        assert updated["metadata"]["name"] == slice_["metadata"]["name"]
        assert updated["metadata"]["annotations"] == {"owner": "dba"}
        # an annotation alone is mirrored too
        changed = deep_copy(await env.get("v1/Endpoints", "external"))
        changed["metadata"]["annotations"] = {"owner": "ops"}
        await env.client.update(changed)

        async def reannotated() -> bool:
            (now,) = await _slices(env, "external")
            return now["metadata"].get("annotations") == {"owner": "ops"}

        await env.until(reannotated)
        # the Service gets a selector: the EndpointSlice controller's job, mirrors go
        await env.client.patch("v1/Service", "external",
                               {"spec": {"selector": {"app": "x"}}}, "default")
        await env.until(lambda: _no_slices(env, "external"))
