"""`kactors run`: a ClusterConfig becomes a running cluster for `duration` cluster seconds.

The clock is trio's: virtual (MockClock with autojump: as fast as the CPU allows), real,
or real sped up by `rate`. Cluster time 0 stands for a wall-clock moment, the *epoch* of
every timestamp the components write (:func:`epoch_for`): a fixed one in virtual time, so
that a seed gives the same objects, and the wall time at start with a real clock, so that
kubectl's ages (computed from the local clock) are right. The run ends with a `cluster.summary` event: pods by phase and
nodes by readiness, the last line of the JSON log; the console format also prints it as
a table.
"""

from __future__ import annotations

import datetime
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

import attrs
import trio
import trio.testing

from kactors.actors import ActorSystem, ChildSpec
from kactors.actors.logging import render_json
from kactors.apiserver.http import kubeconfig
from kactors.apiserver.http.server import HttpApi, HttpApiConfig
from kactors.apiserver.http.serving import Endpoint, open_api_listeners
from kactors.apiserver.objects import DEFAULT_EPOCH, set_cluster_epoch, wall_clock_epoch
from kactors.cluster.config import ClusterConfig
from kactors.cluster.gcpolicy import cluster_gc
from kactors.cluster.operator import Begin, Operator, Summarize
from kactors.cluster.tree import ClusterTree


@attrs.frozen
class ServeOptions:
    """How `kactors run` serves the API when `[cluster] api_port` is set."""

    #: the kubeconfig file to merge the cluster's context into (None: $KUBECONFIG, else
    #: ~/.kube/config)
    kubeconfig: Path | None = None
    https: bool = False
    #: False: leave every kubeconfig file alone (tests that read the URL from the log)
    write_kubeconfig: bool = True


def epoch_for(config: ClusterConfig) -> datetime.datetime:
    """What cluster time 0 stands for: :data:`DEFAULT_EPOCH` in virtual time, else now
    (UTC, whole seconds; with a `rate`, cluster time then runs ahead of the wall clock)."""
    if config.cluster.clock == "virtual":
        return DEFAULT_EPOCH
    return wall_clock_epoch()


def clock_for(config: ClusterConfig) -> Any:
    section = config.cluster
    if section.clock == "virtual":
        return trio.testing.MockClock(autojump_threshold=0)
    if section.rate != 1.0:
        return trio.testing.MockClock(rate=section.rate)
    return None


async def run_cluster(config: ClusterConfig, *, extra_manifests: Sequence[Path] = (),
                      stream: IO[str] | None = None,
                      serve: ServeOptions | None = None) -> dict[str, Any]:
    section = config.cluster
    log = config.log
    serve = serve or ServeOptions()
    epoch = epoch_for(config)
    set_cluster_epoch(epoch)  # before any component reads it
    endpoint = None
    if section.api_port is not None:  # before anything starts: a port in use is an OSError
        endpoint = await open_api_listeners(section.api_address, section.api_port,
                                            serve.https)
    system = ActorSystem(section.name, seed=section.seed, log_format=log.format,
                         log_level=log.level, log_stream=stream or sys.stdout,
                         trace_messages=log.trace_messages, log_only=tuple(log.filters))
    try:
        async with system:
            tree = ClusterTree(config)
            system.log.info("cluster.starting", name=section.name, seed=section.seed,
                            clock=section.clock, duration=section.duration,
                            etcd=list(config.etcd.members),
                            nodes=[n.name for n in config.nodes],
                            **({} if epoch == DEFAULT_EPOCH else
                               {"epoch": epoch.strftime("%Y-%m-%dT%H:%M:%SZ")}))
            if endpoint is not None:
                tree.control_plane_extras.append(_http_spec(tree, endpoint))
            await system.start(tree.spec(system))
            if endpoint is not None:
                _announce(system, config, tree, endpoint, serve)
            operator = await system.start(ChildSpec("operator", lambda: Operator(tree),
                                                    host="operator"))
            await operator.ask(Begin(tuple(extra_manifests)), timeout=600)
            await _run_for(system, section.duration, interruptible=endpoint is not None)
            summary = await operator.ask(Summarize(), timeout=60)
            summary_ts = round(system.now(), 6)
    finally:
        if endpoint is not None:
            for listener in endpoint.listeners:
                await listener.aclose()
    return {"ts": summary_ts, **summary}


