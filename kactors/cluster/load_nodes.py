"""Reading ``[[nodes]]``: node groups, their labels, taints and pod address ranges.

Beyond each group's own keys, the groups must fit together: distinct names, node names
short enough for a ``kubernetes.io/hostname`` label, and pod CIDRs that do not overlap
(two nodes handing out the same pod IP is the kind of bug a simulator must not invent).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from kactors.api.labels import validate_label_key, validate_label_value
from kactors.api.validation import is_dns1123_label

from .config import (
    DEFAULT_NODE_GROUPS,
    DEFAULT_POD_NETWORK,
    TAINT_EFFECTS,
    NodeGroup,
    Taint,
)
from .reader import Table, choice, describe, integer, ipv4_network, literal, quantity, string

__all__ = ["read_node_groups"]

NODE_KEYS = ("name", "count", "cpu", "memory", "pods", "labels", "taints", "pod_cidr")
#: a node name becomes the value of its kubernetes.io/hostname label
MAX_NODE_NAME = 63
_PER_NODE_PREFIX = 24


def read_node_groups(root: Table, etcd_members: Sequence[str]) -> tuple[NodeGroup, ...]:
    """``[[nodes]]`` of the document ``root`` (the defaults when there is none).

    Nodes and etcd members are hosts of one simulated network, so their names must
    differ; a clash with the default node group is blamed on ``etcd.members``.
    """
    if "nodes" not in root:
        for group in DEFAULT_NODE_GROUPS:
            clash = _clash(group, etcd_members)
            if clash:
                root.problems.add(("etcd", "members"), clash)
        return DEFAULT_NODE_GROUPS
    groups: list[tuple[Table, NodeGroup]] = []
    for table in root.tables("nodes"):
        group = _read_group(table)
        if group is not None:
            groups.append((table, group))
            clash = _clash(group, etcd_members)
            if clash:
                table.error("name", clash)
    _check_names(groups)
    _check_pod_cidrs(groups)
    return tuple(group for _, group in groups)


def _clash(group: NodeGroup, etcd_members: Sequence[str]) -> str:
    members = set(etcd_members)
    name = next((name for name in group.node_names() if name in members), None)
    return "" if name is None else f"node {literal(name)} would have the name of an etcd member"


def _read_group(table: Table) -> NodeGroup | None:
    table.check_keys(NODE_KEYS)
    default = NodeGroup()
    before = len(table.problems.errors)
    name = table.get("name", string(check=is_dns1123_label, what="name"), default.name)
    count = table.get("count", integer(at_least=1), default.count)
    longest = f"{name}-{count}"
    if len(longest) > MAX_NODE_NAME:
        table.error("name" if "name" in table else "count",
                    f"node names must be at most {MAX_NODE_NAME} characters, "
                    f"but \"{longest}\" has {len(longest)}")
    group = NodeGroup(
        name=name,
        count=count,
        cpu=table.get("cpu", quantity(positive=True), default.cpu),
        memory=table.get("memory", quantity(positive=True), default.memory),
        pods=table.get("pods", integer(at_least=1), default.pods),
        labels=_read_labels(table.table("labels")),
        taints=tuple(_read_taints(table)),
        pod_cidr=table.get("pod_cidr", string(check=ipv4_network, what="CIDR"), None),
    )
    if group.pod_cidr is not None and len(table.problems.errors) == before:
        room = _room(ipaddress.IPv4Network(group.pod_cidr))
        if group.count > room:
            table.error("pod_cidr", f"too small for {group.count} nodes (a /24 each): "
                                    f"{group.pod_cidr} has room for {room}")
    return group if len(table.problems.errors) == before else None


def _room(network: ipaddress.IPv4Network) -> int:
    """How many nodes a group's range can serve: one /24 each, or one node any range."""
    if network.prefixlen > _PER_NODE_PREFIX:
        return 1
    return 2 ** (_PER_NODE_PREFIX - network.prefixlen)


def _read_labels(table: Table) -> dict[str, str]:
    labels: dict[str, str] = {}
    for key, value in table.data.items():
        problems = [f"invalid label key {literal(key)}: {problem}"
                    for problem in validate_label_key(key)]
        if not isinstance(value, str):
            problems.append(f"expected a string, got {describe(value)}")
        else:
            problems.extend(f"invalid label value {literal(value)}: {problem}"
                            for problem in validate_label_value(value))
        for problem in problems:
            table.error(key, problem)
        if not problems:
            labels[key] = value
    return labels


def _read_taints(table: Table) -> list[Taint]:
    taints: list[Taint] = []
    for entry in table.tables("taints"):
        entry.check_keys(("key", "value", "effect"))
        key = entry.require("key", string(check=validate_label_key, what="taint key"))
        value = entry.get("value", string(check=validate_label_value, what="taint value"), "")
        effect = entry.require("effect", choice(*TAINT_EFFECTS, what="effect"))
        if key is not None and effect is not None:
            taints.append(Taint(key=key, value=value, effect=effect))  # type: ignore[arg-type]
    return taints


def _check_names(groups: list[tuple[Table, NodeGroup]]) -> None:
    seen: dict[str, int] = {}
    for table, group in groups:
        index = table.path[-1]
        if group.name in seen:
            table.error("name", f"duplicate node group name \"{group.name}\" "
                                f"(also nodes[{seen[group.name]}])")
        else:
            seen[group.name] = index  # type: ignore[assignment]


def _check_pod_cidrs(groups: list[tuple[Table, NodeGroup]]) -> None:
    """Default ranges come from 10.244.0.0/16 by cluster node number; none may overlap."""
    ranges: list[tuple[Table, NodeGroup, int, int]] = []  # first and last address
    first_node = 0
    for table, group in groups:
        if group.pod_cidr is not None:
            network = ipaddress.IPv4Network(group.pod_cidr)
            ranges.append((table, group, int(network.network_address),
                           int(network.broadcast_address)))
        else:
            subnets = 2 ** (_PER_NODE_PREFIX - DEFAULT_POD_NETWORK.prefixlen)
            if first_node + group.count > subnets:
                table.error(None, f"too many nodes for the default pod network "
                                  f"{DEFAULT_POD_NETWORK} (a /24 each, {subnets} in all): "
                                  f"give this group a pod_cidr")
            else:
                start = int(DEFAULT_POD_NETWORK.network_address) + first_node * 256
                ranges.append((table, group, start, start + group.count * 256 - 1))
        first_node += group.count
    for later, (table, _, start, end) in enumerate(ranges):
        for other_table, other, other_start, other_end in ranges[:later]:
            if start <= other_end and other_start <= end:
                key = "pod_cidr" if "pod_cidr" in table else None
                table.error(key, f"pod addresses overlap those of nodes[{other_table.path[-1]}] "
                                 f"(group {literal(other.name)})")
                break
