"""Errors an API client raises: one class per Kubernetes Status reason, carrying the Status."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """A request failed; `status` is the Kubernetes Status object the apiserver returned."""

    def __init__(self, status: dict[str, Any]) -> None:
        super().__init__(status.get("message") or status.get("reason") or "request failed")
        self.status = status
        code = status.get("code")
        self.code: int = code if isinstance(code, int) and not isinstance(code, bool) else 0
        self.reason: str = str(status.get("reason") or "")

    @property
    def causes(self) -> list[dict[str, Any]]:
        return list((self.status.get("details") or {}).get("causes") or [])


class BadRequest(ApiError): pass  # noqa: E701
class Unauthorized(ApiError): pass  # noqa: E701
class Forbidden(ApiError): pass  # noqa: E701
class NotFound(ApiError): pass  # noqa: E701
class MethodNotAllowed(ApiError): pass  # noqa: E701
class AlreadyExists(ApiError): pass  # noqa: E701
class Conflict(ApiError): pass  # noqa: E701
class Gone(ApiError): pass  # noqa: E701
class Invalid(ApiError): pass  # noqa: E701
class TooManyRequests(ApiError): pass  # noqa: E701
class ServerError(ApiError): pass  # noqa: E701
class ServerTimeout(ApiError): pass  # noqa: E701
class NotAcceptable(ApiError): pass  # noqa: E701
class RequestEntityTooLarge(ApiError): pass  # noqa: E701
class UnsupportedMediaType(ApiError): pass  # noqa: E701
class ServiceUnavailable(ApiError): pass  # noqa: E701


_BY_REASON: dict[str, type[ApiError]] = {
    "BadRequest": BadRequest, "Unauthorized": Unauthorized, "Forbidden": Forbidden,
    "NotFound": NotFound, "MethodNotAllowed": MethodNotAllowed,
    "AlreadyExists": AlreadyExists, "Conflict": Conflict, "Gone": Gone, "Expired": Gone,
    "Invalid": Invalid, "TooManyRequests": TooManyRequests, "InternalError": ServerError,
    "StoreReadError": ServerError, "Timeout": ServerTimeout, "ServerTimeout": ServerTimeout,
    "NotAcceptable": NotAcceptable, "RequestEntityTooLarge": RequestEntityTooLarge,
    "UnsupportedMediaType": UnsupportedMediaType, "ServiceUnavailable": ServiceUnavailable,
}
_BY_CODE: dict[int, type[ApiError]] = {
    400: BadRequest, 401: Unauthorized, 403: Forbidden, 404: NotFound, 405: MethodNotAllowed,
    406: NotAcceptable, 409: Conflict, 410: Gone, 413: RequestEntityTooLarge,
    415: UnsupportedMediaType, 422: Invalid, 429: TooManyRequests, 500: ServerError,
    503: ServiceUnavailable, 504: ServerTimeout,
}


def error_from_status(status: dict[str, Any]) -> ApiError:
    """The ApiError subclass of a failure Status: by its reason, else by its code."""
    code = status.get("code")
    code = code if isinstance(code, int) and not isinstance(code, bool) else 0
    cls = _BY_REASON.get(str(status.get("reason"))) or _BY_CODE.get(code, ApiError)
    return cls(status)


def is_failure(result: Any) -> bool:
    return (isinstance(result, dict) and result.get("kind") == "Status"
            and result.get("status") == "Failure")
