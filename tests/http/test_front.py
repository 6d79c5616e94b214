"""The HTTP front end to end, in-process over loopback: every error case of issue 6 with its
Kubernetes Status and HTTP code, and the verbs, tables, patches and watches that kubectl
relies on."""

from __future__ import annotations

import json

import h11
import trio
from http_served import VIEWER_TOKEN, read_reply, served

from kactors.apiserver.http.server import MAX_BODY
from kactors.testing.controlplane import ADMIN_TOKEN

PODS = "/api/v1/namespaces/default/pods"
TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"


def pod(name: str, labels: dict | None = None) -> dict:
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "labels": labels or {"app": "web"}},
            "spec": {"containers": [{"name": "c", "image": "nginx"}]}}


def status_of(reply, code: int, reason: str) -> dict:
    assert reply.status == code, (reply.status, reply.body)
    body = reply.json()
    assert body["kind"] == "Status" and body["code"] == code and body["reason"] == reason
    return body


async def test_health_version_and_discovery(autojump_clock) -> None:
    async with served() as api:
        for path in ("/healthz", "/livez", "/readyz"):
            reply = await api.request("GET", path)
            assert (reply.status, reply.body) == (200, b"ok")
        version = (await api.request("GET", "/version")).json()
        assert (version["major"], version["minor"]) == ("1", "32")
        assert (await api.request("GET", "/api")).json()["versions"] == ["v1"]
        groups = {g["name"]: g for g in (await api.request("GET", "/apis")).json()["groups"]}
        assert groups["apps"]["preferredVersion"]["groupVersion"] == "apps/v1"
        core = (await api.request("GET", "/api/v1")).json()
        pods = next(r for r in core["resources"] if r["name"] == "pods")
        assert pods["shortNames"] == ["po"] and pods["categories"] == ["all"]
        assert pods["namespaced"] and "watch" in pods["verbs"]
        apps = (await api.request("GET", "/apis/apps/v1")).json()["resources"]
        scale = next(r for r in apps if r["name"] == "deployments/scale")
        assert (scale["group"], scale["version"], scale["kind"]) == ("autoscaling", "v1",
                                                                      "Scale")
        status_of(await api.request("GET", "/apis/nope.example.com/v1"), 404, "NotFound")


async def test_error_statuses(autojump_clock) -> None:
    async with served() as api:
        status_of(await api.request("GET", "/api/v1/namespaces/default/widgets"), 404,
                  "NotFound")
        status_of(await api.request("GET", "/no/such/path"), 404, "NotFound")
        body = status_of(await api.request("POST", PODS, b'{"kind": "Pod", '), 400,
                         "BadRequest")
        assert "json parse error" in body["message"]
        status_of(await api.request("POST", PODS, b"kind: Pod", content_type="text/plain"),
                  415, "UnsupportedMediaType")
        # server-side apply needs a fieldManager (Kubernetes: 422 on PatchOptions)
        refused = status_of(await api.request("PATCH", f"{PODS}/x", b"{}",
                                              content_type="application/apply-patch+yaml"),
                            422, "Invalid")
        assert refused["message"] == ('PatchOptions.meta.k8s.io "" is invalid: fieldManager: '
                                      'Required value: is required for apply patch')
        status_of(await api.request("GET", PODS, token="not-a-token"), 401, "Unauthorized")
        forbidden = status_of(await api.request("GET", PODS, token=VIEWER_TOKEN), 403,
                              "Forbidden")
        assert forbidden["message"] == ('pods is forbidden: User "viewer" cannot list '
                                        'resource "pods" in API group "" in the namespace '
                                        '"default"')
        status_of(await api.request("POST", "/version"), 405, "MethodNotAllowed")
        status_of(await api.request("GET", f"{PODS}/missing"), 404, "NotFound")
        status_of(await api.request("GET", f"{PODS}?watch=true&timeoutSeconds=-1"), 400,
                  "BadRequest")
        status_of(await api.request("POST", f"{PODS}/x/exec?command=ls"), 404, "NotFound")
        # impersonation: the admin may act as bob, who may not list pods; the viewer
        # may not act as anyone; groups without a user are a bad request
        as_bob = status_of(await api.request("GET", PODS, headers={"impersonate-user": "bob"}),
                           403, "Forbidden")
        assert as_bob["message"].startswith('pods is forbidden: User "bob" cannot list')
        refused = status_of(await api.request("GET", PODS, token=VIEWER_TOKEN,
                                              headers={"impersonate-user": "bob"}),
                            403, "Forbidden")
        assert refused["message"] == ('users "bob" is forbidden: User "viewer" cannot '
                                      'impersonate resource "users" in API group "" at the '
                                      'cluster scope')
        status_of(await api.request("GET", PODS, headers={"impersonate-group": "devs"}), 400,
                  "BadRequest")


