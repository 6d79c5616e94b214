"""`kubectl exec` through the whole cluster in virtual time: a WebSocket client speaks to
the HTTP front on loopback, the apiserver checks RBAC and the pod, the kubelet hands over
the running container, and the session's output, exit status and errors come back on
the channels kubectl reads. One structured event per exec, never the output."""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import quote

import attrs
import trio

from kactors.actors import ChildSpec
from kactors.apiserver.http import websocket as ws
from kactors.apiserver.http.server import HttpApi, HttpApiConfig
from kactors.apiserver.messages import ApiRequest
from kactors.apiserver.podexec import ExecUnavailable, PodExec
from kactors.testing.harness import full_cluster

VIEWER = "viewer-token-for-exec-tests"  # noqa: S105 - a test credential
CONFIG = f"""
[[apiserver.users]]
name = "viewer"
token = "{VIEWER}"

[[nodes]]
name = "node"
count = 1
"""
MASK = b"\x01\x02\x03\x04"
KEY = "dGhlIHNhbXBsZSBub25jZQ=="
SECRET = "s3cret-value"
MANIFESTS = [
    {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "game-config"},
     "data": {"SPECIAL_LEVEL": "very", "game.properties": "enemies=aliens\nlives=3\n"}},
    {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "creds"},
     "data": {"password": base64.b64encode(SECRET.encode()).decode()}},
    {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web"},
     "spec": {"containers": [{
         "name": "app", "image": "nginx",
         "env": [{"name": "SPECIAL_LEVEL_KEY", "valueFrom": {"configMapKeyRef": {
             "name": "game-config", "key": "SPECIAL_LEVEL"}}},
                 {"name": "PASSWORD", "valueFrom": {"secretKeyRef": {
                     "name": "creds", "key": "password"}}}],
         "volumeMounts": [{"name": "config", "mountPath": "/etc/config"}]}],
         "volumes": [{"name": "config", "configMap": {"name": "game-config"}}]}},
    # bound, but its container waits for a ConfigMap that does not exist
    {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "stuck"},
     "spec": {"containers": [{"name": "app", "image": "nginx", "env": [
         {"name": "X", "valueFrom": {"configMapKeyRef": {"name": "absent", "key": "x"}}}]}]}},
]


@attrs.frozen
class Exec:
    status: int
    stdout: str = ""
    stderr: str = ""
    error: dict[str, Any] | None = None
    body: bytes = b""


def _query(command: list[str], **flags: str) -> str:
    words = "&".join(f"command={quote(w, safe='')}" for w in command)
    extra = "".join(f"&{k}={v}" for k, v in flags.items())
    return f"?{words}{extra}"


async def ws_exec(port: int, pod: str, command: list[str], *, token: str,
                  stdin: bytes | None = None, hang_up_after: float | None = None,
                  **flags: str) -> Exec:
    """What kubectl does: an upgrade GET, stdin then [255, 0], channels until CLOSE
    (or a CLOSE of ours after ``hang_up_after`` seconds: Ctrl-C)."""
    flags = {"stdout": "true", "stderr": "true", **flags}
    if stdin is not None:
        flags["stdin"] = "true"
    path = f"/api/v1/namespaces/default/pods/{pod}/exec{_query(command, **flags)}"
    stream = await trio.open_tcp_stream("127.0.0.1", port)
    async with stream:
        await stream.send_all(
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
            f"Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
            f"Sec-WebSocket-Key: {KEY}\r\n"
            f"Sec-WebSocket-Protocol: v5.channel.k8s.io\r\n\r\n".encode())
        data = b""
        while b"\r\n\r\n" not in data:
            data += await stream.receive_some(65536)
        head, _, rest = data.partition(b"\r\n\r\n")
        lines = head.decode().split("\r\n")
        code = int(lines[0].split()[1])
        headers = dict(line.lower().split(": ", 1) for line in lines[1:])
        if code != 101:
            length = int(headers.get("content-length", "0"))
            while len(rest) < length:
                rest += await stream.receive_some(65536)
            return Exec(code, body=rest)
        assert headers["sec-websocket-accept"] == ws.accept_key(KEY).lower()
        assert headers["sec-websocket-protocol"] == "v5.channel.k8s.io"
        if stdin is not None:
            await stream.send_all(ws.mask_frame(ws.BINARY, b"\x00" + stdin, MASK)
                                  + ws.mask_frame(ws.PING, b"hb", MASK)
                                  + ws.mask_frame(ws.BINARY, b"\xff\x00", MASK))
        if hang_up_after is not None:
            await trio.sleep(hang_up_after)
            await stream.send_all(ws.mask_frame(ws.CLOSE, b"\x03\xe8", MASK))
        reader = ws.FrameReader(masked=False)
        reader.feed(rest)
        out = {1: b"", 2: b"", 3: b""}
        pongs = 0
        while True:
            message = reader.next_message()
            if message is None:
                reader.feed(await stream.receive_some(65536))
                continue
            if message.opcode == ws.CLOSE:
                if hang_up_after is None:
                    await stream.send_all(ws.mask_frame(ws.CLOSE, message.data, MASK))
                    break
                return Exec(101, out[1].decode(), error={"closed": message.data.hex()})
            if message.opcode == ws.PONG:
                pongs += 1
                continue
            out[message.data[0]] += message.data[1:]
        assert pongs == (1 if stdin is not None else 0)
        return Exec(101, out[1].decode(), out[2].decode(), json.loads(out[3]))


