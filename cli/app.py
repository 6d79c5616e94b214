"""The typer application behind the `kactors` command."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import trio
import trio.testing
import typer

from .demo import supervision_demo

app = typer.Typer(help="kactors: a Kubernetes control plane as trio actors, in one process.",
                  no_args_is_help=True, add_completion=False)
demo_app = typer.Typer(help="Small narrated demos of the building blocks.", no_args_is_help=True)
app.add_typer(demo_app, name="demo")


@app.command()
def run(
    config: Path = typer.Argument(..., help="The cluster.toml to run."),
    log_format: str | None = typer.Option(None, "--log-format",
                                          help="console (for people) or json (for tools)."),
    duration: float | None = typer.Option(None, help="Cluster seconds to run."),
    clock: str | None = typer.Option(None, help="virtual (as fast as possible) or real."),
    seed: int | None = typer.Option(None, help="Seed of every random choice."),
    apply: list[Path] = typer.Option([], "--apply", help="More manifests to apply at start."),
    api_port: int | None = typer.Option(
        None, "--api-port", min=0, max=65535,
        help="Serve the Kubernetes API over HTTP on this port (0: any free port)."),
    api_address: str | None = typer.Option(
        None, "--api-address",
        help="Address to serve the API on (default 127.0.0.1). Over plain HTTP, kubectl "
        "sends no token: on loopback its requests are the admin's, elsewhere anonymous "
        "(use --https)."),
    kubeconfig: Path | None = typer.Option(
        None, "--kubeconfig", help="Kubeconfig to merge the cluster's context into "
        "(default: $KUBECONFIG, else ~/.kube/config)."),
    https: bool = typer.Option(False, "--https",
                               help="Serve HTTPS with a self-signed certificate."),
) -> None:
    """Start a whole cluster from CONFIG and narrate what it does.

    With an API port (--api-port or [cluster] api_port), kubectl can talk to it: the
    cluster's context is merged into the kubeconfig and made current, the clock is real
    (timestamps count from the wall time at start) and the cluster runs until Ctrl-C,
    unless the file or options say otherwise."""
    from kactors.cluster import ConfigErrors, load_config, with_overrides
    from kactors.cluster.run import ServeOptions
    from kactors.cluster.run import run as run_cluster

    try:
        loaded = load_config(config)
        loaded = with_overrides(loaded, seed=seed, duration=duration, clock=clock,
                                log_format=log_format)
        loaded = _serving(loaded, config, api_port, api_address, clock, duration)
        missing = [str(path) for path in apply if not path.is_file()]
        if missing:
            raise typer.BadParameter(f"file not found: {', '.join(missing)}",
                                     param_hint="--apply")
    except ConfigErrors as errors:
        print(str(errors), file=sys.stderr)
        raise typer.Exit(2) from None
    try:
        run_cluster(loaded, extra_manifests=tuple(apply),
                    serve=ServeOptions(kubeconfig=kubeconfig, https=https))
    except OSError as error:  # the API port is taken, or the address is not ours
        cluster = loaded.cluster
        print(f"cannot serve the API on {cluster.api_address}:{cluster.api_port}: "
              f"{error.strerror or error}", file=sys.stderr)
        raise typer.Exit(1) from None


def _serving(loaded: Any, path: Path, api_port: int | None, api_address: str | None,
             clock: str | None, duration: float | None) -> Any:
    """Apply --api-port/--api-address; a served cluster runs in real time until stopped,
    unless --clock/--duration (or, when the file itself sets api_port, the file) say
    otherwise."""
    import math
    import tomllib

    import attrs

    from kactors.cluster import ConfigError, ConfigErrors
    from kactors.cluster.reader import ipv4_address

    cluster = loaded.cluster
    changes: dict[str, Any] = {}
    if api_port is not None:
        changes["api_port"] = api_port
    if api_address is not None:
        problems = ipv4_address(api_address)
        if problems:
            raise ConfigErrors([ConfigError("command line", None, "cluster.api_address",
                                            problem) for problem in problems])
        changes["api_address"] = api_address
    if changes.get("api_port", cluster.api_port) is not None:
        # --api-port on the command line means "let me use kubectl on this cluster": it
        # runs in real time until Ctrl-C even if the file (written for a narrated virtual
        # run, like examples/cluster.toml) says otherwise; only --clock/--duration win.
        # A file that sets api_port itself also chose its own clock and duration.
        written = {} if api_port is not None else tomllib.loads(path.read_text()).get(
            "cluster", {})
        if clock is None and "clock" not in written:
            changes["clock"] = "real"
        if duration is None and "duration" not in written:
            changes["duration"] = math.inf
    return attrs.evolve(loaded, cluster=attrs.evolve(cluster, **changes)) if changes else loaded


@app.command("kubeconfig")
def print_kubeconfig(
    config: Path = typer.Argument(..., help="The cluster.toml of the running cluster."),
    kubeconfig: Path | None = typer.Option(
        None, "--kubeconfig", help="The kubeconfig `kactors run` wrote into "
        "(default: $KUBECONFIG, else ~/.kube/config)."),
) -> None:
    """Print the kubeconfig of a cluster `kactors run` is serving (its context alone)."""
    from kactors.apiserver.http import kubeconfig as kc
    from kactors.cluster import ConfigErrors, load_config

    try:
        name = load_config(config).cluster.name
    except ConfigErrors as errors:
        print(str(errors), file=sys.stderr)
        raise typer.Exit(2) from None
    path = kc.kubeconfig_path(kubeconfig)
    try:
        found = kc.extract(kc.read(path), name)
    except (OSError, ValueError) as error:
        print(f"cannot read {path}: {error}", file=sys.stderr)
        raise typer.Exit(1) from None
    if found is None:
        print(f"no context {kc.context_name(name)} in {path}: is `kactors run` serving "
              "the API (--api-port)?", file=sys.stderr)
        raise typer.Exit(1)
    sys.stdout.write(kc.dump(found))


@demo_app.command("supervision")
def demo_supervision(
    seconds: float = typer.Option(30.0, help="Simulated seconds to run."),
    seed: int = typer.Option(1, help="Seed of every random choice."),
    log_format: str = typer.Option("console", help="console or json"),
) -> None:
    """Actors on two simulated hosts: asks across the network, crashes and restarts,
    a partition and its healing, in virtual time."""
    trio.run(supervision_demo, seconds, seed, log_format,
             clock=trio.testing.MockClock(autojump_threshold=0))


def main() -> None:
    app()
