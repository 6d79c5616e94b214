"""What `kubectl exec` runs in a simulated container, without an event loop: the
interpreter over a container's view (env, files, hostname), exit statuses, the shell's
operators and expansions, the terminal's line discipline, and the environment computed
from what the kubelet read when the container started."""

from __future__ import annotations

import base64
import datetime

import pytest
import trio

from kactors.api.status import StatusError
from kactors.apiserver.podexec import default_container, exec_container, exec_options
from kactors.node.containerenv import container_env, runtime_files
from kactors.node.envconfig import resolve_env
from kactors.node.execsession import run_exec_session
from kactors.node.execshell import (
    ContainerView,
    Output,
    ProgramNotFound,
    Shell,
    Sleep,
    is_interactive_shell,
    not_found_message,
    run_all,
)
from kactors.node.terminal import INTERRUPT, LineDiscipline

SA = "/var/run/secrets/kubernetes.io/serviceaccount"
VIEW = ContainerView(
    "default/web", "app", "web",
    (("PATH", "/usr/bin:/bin"), ("HOSTNAME", "web"), ("SPECIAL_LEVEL_KEY", "very"),
     ("GREETING", "hello world")),
    {"/etc/config/game.properties": "enemies=aliens\nlives=3\n",
     f"{SA}/ca.crt": "CA", f"{SA}/namespace": "default", f"{SA}/token": "t0k",
     "/etc/hostname": "web\n"})
T0 = datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.UTC)


def run(*command: str, stdin: str = "") -> tuple[str, str, int]:
    steps, status = run_all(Shell(VIEW, lambda: T0).exec(list(command), stdin))
    out = "".join(s.text for s in steps if isinstance(s, Output) and s.stream == 1)
    err = "".join(s.text for s in steps if isinstance(s, Output) and s.stream == 2)
    return out, err, status


def test_what_a_learner_types() -> None:
    assert run("env") == ("PATH=/usr/bin:/bin\nHOSTNAME=web\nSPECIAL_LEVEL_KEY=very\n"
                          "GREETING=hello world\n", "", 0)
    assert run("printenv", "SPECIAL_LEVEL_KEY") == ("very\n", "", 0)
    assert run("printenv", "NOPE") == ("", "", 1)
    assert run("cat", "/etc/config/game.properties") == ("enemies=aliens\nlives=3\n", "", 0)
    assert run("ls", SA) == ("ca.crt\nnamespace\ntoken\n", "", 0)
    assert run("ls", "/etc") == ("config\nhostname\n", "", 0)
    assert "etc\n" in run("ls", "/")[0] and "var\n" in run("ls", "/")[0]
    assert run("hostname") == ("web\n", "", 0)
    assert run("sh", "-c", "echo $HOSTNAME; exit 3") == ("web\n", "", 3)
    assert run("date") == ("Fri Jan  2 03:04:05 UTC 2026\n", "", 0)
    assert run("true")[2] == 0 and run("false")[2] == 1


def test_errors_as_the_tools_print_them() -> None:
    assert run("cat", "/nope") == ("", "cat: /nope: No such file or directory\n", 1)
    assert run("cat", "/etc") == ("", "cat: /etc: Is a directory\n", 1)
    assert run("ls", "/nope") == ("", "ls: cannot access '/nope': No such file or "
                                      "directory\n", 2)
    assert run("sh", "-c", "bash2 --version") == ("", "sh: bash2: not found\n", 127)
    with pytest.raises(ProgramNotFound) as missing:
        Shell(VIEW).exec(["bash2"])
    assert missing.value.program == "bash2"
    assert not_found_message("bash2", "ab12") == (
        'error executing command in container: failed to exec in container: failed to '
        'start exec "ab12": OCI runtime exec failed: exec failed: unable to start container'
        ' process: exec: "bash2": executable file not found in $PATH: unknown')


def test_the_shell_operators_quotes_and_expansions() -> None:
    assert run("sh", "-c", "false && echo no; false || echo yes $?; echo \"$?\"") == \
        ("yes 1\n0\n", "", 0)
    assert run("sh", "-c", "A='a  b'; echo $A \"$A\" '$A' ${A}") == \
        ("a b a  b $A a b\n", "", 0)
    assert run("sh", "-c", "echo 'x;y' # a comment; exit 9") == ("x;y\n", "", 0)
    assert run("sh", "-c", "env | grep -i special | wc -l") == ("1\n", "", 0)
    assert run("sh", "-c", "cat /etc/config/game.properties | head -n 1") == \
        ("enemies=aliens\n", "", 0)
    assert run("sh", "-c", "X=1 printenv X; printenv X") == ("1\n", "", 1)
    assert run("sh", "-c", "export Y=2; sh -c 'echo $Y; exit 4'; echo $?") == \
        ("2\n4\n", "", 0)
    assert run("sh", "-c", "cd /etc/config && ls && pwd") == \
        ("game.properties\n/etc/config\n", "", 0)
    assert run("cat", stdin="piped\n") == ("piped\n", "", 0)
    assert run("sh", "-c", "echo e >&2; cat /nope 2>/dev/null; ls /nope 2>&1") == \
        ("ls: cannot access '/nope': No such file or directory\n", "e\n", 2)
    assert run("sh", stdin="echo from stdin\nexit 6\necho never\n") == \
        ("from stdin\n", "", 6)


