"""Kubernetes ``Status`` objects: the error (and some success) bodies of the API.

Every failed API call answers with a ``Status`` (``k8s.io/apimachinery/pkg/api/errors``):
clients such as kubectl print its ``message`` verbatim and branch on its ``reason`` and
``code``, so the builders here reproduce ``apierrors.New*`` exactly, messages included::

    {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
     "message": "pods \\"x\\" not found", "reason": "NotFound",
     "details": {"name": "x", "kind": "pods"}, "code": 404}

Statuses are plain JSON-shaped dicts, like every other object. Deep code that cannot
return a value (storage, admission) raises :class:`StatusError`, which carries one; the
apiserver boundary catches it and answers with ``error.status``.

Resources are named like ``schema.GroupResource`` (``"pods"``, ``"deployments.apps"``,
or a ``(group, resource)`` tuple, or a :class:`~kactors.api.kinds.ResourceInfo`) and kinds
like ``schema.GroupKind`` (``"Pod"``, ``"Deployment.apps"``, a tuple or a ResourceInfo).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .fielderrors import ErrorType, FieldError, aggregate_field_errors
from .kinds import ResourceInfo
from .validation import go_quote

__all__ = [
    "OPTIMISTIC_LOCK_ERROR_MSG",
    "ErrorType",
    "FieldError",
    "GroupKindLike",
    "GroupResourceLike",
    "StatusError",
    "already_exists",
    "bad_request",
    "code_of",
    "conflict",
    "forbidden",
    "gone",
    "internal_error",
    "invalid",
    "is_already_exists",
    "is_bad_request",
    "is_conflict",
    "is_forbidden",
    "is_gone",
    "is_invalid",
    "is_not_found",
    "is_status",
    "method_not_supported",
    "new_status",
    "not_acceptable",
    "not_found",
    "reason_of",
    "request_entity_too_large",
    "resource_expired",
    "server_timeout",
    "service_unavailable",
    "status_details",
    "success",
    "timeout",
    "too_many_requests",
    "unauthorized",
    "unsupported_media_type",
]

#: ``storage.OptimisticLockErrorMsg``: the reason of a resourceVersion conflict.
OPTIMISTIC_LOCK_ERROR_MSG = (
    "the object has been modified; please apply your changes to the latest version and try again"
)

GroupResourceLike = str | tuple[str, str] | ResourceInfo
GroupKindLike = str | tuple[str, str] | ResourceInfo

# Reasons Kubernetes knows (``knownReasons``); an unknown reason defers to the code.
_KNOWN_REASONS = frozenset(
    {
        "Unauthorized",
        "Forbidden",
        "NotFound",
        "AlreadyExists",
        "Conflict",
        "Gone",
        "Invalid",
        "ServerTimeout",
        "StoreReadError",
        "Timeout",
        "TooManyRequests",
        "BadRequest",
        "MethodNotAllowed",
        "NotAcceptable",
        "RequestEntityTooLarge",
        "UnsupportedMediaType",
        "InternalError",
        "Expired",
        "ServiceUnavailable",
    }
)


def _split(value: str | tuple[str, str] | ResourceInfo, *, resource: bool) -> tuple[str, str]:
    """(group, resource-or-kind) from any accepted spelling."""
    if isinstance(value, ResourceInfo):
        return value.group, value.resource if resource else value.kind
    if isinstance(value, tuple):
        return value[0], value[1]
    # schema.ParseGroupResource / ParseGroupKind: split at the first dot.
    name, _, group = value.partition(".")
    return group, name


def _qualified(group: str, name: str) -> str:
    """``GroupResource.String()`` / ``GroupKind.String()``: ``name`` or ``name.group``."""
    return f"{name}.{group}" if group else name


def status_details(
    group: str = "",
    kind: str = "",
    name: str = "",
    *,
    uid: str = "",
    causes: Sequence[Mapping[str, str]] = (),
    retry_after_seconds: int = 0,
) -> dict[str, Any]:
    """A ``StatusDetails`` dict in Go's field order, empty fields omitted (``omitempty``)."""
    details: dict[str, Any] = {}
    if name:
        details["name"] = name
    if group:
        details["group"] = group
    if kind:
        details["kind"] = kind
    if uid:
        details["uid"] = uid
    if causes:
        details["causes"] = [dict(cause) for cause in causes]
    if retry_after_seconds:
        details["retryAfterSeconds"] = retry_after_seconds
    return details


