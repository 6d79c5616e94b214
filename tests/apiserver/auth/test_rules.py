"""Policy rule matching: Kubernetes' rbac/v1 evaluation helpers, case by case."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kactors.apiserver.auth import PolicyRule, UserInfo, for_path, for_resource, rule_allows
from kactors.apiserver.auth.rules import compile_rules

from .helpers import rule

ALICE = UserInfo("alice")


def allows(rule_dict: dict, verb: str, resource: str, **kwargs: str) -> bool:
    return rule_allows(
        for_resource(ALICE, verb, resource, **kwargs), PolicyRule.from_dict(rule_dict)
    )


@pytest.mark.parametrize(
    ("rule_dict", "verb", "resource", "kwargs", "expected"),
    [
        # verbs
        (rule(["get"], ["pods"]), "get", "pods", {}, True),
        (rule(["get"], ["pods"]), "list", "pods", {}, False),
        (rule(["*"], ["pods"]), "deletecollection", "pods", {}, True),
        (rule(["GET"], ["pods"]), "get", "pods", {}, False),  # case-sensitive
        # API groups: "" is the core group and only the core group
        (rule(["get"], ["deployments"]), "get", "deployments", {"api_group": "apps"}, False),
        (
            rule(["get"], ["deployments"], ["apps"]),
            "get",
            "deployments",
            {"api_group": "apps"},
            True,
        ),
        (rule(["get"], ["pods"], ["apps"]), "get", "pods", {}, False),
        (rule(["get"], ["*"], ["*"]), "get", "widgets", {"api_group": "example.com"}, True),
        # resources and subresources
        (rule(["get"], ["pods"]), "get", "pods", {"subresource": "log"}, False),
        (rule(["get"], ["pods/log"]), "get", "pods", {"subresource": "log"}, True),
        (rule(["get"], ["pods/log"]), "get", "pods", {}, False),
        (rule(["get"], ["*"]), "get", "pods", {"subresource": "log"}, True),
        (rule(["get"], ["*/log"]), "get", "pods", {"subresource": "log"}, True),
        (rule(["get"], ["*/log"]), "get", "nodes", {"subresource": "log"}, True),
        (rule(["get"], ["*/log"]), "get", "pods", {"subresource": "status"}, False),
        (rule(["get"], ["*/log"]), "get", "pods", {}, False),
        (rule(["get"], ["pods/*"]), "get", "pods", {"subresource": "log"}, False),  # not a glob
        (rule(["get"], ["po*"]), "get", "pods", {}, False),
        # resourceNames
        (rule(["get"], ["configmaps"], names=["cfg"]), "get", "configmaps", {"name": "cfg"}, True),
        (rule(["get"], ["configmaps"], names=["cfg"]), "get", "configmaps", {"name": "x"}, False),
        (rule(["list"], ["configmaps"], names=["cfg"]), "list", "configmaps", {}, False),
        (rule(["create"], ["configmaps"], names=["cfg"]), "create", "configmaps", {}, False),
        (rule(["get"], ["configmaps"], names=[]), "get", "configmaps", {"name": "x"}, True),
    ],
)
def test_resource_rules(
    rule_dict: dict, verb: str, resource: str, kwargs: dict, expected: bool
) -> None:
    assert allows(rule_dict, verb, resource, **kwargs) is expected


@pytest.mark.parametrize(
    ("urls", "path", "expected"),
    [
        (["/healthz"], "/healthz", True),
        (["/healthz"], "/healthz/etcd", False),
        (["/healthz/*"], "/healthz/etcd", True),
        (["/healthz/*"], "/healthz", False),
        (["/healthz*"], "/healthz", True),
        (["/api*"], "/apis/apps", True),
        (["*"], "/anything/at/all", True),
        (["/metrics"], "/Metrics", False),
    ],
)
def test_non_resource_urls(urls: list[str], path: str, expected: bool) -> None:
    compiled = PolicyRule.from_dict(rule(["get"], urls=urls))
    assert rule_allows(for_path(ALICE, "GET", path), compiled) is expected


def test_resource_rules_never_match_non_resource_requests_and_vice_versa() -> None:
    everything = PolicyRule.from_dict(rule(["*"], ["*"], ["*"]))
    urls = PolicyRule.from_dict(rule(["*"], urls=["*"]))
    assert not rule_allows(for_path(ALICE, "get", "/healthz"), everything)
    assert not rule_allows(for_resource(ALICE, "get", "pods", namespace="default"), urls)


def test_non_resource_verbs_are_lowercased_http_methods() -> None:
    compiled = PolicyRule.from_dict(rule(["post"], urls=["/logs/*"]))
    assert rule_allows(for_path(ALICE, "POST", "/logs/x"), compiled)
    assert not rule_allows(for_path(ALICE, "GET", "/logs/x"), compiled)


def test_malformed_rules_grant_nothing() -> None:
    rules = compile_rules(
        [{"verbs": "get", "apiGroups": [""], "resources": ["pods"]}, "not a rule", {"verbs": [1]}]
    )
    assert len(rules) == 2
    attrs = for_resource(ALICE, "get", "pods", namespace="default")
    assert not any(rule_allows(attrs, r) for r in rules)
    assert compile_rules(None) == ()


def test_to_dict_round_trips_and_omits_empty_fields() -> None:
    original = rule(["get", "list"], ["pods", "pods/log"], names=["a"])
    assert PolicyRule.from_dict(original).to_dict() == original
    assert PolicyRule.from_dict({"verbs": ["get"], "nonResourceURLs": ["/x"]}).to_dict() == {
        "verbs": ["get"],
        "nonResourceURLs": ["/x"],
    }


NAMES = st.text(alphabet="abcdefgh/-*", min_size=1, max_size=8)


@given(verb=NAMES, group=NAMES, resource=NAMES, sub=NAMES | st.just(""), name=NAMES | st.just(""))
def test_star_rule_allows_every_resource_request(
    verb: str, group: str, resource: str, sub: str, name: str
) -> None:
    attrs = for_resource(ALICE, verb, resource, api_group=group, subresource=sub, name=name)
    assert rule_allows(attrs, PolicyRule.from_dict(rule(["*"], ["*"], ["*"])))


@given(verb=NAMES, resource=NAMES, sub=NAMES | st.just(""), other=NAMES)
def test_exact_rule_matches_only_its_combined_resource(
    verb: str, resource: str, sub: str, other: str
) -> None:
    combined = f"{resource}/{sub}" if sub else resource
    attrs = for_resource(ALICE, verb, resource, subresource=sub)
    assert rule_allows(attrs, PolicyRule.from_dict(rule([verb], [combined])))
    if other != combined and other != "*" and other != f"*/{sub}":
        assert not rule_allows(attrs, PolicyRule.from_dict(rule([verb], [other])))