def test_sleeps_are_steps_so_the_caller_plays_them_on_the_cluster_clock() -> None:
    now = [T0]
    shell = Shell(VIEW, lambda: now[0])
    steps = shell.exec(["sh", "-c", "date; sleep 1m; date; sleep infinity"])
    assert next(steps) == Output(1, "Fri Jan  2 03:04:05 UTC 2026\n")
    assert next(steps) == Sleep(60.0)
    now[0] = T0 + datetime.timedelta(seconds=60)
    assert next(steps) == Output(1, "Fri Jan  2 03:05:05 UTC 2026\n")
    assert next(steps) == Sleep(None)


def test_an_interactive_shell_keeps_its_state_between_lines() -> None:
    assert is_interactive_shell(["sh"]) and is_interactive_shell(["/bin/bash", "-i"])
    assert not is_interactive_shell(["sh", "-c", "ls"]) and not is_interactive_shell(["ls"])
    shell = Shell(VIEW)
    assert run_all(shell.run_line("Z=5; cd /etc"))[1] == 0
    steps, status = run_all(shell.run_line("echo $Z; pwd; false"))
    assert ([s.text for s in steps], status) == (["5\n", "/etc\n"], 1)
    assert shell.exited is None
    assert run_all(shell.run_line("exit"))[1] == 1 and shell.exited == 1  # exit: last $?


def test_the_terminal_echoes_and_ends_lines_at_enter_with_a_tty() -> None:
    tty = LineDiscipline(tty=True)
    assert tty.feed(b"ecx\x7fho hi\r") == (["echo hi"], b"ecx\b \bho hi\r\n")
    assert tty.feed(b"sleep 9\x03") == ([INTERRUPT], b"sleep 9^C\r\n")
    assert tty.output("a\nb\n") == b"a\r\nb\r\n"
    assert tty.feed(b"\x04") == ([], b"") and tty.eof
    pipe = LineDiscipline(tty=False)
    assert pipe.feed(b"one\ntw") == (["one"], b"")
    assert pipe.close() == ["tw"] and pipe.output("a\n") == b"a\n"


def test_the_environment_is_what_the_kubelet_read_at_the_start() -> None:
    objects = {("ConfigMap", "default", "game"): {"data": {"LEVEL": "very", "MODE": "x"}},
               ("Secret", "default", "creds"): {
                   "data": {"password": base64.b64encode(b"s3cret").decode()}}}
    pod = {"metadata": {"name": "web", "namespace": "default", "uid": "u1",
                        "labels": {"app": "web"}},
           "spec": {"nodeName": "node-1", "hostname": "", "containers": []},
           "status": {"podIP": "10.244.0.7", "hostIP": "10.0.0.10"}}
    container = {"name": "app",
                 "envFrom": [{"configMapRef": {"name": "game"}, "prefix": "G_"}],
                 "env": [{"name": "SPECIAL_LEVEL_KEY",
                          "valueFrom": {"configMapKeyRef": {"name": "game", "key": "LEVEL"}}},
                         {"name": "PASSWORD",
                          "valueFrom": {"secretKeyRef": {"name": "creds", "key": "password"}}},
                         {"name": "POD_IP", "valueFrom": {"fieldRef": {"fieldPath":
                                                                       "status.podIP"}}},
                         {"name": "APP", "valueFrom": {"fieldRef": {
                             "fieldPath": "metadata.labels['app']"}}},
                         {"name": "MEM", "valueFrom": {"resourceFieldRef": {
                             "resource": "limits.memory", "divisor": "1Mi"}}},
                         {"name": "GREETING", "value": "$(SPECIAL_LEVEL_KEY) $(NOPE) $$(X)"}],
                 "resources": {"limits": {"memory": "64Mi"}}}
    started = resolve_env(container, "default", lambda k, ns, n: objects.get((k, ns, n)))
    assert started.error is None and started.names[0] == "G_LEVEL"
    # the ConfigMap changes after the start: the container keeps what it got
    objects[("ConfigMap", "default", "game")] = {"data": {"LEVEL": "changed"}}
    env = dict(container_env(pod, container, started.sources))
    assert env == {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                   "HOSTNAME": "web", "G_LEVEL": "very", "G_MODE": "x",
                   "SPECIAL_LEVEL_KEY": "very", "PASSWORD": "s3cret", "POD_IP": "10.244.0.7",
                   "APP": "web", "MEM": "64", "GREETING": "very $(NOPE) $(X)",
                   "HOME": "/root"}
    # the kubernetes Service's variables, as every container has them (in-cluster
    # clients read KUBERNETES_SERVICE_HOST/PORT); usable in $(VAR) references
    container["env"].append({"name": "API", "value": "$(KUBERNETES_SERVICE_HOST)"})
    with_service = container_env(pod, container, started.sources,
                                 kubernetes_service_ip="10.96.0.1")
    assert [k for k, _ in with_service][-10:] == [
        "API", "KUBERNETES_SERVICE_HOST", "KUBERNETES_SERVICE_PORT",
        "KUBERNETES_SERVICE_PORT_HTTPS", "KUBERNETES_PORT", "KUBERNETES_PORT_443_TCP",
        "KUBERNETES_PORT_443_TCP_PROTO", "KUBERNETES_PORT_443_TCP_PORT",
        "KUBERNETES_PORT_443_TCP_ADDR", "HOME"]
    assert dict(with_service)["API"] == "10.96.0.1"
    assert dict(with_service)["KUBERNETES_PORT"] == "tcp://10.96.0.1:443"
    files = runtime_files(pod, "10.244.0.7")
    assert files["/etc/hostname"] == "web\n"
    assert files["/etc/hosts"].endswith("10.244.0.7\tweb\n")


