"""Server-side printing: the Table kube-apiserver would send for each kind."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from kactors.api.kinds import DEFAULT_REGISTRY, resource_infos_from_crd
from kactors.apiserver.http.tables import human_duration, jsonpath_values, to_table

NOW = datetime.datetime(2024, 1, 10, 12, 0, 0, tzinfo=datetime.UTC)


def ago(seconds: int) -> str:
    return (NOW - datetime.timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")


def table(resource: str, obj: dict[str, Any], **options: Any) -> dict[str, Any]:
    group = {"deployments": "apps", "replicasets": "apps", "daemonsets": "apps",
             "statefulsets": "apps", "controllerrevisions": "apps", "jobs": "batch",
             "leases": "coordination.k8s.io",
             "rolebindings": "rbac.authorization.k8s.io", "roles": "rbac.authorization.k8s.io",
             "customresourcedefinitions": "apiextensions.k8s.io"}.get(resource, "")
    return to_table(DEFAULT_REGISTRY.by_resource(resource, group), obj, wide=False, now=NOW,
                    **options)


def columns(result: dict[str, Any], wide: bool = False) -> list[str]:
    return [c["name"] for c in result["columnDefinitions"] if wide or c["priority"] == 0]


def cells(result: dict[str, Any], row: int = 0) -> list[Any]:
    return result["rows"][row]["cells"]


def meta(name: str, age: int = 300, **extra: Any) -> dict[str, Any]:
    return {"name": name, "namespace": "default", "creationTimestamp": ago(age),
            "resourceVersion": "7", "uid": "u-" + name, **extra}


@pytest.mark.parametrize(("seconds", "text"), [
    (-5, "<invalid>"), (-1, "0s"), (0, "0s"), (59, "59s"), (119, "119s"), (120, "2m"),
    (182, "3m2s"), (600, "10m"), (179 * 60, "179m"), (3 * 3600 + 60, "3h1m"),
    (8 * 3600, "8h"), (47 * 3600, "47h"), (2 * 86400 + 5 * 3600, "2d5h"), (9 * 86400, "9d"),
    (800 * 86400, "2y70d"), (9 * 365 * 86400, "9y"),
])
def test_human_duration(seconds: int, text: str) -> None:
    assert human_duration(seconds) == text


def running_pod(**status: Any) -> dict[str, Any]:
    return {
        "apiVersion": "v1", "kind": "Pod", "metadata": meta("web-1", 65),
        "spec": {"nodeName": "node-a", "containers": [{"name": "a"}, {"name": "b"}]},
        "status": {"phase": "Running", "podIP": "10.0.0.5", "podIPs": [{"ip": "10.0.0.5"}],
                   "conditions": [{"type": "Ready", "status": "True"}],
                   "containerStatuses": [
                       {"name": "a", "ready": True, "restartCount": 0,
                        "state": {"running": {}}},
                       {"name": "b", "ready": True, "restartCount": 2,
                        "state": {"running": {}},
                        "lastState": {"terminated": {"exitCode": 1,
                                                     "finishedAt": ago(150)}}},
                   ], **status},
    }


def test_pod_table_columns_cells_and_metadata_object() -> None:
    result = table("pods", running_pod())
    assert result["kind"] == "Table" and result["apiVersion"] == "meta.k8s.io/v1"
    assert result["metadata"] == {"resourceVersion": "7"}
    assert columns(result) == ["Name", "Ready", "Status", "Restarts", "Age"]
    assert columns(result, wide=True)[5:] == ["IP", "Node", "Nominated Node", "Readiness Gates"]
    assert cells(result) == ["web-1", "2/2", "Running", "2 (2m30s ago)", "65s",
                             "10.0.0.5", "node-a", "<none>", "<none>"]
    row_object = result["rows"][0]["object"]
    assert row_object["kind"] == "PartialObjectMetadata"
    assert row_object["apiVersion"] == "meta.k8s.io/v1"
    assert row_object["metadata"]["uid"] == "u-web-1"
    assert "spec" not in row_object
    full = table("pods", running_pod(), include_object="Object")
    assert full["rows"][0]["object"]["spec"]["nodeName"] == "node-a"
    assert "object" not in table("pods", running_pod(), include_object="None")["rows"][0]


def pending(waiting: dict[str, Any] | None = None, terminated: dict[str, Any] | None = None,
            **meta_extra: Any) -> dict[str, Any]:
    state = {"waiting": waiting} if waiting else {"terminated": terminated} if terminated \
        else {}
    return {"kind": "Pod", "metadata": meta("p", **meta_extra),
            "spec": {"containers": [{"name": "a"}]},
            "status": {"phase": "Pending" if not terminated else "Succeeded",
                       "containerStatuses": [{"name": "a", "ready": False,
                                              "restartCount": 0, "state": state}]}}


@pytest.mark.parametrize(("pod", "status"), [
    (pending({"reason": "ContainerCreating"}), "ContainerCreating"),
    (pending({"reason": "CrashLoopBackOff"}), "CrashLoopBackOff"),
    (pending({"reason": "ImagePullBackOff"}), "ImagePullBackOff"),
    (pending(terminated={"exitCode": 0, "reason": "Completed"}), "Completed"),
    (pending(terminated={"exitCode": 3}), "ExitCode:3"),
    (pending(terminated={"exitCode": 137, "signal": 9}), "Signal:9"),
    (pending({"reason": "ContainerCreating"}, deletionTimestamp=ago(1)), "Terminating"),
    (pending(terminated={"exitCode": 0, "reason": "Completed"}, deletionTimestamp=ago(1)),
     "Completed"),
    ({"kind": "Pod", "metadata": meta("p"), "spec": {"containers": [{"name": "a"}]},
      "status": {"phase": "Pending"}}, "Pending"),
])
def test_pod_status_is_computed_like_kubectl(pod: dict[str, Any], status: str) -> None:
    assert cells(table("pods", pod))[2] == status


def test_pod_init_containers_and_completed_conditions() -> None:
    pod = {"kind": "Pod", "metadata": meta("p"),
           "spec": {"initContainers": [{"name": "i1"}, {"name": "i2"}],
                    "containers": [{"name": "a"}]},
           "status": {"phase": "Pending", "initContainerStatuses": [
               {"name": "i1", "state": {"terminated": {"exitCode": 0}}, "restartCount": 0},
               {"name": "i2", "state": {"running": {}}, "restartCount": 1}]}}
    assert cells(table("pods", pod))[1:4] == ["0/1", "Init:1/2", "1"]
    succeeded = pending(terminated={"exitCode": 0, "reason": "Completed"})
    assert table("pods", succeeded)["rows"][0]["conditions"] == [
        {"type": "Completed", "status": "True", "reason": "Succeeded",
         "message": "The pod has completed successfully."}]


def test_a_list_becomes_one_row_per_item_with_continue() -> None:
    listed = {"kind": "PodList", "apiVersion": "v1",
              "metadata": {"resourceVersion": "42", "continue": "abc"},
              "items": [running_pod(), pending({"reason": "ContainerCreating"})]}
    result = table("pods", listed)
    assert result["metadata"] == {"resourceVersion": "42", "continue": "abc"}
    assert [row["cells"][0] for row in result["rows"]] == ["web-1", "p"]
    assert table("pods", {"kind": "PodList", "metadata": {}, "items": []})["rows"] == []


def workload_spec(**spec: Any) -> dict[str, Any]:
    return {"selector": {"matchLabels": {"app": "web"}},
            "template": {"spec": {"containers": [{"name": "web", "image": "nginx:1.25"},
                                                 {"name": "log", "image": "busybox"}]}},
            **spec}


def test_deployment_and_replicaset() -> None:
    deploy = {"kind": "Deployment", "metadata": meta("web", 3 * 3600),
              "spec": workload_spec(replicas=3),
              "status": {"readyReplicas": 2, "updatedReplicas": 3, "availableReplicas": 2}}
    result = table("deployments", deploy)
    assert columns(result) == ["Name", "Ready", "Up-to-date", "Available", "Age"]
    assert cells(result) == ["web", "2/3", 3, 2, "3h", "web,log", "nginx:1.25,busybox",
                             "app=web"]
    rs = {"kind": "ReplicaSet", "metadata": meta("web-abc"), "spec": workload_spec(replicas=3),
          "status": {"replicas": 3, "readyReplicas": 1}}
    result = table("replicasets", rs)
    assert columns(result) == ["Name", "Desired", "Current", "Ready", "Age"]
    assert cells(result) == ["web-abc", 3, 3, 1, "5m", "web,log", "nginx:1.25,busybox",
                             "app=web"]


def test_daemonset_statefulset_and_job() -> None:
    ds = {"kind": "DaemonSet", "metadata": meta("agent"),
          "spec": workload_spec(template={"spec": {"nodeSelector": {"disk": "ssd"},
                                                   "containers": [{"name": "a",
                                                                   "image": "x"}]}}),
          "status": {"desiredNumberScheduled": 2, "currentNumberScheduled": 2,
                     "numberReady": 1, "updatedNumberScheduled": 2, "numberAvailable": 1}}
    result = table("daemonsets", ds)
    assert columns(result) == ["Name", "Desired", "Current", "Ready", "Up-to-date",
                               "Available", "Node Selector", "Age"]
    assert cells(result) == ["agent", 2, 2, 1, 2, 1, "disk=ssd", "5m", "a", "x", "app=web"]
    sts = {"kind": "StatefulSet", "metadata": meta("db"), "spec": workload_spec(replicas=3),
           "status": {"readyReplicas": 3}}
    assert cells(table("statefulsets", sts))[:3] == ["db", "3/3", "5m"]
    job = {"kind": "Job", "metadata": meta("pi"), "spec": workload_spec(completions=3),
           "status": {"succeeded": 3, "startTime": ago(100), "completionTime": ago(10),
                      "conditions": [{"type": "Complete", "status": "True"}]}}
    result = table("jobs", job)
    assert columns(result) == ["Name", "Status", "Completions", "Duration", "Age"]
    assert cells(result)[:5] == ["pi", "Complete", "3/3", "90s", "5m"]
    running = {"kind": "Job", "metadata": meta("pi"), "spec": workload_spec(parallelism=2),
               "status": {"startTime": ago(30)}}
    assert cells(table("jobs", running))[1:4] == ["Running", "0/1 of 2", "30s"]


def test_controller_revisions_name_their_controller() -> None:
    owner = {"apiVersion": "apps/v1", "kind": "StatefulSet", "name": "web", "uid": "u",
             "controller": True}
    revision = {"kind": "ControllerRevision", "revision": 3,
                "metadata": meta("web-5d4f9b7c8c", ownerReferences=[owner])}
    result = table("controllerrevisions", revision)
    assert columns(result) == ["Name", "Controller", "Revision", "Age"]
    assert cells(result) == ["web-5d4f9b7c8c", "statefulset.apps/web", 3, "5m"]
    orphan = {"kind": "ControllerRevision", "metadata": meta("x")}
    assert cells(table("controllerrevisions", orphan)) == ["x", "<none>", 0, "5m"]


def test_service_and_endpoints() -> None:
    svc = {"kind": "Service", "metadata": meta("web"),
           "spec": {"type": "NodePort", "clusterIP": "10.96.0.10", "clusterIPs": ["10.96.0.10"],
                    "selector": {"app": "web"},
                    "ports": [{"port": 80, "nodePort": 30080, "protocol": "TCP"},
                              {"port": 53, "protocol": "UDP"}]}}
    result = table("services", svc)
    assert columns(result) == ["Name", "Type", "Cluster-IP", "External-IP", "Port(s)", "Age"]
    assert cells(result) == ["web", "NodePort", "10.96.0.10", "<none>", "80:30080/TCP,53/UDP",
                             "5m", "app=web"]
    lb = {"kind": "Service", "metadata": meta("lb"), "spec": {"type": "LoadBalancer"}}
    assert cells(table("services", lb))[2:5] == ["<none>", "<pending>", "<none>"]
    ep = {"kind": "Endpoints", "metadata": meta("web"), "subsets": [
        {"addresses": [{"ip": f"10.0.0.{i}"} for i in range(1, 5)], "ports": [{"port": 80}]}]}
    assert cells(table("endpoints", ep)) == [
        "web", "10.0.0.1:80,10.0.0.2:80,10.0.0.3:80 + 1 more...", "5m"]
    assert cells(table("endpoints", {"kind": "Endpoints", "metadata": meta("x")}))[1] == "<none>"


def test_node_namespace_and_small_core_kinds() -> None:
    node = {"kind": "Node", "metadata": {**meta("node-a", 2 * 86400),
                                         "labels": {"node-role.kubernetes.io/control-plane": ""}},
            "spec": {"unschedulable": True},
            "status": {"conditions": [{"type": "Ready", "status": "False"}],
                       "addresses": [{"type": "InternalIP", "address": "192.168.0.2"}],
                       "nodeInfo": {"kubeletVersion": "v1.32.0"}}}
    result = table("nodes", node)
    assert columns(result) == ["Name", "Status", "Roles", "Age", "Version"]
    assert cells(result) == ["node-a", "NotReady,SchedulingDisabled", "control-plane", "2d",
                             "v1.32.0", "192.168.0.2", "<none>", "<unknown>", "<unknown>",
                             "<unknown>"]
    ns = {"kind": "Namespace", "metadata": meta("dev"), "status": {"phase": "Active"}}
    assert cells(table("namespaces", ns)) == ["dev", "Active", "5m"]
    cm = {"kind": "ConfigMap", "metadata": meta("c"), "data": {"a": "1", "b": "2"},
          "binaryData": {"c": "AA=="}}
    assert cells(table("configmaps", cm)) == ["c", 3, "5m"]
    secret = {"kind": "Secret", "metadata": meta("s"), "type": "Opaque", "data": {"k": "dg=="}}
    assert columns(table("secrets", secret)) == ["Name", "Type", "Data", "Age"]
    assert cells(table("secrets", secret)) == ["s", "Opaque", 1, "5m"]
    sa = {"kind": "ServiceAccount", "metadata": meta("default")}
    assert cells(table("serviceaccounts", sa)) == ["default", 0, "5m"]
    lease = {"kind": "Lease", "metadata": meta("node-a"), "spec": {"holderIdentity": "node-a"}}
    assert cells(table("leases", lease)) == ["node-a", "node-a", "5m"]


def test_events() -> None:
    event = {"kind": "Event", "metadata": meta("web-1.17a"), "type": "Warning",
             "reason": "BackOff", "message": " Back-off restarting failed container \n",
             "involvedObject": {"kind": "Pod", "name": "web-1", "fieldPath": "spec.containers{a}"},
             "source": {"component": "kubelet", "host": "node-a"},
             "firstTimestamp": ago(600), "lastTimestamp": ago(20), "count": 4}
    result = table("events", event)
    assert columns(result) == ["Last Seen", "Type", "Reason", "Object", "Message"]
    assert cells(result) == ["20s", "Warning", "BackOff", "pod/web-1", "spec.containers{a}",
                             "kubelet, node-a", "Back-off restarting failed container",
                             "10m", 4, "web-1.17a"]
    new_api = {"kind": "Event", "metadata": meta("e"), "eventTime": "2024-01-10T11:59:00.000000Z",
               "involvedObject": {"kind": "Node"}, "reportingComponent": "node-controller"}
    assert cells(table("events", new_api))[:6] == ["60s", "", "", "node", "",
                                                   "node-controller"]
    assert cells(table("events", new_api))[8] == 1


def test_bindings_and_the_default_table() -> None:
    binding = {"kind": "RoleBinding", "metadata": meta("read"),
               "roleRef": {"kind": "Role", "name": "reader"},
               "subjects": [{"kind": "User", "name": "alice"}, {"kind": "Group", "name": "g"},
                            {"kind": "ServiceAccount", "namespace": "ci", "name": "bot"}]}
    assert cells(table("rolebindings", binding)) == ["read", "Role/reader", "5m", "alice", "g",
                                                     "ci/bot"]
    role = {"kind": "Role", "metadata": meta("reader")}
    result = table("roles", role)
    assert columns(result) == ["Name", "Created At"]
    assert result["columnDefinitions"][1]["type"] == "date"
    assert cells(result) == ["reader", "2024-01-10T11:55:00Z"]
    crd = {"kind": "CustomResourceDefinition", "metadata": meta("widgets.example.com")}
    assert columns(table("customresourcedefinitions", crd)) == ["Name", "Created At"]


CRD = {"spec": {"group": "example.com", "names": {"plural": "widgets", "kind": "Widget"},
                "versions": [
                    {"name": "v1", "served": True, "additionalPrinterColumns": [
                        {"name": "Size", "type": "integer", "jsonPath": ".spec.size"},
                        {"name": "Ready", "type": "string",
                         "jsonPath": '.status.conditions[?(@.type=="Ready")].status'},
                        {"name": "Owner", "type": "string", "priority": 1,
                         "jsonPath": ".spec.owner"},
                        {"name": "Age", "type": "date",
                         "jsonPath": ".metadata.creationTimestamp"}]},
                    {"name": "v2", "served": True}]}}


def test_custom_resources_use_printer_columns_or_name_and_age() -> None:
    v1, v2 = resource_infos_from_crd(CRD)
    widget = {"kind": "Widget", "metadata": meta("w"),
              "spec": {"size": 3},
              "status": {"conditions": [{"type": "Synced", "status": "False"},
                                        {"type": "Ready", "status": "True"}]}}
    result = to_table(v1, widget, wide=True, now=NOW)
    assert columns(result) == ["Name", "Size", "Ready", "Age"]
    assert columns(result, wide=True) == ["Name", "Size", "Ready", "Owner", "Age"]
    assert cells(result) == ["w", 3, "True", None, "5m"]
    plain = to_table(v2, widget, wide=False, now=NOW)
    assert columns(plain) == ["Name", "Age"]
    assert cells(plain) == ["w", "5m"]


def test_jsonpath_subset() -> None:
    obj = {"a": {"b": [{"n": 1, "k": {"x": "y"}}, {"n": 2}]}, "dotted.key": 5}
    assert jsonpath_values(obj, ".a.b[1].n") == [2]
    assert jsonpath_values(obj, "{.a.b[*].n}") == [1, 2]
    assert jsonpath_values(obj, '.a.b[?(@.k.x=="y")].n') == [1]
    assert jsonpath_values(obj, "['dotted.key']") == [5]
    assert jsonpath_values(obj, ".a.missing") == []
    assert jsonpath_values(obj, ".a.b[7]") == []
    assert jsonpath_values(obj, "not a path") == []
