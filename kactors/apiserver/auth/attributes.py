"""What a request asks to do: ``authorizer.Attributes``, the input of every authorizer.

The request pipeline fills these in from the request (Kubernetes' ``RequestInfo``) before
authorization, so authorizers never parse URLs. Two shapes exist:

* a *resource request* (``/api/v1/namespaces/default/pods/web/log``): verb is an API verb
  (``get list watch create update patch delete deletecollection``, or a special one such as
  ``bind``, ``escalate``, ``impersonate``), plus API group, version, resource, subresource,
  namespace and name, any of them empty when the request has none (a cluster-wide list has
  no namespace and no name; a ``create`` usually has no name);
* a *non-resource request* (``/healthz``, ``/version``, ``/api``): verb is the lower-cased
  HTTP method (``get``, ``post``...) and only ``path`` matters.
"""

from __future__ import annotations

import attrs

from .user import UserInfo

__all__ = ["Attributes", "for_path", "for_resource"]


@attrs.frozen
class Attributes:
    """The attributes of one request, as authorizers see them.

    Empty strings mean "not part of this request", never "any": a ``namespace`` of ``""``
    is a cluster-scoped request (or a request across all namespaces), which only
    cluster-wide grants can allow.
    """

    user: UserInfo
    verb: str
    resource_request: bool = True
    api_group: str = ""
    api_version: str = ""
    resource: str = ""
    subresource: str = ""
    namespace: str = ""
    name: str = ""
    path: str = ""

    @property
    def combined_resource(self) -> str:
        """``resource/subresource``, or just the resource; what RBAC rules list."""
        if self.subresource:
            return f"{self.resource}/{self.subresource}"
        return self.resource


def for_resource(
    user: UserInfo,
    verb: str,
    resource: str,
    *,
    namespace: str = "",
    name: str = "",
    api_group: str = "",
    api_version: str = "v1",
    subresource: str = "",
    path: str = "",
) -> Attributes:
    """Attributes of a resource request (keywords read like the request: ``namespace=...``)."""
    return Attributes(
        user=user,
        verb=verb,
        resource_request=True,
        api_group=api_group,
        api_version=api_version,
        resource=resource,
        subresource=subresource,
        namespace=namespace,
        name=name,
        path=path,
    )


def for_path(user: UserInfo, verb: str, path: str) -> Attributes:
    """Attributes of a non-resource request; ``verb`` is the lower-cased HTTP method."""
    return Attributes(user=user, verb=verb.lower(), resource_request=False, path=path)
