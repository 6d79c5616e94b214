"""Authentication: from a request's bearer token to a :class:`~.user.UserInfo`.

kube-apiserver runs a union of authenticators; this module reproduces the ones kactors
needs, in Kubernetes' order and with its rules:

1. **static tokens** (``--token-auth-file``): a table of token -> user name, uid, groups;
   :func:`parse_static_token_file` reads Kubernetes' CSV format;
2. **node tokens**: a kubelet's token -> ``system:node:<node>`` in group ``system:nodes``
   (Kubernetes gives kubelets client certificates; a token table is our stand-in);
3. **service-account tokens** (:mod:`.tokens`): signed with the cluster key, and only
   valid while the ServiceAccount with the token's uid exists (the ``sa_exists`` lookup,
   like ``--service-account-lookup``); the user is ``system:serviceaccount:<ns>:<name>``
   in ``system:serviceaccounts`` and ``system:serviceaccounts:<ns>``;
4. **anonymous** (``--anonymous-auth``, on by default as in Kubernetes): a request that
   presents *no* bearer token is ``system:anonymous`` in ``system:unauthenticated``.

A request that presents a token nobody accepts fails with 401 ``Unauthorized``: it is
*never* downgraded to anonymous (Kubernetes' ``FailOnError`` union), so a typo in a
token cannot silently turn into a request with fewer rights that then "works". Every
authenticated user also gets the group ``system:authenticated`` (the
``AuthenticatedGroupAdder``), except the anonymous user and users whose groups already
say ``system:authenticated`` or ``system:unauthenticated``.

Tokens are looked up by their SHA-256 digest and then compared with
``hmac.compare_digest``, so lookup time reveals nothing useful about a stored token; no
token is ever kept in a repr, a result or an error message.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
from collections.abc import Callable

import attrs

from kactors.api.validation import go_quote

from .errors import AuthConfigError, Unauthorized
from .tokens import TOKEN_PREFIX, check_signing_key, verify_service_account_token
from .user import (
    ALL_AUTHENTICATED,
    ALL_UNAUTHENTICATED,
    ANONYMOUS,
    UserInfo,
    node_user,
    service_account_user,
)

__all__ = [
    "AuthResult",
    "Authenticator",
    "AuthnConfig",
    "NodeToken",
    "ServiceAccountLookup",
    "StaticToken",
    "anonymous_user",
    "parse_static_token_file",
    "with_authenticated_group",
]

#: ``sa_exists(namespace, name, uid)``: does this ServiceAccount (this incarnation) exist?
ServiceAccountLookup = Callable[[str, str, str], bool]

#: kube-apiserver's 401 message, whatever the cause.
UNAUTHORIZED_MESSAGE = "Unauthorized"
#: how many credentials of table tokens `Authenticator` remembers (a bound, not a need)
_KNOWN_KEPT = 1024
#: The server-side reason of a refused token (Kubernetes' ``invalidToken`` error).
INVALID_TOKEN = "invalid bearer token"


@attrs.frozen
class StaticToken:
    """One line of a static token file: ``token,user,uid,"group1,group2"``."""

    token: str = attrs.field(repr=False)
    user: str
    uid: str = ""
    groups: tuple[str, ...] = attrs.field(default=(), converter=tuple)


@attrs.frozen
class NodeToken:
    """A kubelet's credential: whoever presents ``token`` is the node ``node``."""

    token: str = attrs.field(repr=False)
    node: str


@attrs.frozen
class AuthnConfig:
    """How the apiserver authenticates; shared, immutable, safe to log (no secrets shown)."""

    static_tokens: tuple[StaticToken, ...] = attrs.field(default=(), converter=tuple)
    node_tokens: tuple[NodeToken, ...] = attrs.field(default=(), converter=tuple)
    #: The HMAC key service-account tokens are signed with; ``None`` disables them.
    service_account_key: bytes | None = attrs.field(default=None, repr=False)
    #: Whether a request without a token is served as ``system:anonymous``.
    anonymous: bool = True


@attrs.frozen
class AuthResult:
    """The outcome of authenticating one request.

    ``user`` is ``None`` exactly when authentication failed; the client then gets a 401
    with :attr:`message` (always ``Unauthorized``), while ``reason`` is the detail for the
    server's logs (which check failed; never the token).
    """

    user: UserInfo | None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.user is not None

    @property
    def message(self) -> str:
        """What the client is told: ``""`` on success, ``Unauthorized`` otherwise."""
        return "" if self.ok else UNAUTHORIZED_MESSAGE

    def user_or_raise(self) -> UserInfo:
        """The user, or :class:`~.errors.Unauthorized` carrying :attr:`reason`."""
        if self.user is None:
            raise Unauthorized(self.reason)
        return self.user


def anonymous_user() -> UserInfo:
    """``system:anonymous`` in ``system:unauthenticated`` (``anonymous.NewAuthenticator``)."""
    return UserInfo(ANONYMOUS, "", (ALL_UNAUTHENTICATED,))


def with_authenticated_group(user: UserInfo) -> UserInfo:
    """``user`` plus ``system:authenticated``, as Kubernetes' ``AuthenticatedGroupAdder``."""
    if user.name == ANONYMOUS:
        return user
    if ALL_AUTHENTICATED in user.groups or ALL_UNAUTHENTICATED in user.groups:
        return user
    return attrs.evolve(user, groups=(*user.groups, ALL_AUTHENTICATED))


