"""cluster.toml's `[images."ref"]` tables -> the node runtime's image catalog."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kactors.cluster.config import ImageConfig
from kactors.node.images import ImageCatalog


def image_tables(images: Mapping[str, ImageConfig]) -> dict[str, dict[str, Any]]:
    """Only what each table changed, in the runtime's vocabulary, so an `nginx` table
    that sets `pull_time` keeps everything else of the built-in nginx behaviour."""
    tables: dict[str, dict[str, Any]] = {}
    for name, image in images.items():
        table: dict[str, Any] = {}
        # a key given is passed on even when it equals a default (`spread = 0` means exact)
        if image.pull_time is not None:
            table["pull_seconds"] = image.pull_time
        if image.start_time is not None:
            table["start_seconds"] = image.start_time
        if image.run_time is not None:
            table["run_seconds"] = image.run_time
            table["exit_code"] = image.exit_code or 0
        if image.crash_after is not None:
            table["crash_after"] = image.crash_after
            table["exit_code"] = image.exit_code if image.exit_code else 1
        if image.memory is not None:
            table["memory"] = str(image.memory)
        if image.memory_ramp is not None:
            table["memory_ramp_seconds"] = image.memory_ramp
        if image.cpu is not None:
            table["cpu"] = str(image.cpu)
        if image.cpu_per_request is not None:
            table["cpu_per_request"] = str(image.cpu_per_request)
        if image.readiness == "never":
            table["readiness"] = "never"
        elif image.readiness == "flapping":
            table["readiness"] = f"flapping {image.ready_after or 20}s"
        elif image.ready_after:
            table["readiness"] = f"after {image.ready_after}s"
        if image.liveness_fails_after is not None:
            table["liveness"] = f"until {image.liveness_fails_after}s"
        if image.missing:
            table["missing"] = True
        if image.logs:
            table["logs"] = list(image.logs)
        if image.spread is not None:
            table["spread"] = image.spread
        tables[name] = table
    return tables


def image_catalog(images: Mapping[str, ImageConfig]) -> ImageCatalog:
    return ImageCatalog.from_config(image_tables(images))
