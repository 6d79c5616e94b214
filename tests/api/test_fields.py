"""Field selectors: parsing, escaping, per-kind selectable fields and their errors."""

from __future__ import annotations

import pytest

from kactors.api.errors import SelectorError
from kactors.api.fields import (
    FieldSelector,
    escape_value,
    parse_field_selector,
    selectable_fields,
    supported_fields,
    unescape_value,
)

POD = {
    "apiVersion": "v1",
    "kind": "Pod",
    "metadata": {"name": "web-1", "namespace": "prod"},
    "spec": {"nodeName": "node-a", "restartPolicy": "Always", "schedulerName": "default"},
    "status": {"phase": "Running", "podIPs": [{"ip": "10.0.0.7"}]},
}


def test_selectable_fields_of_a_pod() -> None:
    assert selectable_fields(POD) == {
        "metadata.name": "web-1",
        "metadata.namespace": "prod",
        "spec.nodeName": "node-a",
        "spec.restartPolicy": "Always",
        "spec.schedulerName": "default",
        "spec.serviceAccountName": "",
        "spec.hostNetwork": "false",
        "status.phase": "Running",
        "status.podIP": "10.0.0.7",
        "status.nominatedNodeName": "",
    }


@pytest.mark.parametrize(
    ("selector", "expected"),
    [
        ("", True),
        ("metadata.name=web-1", True),
        ("metadata.name==web-1", True),
        ("metadata.name=web-2", False),
        ("metadata.namespace!=default", True),
        ("metadata.namespace!=prod", False),
        ("status.phase=Running,spec.restartPolicy=Always", True),
        ("status.phase!=Running,spec.restartPolicy=Always", False),
        ("spec.nodeName=", False),  # unscheduled pods
        ("spec.nodeName!=", True),
        ("spec.hostNetwork=false", True),
        ("status.podIP=10.0.0.7", True),
        ("spec.host=node-a", True),  # legacy alias of spec.nodeName
    ],
)
def test_pod_field_selectors(selector: str, expected: bool) -> None:
    assert parse_field_selector(selector).matches(POD) is expected
    assert parse_field_selector(selector, "Pod").matches(POD) is expected


def test_unscheduled_pod_matches_empty_node_name() -> None:
    pending = {"kind": "Pod", "metadata": {"name": "p"}, "spec": {}}
    assert parse_field_selector("spec.nodeName=").matches(pending)


def test_unknown_field_errors_use_each_kinds_message() -> None:
    with pytest.raises(SelectorError) as caught:
        parse_field_selector("foo=bar", "Pod")
    assert str(caught.value) == "field label not supported: foo"
    with pytest.raises(SelectorError) as caught:
        parse_field_selector("metadata.namespace=x", "Node")
    assert str(caught.value) == "field label not supported: metadata.namespace"
    with pytest.raises(SelectorError) as caught:
        parse_field_selector("status.failed=1", "Job")
    assert str(caught.value) == 'field label "status.failed" not supported for batchv1.Job'
    with pytest.raises(SelectorError) as caught:
        parse_field_selector("foo.bar=baz", "Deployment")
    assert str(caught.value) == (
        '"foo.bar" is not a known field selector: only "metadata.name", "metadata.namespace"'
    )
    with pytest.raises(SelectorError) as caught:
        parse_field_selector("foo=bar").matches(POD)
    assert str(caught.value) == "field label not supported: foo"


def test_validate_for_kind_renames_legacy_fields() -> None:
    selector = parse_field_selector("spec.host=node-a", "Pod")
    assert selector.to_string() == "spec.nodeName=node-a"


def test_other_kinds() -> None:
    node = {"kind": "Node", "metadata": {"name": "n1"}, "spec": {"unschedulable": True}}
    assert parse_field_selector("spec.unschedulable=true", "Node").matches(node)
    rs = {"kind": "ReplicaSet", "metadata": {"name": "r", "namespace": "d"}, "status": {}}
    assert parse_field_selector("status.replicas=0", "ReplicaSet").matches(rs)
    job = {"kind": "Job", "metadata": {"name": "j"}, "status": {"succeeded": 2}}
    assert parse_field_selector("status.successful=2", "Job").matches(job)
    secret = {"kind": "Secret", "metadata": {"name": "s"}, "type": "Opaque"}
    assert parse_field_selector("type=Opaque", "Secret").matches(secret)
    event = {
        "kind": "Event",
        "metadata": {"name": "e", "namespace": "d"},
        "involvedObject": {"kind": "Pod", "name": "web-1"},
        "reason": "Scheduled",
        "source": {"component": "default-scheduler"},
        "type": "Normal",
    }
    selector = parse_field_selector(
        "involvedObject.kind=Pod,involvedObject.name=web-1,reason=Scheduled,"
        "source=default-scheduler,type=Normal",
        "Event",
    )
    assert selector.matches(event)
    crd_object = {"kind": "Widget", "metadata": {"name": "w"}}
    assert parse_field_selector("metadata.name=w", "Widget").matches(crd_object)
    assert supported_fields("Widget") == ("metadata.name", "metadata.namespace")
    assert "spec.unschedulable" in supported_fields("Node")


