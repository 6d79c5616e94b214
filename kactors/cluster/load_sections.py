"""Reading the simple sections: ``[cluster]``, ``[etcd]``, ``[apiserver]``, ``[controllers]``,
``[scheduler]`` and ``[log]``.

Each function takes the section's :class:`~kactors.cluster.reader.Table`, reports every
problem through it and returns a record built from the valid values (defaults stand in
for invalid ones; the loader raises before such a record escapes).
"""

from __future__ import annotations

from kactors.actors.logging import LEVELS
from kactors.api.validation import is_dns1123_label, is_dns1123_subdomain

from .config import (
    CONTROLLERS,
    DEFAULT_WORKERS,
    SCHEDULER_PLUGINS,
    ApiServerSection,
    ClusterSection,
    ControllersSection,
    EtcdSection,
    IngressSection,
    LogSection,
    MetricsServerSection,
    SchedulerSection,
    User,
)
from .reader import (
    Invalid,
    Table,
    array,
    boolean,
    choice,
    integer,
    ipv4_address,
    ipv4_network,
    number,
    string,
)

__all__ = [
    "read_apiserver",
    "read_cluster",
    "read_controllers",
    "read_etcd",
    "read_log",
    "read_ingress",
    "read_metrics_server",
    "read_scheduler",
]

DNS_LABEL = string(check=is_dns1123_label, what="name")
NONEMPTY = string(nonempty=True)


def read_cluster(table: Table) -> ClusterSection:
    table.check_keys(("name", "seed", "clock", "rate", "duration", "api_port", "api_address"))
    default = ClusterSection()
    clock = table.get("clock", choice("virtual", "real"), default.clock)
    rate = table.get("rate", number(above=0), default.rate)
    if "rate" in table and clock == "virtual":
        table.error("rate", 'only applies to clock "real" (virtual time has no speed)')
    return ClusterSection(
        name=table.get("name", DNS_LABEL, default.name),
        seed=table.get("seed", integer(), default.seed),
        clock=clock,  # type: ignore[arg-type]
        rate=rate,
        duration=table.get("duration", number(above=0), default.duration),
        api_port=table.get("api_port", integer(at_least=0, at_most=65535), default.api_port),
        api_address=table.get(
            "api_address", string(check=ipv4_address, what="address"), default.api_address
        ),
    )


def read_etcd(table: Table) -> EtcdSection:
    table.check_keys(("members", "count", "tick", "election_ticks", "heartbeat_ticks",
                      "snapshot_entries", "pre_vote", "check_quorum"))
    default = EtcdSection()
    members = table.get("members", _member_names, default.members)
    if "count" in table:
        if "members" in table:
            table.error("count", "give either members or count, not both")
        count = table.get("count", integer(at_least=1), None)
        if count is not None and "members" not in table:
            members = tuple(f"etcd-{number}" for number in range(1, count + 1))
    election = table.get("election_ticks", integer(at_least=1), default.election_ticks)
    heartbeat = table.get("heartbeat_ticks", integer(at_least=1), default.heartbeat_ticks)
    if election <= heartbeat:  # blame the key that was written
        if "election_ticks" in table:
            table.error("election_ticks", f"must be greater than heartbeat_ticks "
                                          f"({heartbeat}), got {election}")
        else:
            table.error("heartbeat_ticks", f"must be less than election_ticks ({election}), "
                                           f"got {heartbeat}")
    return EtcdSection(
        members=members,
        tick=table.get("tick", number(above=0), default.tick),
        election_ticks=election,
        heartbeat_ticks=heartbeat,
        snapshot_entries=table.get("snapshot_entries", integer(at_least=1),
                                   default.snapshot_entries),
        pre_vote=table.get("pre_vote", boolean, default.pre_vote),
        check_quorum=table.get("check_quorum", boolean, default.check_quorum),
    )


def _member_names(value: object) -> tuple[str, ...]:
    names = array(DNS_LABEL, unique="member name")(value)
    if not names:
        raise Invalid("a cluster needs at least one etcd member")
    return names


