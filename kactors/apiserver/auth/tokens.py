"""Service-account tokens: a small signed format of our own (not a JWT).

Kubernetes signs service-account JWTs with the cluster's private key. kactors runs in one
process, so a symmetric key and HMAC-SHA256 give the same guarantee (only the control
plane can mint a token, and any change to a token breaks it) with no crypto dependency::

    sa.<namespace>.<name>.<uid>.<signature>

Each field is unpadded base64url: a ServiceAccount name is a DNS subdomain and may itself
contain dots, so the fields are encoded rather than written raw. The signature is
HMAC-SHA256 with the signing key over a context label plus everything before the last dot,
so a token cannot be re-labelled, truncated or have its fields swapped without the key.

The uid ties a token to one incarnation of the ServiceAccount: delete the account and
create another of the same name, and the old tokens stop working, because the
authenticator checks that an account with that uid still exists.

Verification is constant-time in the signature (``hmac.compare_digest``) and returns
``None`` for every kind of bad token, so callers cannot leak *why* a token was refused.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re

import attrs

from .errors import AuthConfigError

__all__ = [
    "MIN_KEY_BYTES",
    "TOKEN_PREFIX",
    "ServiceAccountClaims",
    "check_signing_key",
    "issue_service_account_token",
    "verify_service_account_token",
]

TOKEN_PREFIX = "sa"
#: A signing key shorter than HMAC-SHA256's output would be the weakest link.
MIN_KEY_BYTES = 32
_CONTEXT = b"kactors service account token v1\x00"
_B64URL = re.compile(r"[A-Za-z0-9_-]+")


@attrs.frozen
class ServiceAccountClaims:
    """What a valid token says: which ServiceAccount (and which incarnation of it)."""

    namespace: str
    name: str
    uid: str


def check_signing_key(key: bytes) -> None:
    """Raise :class:`AuthConfigError` unless ``key`` is usable for signing."""
    if not isinstance(key, bytes):
        raise AuthConfigError("service account signing key must be bytes")
    if len(key) < MIN_KEY_BYTES:
        raise AuthConfigError(f"service account signing key must be at least {MIN_KEY_BYTES} bytes")


def _encode(value: str) -> str:
    return base64.urlsafe_b64encode(value.encode()).rstrip(b"=").decode("ascii")


def _decode(field: str) -> str | None:
    if not _B64URL.fullmatch(field):
        return None
    try:
        return base64.urlsafe_b64decode(field + "=" * (-len(field) % 4)).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None


def _signature(key: bytes, signing_input: str) -> str:
    digest = hmac.new(key, _CONTEXT + signing_input.encode("ascii"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def issue_service_account_token(key: bytes, namespace: str, name: str, uid: str) -> str:
    """A token for the ServiceAccount ``namespace/name`` whose ``metadata.uid`` is ``uid``.

    Deterministic: the same key and account always give the same token (there is no expiry;
    revoke a token by deleting its ServiceAccount or rotating the key).
    """
    check_signing_key(key)
    if not namespace or not name or not uid:
        raise AuthConfigError("a service account token needs a namespace, a name and a uid")
    signing_input = ".".join((TOKEN_PREFIX, _encode(namespace), _encode(name), _encode(uid)))
    return f"{signing_input}.{_signature(key, signing_input)}"


def verify_service_account_token(key: bytes, token: str) -> ServiceAccountClaims | None:
    """The claims of ``token`` if ``key`` signed it, else ``None`` (any malformation too).

    This checks the signature only; whether the account still exists is the
    authenticator's question.
    """
    parts = token.split(".")
    if len(parts) != 5 or parts[0] != TOKEN_PREFIX or not _B64URL.fullmatch(parts[4]):
        return None
    signing_input = token[: token.rindex(".")]
    if not all(_B64URL.fullmatch(part) for part in parts[1:4]):
        return None
    if not hmac.compare_digest(_signature(key, signing_input), parts[4]):
        return None
    namespace, name, uid = (_decode(part) for part in parts[1:4])
    if not namespace or not name or not uid:
        return None
    return ServiceAccountClaims(namespace, name, uid)
