"""TokenRequest: `POST .../serviceaccounts/<name>/token`, what `kubectl create token`
and the kubelet call to get a token for a ServiceAccount (authentication.k8s.io/v1).

The reply is the request echoed back with `status.token` and `status.expirationTimestamp`
filled in, as kube-apiserver answers. The token is kactors' signed service-account token
(`kactors.apiserver.auth.tokens`): it authenticates as
`system:serviceaccount:<namespace>:<name>` for as long as *this* ServiceAccount (its uid)
exists. Unlike a Kubernetes JWT it carries no expiry, audience or bound object: the
requested `expirationSeconds` is reported (default 3600, at least 600 as Kubernetes
requires) but not enforced; deleting the ServiceAccount revokes every token of it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from kactors.api import fielderrors as fe
from kactors.api import status as st

__all__ = ["DEFAULT_EXPIRATION", "MIN_EXPIRATION", "token_request"]

#: kube-apiserver's default and minimum expirationSeconds of a TokenRequest
DEFAULT_EXPIRATION = 3600
MIN_EXPIRATION = 600
#: the audience tokens get when the request names none (--api-audiences default)
DEFAULT_AUDIENCES = ("https://kubernetes.default.svc.cluster.local",)

Obj = Mapping[str, Any]


def token_request(account: Obj, body: Any, issue: Callable[[str, str, str], str],
                  now: float, timestamp: Callable[[float], str]) -> dict[str, Any]:
    """The TokenRequest reply for ServiceAccount `account` (as stored), given the request
    `body`; `issue(namespace, name, uid)` signs the token. Raises a 422 StatusError for
    an expirationSeconds under 10 minutes, as Kubernetes' validation does."""
    request = body if isinstance(body, Mapping) else {}
    spec = dict(request.get("spec") or {}) if isinstance(request.get("spec"), Mapping) else {}
    meta = account["metadata"]
    expiration = spec.get("expirationSeconds", DEFAULT_EXPIRATION)
    if isinstance(expiration, bool) or not isinstance(expiration, int) or \
            expiration < MIN_EXPIRATION:
        raise st.StatusError(st.invalid(
            ("authentication.k8s.io", "TokenRequest"), meta["name"], [fe.invalid(
                "spec.expirationSeconds", expiration,
                "may not specify a duration less than 10 minutes")]))
    spec["expirationSeconds"] = expiration
    spec["audiences"] = list(spec.get("audiences") or DEFAULT_AUDIENCES)
    spec.setdefault("boundObjectRef", None)
    token = issue(meta["namespace"], meta["name"], meta["uid"])
    return {
        "kind": "TokenRequest", "apiVersion": "authentication.k8s.io/v1",
        "metadata": {"name": meta["name"], "namespace": meta["namespace"],
                     "creationTimestamp": timestamp(now)},
        "spec": spec,
        "status": {"token": token, "expirationTimestamp": timestamp(now + expiration)},
    }