def parse_static_token_file(text: str, source: str = "<string>") -> tuple[StaticToken, ...]:
    """Read Kubernetes' static token CSV (``tokenfile.NewCSV``).

    Each record is ``token,user name,user uid[,"group1,group2,..."]``; blank lines are
    skipped, as are records with an empty token. A repeated token keeps the *last*
    record, like Kubernetes (which only warns).
    """
    tokens: dict[str, StaticToken] = {}
    try:
        for record in csv.reader(io.StringIO(text)):
            if not record:
                continue
            if len(record) < 3:
                raise AuthConfigError(
                    f"token file '{source}' must have at least 3 columns "
                    f"(token, user name, user uid), found {len(record)}"
                )
            if not record[0]:
                continue
            groups = tuple(record[3].split(",")) if len(record) >= 4 else ()
            tokens[record[0]] = StaticToken(record[0], record[1], record[2], groups)
    except csv.Error as error:
        raise AuthConfigError(f"token file '{source}': {error}") from None
    return tuple(tokens.values())


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8")).digest()


class Authenticator:
    """Authenticate bearer tokens against an :class:`AuthnConfig`.

    ``sa_exists`` is required when service-account tokens are enabled: a token must stop
    working once its ServiceAccount is deleted (or re-created with a new uid).
    """

    def __init__(
        self, config: AuthnConfig, *, sa_exists: ServiceAccountLookup | None = None
    ) -> None:
        self._anonymous = config.anonymous
        self._sa_key = config.service_account_key
        if self._sa_key is not None:
            check_signing_key(self._sa_key)
            if sa_exists is None:
                raise AuthConfigError("service account tokens need an sa_exists lookup")
        self._sa_exists = sa_exists
        # sha256(token) -> (token, user with system:authenticated added: computed once,
        # users are immutable values)
        self._table: dict[bytes, tuple[str, UserInfo]] = {}
        #: credential -> the result of a token of the table (which never changes after
        #: construction): every request presents one of a few credentials, looked up once
        self._known: dict[str, AuthResult] = {}
        for entry in config.static_tokens:
            self._file(entry.token, UserInfo(entry.user, entry.uid, entry.groups))
        for node in config.node_tokens:
            if not node.node:
                raise AuthConfigError("a node token needs a node name")
            self._file(node.token, node_user(node.node))

    def _file(self, token: str, user: UserInfo) -> None:
        if not token:
            raise AuthConfigError("empty token in authenticator configuration")
        digest = _digest(token)
        if digest in self._table:
            raise AuthConfigError("duplicate token in authenticator configuration")
        self._table[digest] = (token, with_authenticated_group(user))

    def __repr__(self) -> str:
        return (
            f"<Authenticator {len(self._table)} tokens, "
            f"service accounts {'on' if self._sa_key is not None else 'off'}, "
            f"anonymous {'on' if self._anonymous else 'off'}>"
        )

    def authenticate(self, credential: str | None) -> AuthResult:
        """Authenticate an ``Authorization`` header value or a bare token.

        A value with a space is read as a header (``Bearer <token>``, scheme in any case,
        like Kubernetes' bearer-token authenticator); one without is the token itself.
        ``None``, an empty value, a non-Bearer header or ``Bearer`` with an empty token
        present no token: anonymous if enabled, else 401.
        """
        known = self._known.get(credential) if credential.__class__ is str else None
        if known is not None:
            return known
        token = _bearer_token(credential)
        if token is None:
            if self._anonymous:
                return AuthResult(anonymous_user())
            return AuthResult(None, "no bearer token and anonymous requests are disabled")
        user = self._static_user(token)
        if user is None:
            return self._other_token(token)
        result = AuthResult(user)
        if len(self._known) >= _KNOWN_KEPT:
            self._known.clear()
        self._known[credential] = result  # type: ignore[index]  # a str here
        return result

    def authenticate_token(self, token: str) -> AuthResult:
        """Authenticate a presented token; failure is a 401, never anonymous."""
        user = self._static_user(token)
        if user is not None:
            return AuthResult(user)
        return self._other_token(token)

    def _static_user(self, token: str) -> UserInfo | None:
        """The user of `token` if it is one of the table's (static and node tokens)."""
        entry = self._table.get(_digest(token))
        if entry is not None and hmac.compare_digest(
            entry[0].encode("utf-8"), token.encode("utf-8")
        ):
            return entry[1]
        return None

    def _other_token(self, token: str) -> AuthResult:
        if self._sa_key is not None and token.startswith(TOKEN_PREFIX + "."):
            return self._service_account(self._sa_key, token)
        return AuthResult(None, INVALID_TOKEN)

    def _service_account(self, key: bytes, token: str) -> AuthResult:
        claims = verify_service_account_token(key, token)
        if claims is None:
            return AuthResult(None, "invalid service account token")
        sa_exists = self._sa_exists  # never None here: __init__ insists on it
        if sa_exists is None or not sa_exists(claims.namespace, claims.name, claims.uid):
            return AuthResult(
                None,
                f"ServiceAccount {go_quote(claims.namespace + '/' + claims.name)} with uid "
                f"{go_quote(claims.uid)} does not exist",
            )
        user = service_account_user(claims.namespace, claims.name, claims.uid)
        return AuthResult(with_authenticated_group(user))


def _bearer_token(credential: str | None) -> str | None:
    """The token a credential presents, or ``None`` if it presents none.

    Mirrors ``bearertoken.AuthenticateRequest``: the header is trimmed and split on the
    first spaces; only the ``bearer`` scheme (any case) counts.
    """
    if credential is None:
        return None
    value = credential.strip()
    if not value:
        return None
    if " " not in value:
        # A bare token; a lone "Bearer" is a header without a token.
        return None if value.lower() == "bearer" else value
    parts = value.split(" ", 2)
    if parts[0].lower() != "bearer" or not parts[1]:
        return None
    return parts[1]
