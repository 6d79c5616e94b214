"""ServiceAccount admission as a pure function: the account defaulted and required, the
token volume injected as Kubernetes 1.32 does, automount opt-outs, mirror pods."""

from __future__ import annotations

import random

import pytest

from kactors.api import status as st
from kactors.apiserver.objects import generated_name
from kactors.apiserver.saadmission import (
    TOKEN_MOUNT_PATH,
    account_of,
    admit_pod,
    should_automount,
    token_volume_source,
)

ACCOUNTS = {("shop", "default"): {"metadata": {"name": "default"}},
            ("shop", "robot"): {"metadata": {"name": "robot"},
                                "imagePullSecrets": [{"name": "registry"}]},
            ("shop", "quiet"): {"metadata": {"name": "quiet"},
                                "automountServiceAccountToken": False}}
MOUNT = {"name": "kube-api-access-abcde", "readOnly": True, "mountPath": TOKEN_MOUNT_PATH}


def lookup(namespace: str, name: str) -> dict | None:
    return ACCOUNTS.get((namespace, name))


def names(prefix: str) -> str:
    return prefix + "abcde"


def pod(**spec: object) -> dict:
    return {"metadata": {"name": "web", "namespace": "shop"},
            "spec": {"containers": [{"name": "app", "image": "nginx"}], **spec}}


def test_a_pod_without_account_runs_as_default_with_the_token_volume() -> None:
    admitted = pod(initContainers=[{"name": "init", "image": "busybox"}])
    admit_pod(admitted, lookup, names)
    spec = admitted["spec"]
    assert spec["serviceAccountName"] == spec["serviceAccount"] == "default"
    assert spec["volumes"] == [{"name": "kube-api-access-abcde", "projected": {
        "defaultMode": 420,
        "sources": [
            {"serviceAccountToken": {"path": "token", "expirationSeconds": 3607}},
            {"configMap": {"name": "kube-root-ca.crt",
                           "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
            {"downwardAPI": {"items": [{"path": "namespace", "fieldRef": {
                "apiVersion": "v1", "fieldPath": "metadata.namespace"}}]}}]}}]
    assert spec["containers"][0]["volumeMounts"] == [MOUNT]
    assert spec["initContainers"][0]["volumeMounts"] == [MOUNT]
    assert "imagePullSecrets" not in spec  # the account has none


def test_the_volume_name_comes_from_the_seeded_generator() -> None:
    def admitted(seed: int) -> str:
        rng = random.Random(seed)
        obj = pod()
        admit_pod(obj, lookup, lambda prefix: generated_name(prefix, rng))
        return obj["spec"]["volumes"][0]["name"]
    assert admitted(7) == admitted(7) != admitted(8)
    assert admitted(7).startswith("kube-api-access-") and len(admitted(7)) == 21


def test_a_missing_account_is_refused_with_kubernetes_words() -> None:
    with pytest.raises(st.StatusError) as caught:
        admit_pod(pod(serviceAccountName="ghost"), lookup, names)
    assert caught.value.status["code"] == 403
    assert caught.value.status["message"] == (
        'pods "web" is forbidden: error looking up service account shop/ghost: '
        'serviceaccount "ghost" not found')


def test_automount_opt_outs_pod_wins_over_account() -> None:
    quiet = pod(serviceAccountName="quiet")
    admit_pod(quiet, lookup, names)
    assert "volumes" not in quiet["spec"]
    assert "volumeMounts" not in quiet["spec"]["containers"][0]
    insisting = pod(serviceAccountName="quiet", automountServiceAccountToken=True)
    admit_pod(insisting, lookup, names)
    assert insisting["spec"]["volumes"][0]["name"] == "kube-api-access-abcde"
    off = pod(automountServiceAccountToken=False)
    admit_pod(off, lookup, names)
    assert "volumes" not in off["spec"]
    assert should_automount({}, {}) is True


def test_existing_volume_and_mounts_are_respected() -> None:
    own = {"name": "kube-api-access-mine", "projected": {"sources": []}}
    admitted = pod(volumes=[{"name": "data", "emptyDir": {}}, own], containers=[
        {"name": "app", "image": "nginx"},
        {"name": "side", "image": "nginx",
         "volumeMounts": [{"name": "data", "mountPath": TOKEN_MOUNT_PATH}]}])
    admit_pod(admitted, lookup, names)
    spec = admitted["spec"]
    assert [v["name"] for v in spec["volumes"]] == ["data", "kube-api-access-mine"]
    assert spec["containers"][0]["volumeMounts"] == [{**MOUNT, "name": "kube-api-access-mine"}]
    assert spec["containers"][1]["volumeMounts"] == [{"name": "data",
                                                      "mountPath": TOKEN_MOUNT_PATH}]
    # every container mounts something there already: no volume added
    covered = pod(containers=[{"name": "app", "volumeMounts": [
        {"name": "x", "mountPath": TOKEN_MOUNT_PATH}]}], volumes=[{"name": "x", "emptyDir": {}}])
    admit_pod(covered, lookup, names)
    assert [v["name"] for v in covered["spec"]["volumes"]] == ["x"]


def test_the_accounts_image_pull_secrets_are_copied_unless_the_pod_has_some() -> None:
    copied = pod(serviceAccountName="robot")
    admit_pod(copied, lookup, names)
    assert copied["spec"]["imagePullSecrets"] == [{"name": "registry"}]
    own = pod(serviceAccountName="robot", imagePullSecrets=[{"name": "mine"}])
    admit_pod(own, lookup, names)
    assert own["spec"]["imagePullSecrets"] == [{"name": "mine"}]


@pytest.mark.parametrize(("spec", "reason"), [
    ({}, None),
    ({"serviceAccountName": "robot"}, "a mirror pod may not reference service accounts"),
    ({"volumes": [{"name": "s", "secret": {"secretName": "x"}}]},
     "a mirror pod may not reference secrets"),
    ({"volumes": [{"name": "t", "projected": token_volume_source()}]},
     "a mirror pod may not use ServiceAccountToken volume projections"),
])
def test_mirror_pods_are_left_alone_but_may_not_use_accounts(spec: dict, reason: str | None
                                                             ) -> None:
    mirror = pod(**spec)
    mirror["metadata"]["annotations"] = {"kubernetes.io/config.mirror": "kactors"}
    assert account_of(mirror) is None
    if reason is None:
        admit_pod(mirror, lambda ns, name: None, names)  # no lookup, no mutation
        assert mirror == {**pod(), "metadata": mirror["metadata"]}
        return
    with pytest.raises(st.StatusError) as caught:
        admit_pod(mirror, lookup, names)
    assert caught.value.status["message"] == f'pods "web" is forbidden: {reason}'


def test_account_of() -> None:
    assert account_of(pod()) == "default"
    assert account_of(pod(serviceAccountName="robot")) == "robot"
    assert account_of(pod(serviceAccount="legacy")) == "legacy"
    assert account_of({"metadata": {}, "spec": "junk"}) is None
