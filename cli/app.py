"""The typer application behind the `kactors` command."""

from __future__ import annotations

import sys
from pathlib import Path

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
) -> None:
    """Start a whole cluster from CONFIG and narrate what it does."""
    from kactors.cluster import ConfigErrors, load_config, with_overrides
    from kactors.cluster.run import run as run_cluster

    try:
        loaded = load_config(config)
        loaded = with_overrides(loaded, seed=seed, duration=duration, clock=clock,
                                log_format=log_format)
        missing = [str(path) for path in apply if not path.is_file()]
        if missing:
            raise typer.BadParameter(f"file not found: {', '.join(missing)}",
                                     param_hint="--apply")
    except ConfigErrors as errors:
        print(str(errors), file=sys.stderr)
        raise typer.Exit(2) from None
    run_cluster(loaded, extra_manifests=tuple(apply))


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