async def test_oversized_bodies_get_413_and_the_server_goes_on(autojump_clock) -> None:
    async with served(max_body=1000) as api:
        big = json.dumps(pod("big", {"x": "y" * 2000})).encode()
        status_of(await api.request("POST", PODS, big), 413, "RequestEntityTooLarge")
        # chunked, so the size is only known while reading
        stream = await trio.open_tcp_stream("127.0.0.1", api.port)
        async with stream:
            conn = h11.Connection(h11.CLIENT)
            await stream.send_all(conn.send(h11.Request(
                method="POST", target=PODS, headers=[
                    ("host", "x"), ("content-type", "application/json"),
                    ("transfer-encoding", "chunked")])))
            for _ in range(3):
                await stream.send_all(conn.send(h11.Data(data=big[:600])))
            reply = await read_reply(conn, stream)
        assert reply.status == 413 and reply.headers.get("connection") == "close"
        assert (await api.request("GET", "/healthz")).status == 200
    assert MAX_BODY == 3 * 1024 * 1024


async def test_malformed_http_is_a_400_not_a_crash(autojump_clock) -> None:
    async with served() as api:
        answer = await api.raw(b"this is not HTTP\r\n\r\n")
        assert answer.startswith(b"HTTP/1.1 400 ")
        answer = await api.raw(b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n")
        assert answer.startswith(b"HTTP/1.1 400 ")
        assert (await api.raw(b"\x16\x03\x01\x02\x00garbage")).startswith(b"HTTP/1.1 400")
        await api.raw(b"GET /api/v1/namespaces/%2e%2e/pods HTTP/1.1\r\nHost: x\r\n"
                      b"Connection: close\r\n\r\n")
        assert (await api.request("GET", "/healthz")).status == 200
        with trio.fail_after(5):  # every connection task ends once its client is gone
            while api.http.connections:
                await trio.sleep(0.01)


async def test_verbs_tables_and_patches(autojump_clock) -> None:
    async with served() as api:
        created = await api.request("POST", PODS, pod("web-1"))
        assert created.status == 201 and created.json()["metadata"]["uid"]
        await api.request("POST", PODS, pod("db-1", {"app": "db"}))
        listed = (await api.request("GET", f"{PODS}?labelSelector=app%3Dweb")).json()
        assert [p["metadata"]["name"] for p in listed["items"]] == ["web-1"]
        table = (await api.request("GET", PODS, headers={"accept": TABLE})).json()
        assert table["kind"] == "Table"
        assert [c["name"] for c in table["columnDefinitions"]][:5] == [
            "Name", "Ready", "Status", "Restarts", "Age"]
        assert sorted(r["cells"][0] for r in table["rows"]) == ["db-1", "web-1"]
        one = (await api.request("GET", f"{PODS}/web-1", headers={"accept": TABLE})).json()
        assert [r["cells"][0] for r in one["rows"]] == ["web-1"]
        meta = (await api.request("GET", f"{PODS}/web-1", headers={
            "accept": "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1"})).json()
        assert meta["kind"] == "PartialObjectMetadata" and "spec" not in meta
        for patch_type, patch in (
                ("application/merge-patch+json", {"metadata": {"labels": {"a": "1"}}}),
                ("application/json-patch+json",
                 [{"op": "add", "path": "/metadata/labels/b", "value": "2"}]),
                ("application/strategic-merge-patch+json",
                 {"metadata": {"annotations": {"c": "3"}}})):
            reply = await api.request("PATCH", f"{PODS}/web-1", json.dumps(patch).encode(),
                                      content_type=patch_type)
            assert reply.status == 200, reply.body
        meta = (await api.request("GET", f"{PODS}/web-1")).json()["metadata"]
        assert (meta["labels"]["a"], meta["labels"]["b"], meta["annotations"]["c"]) == (
            "1", "2", "3")
        deleted = await api.request("DELETE", f"{PODS}/db-1",
                                    {"propagationPolicy": "Background"})
        assert deleted.status == 200
        status_of(await api.request("DELETE", f"{PODS}/web-1",
                                    {"propagationPolicy": "Sideways"}), 422, "Invalid")


async def test_field_validation(autojump_clock) -> None:
    async with served() as api:
        cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"},
              "datta": {"a": "b"}}
        path = "/api/v1/namespaces/default/configmaps"
        body = status_of(await api.request("POST", f"{path}?fieldValidation=Strict", cm),
                         400, "BadRequest")
        assert body["message"] == ('ConfigMap in version "v1" cannot be handled as a '
                                   'ConfigMap: strict decoding error: unknown field "datta"')
        warned = await api.request("POST", path, cm)
        assert warned.status == 201
        assert warned.headers["warning"] == '299 - "unknown field \\"datta\\""'