def test_terms_are_sorted_and_printed_canonically() -> None:
    selector = parse_field_selector("status.phase!=Failed,metadata.name==a,")
    assert selector.to_string() == "metadata.name=a,status.phase!=Failed"
    assert selector.requires_exact_match("metadata.name") == "a"
    assert selector.requires_exact_match("status.phase") is None
    assert parse_field_selector("").empty
    assert FieldSelector().matches({"kind": "Pod"})


def test_malformed_selectors() -> None:
    with pytest.raises(SelectorError) as caught:
        parse_field_selector("a=b,nonsense")
    assert str(caught.value) == "invalid selector: 'a=b,nonsense'; can't understand 'nonsense'"
    with pytest.raises(SelectorError) as caught:
        parse_field_selector("a=b=c")
    assert str(caught.value) == "invalid field selector: unescaped character in value: ="
    with pytest.raises(SelectorError) as caught:
        parse_field_selector("a=b\\x")
    assert str(caught.value) == "invalid field selector: invalid escape sequence: \\x"


def test_escaping_round_trips() -> None:
    value = "a,b=c\\d"
    assert escape_value(value) == "a\\,b\\=c\\\\d"
    assert unescape_value(escape_value(value)) == value
    selector = parse_field_selector(f"metadata.name={escape_value(value)}")
    assert selector.requirements[0].value == value
    assert selector.to_string() == f"metadata.name={escape_value(value)}"
    with pytest.raises(SelectorError):
        unescape_value("trailing\\")


EVENT = {
    "apiVersion": "v1",
    "kind": "Event",
    "metadata": {"name": "web-1.17a", "namespace": "prod"},
    "involvedObject": {"apiVersion": "v1", "kind": "Pod", "namespace": "prod", "name": "web-1",
                       "uid": "u-1", "resourceVersion": "12", "fieldPath": "spec.containers{a}"},
    "reason": "BackOff",
    "reportingComponent": "kubelet",
    "type": "Warning",
}


def test_the_event_selectors_kubectl_sends() -> None:
    # kubectl describe pod: the pod's events
    describe = parse_field_selector(
        "involvedObject.kind=Pod,involvedObject.name=web-1,involvedObject.namespace=prod,"
        "involvedObject.uid=u-1", "Event")
    assert describe.matches(EVENT)
    assert not describe.matches({**EVENT, "involvedObject": {**EVENT["involvedObject"],
                                                              "uid": "u-2"}})
    # kubectl get events --field-selector type=Warning
    assert parse_field_selector("type=Warning", "Event").matches(EVENT)
    assert not parse_field_selector("type!=Warning", "Event").matches(EVENT)
    # source falls back to reportingComponent (events.k8s.io-style writers)
    assert parse_field_selector("source=kubelet,reportingComponent=kubelet",
                                "Event").matches(EVENT)
    fields = selectable_fields(EVENT)
    assert fields["involvedObject.apiVersion"] == "v1"
    assert fields["involvedObject.resourceVersion"] == "12"
    assert fields["involvedObject.fieldPath"] == "spec.containers{a}"
    assert fields["metadata.namespace"] == "prod"
    with pytest.raises(SelectorError) as caught:
        parse_field_selector("involvedObject.labels=x", "Event")
    assert str(caught.value) == "field label not supported: involvedObject.labels"


def test_each_kinds_selectable_fields_match_kubernetes() -> None:
    assert supported_fields("Pod") == (
        "metadata.name", "metadata.namespace", "spec.nodeName", "spec.restartPolicy",
        "spec.schedulerName", "spec.serviceAccountName", "spec.hostNetwork", "status.phase",
        "status.podIP", "status.nominatedNodeName")
    assert supported_fields("Node") == ("metadata.name", "spec.unschedulable")
    assert supported_fields("Namespace") == ("metadata.name", "status.phase")
    assert supported_fields("Secret") == ("metadata.name", "metadata.namespace", "type")
    assert supported_fields("ReplicaSet")[-1] == "status.replicas"
    assert supported_fields("Job")[-1] == "status.successful"
    pod = {**POD, "spec": {**POD["spec"], "serviceAccountName": "builder"},
           "status": {"phase": "Pending", "nominatedNodeName": "node-b"}}
    assert parse_field_selector(
        "spec.serviceAccountName=builder,status.nominatedNodeName=node-b,status.podIP=,"
        "spec.hostNetwork=false,spec.restartPolicy=Always", "Pod").matches(pod)
    namespace = {"kind": "Namespace", "metadata": {"name": "x"},
                 "status": {"phase": "Terminating"}}
    assert parse_field_selector("status.phase=Terminating", "Namespace").matches(namespace)
    with pytest.raises(SelectorError):
        parse_field_selector("metadata.namespace=x", "Node")  # cluster-scoped: name only
