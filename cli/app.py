"""The typer application behind the `kactors` command."""

from __future__ import annotations

import trio
import trio.testing
import typer

from .demo import supervision_demo

app = typer.Typer(help="kactors: a Kubernetes control plane as trio actors, in one process.",
                  no_args_is_help=True, add_completion=False)
demo_app = typer.Typer(help="Small narrated demos of the building blocks.", no_args_is_help=True)
app.add_typer(demo_app, name="demo")


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