DEPLOYMENTS = "/apis/apps/v1/namespaces/default/deployments"
SMP = "application/strategic-merge-patch+json"


def deployment(name: str, container: dict | None = None) -> dict:
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
            "spec": {"selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": {"app": name}},
                                  "spec": {"containers": [
                                      container or {"name": "c", "image": "nginx"}]}}}}


async def test_field_validation_judges_the_patched_object(autojump_clock) -> None:
    """What kubectl apply sends for a changed manifest: a strategic merge patch with
    fieldValidation=Strict; the unknown field is named by its path in the result."""
    async with served() as api:
        assert (await api.request("POST", DEPLOYMENTS, deployment("web"))).status == 201
        typo = {"spec": {"template": {"spec": {
            "$setElementOrder/containers": [{"name": "c"}],
            "containers": [{"name": "c", "imagee": "nginx:2"}]}}}}
        web = f"{DEPLOYMENTS}/web"
        body = status_of(await api.request("PATCH", f"{web}?fieldValidation=Strict", typo,
                                           content_type=SMP), 422, "Invalid")
        assert body["message"].endswith(
            'strict decoding error: unknown field "spec.template.spec.containers[0].imagee"')
        assert body["details"]["causes"][0]["field"] == "patch"
        stored = (await api.request("GET", web)).json()
        assert "imagee" not in stored["spec"]["template"]["spec"]["containers"][0]
        json_patch = [{"op": "add", "path": "/spec/paused2", "value": True}]
        body = status_of(await api.request("PATCH", f"{web}?fieldValidation=Strict",
                                           json.dumps(json_patch).encode(),
                                           content_type="application/json-patch+json"),
                         422, "Invalid")
        assert body["message"].endswith('unknown field "spec.paused2"')
        bad = await api.request("PATCH", f"{web}?fieldValidation=Loose", typo,
                                content_type=SMP)
        status_of(bad, 400, "BadRequest")
        warned = await api.request("PATCH", web, typo, content_type=SMP)  # Warn: default
        assert warned.status == 200
        assert warned.headers["warning"] == (
            '299 - "unknown field \\"spec.template.spec.containers[0].imagee\\""')
        ignored = await api.request("PATCH", f"{web}?fieldValidation=Ignore",
                                    {"metadata": {"labels": {"x": "1"}}, "bogus": 1},
                                    content_type="application/merge-patch+json")
        assert ignored.status == 200 and "warning" not in ignored.headers
        # a field stored before (with Warn) does not fail a later strict label patch
        label = await api.request("PATCH", f"{web}?fieldValidation=Strict",
                                  {"metadata": {"labels": {"tier": "front"}}},
                                  content_type="application/merge-patch+json")
        assert label.status == 200, label.body
        status_of(await api.request("PATCH", f"{DEPLOYMENTS}/none?fieldValidation=Strict",
                                    typo, content_type=SMP), 404, "NotFound")


