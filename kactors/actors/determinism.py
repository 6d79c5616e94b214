"""Reproducible trio scheduling, contained in one module because it uses private API.

trio shuffles each batch of runnable tasks on purpose. Its Hypothesis integration turns
that into a *seeded* shuffle by setting `trio._core._run._ALLOW_DETERMINISTIC_SCHEDULING`
and seeding `trio._core._run._r`; we do the same. trio's minor version is pinned in
pyproject.toml and `tests/actors/test_determinism.py` fails if this stops working.
"""

from __future__ import annotations

import trio


def enable_deterministic_scheduling(seed: int) -> bool:
    """Make trio's run-queue order a function of `seed`. False if trio lacks the hook."""
    run = getattr(getattr(trio, "_core", None), "_run", None)
    if run is None or not hasattr(run, "_ALLOW_DETERMINISTIC_SCHEDULING") or not hasattr(run, "_r"):
        return False
    run._ALLOW_DETERMINISTIC_SCHEDULING = True
    run._r.seed(seed)
    return True
