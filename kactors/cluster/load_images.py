"""Reading ``[images."name"]``: how the simulated container runtime plays each image."""

from __future__ import annotations

from .config import ImageConfig
from .reader import Table, array, boolean, choice, integer, literal, number, quantity, string

__all__ = ["IMAGE_KEYS", "read_images"]

IMAGE_KEYS = (
    "pull_time",
    "start_time",
    "run_time",
    "exit_code",
    "crash_after",
    "memory",
    "memory_ramp",
    "cpu",
    "cpu_per_request",
    "ready_after",
    "readiness",
    "liveness_fails_after",
    "missing",
    "logs",
    "spread",
)

SECONDS = number(at_least=0)


def read_images(table: Table) -> dict[str, ImageConfig]:
    """Image reference -> behaviour, in file order."""
    images: dict[str, ImageConfig] = {}
    for name in table.data:
        problem = _image_name_problem(name)
        if problem:
            table.error(name, f"invalid image name {literal(name)}: {problem}")
        entry = table.table(name)
        image = _read_image(entry)
        if not problem:
            images[name] = image
    return images


def _image_name_problem(name: str) -> str:
    if not name:
        return "must not be empty"
    if any(char.isspace() for char in name):
        return "must not contain whitespace"
    return ""


def _read_image(table: Table) -> ImageConfig:
    table.check_keys(IMAGE_KEYS)
    default = ImageConfig()
    if "run_time" in table and "crash_after" in table:
        table.error("crash_after", "cannot be combined with run_time: a container either "
                                   "exits (run_time) or crashes (crash_after)")
    if "exit_code" in table and "run_time" not in table and "crash_after" not in table:
        table.error("exit_code", "needs run_time or crash_after: without them the container "
                                 "never exits")
    return ImageConfig(
        pull_time=table.get("pull_time", SECONDS, None),
        start_time=table.get("start_time", SECONDS, None),
        run_time=table.get("run_time", SECONDS, None),
        exit_code=table.get("exit_code", integer(at_least=0, at_most=255), None),
        crash_after=table.get("crash_after", SECONDS, None),
        memory=table.get("memory", quantity(), None),
        memory_ramp=table.get("memory_ramp", SECONDS, None),
        cpu=table.get("cpu", quantity(), None),
        cpu_per_request=table.get("cpu_per_request", quantity(), None),
        ready_after=table.get("ready_after", SECONDS, default.ready_after),
        readiness=table.get("readiness", choice("ready", "never", "flapping"),  # type: ignore[arg-type]
                            default.readiness),
        liveness_fails_after=table.get("liveness_fails_after", SECONDS, None),
        missing=table.get("missing", boolean, default.missing),
        logs=table.get("logs", array(string()), default.logs),
        spread=table.get("spread", number(at_least=0, at_most=1), None),
    )