async def test_exec_through_the_front_the_apiserver_and_the_kubelet(autojump_clock) -> None:
    async with full_cluster(CONFIG, seed=3) as cluster:
        assert cluster.tree is not None
        admin = cluster.tree.credentials.admin
        listeners = await trio.open_tcp_listeners(0, host="127.0.0.1")
        port = listeners[0].socket.getsockname()[1]
        front = HttpApiConfig(listeners=listeners, apiserver=lambda: cluster.apiserver,
                              token=admin)
        await cluster.system.start(ChildSpec("http", lambda: HttpApi(front),
                                             host="control-plane"))
        await cluster.apply(MANIFESTS, namespace="default")
        await cluster.wait_for("v1/Pod", "web", "default", timeout=120,
                               predicate=lambda p: p["status"].get("phase") == "Running")

        env = await ws_exec(port, "web", ["env"], token=admin)
        assert (env.status, env.error) == (101, {"metadata": {}, "status": "Success"})
        assert "SPECIAL_LEVEL_KEY=very\n" in env.stdout
        assert f"PASSWORD={SECRET}\n" in env.stdout and "HOSTNAME=web\n" in env.stdout
        assert "KUBERNETES_SERVICE_HOST=10.96.0.1\nKUBERNETES_SERVICE_PORT=443\n" in env.stdout
        cat = await ws_exec(port, "web", ["cat", "/etc/config/game.properties"],
                            token=admin, container="app")
        assert cat.stdout == "enemies=aliens\nlives=3\n"
        token = await ws_exec(port, "web", ["ls", "/var/run/secrets/kubernetes.io/"
                                                  "serviceaccount"], token=admin)
        assert token.stdout == "ca.crt\nnamespace\ntoken\n"

        started = cluster.now()
        failed = await ws_exec(port, "web", ["sh", "-c", "echo $HOSTNAME; sleep 30; "
                                             "echo oops >&2; exit 3"], token=admin)
        assert cluster.now() - started >= 30 - 1e-6  # the sleep took cluster time
        assert (failed.stdout, failed.stderr) == ("web\n", "oops\n")
        assert failed.error["reason"] == "NonZeroExitCode"
        assert failed.error["details"]["causes"] == [{"reason": "ExitCode", "message": "3"}]
        shell = await ws_exec(port, "web", ["sh"], token=admin,
                              stdin=b"printenv SPECIAL_LEVEL_KEY\nexit 4\n")
        assert shell.stdout == "very\n" and shell.error["details"]["causes"][0]["message"] \
            == "4"
        left = await ws_exec(port, "web", ["sh", "-c", "echo start; sleep infinity"],
                             token=admin, hang_up_after=3600)
        assert (left.stdout, left.error) == ("start\n", {"closed": "03e8"})
        missing = await ws_exec(port, "web", ["bash2"], token=admin)
        assert missing.error["reason"] == "InternalError"
        assert 'exec: "bash2": executable file not found in $PATH' in missing.error["message"]

        # refusals: RBAC, a container that does not run, one the pod does not have
        denied = await ws_exec(port, "web", ["env"], token=VIEWER)
        assert denied.status == 403
        assert json.loads(denied.body)["message"] == (
            'pods "web" is forbidden: User "viewer" cannot get resource "pods/exec" in API '
            'group "" in the namespace "default"')
        await cluster.wait_for("v1/Pod", "stuck", "default", timeout=60,
                               predicate=lambda p: p["spec"].get("nodeName"))
        stuck = await ws_exec(port, "stuck", ["env"], token=admin)
        assert (stuck.status, stuck.body) == (500, b'container not found ("app")')
        invalid = await ws_exec(port, "web", ["env"], token=admin, container="nope")
        assert invalid.status == 400
        assert json.loads(invalid.body)["message"] == "container nope is not valid for pod web"

        events = cluster.logs("pod.exec")
        assert [(e["exit_code"], e["client_left"]) for e in events] == [
            (0, False), (0, False), (0, False), (3, False), (4, False), (None, True),
            (None, False)]
        assert events[-1]["error"] is not None
        assert events[3]["command"] == ["sh", "-c", "echo $HOSTNAME; sleep 30; "
                                        "echo oops >&2; exit 3"]
        assert not any(SECRET in json.dumps(record, default=str)
                       for record in cluster.logs())  # the output is never logged
        for listener in listeners:
            await listener.aclose()


