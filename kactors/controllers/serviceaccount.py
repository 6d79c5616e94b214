"""The ServiceAccount controller and the (legacy) service-account token controller.

`ServiceAccountController` (Kubernetes' `pkg/controller/serviceaccount`
`ServiceAccountsController`): every namespace that is not terminating has a ServiceAccount
named `default`, the one pods run as when they name none. A namespace gets it when it
appears; a `default` account deleted by someone is created again.

`TokensController`: a Secret of type `kubernetes.io/service-account-token` annotated
`kubernetes.io/service-account.name: <account>` gets, as in Kubernetes, `data.token` (a
token of that account), `data.namespace` and `data["ca.crt"]`, plus the account's uid in
the annotation `kubernetes.io/service-account.uid`. Kubernetes creates such Secrets for
nobody since 1.24 (pods get tokens from the TokenRequest API) but still fills those users
create. The token comes from the TokenRequest API (`serviceaccounts/<name>/token`): only
the apiserver holds the signing key.
"""

from __future__ import annotations

import base64
from typing import Any

from kactors.client.errors import AlreadyExists, NotFound
from kactors.client.informer import DELETE, InformerEvent
from kactors.client.result import Result
from kactors.controllers.base import Controller

__all__ = ["DEFAULT_ACCOUNT", "SERVICE_ACCOUNT_TOKEN", "ServiceAccountController",
           "TokensController", "request_token"]

DEFAULT_ACCOUNT = "default"
SERVICE_ACCOUNT_TOKEN = "kubernetes.io/service-account-token"
NAME_ANNOTATION = "kubernetes.io/service-account.name"
UID_ANNOTATION = "kubernetes.io/service-account.uid"
#: kactors has no cluster CA: ca.crt says so rather than pretending to be a certificate
CA_PLACEHOLDER = "# kactors serves its API without TLS: no cluster CA\n"


def _terminating(namespace: dict[str, Any]) -> bool:
    return bool(namespace["metadata"].get("deletionTimestamp")) or \
        (namespace.get("status") or {}).get("phase") == "Terminating"


class ServiceAccountController(Controller):
    watches = "v1/Namespace"
    workers = 1
    component = "service-account-controller"

    async def setup(self) -> None:
        self.accounts = (await self.informer("v1/ServiceAccount")).kind

    def map_event(self, event: InformerEvent) -> list[str]:
        if event.kind == "ServiceAccount":
            if event.type == DELETE and event.obj["metadata"]["name"] == DEFAULT_ACCOUNT:
                return [event.obj["metadata"]["namespace"]]
            return []
        return super().map_event(event)

    async def reconcile(self, key: str) -> Result | None:
        namespace = self.cache.get(key)
        if namespace is None or _terminating(namespace):
            return None
        if self.lister(self.accounts).get(f"{key}/{DEFAULT_ACCOUNT}") is not None:
            return None
        try:
            await self.client.create({"apiVersion": "v1", "kind": "ServiceAccount",
                                      "metadata": {"name": DEFAULT_ACCOUNT, "namespace": key}})
        except AlreadyExists:
            return None
        except NotFound:  # the namespace went away meanwhile
            return None
        self.ctx.log.info("serviceaccount.created", serviceaccount=f"{key}/{DEFAULT_ACCOUNT}")
        return None


async def request_token(controller: Controller, namespace: str, name: str,
                        expiration: int = 3600) -> str:
    """A token for ServiceAccount `namespace/name`, from the TokenRequest API."""
    client = controller.client
    reply = await client.request(
        "create", client.info("serviceaccounts"), namespace=namespace, name=name,
        subresource="token",
        body={"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest",
              "spec": {"expirationSeconds": expiration}})
    return str(reply["status"]["token"])


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode("ascii")


class TokensController(Controller):
    watches = "v1/Secret"
    workers = 1
    component = "tokens-controller"

    async def setup(self) -> None:
        self.accounts = (await self.informer("v1/ServiceAccount")).kind

    def map_event(self, event: InformerEvent) -> list[str]:
        if event.kind == "ServiceAccount":  # an account created after its Secret
            meta = event.obj["metadata"]
            return [key for key in self.cache.keys()
                    if key.startswith(f"{meta['namespace']}/")
                    and self._account_of(self.cache.get(key)) == meta["name"]]
        return super().map_event(event)

    @staticmethod
    def _account_of(secret: dict[str, Any] | None) -> str | None:
        if secret is None or secret.get("type") != SERVICE_ACCOUNT_TOKEN:
            return None
        return ((secret["metadata"].get("annotations") or {}).get(NAME_ANNOTATION)) or None

    async def reconcile(self, key: str) -> Result | None:
        secret = self.cache.get(key)
        name = self._account_of(secret)
        if secret is None or name is None:
            return None
        meta = secret["metadata"]
        namespace = meta["namespace"]
        account = self.lister(self.accounts).get(f"{namespace}/{name}")
        if account is None:
            return None  # Kubernetes deletes such a Secret; kactors waits for the account
        uid = account["metadata"]["uid"]
        data = secret.get("data") or {}
        annotations = meta.get("annotations") or {}
        if data.get("token") and annotations.get(UID_ANNOTATION) == uid:
            return None
        token = await request_token(self, namespace, name)
        await self.client.patch("secrets", meta["name"], {
            "metadata": {"annotations": {UID_ANNOTATION: uid}},
            "data": {"token": _b64(token), "namespace": _b64(namespace),
                     "ca.crt": _b64(CA_PLACEHOLDER)}}, namespace)
        self.ctx.log.info("serviceaccount.token_filled", secret=key,
                          serviceaccount=f"{namespace}/{name}")
        return None
