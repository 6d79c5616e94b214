"""Authentication: static, node and service-account tokens, anonymous, and 401s."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kactors.apiserver.auth import (
    AuthConfigError,
    Authenticator,
    AuthnConfig,
    NodeToken,
    StaticToken,
    Unauthorized,
    UserInfo,
    issue_service_account_token,
    parse_static_token_file,
    verify_service_account_token,
)
from kactors.apiserver.auth.tokens import ServiceAccountClaims

KEY = b"k" * 32
OTHER_KEY = b"o" * 32
ALICE_TOKEN = "alice-token-0123456789"
ROOT_TOKEN = "root-token-0123456789"
KUBELET_TOKEN = "kubelet-n1-0123456789"

LIVE_ACCOUNTS = {("default", "builder", "uid-1"), ("ci", "runner.v2", "uid-2")}


def sa_exists(namespace: str, name: str, uid: str) -> bool:
    return (namespace, name, uid) in LIVE_ACCOUNTS


def make(anonymous: bool = True, **overrides: object) -> Authenticator:
    config = AuthnConfig(
        static_tokens=(
            StaticToken(ALICE_TOKEN, "alice", "1001", ("devs",)),
            StaticToken(ROOT_TOKEN, "root", "0", ("system:masters",)),
        ),
        node_tokens=(NodeToken(KUBELET_TOKEN, "n1"),),
        service_account_key=KEY,
        anonymous=anonymous,
    )
    return Authenticator(config, sa_exists=sa_exists, **overrides)  # type: ignore[arg-type]


def test_static_token_user_gets_system_authenticated() -> None:
    result = make().authenticate(f"Bearer {ALICE_TOKEN}")
    assert result.ok and result.message == "" and result.reason == ""
    assert result.user == UserInfo("alice", "1001", ("devs", "system:authenticated"))


@pytest.mark.parametrize(
    "credential",
    [f"Bearer {ALICE_TOKEN}", f"bearer {ALICE_TOKEN}", f"  BEARER {ALICE_TOKEN}  ", ALICE_TOKEN],
)
def test_header_forms_and_bare_tokens(credential: str) -> None:
    result = make().authenticate(credential)
    assert result.user is not None and result.user.name == "alice"


def test_node_token() -> None:
    user = make().authenticate(f"Bearer {KUBELET_TOKEN}").user
    assert user == UserInfo("system:node:n1", "", ("system:nodes", "system:authenticated"))


def test_service_account_token() -> None:
    token = issue_service_account_token(KEY, "default", "builder", "uid-1")
    user = make().authenticate(f"Bearer {token}").user
    assert user == UserInfo(
        "system:serviceaccount:default:builder",
        "uid-1",
        (
            "system:serviceaccounts",
            "system:serviceaccounts:default",
            "system:authenticated",
        ),
    )


def test_service_account_names_with_dots() -> None:
    token = issue_service_account_token(KEY, "ci", "runner.v2", "uid-2")
    assert verify_service_account_token(KEY, token) == ServiceAccountClaims(
        "ci", "runner.v2", "uid-2"
    )
    user = make().authenticate(token).user
    assert user is not None and user.name == "system:serviceaccount:ci:runner.v2"


@pytest.mark.parametrize(
    ("credential", "anonymous"),
    [(None, True), ("", True), ("   ", True), ("Basic dXNlcjpwYXNz", True), ("Bearer", True)],
)
def test_no_bearer_token_is_anonymous(credential: str | None, anonymous: bool) -> None:
    result = make(anonymous=anonymous).authenticate(credential)
    assert result.user == UserInfo("system:anonymous", "", ("system:unauthenticated",))


def test_anonymous_disabled_is_401() -> None:
    result = make(anonymous=False).authenticate(None)
    assert not result.ok and result.user is None
    assert result.message == "Unauthorized"
    assert result.reason == "no bearer token and anonymous requests are disabled"
    with pytest.raises(Unauthorized) as info:
        result.user_or_raise()
    assert str(info.value) == "Unauthorized" and info.value.code == 401


@pytest.mark.parametrize("anonymous", [True, False])
@pytest.mark.parametrize(
    "credential",
    ["Bearer wrong-token", "wrong-token", f"Bearer {ALICE_TOKEN}x", f"Bearer {ALICE_TOKEN[:-1]}"],
)
def test_invalid_token_is_401_never_anonymous(credential: str, anonymous: bool) -> None:
    result = make(anonymous=anonymous).authenticate(credential)
    assert (result.user, result.message, result.reason) == (
        None,
        "Unauthorized",
        "invalid bearer token",
    )


def test_tampered_service_account_token_is_401() -> None:
    token = issue_service_account_token(KEY, "default", "builder", "uid-1")
    prefix, ns, name, uid, signature = token.split(".")
    forged_ns = issue_service_account_token(KEY, "kube-system", "builder", "uid-1").split(".")[1]
    flipped = signature[:-1] + ("B" if signature[-1] == "A" else "A")
    tampered = [
        f"{prefix}.{forged_ns}.{name}.{uid}.{signature}",  # another namespace
        f"{prefix}.{ns}.{uid}.{name}.{signature}",  # fields swapped
        f"{prefix}.{ns}.{name}.{uid}.{flipped}",  # signature changed
        f"{prefix}.{ns}.{name}.{uid}",  # signature dropped
        f"{prefix}.{ns}.{name}.{uid}.{signature}.x",  # extra field
        f"xx.{ns}.{name}.{uid}.{signature}",  # prefix changed
        issue_service_account_token(OTHER_KEY, "default", "builder", "uid-1"),  # other key
    ]
    authenticator = make()
    for bad in tampered:
        assert verify_service_account_token(KEY, bad) is None
        assert authenticator.authenticate(f"Bearer {bad}").user is None


def test_deleted_or_recreated_service_account_is_401() -> None:
    authenticator = make()
    recreated = issue_service_account_token(KEY, "default", "builder", "uid-old")
    result = authenticator.authenticate(recreated)
    assert (result.user, result.message) == (None, "Unauthorized")
    assert result.reason == 'ServiceAccount "default/builder" with uid "uid-old" does not exist'
    deleted = issue_service_account_token(KEY, "default", "gone", "uid-9")
    assert authenticator.authenticate(deleted).user is None


def test_service_account_tokens_disabled_without_a_key() -> None:
    authenticator = Authenticator(AuthnConfig())
    token = issue_service_account_token(KEY, "default", "builder", "uid-1")
    assert authenticator.authenticate(token).reason == "invalid bearer token"


def test_tokens_are_deterministic_and_distinct() -> None:
    one = issue_service_account_token(KEY, "default", "builder", "uid-1")
    assert one == issue_service_account_token(KEY, "default", "builder", "uid-1")
    assert one != issue_service_account_token(KEY, "default", "builder", "uid-2")
    assert one.startswith("sa.")


@given(
    namespace=st.text(min_size=1, max_size=20),
    name=st.text(min_size=1, max_size=30),
    uid=st.text(min_size=1, max_size=40),
)
def test_any_claims_round_trip(namespace: str, name: str, uid: str) -> None:
    token = issue_service_account_token(KEY, namespace, name, uid)
    assert verify_service_account_token(KEY, token) == ServiceAccountClaims(namespace, name, uid)
    assert verify_service_account_token(OTHER_KEY, token) is None


@given(garbage=st.text(max_size=80))
def test_garbage_never_verifies_or_crashes(garbage: str) -> None:
    assert verify_service_account_token(KEY, garbage) is None
    assert make().authenticate_token(garbage).user is None


def test_configuration_errors() -> None:
    def error(config: AuthnConfig, **kw: object) -> str:
        with pytest.raises(AuthConfigError) as info:
            Authenticator(config, **kw)  # type: ignore[arg-type]
        return str(info.value)

    assert error(AuthnConfig(service_account_key=b"short"), sa_exists=sa_exists) == (
        "service account signing key must be at least 32 bytes"
    )
    assert error(AuthnConfig(service_account_key=KEY)) == (
        "service account tokens need an sa_exists lookup"
    )
    assert (
        error(
            AuthnConfig(static_tokens=(StaticToken("t", "a"),), node_tokens=(NodeToken("t", "n"),))
        )
        == "duplicate token in authenticator configuration"
    )
    assert error(AuthnConfig(static_tokens=(StaticToken("", "a"),))) == (
        "empty token in authenticator configuration"
    )
    assert error(AuthnConfig(node_tokens=(NodeToken("t", ""),))) == "a node token needs a node name"
    with pytest.raises(AuthConfigError) as info:
        issue_service_account_token(KEY, "default", "", "uid")
    assert str(info.value) == "a service account token needs a namespace, a name and a uid"


def test_static_token_file() -> None:
    text = (
        'alice-token,alice,1001,"devs,ops"\n'
        "\n"
        "bob-token,bob,1002\n"
        ",nobody,0\n"
        "alice-token,alice2,1003\n"
    )
    tokens = parse_static_token_file(text)
    assert tokens == (
        StaticToken("alice-token", "alice2", "1003", ()),  # the last record wins
        StaticToken("bob-token", "bob", "1002", ()),
    )
    groups = parse_static_token_file('t,u,1,"a,b"')[0].groups
    assert groups == ("a", "b")
    with pytest.raises(AuthConfigError) as info:
        parse_static_token_file("secret-token,bob\n", source="/etc/tokens.csv")
    message = str(info.value)
    assert message == (
        "token file '/etc/tokens.csv' must have at least 3 columns "
        "(token, user name, user uid), found 2"
    )
    assert "secret-token" not in message


def test_users_already_in_a_status_group_keep_their_groups() -> None:
    config = AuthnConfig(
        static_tokens=(
            StaticToken("t1", "weird", "", ("system:unauthenticated",)),
            StaticToken("t2", "explicit", "", ("system:authenticated", "x")),
        )
    )
    authenticator = Authenticator(config)
    assert authenticator.authenticate("t1").user == UserInfo(
        "weird", "", ("system:unauthenticated",)
    )
    assert authenticator.authenticate("t2").user == UserInfo(
        "explicit", "", ("system:authenticated", "x")
    )


def test_a_remembered_credential_answers_as_the_first_time() -> None:
    """Table tokens are remembered per credential; what is not in the table (a wrong
    token, a service-account token whose account goes away) is asked every time."""
    live = set(LIVE_ACCOUNTS)
    authenticator = Authenticator(AuthnConfig(
        static_tokens=(StaticToken(ALICE_TOKEN, "alice", "1001", ("devs",)),),
        node_tokens=(NodeToken(KUBELET_TOKEN, "n1"),), service_account_key=KEY,
        anonymous=True), sa_exists=lambda ns, name, uid: (ns, name, uid) in live)
    sa_token = issue_service_account_token(KEY, "default", "builder", "uid-1")
    for _ in range(2):
        assert authenticator.authenticate(f"Bearer {ALICE_TOKEN}").user == UserInfo(
            "alice", "1001", ("devs", "system:authenticated"))
        assert authenticator.authenticate(KUBELET_TOKEN).user.name == "system:node:n1"
        assert authenticator.authenticate(f"Bearer {ALICE_TOKEN}x").user is None
        assert authenticator.authenticate(ALICE_TOKEN[:-1]).user is None
        assert authenticator.authenticate(f"Basic {ALICE_TOKEN}").user.name == \
            "system:anonymous"
    assert authenticator.authenticate(sa_token).ok
    live.clear()
    assert not authenticator.authenticate(sa_token).ok
