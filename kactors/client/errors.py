"""Errors an API client raises: one class per Kubernetes Status reason, carrying the Status."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """A request failed; `status` is the Kubernetes Status object the apiserver returned."""

    def __init__(self, status: dict[str, Any]) -> None:
        super().__init__(status.get("message") or status.get("reason") or "request failed")
        self.status = status
        self.code: int = int(status.get("code") or 0)
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


_BY_REASON: dict[str, type[ApiError]] = {
    "BadRequest": BadRequest, "Unauthorized": Unauthorized, "Forbidden": Forbidden,
    "NotFound": NotFound, "MethodNotAllowed": MethodNotAllowed,
    "AlreadyExists": AlreadyExists, "Conflict": Conflict, "Gone": Gone, "Expired": Gone,
    "Invalid": Invalid, "TooManyRequests": TooManyRequests, "InternalError": ServerError,
    "Timeout": ServerTimeout, "ServerTimeout": ServerTimeout,
}
_BY_CODE: dict[int, type[ApiError]] = {
    400: BadRequest, 401: Unauthorized, 403: Forbidden, 404: NotFound, 405: MethodNotAllowed,
    409: Conflict, 410: Gone, 422: Invalid, 429: TooManyRequests, 500: ServerError,
    504: ServerTimeout,
}


def error_from_status(status: dict[str, Any]) -> ApiError:
    cls = _BY_REASON.get(str(status.get("reason"))) or _BY_CODE.get(int(status.get("code") or 0),
                                                                     ApiError)
    return cls(status)


def is_failure(result: Any) -> bool:
    return (isinstance(result, dict) and result.get("kind") == "Status"
            and result.get("status") == "Failure")
