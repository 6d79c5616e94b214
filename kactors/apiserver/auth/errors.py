"""The domain exceptions of authentication and authorization.

Two of them are request outcomes the apiserver turns into a ``Status``: :class:`Unauthorized`
(401) and :class:`Forbidden` (403). Their ``str()`` is exactly the ``message`` Kubernetes puts
in that Status, so clients and tests ported from Kubernetes can compare it verbatim. The
other two are programming or configuration mistakes, raised when something is built, never
while a request is served.

No message here ever contains a credential: a 401 says only ``Unauthorized`` (like
kube-apiserver, which never tells a client *why* its token was refused), and the server-side
``reason`` names the failed check, not the token.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .attributes import Attributes


class AuthError(Exception):
    """Base class of every error raised by ``kactors.apiserver.auth``."""


class Unauthorized(AuthError):
    """The request carried an invalid credential, or none where one is required (401).

    ``str()`` is always ``"Unauthorized"``, kube-apiserver's message for every authentication
    failure; ``reason`` is the server-side detail for logs (never the token itself).
    """

    code = 401

    def __init__(self, reason: str = "") -> None:
        self.reason = reason
        super().__init__("Unauthorized")


class Forbidden(AuthError):
    """An authenticated user is not allowed to do what the request asks (403).

    ``str()`` is the full Kubernetes message, built by
    :func:`kactors.apiserver.auth.chain.forbidden_message`. ``attributes`` is the refused
    request and ``detail`` the part of the message after ``is forbidden:``, so that the
    apiserver can build the Status with ``kactors.api.status.forbidden((group, resource),
    name, detail)`` and get the same message plus Kubernetes' ``details``.
    """

    code = 403

    def __init__(
        self, message: str, *, detail: str = "", attributes: Attributes | None = None
    ) -> None:
        self.detail = detail
        self.attributes = attributes
        super().__init__(message)


class AuthConfigError(AuthError, ValueError):
    """An authenticator configuration (static token file, keys, token table) is invalid."""


class PolicyError(AuthError, ValueError):
    """An object handed to the RBAC authorizer is not one of the four RBAC kinds."""
