"""The ingress routing table, sans-I/O: Kubernetes' path types and precedence, hosts and
wildcards, merged Ingresses, default backends."""

from __future__ import annotations

from typing import Any

import pytest

from kactors.networking.routes import Backend, RoutingTable, match_path


def path(p: str, kind: str, service: str, port: Any = 80) -> dict[str, Any]:
    key = "number" if isinstance(port, int) else "name"
    return {"path": p, "pathType": kind,
            "backend": {"service": {"name": service, "port": {key: port}}}}


def ingress(name: str, rules: list[dict[str, Any]], *, created: str = "2026-01-01T00:00:00Z",
            default: str | None = None, namespace: str = "default") -> dict[str, Any]:
    spec: dict[str, Any] = {"rules": rules}
    if default:
        spec["defaultBackend"] = {"service": {"name": default, "port": {"number": 80}}}
    return {"metadata": {"name": name, "namespace": namespace, "creationTimestamp": created},
            "spec": spec}


def rule(host: str | None, *paths: dict[str, Any]) -> dict[str, Any]:
    entry: dict[str, Any] = {"http": {"paths": list(paths)}}
    if host is not None:
        entry["host"] = host
    return entry


@pytest.mark.parametrize(("kind", "rule_path", "request_path", "matches"), [
    # Kubernetes' table of examples (concepts/services-networking/ingress, "Examples")
    ("Prefix", "/", "/anything", True),
    ("Exact", "/foo", "/foo", True),
    ("Exact", "/foo", "/bar", False),
    ("Exact", "/foo", "/foo/", False),
    ("Exact", "/foo/", "/foo", False),
    ("Prefix", "/foo", "/foo", True),
    ("Prefix", "/foo", "/foo/", True),
    ("Prefix", "/foo/", "/foo", True),
    ("Prefix", "/foo/", "/foo/", True),
    ("Prefix", "/aaa/bb", "/aaa/bbb", False),
    ("Prefix", "/aaa/bbb", "/aaa/bbb", True),
    ("Prefix", "/aaa/bbb/", "/aaa/bbb", True),
    ("Prefix", "/aaa/bbb", "/aaa/bbb/", True),
    ("Prefix", "/aaa/bbb", "/aaa/bbb/ccc", True),
    ("Prefix", "/aaa/bbb", "/aaa/bbbxyz", False),
    # ingress-nginx: an ImplementationSpecific path is an nginx prefix location
    ("ImplementationSpecific", "/aaa/bb", "/aaa/bbb", True),
    ("ImplementationSpecific", "/x", "/y", False),
])
def test_path_types_match_as_kubernetes_documents(kind: str, rule_path: str,
                                                  request_path: str, matches: bool) -> None:
    assert match_path(kind, rule_path, request_path) is matches


def test_the_longest_path_wins_and_exact_beats_prefix_at_equal_length() -> None:
    table = RoutingTable()
    table.update(ingress("web", [rule("example.com", path("/", "Prefix", "root"),
                                      path("/aaa", "Prefix", "aaa"),
                                      path("/aaa/bbb", "Prefix", "bbb"),
                                      path("/aaa/bbb", "Exact", "exact"))]))
    assert table.match("example.com", "/aaa/bbb").backend == Backend("default", "exact", 80)
    assert table.match("example.com", "/aaa/bbb/c").backend.service == "bbb"
    assert table.match("example.com", "/aaa/ccc").backend.service == "aaa"
    assert table.match("example.com", "/aaaz").backend.service == "root"
    assert table.match("example.com", "/aaa/bbb?x=1").backend.service == "exact"
    found = table.match("EXAMPLE.com:8080", "/aaa")
    assert (found.server, found.path, found.path_type, found.ingress) == (
        "example.com", "/aaa", "Prefix", "default/web")
    assert table.describe()[:2] == [
        "example.com /aaa/bbb (Exact) -> default/exact:80 [default/web]",
        "example.com /aaa/bbb (Prefix) -> default/bbb:80 [default/web]"]


def test_hosts_exact_then_one_label_wildcard_then_catch_all_without_fallthrough() -> None:
    table = RoutingTable()
    table.update(ingress("web", [
        rule("foo.bar.com", path("/exact-host", "Prefix", "exact")),
        rule("*.bar.com", path("/", "Prefix", "wild")),
        rule(None, path("/", "Prefix", "any")),
    ]))
    assert table.match("foo.bar.com", "/exact-host").backend.service == "exact"
    # the host chose its server: no fallback to the wildcard's or the catch-all's paths
    assert not table.match("foo.bar.com", "/other")
    assert table.match("baz.bar.com", "/x").backend.service == "wild"
    assert table.match("bar.com", "/x").backend.service == "any"  # no label to match *
    assert table.match("a.baz.bar.com", "/x").backend.service == "any"  # one label only
    assert table.match("10.0.0.1", "/").backend.service == "any"


def test_ingresses_merge_per_host_the_oldest_wins_a_conflict_and_default_backends() -> None:
    table = RoutingTable()
    table.update(ingress("new", [rule("a.com", path("/x", "Prefix", "new-x"),
                                      path("/y", "Prefix", "new-y"))],
                         created="2026-01-02T00:00:00Z"))
    table.update(ingress("old", [rule("a.com", path("/x", "Prefix", "old-x"))],
                         created="2026-01-01T00:00:00Z", default="fallback"))
    assert table.match("a.com", "/x").backend.service == "old-x"
    assert table.match("a.com", "/y").ingress == "default/new"
    # no path matched: the defaultBackend of the oldest Ingress of that host
    miss = table.match("a.com", "/z")
    assert (miss.backend.service, miss.ingress, miss.path) == ("fallback", "default/old", "")
    assert table.match("unknown.com", "/").backend.service == "fallback"
    table.delete("default", "old")
    assert table.match("a.com", "/x").backend.service == "new-x"
    assert not table.match("a.com", "/z") and not table.match("unknown.com", "/")
    assert len(table) == 1
    # a resource backend or no service: no route
    table.update(ingress("res", [rule("r.com", {"path": "/", "pathType": "Prefix", "backend": {
        "resource": {"kind": "Bucket", "name": "b"}}})]))
    assert not table.match("r.com", "/")
    # port names stay names (the controller resolves them against the Service)
    table.update(ingress("named", [rule("n.com", path("/", "Prefix", "svc", "http"))]))
    assert str(table.match("n.com", "/").backend) == "default/svc:http"
