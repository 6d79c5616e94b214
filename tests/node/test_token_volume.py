"""The kubelet's side of the service-account token volume, without an event loop: the
mount check of a projected volume (FailedMount messages), the files a container sees,
and the token manager (one TokenRequest per pod, bound to it; failures remembered)."""

from __future__ import annotations

import base64

from kactors.apiserver.saadmission import token_volume_source
from kactors.client.errors import NotFound
from kactors.node.envconfig import check_volumes
from kactors.node.tokens import TokenManager, token_name, token_projection
from kactors.node.volumefiles import mounted_files

SA_DIR = "/var/run/secrets/kubernetes.io/serviceaccount"
ROOT_CA = {"data": {"ca.crt": "bundle"}}


def make_lookup(token: dict | None, root_ca: dict | None = ROOT_CA):
    objects = {("ConfigMap", "shop", "kube-root-ca.crt"): root_ca,
               ("ConfigMap", "shop", "settings"): {"data": {"a": "1", "b": "2"}},
               ("Secret", "shop", "db"): {"data": {"password": base64.b64encode(b"s3").decode()}},
               ("ServiceAccountToken", "shop", "robot/uid-1"): token}
    return lambda kind, namespace, name: objects.get((kind, namespace, name))


VOLUME = {"name": "kube-api-access-abcde", "projected": token_volume_source()}


def test_the_token_volume_mounts_only_with_its_configmap_and_token() -> None:
    name = token_name("robot", "uid-1")
    assert name == "robot/uid-1"
    assert check_volumes([VOLUME], "shop", make_lookup({"token": "t"}), name) == []
    assert check_volumes([VOLUME], "shop", make_lookup({"token": "t"}, None), name) == [
        ("kube-api-access-abcde", 'configmap "kube-root-ca.crt" not found')]
    assert check_volumes([VOLUME], "shop", make_lookup(
        {"error": 'serviceaccounts "robot" not found'}), name) == [
        ("kube-api-access-abcde",
         'failed to fetch token: serviceaccounts "robot" not found')]
    assert check_volumes([VOLUME], "shop", make_lookup(None), name) == [
        ("kube-api-access-abcde", "failed to fetch token: no token requested")]
    projected_secret = {"name": "p", "projected": {"sources": [
        {"secret": {"name": "db", "items": [{"key": "user", "path": "u"}]}}]}}
    assert check_volumes([projected_secret], "shop", make_lookup(None), name) == [
        ("p", "references non-existent secret key: user")]


def test_a_container_sees_the_files_of_its_mounts() -> None:
    pod = {"metadata": {"name": "web", "namespace": "shop", "uid": "uid-1",
                        "labels": {"b": "2", "a": "1"}},
           "spec": {"serviceAccountName": "robot", "volumes": [
               VOLUME,
               {"name": "cfg", "configMap": {"name": "settings",
                                             "items": [{"key": "a", "path": "first"}]}},
               {"name": "creds", "secret": {"secretName": "db"}},
               {"name": "info", "downwardAPI": {"items": [
                   {"path": "labels", "fieldRef": {"fieldPath": "metadata.labels"}}]}},
               {"name": "scratch", "emptyDir": {}}],
               "containers": [{"name": "app", "volumeMounts": [
                   {"name": "kube-api-access-abcde", "mountPath": SA_DIR},
                   {"name": "cfg", "mountPath": "/etc/app/"},
                   {"name": "creds", "mountPath": "/etc/pw", "subPath": "password"},
                   {"name": "info", "mountPath": "/etc/podinfo"},
                   {"name": "scratch", "mountPath": "/tmp"}]},
                   {"name": "bare"}]}}
    files = mounted_files(pod, "app", make_lookup({"token": "the-token"}))
    assert files == {"/etc/app/first": "1", "/etc/podinfo/labels": 'a="1"\nb="2"',
                     "/etc/pw": "s3", f"{SA_DIR}/ca.crt": "bundle",
                     f"{SA_DIR}/namespace": "shop", f"{SA_DIR}/token": "the-token"}
    assert mounted_files(pod, "bare", make_lookup(None)) == {}
    assert mounted_files(pod, "nope", make_lookup(None)) == {}
    # no token yet: the file is not there
    assert f"{SA_DIR}/token" not in mounted_files(pod, "app", make_lookup(None))


class FakeClient:
    """Answers TokenRequests, or refuses them, and remembers what it was asked."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, str, dict]] = []
        self.refuse = False

    def info(self, resource: str) -> str:
        return resource

    async def request(self, verb: str, info: str, *, namespace: str, name: str,
                      subresource: str, body: dict) -> dict:
        assert (verb, info, subresource) == ("create", "serviceaccounts", "token")
        self.asked.append((namespace, name, body["spec"]))
        if self.refuse:
            raise NotFound({"message": f'serviceaccounts "{name}" not found'})
        return {"status": {"token": f"token-of-{name}"}}


async def test_one_token_request_per_pod_bound_to_it() -> None:
    client = FakeClient()
    tokens = TokenManager(client)  # type: ignore[arg-type]
    pod = {"metadata": {"name": "web", "namespace": "shop", "uid": "uid-1"},
           "spec": {"serviceAccountName": "robot", "volumes": [VOLUME]}}
    assert token_projection(pod) == {"path": "token", "expirationSeconds": 3607}
    client.refuse = True
    await tokens.fetch(pod)
    assert tokens.lookup("shop", "robot/uid-1") == {
        "error": 'serviceaccounts "robot" not found'}
    assert tokens.failed() == {"uid-1"}
    client.refuse = False
    await tokens.fetch(pod)  # asks again after a failure
    await tokens.fetch(pod)  # not once it has one
    assert tokens.lookup("shop", "robot/uid-1") == {"token": "token-of-robot"}
    assert tokens.lookup("shop", "other/uid-1") is None
    assert tokens.failed() == set()
    assert len(client.asked) == 2
    assert client.asked[-1] == ("shop", "robot", {
        "expirationSeconds": 3607,
        "boundObjectRef": {"apiVersion": "v1", "kind": "Pod", "name": "web", "uid": "uid-1"}})
    await tokens.fetch({"metadata": {"name": "x", "namespace": "shop", "uid": "u2"},
                        "spec": {"volumes": [{"name": "e", "emptyDir": {}}]}})
    assert len(client.asked) == 2  # no projection, no request
    tokens.forget("uid-1")
    assert tokens.lookup("shop", "robot/uid-1") is None