def _http_spec(tree: ClusterTree, endpoint: Endpoint) -> ChildSpec:
    """The HTTP front, last child of the control plane: it restarts with the apiserver."""
    config = HttpApiConfig(listeners=endpoint.listeners, apiserver=tree.apiserver,
                           token=tree.credentials.admin, address=endpoint.address,
                           credentials_default=tree.credentials.admin
                           if endpoint.admin_without_credentials else None)
    return ChildSpec("http", lambda: HttpApi(config), host="control-plane",
                     mailbox_capacity=1_000_000)


def _announce(system: ActorSystem, config: ClusterConfig, tree: ClusterTree,
              endpoint: Endpoint, serve: ServeOptions) -> None:
    """Log the URL; merge the cluster's context into the kubeconfig (the token is only
    ever written to that file, never logged)."""
    name = kubeconfig.context_name(config.cluster.name)
    if endpoint.ca_pem is None and not endpoint.loopback:
        system.log.warning("http.insecure", address=endpoint.address,
                           message="plain HTTP beyond loopback: kubectl sends no token over "
                           "http://, so its requests are system:anonymous here; use --https")
    if config.cluster.clock == "virtual":
        system.log.warning("http.virtual_clock", message="serving HTTP in virtual time: "
                           "cluster time jumps whenever no request is in flight")
    if not serve.write_kubeconfig:
        system.log.info("http.serving", url=endpoint.url)
        return
    path = kubeconfig.kubeconfig_path(serve.kubeconfig)
    kubeconfig.write(path, kubeconfig.entry(config.cluster.name, endpoint.url,
                                            tree.credentials.admin, endpoint.ca_pem))
    system.log.info("http.serving", url=endpoint.url, kubeconfig=str(path), context=name)


async def _run_for(system: ActorSystem, duration: float, *, interruptible: bool) -> None:
    """Let the cluster run `duration` cluster seconds; a served cluster also stops at
    Ctrl-C or SIGTERM, and still prints its summary."""
    remaining = max(0.0, duration - system.now())
    if not interruptible:
        await trio.sleep(remaining)
        return
    with trio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
        with trio.move_on_after(remaining):
            async for signum in signals:
                system.log.info("cluster.interrupted", signal=signal.Signals(signum).name)
                return


def summary_table(summary: dict[str, Any]) -> str:
    lines = ["", "CLUSTER SUMMARY", "  pods:"]
    lines += [f"    {phase:<10} {count:>5}" for phase, count in summary["pods"].items()]
    lines.append("  nodes:")
    lines += [f"    {state:<10} {count:>5}" for state, count in summary["nodes"].items()]
    if summary.get("deployments"):
        lines.append("  deployments (ready/desired):")
        lines += [f"    {name:<30} {ready:>7}" for name, ready in summary["deployments"].items()]
    return "\n".join(lines)


def summary_line(summary: dict[str, Any]) -> str:
    """The last line of a JSON run: the summary as one more log record."""
    record = {"ts": summary["ts"], "actor": "/", "event": "cluster.summary", "level": "info",
              **{key: value for key, value in summary.items() if key != "ts"}}
    return render_json(record)


def run(config: ClusterConfig, *, extra_manifests: Sequence[Path] = (),
        stream: IO[str] | None = None, serve: ServeOptions | None = None) -> dict[str, Any]:
    """Run the cluster; the summary comes last (after the shutdown is narrated)."""
    out = stream or sys.stdout
    with cluster_gc():
        summary = trio.run(lambda: run_cluster(config, extra_manifests=extra_manifests,
                                               stream=out, serve=serve),
                           clock=clock_for(config))
    if config.log.format == "json":
        out.write(summary_line(summary) + "\n")
    else:
        out.write(summary_table(summary) + "\n")
    return summary