def read_apiserver(table: Table) -> ApiServerSection:
    table.check_keys(("users", "anonymous", "watch_cache_size", "service_cidr"))
    default = ApiServerSection()
    users: list[User] = []
    token_owners: dict[str, int] = {}
    for index, entry in enumerate(table.tables("users")):
        entry.check_keys(("name", "token", "groups"))
        name = entry.require("name", NONEMPTY)
        token = entry.require("token", string(nonempty=True, secret=True))
        groups = entry.get("groups", array(NONEMPTY, unique="group"), ())
        if token is not None and token in token_owners:
            other = token_owners[token]
            # the message names the other user, never the token
            entry.error("token", f"same token as users[{other}]: tokens must be unique")
        elif token is not None:
            token_owners[token] = index
        if name is not None and token is not None:
            users.append(User(name, token, groups))
    return ApiServerSection(
        users=tuple(users),
        anonymous=table.get("anonymous", boolean, default.anonymous),
        watch_cache_size=table.get("watch_cache_size", integer(at_least=1),
                                   default.watch_cache_size),
        service_cidr=table.get("service_cidr", string(check=ipv4_network, what="CIDR"),
                               default.service_cidr),
    )


def read_controllers(table: Table) -> ControllersSection:
    table.check_keys(("enabled", "workers", "node_monitor_grace_period",
                      "max_endpoints_per_slice"))
    known = choice(*CONTROLLERS, what="controller")
    enabled = table.get("enabled", array(known, unique="controller"), CONTROLLERS)
    workers_table = table.table("workers")
    workers_table.check_keys(CONTROLLERS)
    workers = dict(DEFAULT_WORKERS)
    for name in CONTROLLERS:
        workers[name] = workers_table.get(name, integer(at_least=1), workers[name])
    grace = table.get("node_monitor_grace_period", number(above=0),
                      ControllersSection().node_monitor_grace_period)
    max_per_slice = table.get("max_endpoints_per_slice", integer(at_least=1, at_most=1000),
                              ControllersSection().max_endpoints_per_slice)
    return ControllersSection(enabled=enabled, workers=workers,
                              node_monitor_grace_period=grace,
                              max_endpoints_per_slice=max_per_slice)


def read_scheduler(table: Table) -> SchedulerSection:
    table.check_keys(("weights", "percentage_of_nodes_to_score"))
    weights_table = table.table("weights")
    weights_table.check_keys(tuple(SCHEDULER_PLUGINS))
    weights = {
        plugin: weights_table.get(plugin, integer(at_least=0), weight)
        for plugin, weight in SCHEDULER_PLUGINS.items()
    }
    percentage = table.get("percentage_of_nodes_to_score", integer(at_least=0, at_most=100),
                           SchedulerSection().percentage_of_nodes_to_score)
    return SchedulerSection(weights=weights, percentage_of_nodes_to_score=percentage)


def read_log(table: Table) -> LogSection:
    table.check_keys(("format", "level", "filters", "trace_messages"))
    default = LogSection()
    return LogSection(
        format=table.get("format", choice("console", "json"), default.format),  # type: ignore[arg-type]
        level=table.get("level", choice(*LEVELS), default.level),
        filters=table.get("filters", array(NONEMPTY), default.filters),
        trace_messages=table.get("trace_messages", boolean, default.trace_messages),
    )


def read_metrics_server(table: Table) -> MetricsServerSection:
    table.check_keys(("enabled", "metric_resolution"))
    default = MetricsServerSection()
    return MetricsServerSection(
        enabled=table.get("enabled", boolean, default.enabled),
        # metrics-server refuses less: "metric-resolution should be a time duration at
        # least 10s"
        metric_resolution=table.get("metric_resolution", number(at_least=10),
                                    default.metric_resolution),
    )


def read_ingress(table: Table) -> IngressSection:
    table.check_keys(("enabled", "class_name", "default_class", "address"))
    default = IngressSection()
    return IngressSection(
        enabled=table.get("enabled", boolean, default.enabled),
        class_name=table.get("class_name", string(check=is_dns1123_subdomain,
                                                  what="IngressClass name"),
                             default.class_name),
        default_class=table.get("default_class", boolean, default.default_class),
        address=table.get("address", string(check=ipv4_address, what="address"),
                          default.address),
    )