async def test_exec_in_process_and_the_create_verb(autojump_clock) -> None:
    """An in-process client asks the apiserver (create pods/exec) and runs the session;
    a user who may get pods/exec but not create it is refused (KEP-4006)."""
    async with full_cluster(CONFIG, seed=4) as cluster:
        assert cluster.tree is not None
        admin = cluster.tree.credentials.admin
        await cluster.apply(MANIFESTS[:3], namespace="default")
        await cluster.apply([
            {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
             "metadata": {"name": "exec-get"},
             "rules": [{"apiGroups": [""], "resources": ["pods/exec"], "verbs": ["get"]}]},
            {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
             "metadata": {"name": "viewer-exec-get"},
             "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role",
                         "name": "exec-get"},
             "subjects": [{"kind": "User", "name": "viewer"}]}], namespace="default")
        await cluster.wait_for("v1/Pod", "web", "default", timeout=120,
                               predicate=lambda p: p["status"].get("phase") == "Running")

        def request(token: str, verb: str = "create", **options: Any) -> ApiRequest:
            return ApiRequest(verb=verb, resource="pods", version="v1", namespace="default",
                              name="web", subresource="exec", token=token,
                              options={"stdout": "true", **options})

        answer = await cluster.apiserver.ask(
            request(admin, command=["sh", "-c", "printenv PASSWORD; exit 7"]), timeout=10)
        assert isinstance(answer, PodExec) and answer.container == "app"
        written: list[tuple[int, bytes]] = []

        async def write(stream: int, data: bytes) -> None:
            written.append((stream, data))

        outcome = await answer.target.run(answer.options.command, write)
        assert (outcome.exit_code, written) == (7, [(1, f"{SECRET}\n".encode())])
        refused = await cluster.apiserver.ask(request(VIEWER, "get", command=["env"]),
                                              timeout=10)
        assert refused["code"] == 403 and refused["message"] == (
            'pods "web" is forbidden: User "viewer" cannot create resource "pods/exec" in '
            'API group "" in the namespace "default"')
        gone = await cluster.apiserver.ask(
            request(admin, command=["env"], container="app"), timeout=10)
        assert isinstance(gone, PodExec)
        await cluster.delete("v1/Pod", "web", "default")
        await cluster.wait_gone("v1/Pod", "web", "default", timeout=120)
        after = await cluster.apiserver.ask(request(admin, command=["env"]), timeout=10)
        assert after["code"] == 404 and not isinstance(after, ExecUnavailable)