def test_which_container_an_exec_goes_to() -> None:
    pod = {"metadata": {"name": "web", "annotations": {
        "kubectl.kubernetes.io/default-container": "side"}},
           "spec": {"nodeName": "n", "containers": [{"name": "app"}, {"name": "side"}],
                    "initContainers": [{"name": "init"}]}}
    assert default_container(pod) == "side"
    assert exec_container(pod, "app") == "app" and exec_container(pod, "init") == "init"
    for container, message in [
            (None, "a container name must be specified for pod web, choose one of: "
                   "[app side] or one of the init containers: [init]"),
            ("x", "container x is not valid for pod web")]:
        with pytest.raises(StatusError) as refused:
            exec_container(pod, container)
        assert refused.value.status["message"] == message
    pending = {"metadata": {"name": "p"}, "spec": {"containers": [{"name": "c"}]}}
    with pytest.raises(StatusError, match="pod p does not have a host assigned"):
        exec_container(pending, None)
    options = exec_options({"command": ["sh", "-c", "ls"], "stdout": "true", "tty": "1"})
    assert (options.command, options.stdout, options.stderr, options.tty) == (
        ("sh", "-c", "ls"), True, False, True)
    with pytest.raises(StatusError, match="you must specify at least 1 command"):
        exec_options({"stdout": "true"})
    with pytest.raises(StatusError, match="at least one of stdin, stdout, stderr"):
        exec_options({"command": "ls"})


async def test_an_interactive_session_in_virtual_time(autojump_clock) -> None:
    """`kubectl exec -it web -- sh`: echo, prompts, a sleep on the cluster clock, Ctrl-C
    stopping `sleep infinity` (status 130), then `exit`."""
    written: list[bytes] = []

    async def write(stream: int, data: bytes) -> None:
        assert stream == 1  # a tty has one output
        written.append(data)

    send, receive = trio.open_memory_channel[bytes](10)

    async def type_keys() -> None:
        for keys, wait in ((b"sleep 5; echo $HOSTNAME\r", 10), (b"sleep infinity\r", 60),
                           (b"\x03", 1), (b"echo $?\r", 1), (b"exit 2\r", 1)):
            await send.send(keys)
            await trio.sleep(wait)

    async with trio.open_nursery() as nursery:
        nursery.start_soon(type_keys)
        start = trio.current_time()
        outcome = await run_exec_session(VIEW, ["sh"], write, stdin=receive, tty=True)
        assert trio.current_time() - start >= 72
    assert outcome.exit_code == 2
    assert b"".join(written).decode() == (
        "/ # sleep 5; echo $HOSTNAME\r\nweb\r\n/ # sleep infinity\r\n^C\r\n/ # "
        "echo $?\r\n130\r\n/ # exit 2\r\n")
    # a program the image does not have: the runtime's error, no exit code
    missing = await run_exec_session(VIEW, ["bash2"], write, exec_id="e1")
    assert missing.exit_code is None and '"e1"' in (missing.error or "")
