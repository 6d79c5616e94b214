"""`kactors run`: a ClusterConfig becomes a running cluster for `duration` cluster seconds.

The clock is trio's: virtual (MockClock with autojump: as fast as the CPU allows), real,
or real sped up by `rate`. The run ends with a `cluster.summary` event: pods by phase and
nodes by readiness, the last line of the JSON log; the console format also prints it as
a table.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

import trio
import trio.testing

from kactors.actors import ActorSystem, ChildSpec
from kactors.actors.logging import render_json
from kactors.cluster.config import ClusterConfig
from kactors.cluster.operator import Begin, Operator, Summarize
from kactors.cluster.tree import ClusterTree


def clock_for(config: ClusterConfig) -> Any:
    section = config.cluster
    if section.clock == "virtual":
        return trio.testing.MockClock(autojump_threshold=0)
    if section.rate != 1.0:
        return trio.testing.MockClock(rate=section.rate)
    return None


async def run_cluster(config: ClusterConfig, *, extra_manifests: Sequence[Path] = (),
                      stream: IO[str] | None = None) -> dict[str, Any]:
    section = config.cluster
    log = config.log
    system = ActorSystem(section.name, seed=section.seed, log_format=log.format,
                         log_level=log.level, log_stream=stream or sys.stdout,
                         trace_messages=log.trace_messages, log_only=tuple(log.filters))
    async with system:
        tree = ClusterTree(config)
        system.log.info("cluster.starting", name=section.name, seed=section.seed,
                        clock=section.clock, duration=section.duration,
                        etcd=list(config.etcd.members), nodes=[n.name for n in config.nodes])
        await system.start(tree.spec(system))
        operator = await system.start(ChildSpec("operator", lambda: Operator(tree),
                                                host="operator"))
        await operator.ask(Begin(tuple(extra_manifests)), timeout=600)
        await trio.sleep(max(0.0, section.duration - system.now()))
        summary = await operator.ask(Summarize(), timeout=60)
        summary_ts = round(system.now(), 6)
    return {"ts": summary_ts, **summary}


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
        stream: IO[str] | None = None) -> dict[str, Any]:
    """Run the cluster; the summary comes last (after the shutdown is narrated)."""
    out = stream or sys.stdout
    summary = trio.run(lambda: run_cluster(config, extra_manifests=extra_manifests,
                                           stream=out), clock=clock_for(config))
    if config.log.format == "json":
        out.write(summary_line(summary) + "\n")
    else:
        out.write(summary_table(summary) + "\n")
    return summary
