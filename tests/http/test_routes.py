"""URL -> request (sans-I/O): Kubernetes' path layout, verbs from methods, query options."""

from __future__ import annotations

import pytest

from kactors.apiserver.http.routes import Endpoint, ResourceRoute, RouteError, route


@pytest.mark.parametrize(("method", "target", "expected"), [
    ("GET", "/api/v1/namespaces/default/pods",
     ("list", "", "v1", "pods", "default", None, None)),
    ("GET", "/api/v1/pods", ("list", "", "v1", "pods", None, None, None)),
    ("GET", "/api/v1/namespaces/default", ("get", "", "v1", "namespaces", None, "default", None)),
    ("GET", "/api/v1/namespaces", ("list", "", "v1", "namespaces", None, None, None)),
    ("PUT", "/api/v1/namespaces/x/finalize",
     ("update", "", "v1", "namespaces", None, "x", "finalize")),
    ("PATCH", "/api/v1/namespaces/x/status",
     ("patch", "", "v1", "namespaces", None, "x", "status")),
    ("GET", "/api/v1/namespaces/x/pods/p/log", ("get", "", "v1", "pods", "x", "p", "log")),
    ("POST", "/api/v1/namespaces/x/pods/p/binding",
     ("create", "", "v1", "pods", "x", "p", "binding")),
    ("GET", "/apis/apps/v1/namespaces/d/deployments/n/scale",
     ("get", "apps", "v1", "deployments", "d", "n", "scale")),
    ("DELETE", "/apis/apps/v1/namespaces/d/deployments/n",
     ("delete", "apps", "v1", "deployments", "d", "n", None)),
    ("DELETE", "/apis/apps/v1/namespaces/d/deployments",
     ("deletecollection", "apps", "v1", "deployments", "d", None, None)),
    ("POST", "/apis/example.com/v1/websites", ("create", "example.com", "v1", "websites",
                                               None, None, None)),
    ("GET", "/api/v1/nodes/node-1", ("get", "", "v1", "nodes", None, "node-1", None)),
    ("GET", "/api/v1/pods?watch=1", ("watch", "", "v1", "pods", None, None, None)),
    ("GET", "/api/v1/namespaces/a%2Db/pods", ("list", "", "v1", "pods", "a-b", None, None)),
])
def test_resource_paths(method: str, target: str, expected: tuple) -> None:
    found = route(method, target)
    assert isinstance(found, ResourceRoute)
    assert (found.verb, found.group, found.version, found.resource, found.namespace,
            found.name, found.subresource) == expected


def test_query_options_keep_kubernetes_names() -> None:
    found = route("GET", "/api/v1/pods?labelSelector=app%3Dweb&fieldSelector=spec.nodeName%3Dn"
                         "&limit=500&continue=abc&resourceVersion=7&watch=true"
                         "&allowWatchBookmarks=true&timeoutSeconds=30&pretty=true")
    assert isinstance(found, ResourceRoute) and found.verb == "watch"
    assert found.options == {"labelSelector": "app=web", "fieldSelector": "spec.nodeName=n",
                             "limit": "500", "continue": "abc", "resourceVersion": "7",
                             "allowWatchBookmarks": "true", "timeoutSeconds": "30"}
    deleted = route("DELETE", "/api/v1/namespaces/d/pods/p?gracePeriodSeconds=0"
                              "&propagationPolicy=Foreground&dryRun=All")
    assert deleted.options == {"gracePeriodSeconds": "0", "propagationPolicy": "Foreground",
                               "dryRun": ["All"]}


def test_watching_one_object_by_name_is_a_field_selector() -> None:
    for target in ("/api/v1/namespaces/d/pods/p?watch=true",
                   "/api/v1/watch/namespaces/d/pods/p"):
        found = route("GET", target)
        assert (found.verb, found.name, found.options["fieldSelector"]) == (
            "watch", None, "metadata.name=p")


@pytest.mark.parametrize(("target", "what", "group", "version"), [
    ("/version", "version", "", ""), ("/healthz", "healthz", "", ""),
    ("/readyz?verbose", "readyz", "", ""), ("/livez/ping", "livez", "", ""),
    ("/api", "api", "", ""), ("/apis", "apis", "", ""), ("/api/v1", "group_version", "", "v1"),
    ("/apis/apps", "api_group", "apps", ""), ("/apis/apps/v1", "group_version", "apps", "v1"),
    ("/openapi/v2", "openapi_v2", "", ""), ("/openapi/v3", "openapi_v3", "", ""),
    ("/openapi/v3/api/v1?hash=AB", "openapi_v3_group", "", "v1"),
    ("/openapi/v3/apis/apps/v1", "openapi_v3_group", "apps", "v1"),
])
def test_endpoints(target: str, what: str, group: str, version: str) -> None:
    found = route("GET", target)
    assert isinstance(found, Endpoint)
    assert (found.what, found.group, found.version) == (what, group, version)


@pytest.mark.parametrize(("method", "target", "code"), [
    ("GET", "/", 404), ("GET", "/metrics", 404), ("GET", "/apis/apps/v1/a/b/c/d", 404),
    ("GET", "/api/v1/namespaces/%2e%2e/pods", 404), ("GET", "/openapi/v3/x", 404),
    ("POST", "/version", 405), ("OPTIONS", "/api/v1/pods", 405), ("TRACE", "/api/v1/pods", 405),
])
def test_what_no_route_serves(method: str, target: str, code: int) -> None:
    with pytest.raises(RouteError) as error:
        route(method, target)
    assert error.value.status["code"] == code
