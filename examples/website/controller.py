"""A controller for the `Website` custom resource (see website-crd.yaml and README.md).

For every Website it keeps, owned by the Website (so that deleting the Website lets the
garbage collector delete them):

* a ConfigMap `<name>-content` holding the page: the Website's `spec.message`;
* a Deployment `<name>` running `spec.image` with `spec.replicas` replicas, serving the
  ConfigMap as its content;

and it reports in the Website's status the generation it has acted on
(`observedGeneration`), the Deployment's `availableReplicas`, and `ready` once they reach
`spec.replicas`. The decisions are plain functions of the Website (`content_for`,
`deployment_for`, `status_for`), testable without a cluster; the controller only applies
them.
"""

from __future__ import annotations

from typing import Any

from kactors.controllers import Controller

Obj = dict[str, Any]


def content_for(site: Obj) -> Obj:
    """The ConfigMap that holds the page."""
    name = site["metadata"]["name"]
    message = site["spec"].get("message", "")
    return {
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": f"{name}-content", "labels": {"app": name}},
        "data": {"message": message,
                 "index.html": f"<html><body><h1>{message}</h1></body></html>\n"},
    }


def deployment_for(site: Obj) -> Obj:
    """The Deployment that serves the page with the Website's image."""
    name = site["metadata"]["name"]
    labels = {"app": name}
    return {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "labels": labels},
        "spec": {
            "replicas": site["spec"].get("replicas", 1),
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {
                    "containers": [{
                        "name": "web", "image": site["spec"]["image"],
                        "ports": [{"containerPort": 80}],
                        "volumeMounts": [{"name": "content",
                                          "mountPath": "/usr/share/nginx/html"}],
                    }],
                    "volumes": [{"name": "content",
                                 "configMap": {"name": f"{name}-content"}}],
                },
            },
        },
    }


def status_for(site: Obj, deployment: Obj | None) -> Obj:
    """What the Website's status should say, given its Deployment as last seen."""
    wanted = site["spec"].get("replicas", 1)
    available = ((deployment or {}).get("status") or {}).get("availableReplicas", 0)
    return {"observedGeneration": site["metadata"].get("generation", 1),
            "availableReplicas": available,
            "ready": deployment is not None and available >= wanted}


class WebsiteController(Controller):
    """Keeps a ConfigMap and a Deployment for every Website."""

    watches = "example.com/v1/Website"
    owns = ["v1/ConfigMap", "apps/v1/Deployment"]   # their events map to the owner's key

    async def reconcile(self, key: str) -> None:
        site = self.cache.get(key)                      # the informer's cache, no round trip
        if site is None or site["metadata"].get("deletionTimestamp"):
            return                                      # owner references let GC clean up
        await self.apply(content_for(site), owner=site)  # create or update, owned by site
        deployment = await self.apply(deployment_for(site), owner=site)
        status = status_for(site, deployment)
        if status != site.get("status"):
            if status["ready"] and not (site.get("status") or {}).get("ready"):
                self.record_event(site, "Normal", "Ready",
                                  f"{status['availableReplicas']} replicas available")
            await self.patch_status(site, status)