async def read_lines(stream: trio.abc.Stream, conn: h11.Connection, count: int) -> list[dict]:
    """The next `count` watch events of a chunked response."""
    buffer = b""
    lines: list[dict] = []
    while len(lines) < count:
        event = conn.next_event()
        if event is h11.NEED_DATA:
            conn.receive_data(await stream.receive_some(65536))
        elif isinstance(event, h11.Data):
            buffer += bytes(event.data)
            while b"\n" in buffer:
                line, buffer = buffer.split(b"\n", 1)
                lines.append(json.loads(line))
        elif isinstance(event, h11.EndOfMessage):
            break
    return lines


async def open_watch(api, query: str, accept: str = "application/json"):
    stream = await trio.open_tcp_stream("127.0.0.1", api.port)
    conn = h11.Connection(h11.CLIENT)
    await stream.send_all(conn.send(h11.Request(method="GET", target=f"{PODS}?{query}",
                                                headers=[("host", "x"), ("accept", accept),
                                                         ("authorization",
                                                          f"Bearer {ADMIN_TOKEN}")]))
                          + conn.send(h11.EndOfMessage()))
    return stream, conn


async def test_watch_streams_events_and_ends_at_timeout(autojump_clock) -> None:
    async with served() as api:
        await api.request("POST", PODS, pod("a"))
        stream, conn = await open_watch(api, "watch=true&timeoutSeconds=30")
        async with stream:
            first = await read_lines(stream, conn, 1)
            assert [(e["type"], e["object"]["metadata"]["name"]) for e in first] == [
                ("ADDED", "a")]
            await api.request("POST", PODS, pod("b"))
            second = await read_lines(stream, conn, 1)
            assert [(e["type"], e["object"]["metadata"]["name"]) for e in second] == [
                ("ADDED", "b")]
            start = trio.current_time()
            assert await read_lines(stream, conn, 1) == []  # the stream ended
            assert 25 <= trio.current_time() - start <= 31
        apiserver = api.plane.apiserver._cell.actor
        assert apiserver.watchers == {}


async def test_watch_as_table_has_headers_once(autojump_clock) -> None:
    async with served() as api:
        await api.request("POST", PODS, pod("a"))
        await api.request("POST", PODS, pod("b"))
        stream, conn = await open_watch(api, "watch=true&timeoutSeconds=5", TABLE)
        async with stream:
            events = await read_lines(stream, conn, 2)
        assert [e["object"]["kind"] for e in events] == ["Table", "Table"]
        assert events[0]["object"]["columnDefinitions"]
        assert events[1]["object"]["columnDefinitions"] == []


async def test_an_abandoned_watch_frees_its_apiserver_watch(autojump_clock) -> None:
    async with served() as api:
        apiserver = api.plane.apiserver._cell.actor
        stream, conn = await open_watch(api, "watch=true&allowWatchBookmarks=true")
        await read_lines(stream, conn, 0)
        while not apiserver.watchers:
            await trio.sleep(0.01)
        assert api.http.watches == 1
        await stream.aclose()  # the client goes away without a word
        with trio.fail_after(5):
            while apiserver.watchers or api.http.watches or api.http.connections:
                await trio.sleep(0.01)
        relays = [name for name in api.system.lookup("/http")._cell.children]
        assert relays == []


async def test_plain_http_serves_requests_without_credentials_as_configured(
        autojump_clock) -> None:
    """kubectl sends no token over plain HTTP: such requests are the admin's (the old
    insecure port), while a token that is sent still decides."""
    async with served(credentials_default=ADMIN_TOKEN) as api:
        assert (await api.request("GET", PODS, token=None)).status == 200
        status_of(await api.request("GET", PODS, token=VIEWER_TOKEN), 403, "Forbidden")
    async with served() as api:
        status_of(await api.request("GET", PODS, token=None), 403, "Forbidden")
