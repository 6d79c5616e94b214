"""Tokens and keys never show up in a repr, a str, a reason or an error message."""

from __future__ import annotations

import pytest

from kactors.apiserver.auth import (
    AuthConfigError,
    Authenticator,
    AuthnConfig,
    NodeToken,
    StaticToken,
    Unauthorized,
    issue_service_account_token,
    parse_static_token_file,
)

STATIC = "STATIC-SECRET-9f8e7d"
NODE = "NODE-SECRET-1a2b3c"
KEY = b"KEY-SECRET-" + b"x" * 32
KEY_TEXT = KEY.decode()


def _rendered(*objects: object) -> str:
    return "\n".join(f"{obj!r} {obj!s}" for obj in objects)


def _assert_clean(text: str, *secrets: str) -> None:
    for secret in secrets:
        assert secret not in text
        assert secret[:12] not in text  # not even a prefix


def test_config_objects_hide_tokens_and_keys() -> None:
    static = StaticToken(STATIC, "alice", "1", ("devs",))
    node = NodeToken(NODE, "n1")
    config = AuthnConfig(static_tokens=(static,), node_tokens=(node,), service_account_key=KEY)
    authenticator = Authenticator(config, sa_exists=lambda *_: False)
    text = _rendered(static, node, config, authenticator)
    _assert_clean(text, STATIC, NODE, KEY_TEXT)
    assert "alice" in text and "n1" in text  # the rest is still visible


def test_results_and_errors_hide_presented_tokens() -> None:
    authenticator = Authenticator(
        AuthnConfig(static_tokens=(StaticToken(STATIC, "alice"),), service_account_key=KEY),
        sa_exists=lambda *_: False,
    )
    sa_token = issue_service_account_token(KEY, "default", "builder", "uid-1")
    presented = [
        STATIC,
        f"Bearer {STATIC}",
        "Bearer WRONG-SECRET-5e6f7a8b",
        sa_token,  # valid signature, deleted account
        sa_token[:-3] + "AAA",  # bad signature
        "sa.bad.token.SECRET-4d5e6f",
    ]
    for credential in presented:
        result = authenticator.authenticate(credential)
        texts = [_rendered(result, result.user, result.reason, result.message)]
        if not result.ok:
            with pytest.raises(Unauthorized) as info:
                result.user_or_raise()
            texts.append(_rendered(info.value, info.value.reason, info.value.args))
        token = credential.removeprefix("Bearer ")
        _assert_clean("\n".join(texts), token, KEY_TEXT)


def test_static_token_file_errors_hide_tokens() -> None:
    with pytest.raises(AuthConfigError) as info:
        parse_static_token_file(f"{STATIC},alice\n")
    _assert_clean(_rendered(info.value), STATIC)
    with pytest.raises(AuthConfigError) as info:
        Authenticator(
            AuthnConfig(static_tokens=(StaticToken(STATIC, "a"), StaticToken(STATIC, "b")))
        )
    _assert_clean(_rendered(info.value), STATIC)
