"""The domain exceptions of the Kubernetes object model.

Every failure in ``kactors.api`` is one of these, so that the apiserver can map them to
HTTP statuses without inspecting messages: a bad quantity, selector or patch is the
client's fault (400/422), an unknown kind is a 404 from discovery. Each also derives from
the closest built-in exception so that plain ``except ValueError`` keeps working.

Messages reproduce Kubernetes' own wording wherever Kubernetes has one, because users
(and tests ported from Kubernetes) compare them verbatim.
"""

from __future__ import annotations


class ApiError(Exception):
    """Base class of every error raised by ``kactors.api``."""


class QuantityError(ApiError, ValueError):
    """A resource quantity string (``500m``, ``1Gi``...) could not be parsed."""


class SelectorError(ApiError, ValueError):
    """A label or field selector is malformed or uses an unsupported field."""


class KindError(ApiError, LookupError):
    """An apiVersion, kind or resource name is malformed or not registered."""


class ManifestError(ApiError, ValueError):
    """A manifest could not be loaded; carries where in the input the problem is.

    ``source`` names the input (a file path or ``"<string>"``), ``document`` is the
    1-based ordinal of the YAML document and ``line`` the 1-based line, either of them
    ``None`` when unknown.
    """

    def __init__(
        self,
        detail: str,
        *,
        source: str = "<string>",
        document: int | None = None,
        line: int | None = None,
    ) -> None:
        self.detail = detail
        self.source = source
        self.document = document
        self.line = line
        where = [f"document {document}"] if document is not None else []
        if line is not None:
            where.append(f"line {line}")
        location = f" ({', '.join(where)})" if where else ""
        super().__init__(f"error parsing {source}{location}: {detail}")


class PatchError(ApiError, ValueError):
    """A JSON patch, JSON merge patch or strategic merge patch could not be applied."""
