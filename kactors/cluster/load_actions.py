"""Reading ``[[actions]]``: scheduled steps, each one ``kubectl`` command or one fault.

An entry does exactly one thing, named by its *verb* key (``scale = "deployment/web"``);
the other keys it accepts depend on the verb, and the message for a stray key lists the
ones that would fit. Host names (``crash_node = "node-2"``) are checked against the nodes
and etcd members the same file declares, so a typo fails now rather than at minute 5.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from kactors.api.errors import KindError
from kactors.api.kinds import DEFAULT_REGISTRY
from kactors.api.validation import is_dns1123_label

from .config import (
    ACTION_VERBS,
    Action,
    ApplyAction,
    ConnectAction,
    CrashNodeAction,
    DeleteAction,
    DrainAction,
    HealAction,
    IsolateNodeAction,
    RequestAction,
    RestartNodeAction,
    ScaleAction,
    SetImageAction,
    UncordonAction,
)
from .reader import Invalid, Table, describe, integer, literal, number, quoted_list, string

__all__ = ["VERB_KEYS", "read_actions"]

#: the keys each verb accepts besides itself
VERB_KEYS: dict[str, tuple[str, ...]] = {
    "apply": ("at", "apply", "namespace"),
    "delete": ("at", "delete", "namespace"),
    "scale": ("at", "scale", "replicas", "namespace"),
    "set_image": ("at", "set_image", "container", "image", "namespace"),
    "crash_node": ("at", "crash_node"),
    "isolate_node": ("at", "isolate_node"),
    "heal": ("at", "heal"),
    "restart_node": ("at", "restart_node"),
    "connect": ("at", "connect", "port", "count", "rate", "duration", "from_node",
                "from_pod"),
    "request": ("at", "request", "count"),
    "drain": ("at", "drain"),
    "uncordon": ("at", "uncordon"),
}

SCALABLE = ("Deployment", "ReplicaSet", "StatefulSet")
WITH_IMAGES = ("Deployment", "DaemonSet", "StatefulSet", "ReplicaSet")

NAMESPACE = string(check=is_dns1123_label, what="namespace")
IMAGE = string(nonempty=True)
CONTAINER = string(check=is_dns1123_label, what="container name")

#: turns a path as written into an existing file, or raises Invalid
FileCheck = Callable[[object], Path]
#: the names actions may target (nodes, then etcd members); None: unknown, accept any
Hosts = Sequence[str] | None
VerbReader = Callable[[Table, Hosts, FileCheck, float], Action | None]


def read_actions(root: Table, hosts: Hosts, file: FileCheck) -> tuple[Action, ...]:
    """``[[actions]]`` sorted by ``at`` (ties keep file order)."""
    actions = [
        action
        for table in root.tables("actions")
        if (action := _read_action(table, hosts, file)) is not None
    ]
    return tuple(sorted(actions, key=lambda action: action.at))


def _read_action(table: Table, hosts: Hosts, file: FileCheck) -> Action | None:
    verbs = [verb for verb in ACTION_VERBS if verb in table]
    if len(verbs) != 1:
        if verbs:
            table.error(None, f"an action does one thing, found {len(verbs)}: "
                              f"{', '.join(verbs)} (give each its own [[actions]])")
        else:
            table.error(None, f"missing what to do (one of: {', '.join(ACTION_VERBS)})")
        table.check_keys(_all_keys())
        return None
    verb = verbs[0]
    article = "an" if verb[0] in "aeiou" else "a"
    table.check_keys(VERB_KEYS[verb], what=f"{article} {verb} action")
    at = table.require("at", number(at_least=0))
    action = _READERS[verb](table, hosts, file, at if at is not None else 0.0)
    return action if at is not None else None


def _all_keys() -> tuple[str, ...]:
    keys: list[str] = []
    for verb_keys in VERB_KEYS.values():
        keys.extend(key for key in verb_keys if key not in keys)
    return tuple(keys)


def _target(kinds: Sequence[str] | None) -> Callable[[object], tuple[str, str]]:
    """``"kind/name"``; with ``kinds``, the kind must resolve to one of them."""

    def convert(value: object) -> tuple[str, str]:
        text = string()(value)
        resource, slash, name = text.partition("/")
        if not slash or not resource or not name or "/" in name:
            raise Invalid(f"invalid target {literal(text)}: expected \"kind/name\", "
                          f"such as \"deployment/nginx\"")
        if kinds is not None:
            try:
                kind = DEFAULT_REGISTRY.resolve(resource).kind
            except KindError:
                kind = ""
            if kind not in kinds:
                expected = ", ".join(k.lower() for k in kinds)
                raise Invalid(f"invalid target {literal(text)}: expected one of these "
                              f"kinds: {expected}")
        return resource, name

    return convert


def _host(hosts: Hosts) -> Callable[[object], str]:
    """A node or etcd member name (any name when the hosts are unknown)."""

    def convert(value: object) -> str:
        name = string(nonempty=True)(value)
        if hosts is not None and name not in hosts:
            raise Invalid(f"unknown node {literal(name)} (expected a node or an etcd member: "
                          f"{quoted_list(hosts)})")
        return name

    return convert


def _apply(table: Table, hosts: Hosts, file: FileCheck, at: float) -> Action | None:
    path = table.get("apply", file, None)
    namespace = table.get("namespace", NAMESPACE, "default")
    return None if path is None else ApplyAction(at, path, namespace)


def _delete(table: Table, hosts: Hosts, file: FileCheck, at: float) -> Action | None:
    target = table.get("delete", _target(None), None)
    namespace = table.get("namespace", NAMESPACE, "default")
    return None if target is None else DeleteAction(at, *target, namespace=namespace)


def _scale(table: Table, hosts: Hosts, file: FileCheck, at: float) -> Action | None:
    target = table.get("scale", _target(SCALABLE), None)
    replicas = table.require("replicas", integer(at_least=0))
    namespace = table.get("namespace", NAMESPACE, "default")
    if target is None or replicas is None:
        return None
    return ScaleAction(at, *target, replicas=replicas, namespace=namespace)


def _set_image(table: Table, hosts: Hosts, file: FileCheck, at: float) -> Action | None:
    target = table.get("set_image", _target(WITH_IMAGES), None)
    container = table.require("container", CONTAINER)
    image = table.require("image", IMAGE)
    namespace = table.get("namespace", NAMESPACE, "default")
    if target is None or container is None or image is None:
        return None
    return SetImageAction(at, *target, container=container, image=image, namespace=namespace)


def _heal(table: Table, hosts: Hosts, file: FileCheck, at: float) -> Action | None:
    def true(value: object) -> bool:
        if value is not True:
            raise Invalid(f"expected true, got {describe(value)}")
        return True

    return HealAction(at) if table.get("heal", true, False) else None


def _on_host(verb: str, record: Callable[[float, str], Action]) -> VerbReader:
    def read(table: Table, hosts: Hosts, file: FileCheck, at: float) -> Action | None:
        name = table.get(verb, _host(hosts), None)
        return None if name is None else record(at, name)

    return read


def _namespaced(what: str, expected: str, example: str) -> Callable[[object], str]:
    """A reader of ``namespace/<something>`` (one slash, both sides non-empty)."""

    def read(value: object) -> str:
        text = string(nonempty=True)(value)
        namespace, slash, rest = text.partition("/")
        if not slash or not namespace or not rest or "/" in rest:
            raise Invalid(f"invalid {what} {literal(text)}: expected {expected}, such as "
                          f"\"{example}\"")
        return text

    return read


#: ``connect``'s Service, ``namespace/name``
_service = _namespaced("service", '"namespace/name"', "default/nginx")
#: ``from_pod``: ``namespace/name``, or ``namespace/label=value`` (the first such pod)
_pod_reference = _namespaced("pod", '"namespace/name" or "namespace/label=value"',
                             "default/app=client")


def _connect(table: Table, hosts: Hosts, file: FileCheck, at: float) -> Action | None:
    target = table.get("connect", _service, None)
    port = table.require("port", integer(at_least=1, at_most=65535))
    count = table.get("count", integer(at_least=1, at_most=100_000), 1)
    rate = table.get("rate", number(above=0, at_most=1000), None)
    duration = table.get("duration", number(above=0, at_most=86_400), None)
    if rate is not None and "count" in table:
        table.error("rate", "give either count (connections at once) or rate (per second, "
                            "for a duration), not both")
    if (rate is None) != (duration is None):
        table.error("rate" if rate is None else "duration",
                    "rate and duration go together (a load generator: rate connections "
                    "per second, for duration seconds)")
    from_node = table.get("from_node", _host(hosts), None)
    from_pod = table.get("from_pod", _pod_reference, None)
    if target is None or port is None:
        return None
    return ConnectAction(at, target, port, count, from_node, from_pod, rate,
                         duration or 0.0)


def _request(table: Table, hosts: Hosts, file: FileCheck, at: float) -> Action | None:
    def url(value: object) -> str:
        text = string(nonempty=True)(value)
        host = text.removeprefix("http://").partition("/")[0]
        if not host:
            raise Invalid(f"invalid request {literal(text)}: expected \"host/path\", such "
                          f"as \"shop.example.com/cart\"")
        return text

    target = table.get("request", url, None)
    count = table.get("count", integer(at_least=1, at_most=100_000), 1)
    return None if target is None else RequestAction(at, target, count)


_READERS: dict[str, VerbReader] = {
    "connect": _connect,
    "request": _request,
    "apply": _apply,
    "delete": _delete,
    "scale": _scale,
    "set_image": _set_image,
    "crash_node": _on_host("crash_node", CrashNodeAction),
    "isolate_node": _on_host("isolate_node", IsolateNodeAction),
    "heal": _heal,
    "restart_node": _on_host("restart_node", RestartNodeAction),
    "drain": _on_host("drain", DrainAction),
    "uncordon": _on_host("uncordon", UncordonAction),
}