def new_status(
    code: int,
    reason: str,
    message: str,
    details: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A failure ``Status`` dict (``details`` kept when not ``None``, even if empty)."""
    status: dict[str, Any] = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
    }
    if message:
        status["message"] = message
    if reason:
        status["reason"] = reason
    if details is not None:
        status["details"] = dict(details)
    if code:
        status["code"] = code
    return status


def success(details: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """A ``Status`` with ``status: Success`` (what deleting some kinds returns).

    Build ``details`` with :func:`status_details`, e.g. ``status_details("", "pods", "x",
    uid=...)`` as the apiserver does for a delete that completed immediately.
    """
    status: dict[str, Any] = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Success",
    }
    if details is not None:
        status["details"] = dict(details)
    return status


# -- the builders (apierrors.New*) -----------------------------------------------------------


def not_found(resource: GroupResourceLike, name: str) -> dict[str, Any]:
    """``NewNotFound``: 404 ``pods "x" not found``."""
    group, res = _split(resource, resource=True)
    return new_status(
        404,
        "NotFound",
        f"{_qualified(group, res)} {_q(name)} not found",
        status_details(group, res, name),
    )


def already_exists(resource: GroupResourceLike, name: str) -> dict[str, Any]:
    """``NewAlreadyExists``: 409 ``pods "x" already exists``."""
    group, res = _split(resource, resource=True)
    return new_status(
        409,
        "AlreadyExists",
        f"{_qualified(group, res)} {_q(name)} already exists",
        status_details(group, res, name),
    )


def conflict(
    resource: GroupResourceLike, name: str, reason: str = OPTIMISTIC_LOCK_ERROR_MSG
) -> dict[str, Any]:
    """``NewConflict``: 409 ``Operation cannot be fulfilled on pods "x": <reason>``.

    The default reason is the optimistic-concurrency one (a stale resourceVersion).
    """
    group, res = _split(resource, resource=True)
    return new_status(
        409,
        "Conflict",
        f"Operation cannot be fulfilled on {_qualified(group, res)} {_q(name)}: {reason}",
        status_details(group, res, name),
    )


def invalid(kind: GroupKindLike, name: str, causes: Sequence[FieldError]) -> dict[str, Any]:
    """``NewInvalid``: 422 ``Deployment.apps "x" is invalid: [<error>, <error>]``.

    One error is shown without brackets, duplicates are dropped from the message (but
    kept as causes), and an empty list gives just ``... is invalid``.
    """
    group, kind_name = _split(kind, resource=False)
    cause_list = [error.cause() for error in causes]
    message = f"{_qualified(group, kind_name)} {_q(name)} is invalid"
    aggregated = aggregate_field_errors(causes)
    if aggregated:
        message += f": {aggregated}"
    return new_status(
        422, "Invalid", message, status_details(group, kind_name, name, causes=cause_list)
    )


def forbidden(resource: GroupResourceLike | None, name: str, reason: str) -> dict[str, Any]:
    """``NewForbidden``: 403 ``pods "x" is forbidden: <reason>``.

    Without a name: ``pods is forbidden: <reason>``; without a resource (``None`` or
    ``""``): ``forbidden: <reason>``. The authorizer's reason is passed in verbatim, e.g.
    ``User "bob" cannot list resource "pods" in API group "" in the namespace "default"``.
    """
    group, res = _split(resource, resource=True) if resource else ("", "")
    if not group and not res:
        message = f"forbidden: {reason}"
    elif not name:
        message = f"{_qualified(group, res)} is forbidden: {reason}"
    else:
        message = f"{_qualified(group, res)} {_q(name)} is forbidden: {reason}"
    return new_status(403, "Forbidden", message, status_details(group, res, name))


def unauthorized(reason: str = "Unauthorized") -> dict[str, Any]:
    """``NewUnauthorized``: 401; the authentication filter's message is ``Unauthorized``."""
    return new_status(401, "Unauthorized", reason or "not authorized")


def gone(message: str) -> dict[str, Any]:
    """``NewGone``: 410 with reason ``Gone`` (e.g. ``too old resource version: 5 (10)``)."""
    return new_status(410, "Gone", message)


def resource_expired(message: str) -> dict[str, Any]:
    """``NewResourceExpired``: 410 with reason ``Expired``.

    What modern apiservers send when a watch or a continue token is too old (``too old
    resource version: 5 (10)``, ``The provided continue parameter is too old ...``);
    client-go treats both 410 reasons alike.
    """
    return new_status(410, "Expired", message)


def bad_request(message: str) -> dict[str, Any]:
    """``NewBadRequest``: 400 with the message verbatim."""
    return new_status(400, "BadRequest", message)


def method_not_supported(resource: GroupResourceLike, action: str) -> dict[str, Any]:
    """``NewMethodNotSupported``: 405 ``<action> is not supported on resources of kind "pods"``."""
    group, res = _split(resource, resource=True)
    return new_status(
        405,
        "MethodNotAllowed",
        f"{action} is not supported on resources of kind {_q(_qualified(group, res))}",
        status_details(group, res),
    )


def not_acceptable(accepted: Sequence[str]) -> dict[str, Any]:
    """406 from content negotiation (``NewNotAcceptableError``)."""
    return new_status(
        406,
        "NotAcceptable",
        "only the following media types are accepted: " + ", ".join(accepted),
    )


def unsupported_media_type(accepted: Sequence[str]) -> dict[str, Any]:
    """415 from content negotiation (``NewUnsupportedMediaTypeError``).

    ``the body of the request was in an unknown format - accepted media types include:
    application/json-patch+json, application/merge-patch+json``.
    """
    return new_status(
        415,
        "UnsupportedMediaType",
        "the body of the request was in an unknown format - accepted media types include: "
        + ", ".join(accepted),
    )


def request_entity_too_large(message: str) -> dict[str, Any]:
    """``NewRequestEntityTooLargeError``: 413 ``Request entity too large: <message>``."""
    return new_status(413, "RequestEntityTooLarge", f"Request entity too large: {message}")


def internal_error(message: str) -> dict[str, Any]:
    """``NewInternalError``: 500 ``Internal error occurred: <message>``, one cause."""
    return new_status(
        500,
        "InternalError",
        f"Internal error occurred: {message}",
        status_details(causes=[{"message": message}]),
    )


def too_many_requests(
    message: str = "Too many requests, please try again later.", retry_after_seconds: int = 1
) -> dict[str, Any]:
    """``NewTooManyRequests``: 429 with the message verbatim and ``retryAfterSeconds``."""
    return new_status(
        429, "TooManyRequests", message, status_details(retry_after_seconds=retry_after_seconds)
    )


def timeout(message: str, retry_after_seconds: int = 0) -> dict[str, Any]:
    """``NewTimeoutError``: 504 ``Timeout: <message>``."""
    return new_status(
        504,
        "Timeout",
        f"Timeout: {message}",
        status_details(retry_after_seconds=retry_after_seconds),
    )


def server_timeout(
    resource: GroupResourceLike, operation: str, retry_after_seconds: int = 0
) -> dict[str, Any]:
    """``NewServerTimeout``: 500 ``The <op> operation against <res> could not be completed ...``."""
    group, res = _split(resource, resource=True)
    return new_status(
        500,
        "ServerTimeout",
        f"The {operation} operation against {_qualified(group, res)} could not be completed "
        "at this time, please try again.",
        status_details(group, res, operation, retry_after_seconds=retry_after_seconds),
    )


def service_unavailable(message: str) -> dict[str, Any]:
    """``NewServiceUnavailable``: 503 with the message verbatim."""
    return new_status(503, "ServiceUnavailable", message)


def _q(text: str) -> str:
    """Go's ``%q`` for the names in messages."""
    return go_quote(text)


# -- raising and inspecting ----------------------------------------------------------------


class StatusError(Exception):
    """An exception carrying a failure ``Status`` (``apierrors.StatusError``).

    Raise it anywhere below the apiserver boundary; the boundary answers with
    ``error.status`` and HTTP ``error.code``. ``str(error)`` is the status message,
    like Go's ``StatusError.Error()``.
    """

    def __init__(self, status: Mapping[str, Any]) -> None:
        self.status: dict[str, Any] = dict(status)
        super().__init__(self.message)

    @property
    def code(self) -> int:
        """The HTTP status code (0 when absent)."""
        return code_of(self.status)

    @property
    def reason(self) -> str:
        """The ``reason`` (``NotFound``, ``Conflict``...), or ``""``."""
        return reason_of(self.status)

    @property
    def message(self) -> str:
        """The human message."""
        value = self.status.get("message")
        return value if isinstance(value, str) else ""

    def __repr__(self) -> str:
        return f"StatusError({self.code}, {self.reason!r}, {self.message!r})"


def is_status(obj: object) -> bool:
    """Whether ``obj`` is a ``Status`` object (``apiVersion`` ``v1`` or ``meta.k8s.io/v1``)."""
    return (
        isinstance(obj, Mapping)
        and obj.get("kind") == "Status"
        and obj.get("apiVersion") in ("v1", "meta.k8s.io/v1")
    )


def _status_of(value: object) -> Mapping[str, Any]:
    if isinstance(value, StatusError):
        return value.status
    if isinstance(value, Mapping):
        return value
    return {}


def reason_of(value: StatusError | Mapping[str, Any] | object) -> str:
    """The ``reason`` of a Status or StatusError (``ReasonForError``); ``""`` otherwise."""
    reason = _status_of(value).get("reason")
    return reason if isinstance(reason, str) else ""


def code_of(value: StatusError | Mapping[str, Any] | object) -> int:
    """The ``code`` of a Status or StatusError; 0 otherwise."""
    code = _status_of(value).get("code")
    return code if isinstance(code, int) and not isinstance(code, bool) else 0


def _is(value: object, reason: str, code: int) -> bool:
    """``apierrors.Is*``: the reason matches, or the reason is unknown and the code does."""
    found = reason_of(value)
    return found == reason or (found not in _KNOWN_REASONS and code_of(value) == code)


def is_not_found(value: object) -> bool:
    """``apierrors.IsNotFound``."""
    return _is(value, "NotFound", 404)


def is_already_exists(value: object) -> bool:
    """``apierrors.IsAlreadyExists`` (reason only, like Go)."""
    return reason_of(value) == "AlreadyExists"


def is_conflict(value: object) -> bool:
    """``apierrors.IsConflict``."""
    return _is(value, "Conflict", 409)


def is_invalid(value: object) -> bool:
    """``apierrors.IsInvalid``."""
    return _is(value, "Invalid", 422)


def is_forbidden(value: object) -> bool:
    """``apierrors.IsForbidden``."""
    return _is(value, "Forbidden", 403)


def is_bad_request(value: object) -> bool:
    """``apierrors.IsBadRequest``."""
    return _is(value, "BadRequest", 400)


def is_gone(value: object) -> bool:
    """``apierrors.IsGone`` or ``IsResourceExpired``: either 410 reason."""
    return reason_of(value) == "Expired" or _is(value, "Gone", 410)
