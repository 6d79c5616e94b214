"""The root CA publisher: a ConfigMap `kube-root-ca.crt` in every namespace.

Kubernetes' `root-ca-cert-publisher` (`pkg/controller/certificates/rootcacertpublisher`)
writes the cluster's CA bundle into every namespace, under the key `ca.crt`, so that the
service-account token volume of every pod (see `kactors.apiserver.saadmission`) can
project it to `/var/run/secrets/kubernetes.io/serviceaccount/ca.crt`, where clients in
the pod find it to verify the apiserver. A ConfigMap someone edits or deletes is put back.

kactors serves its API without TLS and has no cluster CA: the bundle published is
:data:`~kactors.controllers.serviceaccount.CA_PLACEHOLDER`, a text that says so (the
same text the tokens controller puts in service-account-token Secrets). The ConfigMap
exists for fidelity: pods mount it, and a missing one blocks them as in Kubernetes
(`MountVolume.SetUp failed ... configmap "kube-root-ca.crt" not found`).
"""

from __future__ import annotations

from typing import Any

from kactors.apiserver.saadmission import ROOT_CA_CONFIGMAP
from kactors.client.errors import Forbidden, NotFound
from kactors.client.informer import InformerEvent
from kactors.client.result import Result
from kactors.controllers.base import Controller
from kactors.controllers.serviceaccount import CA_PLACEHOLDER

__all__ = ["DESCRIPTION", "DESCRIPTION_ANNOTATION", "RootCACertPublisher",
           "root_ca_configmap"]

DESCRIPTION_ANNOTATION = "kubernetes.io/description"
#: Kubernetes' wording of the annotation that says what the ConfigMap is for
DESCRIPTION = ("Contains a CA bundle that can be used to verify the kube-apiserver when "
               "using internal endpoints such as the internal service IP or "
               "kubernetes.default.svc. No other usage is guaranteed across distributions "
               "of Kubernetes clusters.")


def root_ca_configmap(namespace: str, bundle: str = CA_PLACEHOLDER) -> dict[str, Any]:
    """The ConfigMap the publisher keeps in `namespace`."""
    return {"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": ROOT_CA_CONFIGMAP, "namespace": namespace,
                         "annotations": {DESCRIPTION_ANNOTATION: DESCRIPTION}},
            "data": {"ca.crt": bundle}}


def _up_to_date(configmap: dict[str, Any], bundle: str) -> bool:
    """`syncNamespace`'s test: the data is exactly the bundle and the description is set."""
    annotations = configmap["metadata"].get("annotations") or {}
    return configmap.get("data") == {"ca.crt": bundle} and \
        bool(annotations.get(DESCRIPTION_ANNOTATION))


class RootCACertPublisher(Controller):
    """Keyed by namespace; watches its own ConfigMaps to repair edits and deletions."""

    watches = "v1/Namespace"
    workers = 1
    component = "root-ca-cert-publisher"
    bundle = CA_PLACEHOLDER

    async def setup(self) -> None:
        self.configmaps = (await self.informer("v1/ConfigMap")).kind

    def map_event(self, event: InformerEvent) -> list[str]:
        if event.kind == "ConfigMap":
            meta = event.obj["metadata"]
            return [meta["namespace"]] if meta["name"] == ROOT_CA_CONFIGMAP else []
        return super().map_event(event)

    async def reconcile(self, key: str) -> Result | None:
        namespace = self.cache.get(key)
        if namespace is None or namespace["metadata"].get("deletionTimestamp") or \
                (namespace.get("status") or {}).get("phase") == "Terminating":
            return None
        current = self.lister(self.configmaps).get(f"{key}/{ROOT_CA_CONFIGMAP}")
        wanted = root_ca_configmap(key, self.bundle)
        try:  # AlreadyExists, Conflict: the cache is behind; raise to retry with backoff
            if current is None:
                await self.client.create(wanted)
                self.ctx.log.info("rootca.published", configmap=f"{key}/{ROOT_CA_CONFIGMAP}")
            elif not _up_to_date(current, self.bundle):
                meta = current["metadata"]
                await self.client.update({**current, "data": wanted["data"], "metadata": {
                    **meta, "annotations": {**(meta.get("annotations") or {}),
                                            DESCRIPTION_ANNOTATION: DESCRIPTION}}})
                self.ctx.log.info("rootca.repaired", configmap=f"{key}/{ROOT_CA_CONFIGMAP}")
        except (NotFound, Forbidden):  # namespace gone or terminating meanwhile
            return None
        return None
