"""How each simulated container image behaves: pull time, start, run, exit, probes, logs.

No real image is ever pulled or run: a node's container runtime asks the
:class:`ImageCatalog` how an image *would* behave and plays that out in cluster time.
``cluster.toml`` holds one table per image; each table only overrides the keys it names,
on top of the built-in behaviour of that image (or the generic one)::

    [images.nginx]
    pull_seconds = "2s"
    readiness = "after 3s"

    [images."myorg/api:v2"]
    crash_after = "20s"        # exits 1 after 20 s: a crash loop
    memory = "300Mi"           # with a 256Mi limit: OOMKilled
    cpu = "250m"               # what `kubectl top` shows (capped at the CPU limit)
    logs = ["listening on :8080", "every 5s: GET /healthz 200"]

Behaviours are frozen attrs classes, shared freely. Every random spread is applied by
the runtime through its injected ``random.Random`` (:meth:`ImageBehavior.jitter`), never
here, so the same seed gives the same timings.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Iterable, Mapping
from typing import Any, Literal

import attrs

from kactors.api.errors import QuantityError
from kactors.api.quantity import parse_quantity

from .imageref import parse_image_ref

__all__ = [
    "DEFAULT_IMAGES",
    "GENERIC_IMAGE",
    "FileSpec",
    "Health",
    "ImageBehavior",
    "ImageCatalog",
    "ImageConfigError",
    "LogSpec",
    "parse_duration",
    "parse_image_behavior",
]

_MI = 1024 * 1024


class ImageConfigError(ValueError):
    """An image table in the cluster configuration is wrong; the message names the key."""


# -- durations -------------------------------------------------------------------------

_DURATION_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ms|s|m|h)")
_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}


def parse_duration(value: Any) -> float:
    """Seconds from a number (``2.5``) or a Go-style duration (``"500ms"``, ``"1m30s"``).

    Raises :class:`ValueError` for anything else, negative or infinite values included.
    """
    if isinstance(value, bool):
        raise ValueError(f"expected a duration, got {value!r}")
    if isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str):
        text = value.strip()
        try:
            seconds = float(text)
        except ValueError:
            parts = _DURATION_PART.findall(text)
            if not text or "".join(number + unit for number, unit in parts) != text:
                raise ValueError(f"expected a duration such as 10s, 2m or 500ms, got {value!r}") from None
            seconds = sum(float(number) * _UNITS[unit] for number, unit in parts)
    else:
        raise ValueError(f"expected a duration, got {value!r}")
    if not (math.isfinite(seconds) and seconds >= 0):
        raise ValueError(f"expected a non-negative finite duration, got {value!r}")
    return seconds


# -- health (what a probe would find) ----------------------------------------------------

HealthMode = Literal["always", "never", "after", "until", "flapping"]


@attrs.frozen
class Health:
    """Whether the container's health endpoint answers, as a function of its age.

    ``always``; ``never``; ``after N`` (healthy from N s after start: a slow starter);
    ``until N`` (healthy, then broken from N s: a liveness failure); ``flapping N``
    (healthy for N s, unhealthy for N s, and so on).
    """

    mode: HealthMode = "always"
    seconds: float = 0.0

    def healthy(self, age: float) -> bool:
        """The probe result ``age`` seconds after the container started."""
        if self.mode == "always":
            return True
        if self.mode == "never":
            return False
        if self.mode == "after":
            return age >= self.seconds
        if self.mode == "until":
            return age < self.seconds
        period = self.seconds if self.seconds > 0 else 30.0
        return int(age // period) % 2 == 0

    def describe(self) -> str:
        if self.mode in ("always", "never"):
            return self.mode
        return f"{self.mode} {self.seconds:g}s"


_HEALTH_RE = re.compile(r"^\s*(always|never|after|until|flapping)\b\s*(.*?)\s*$")


def _parse_health(value: Any) -> Health:
    if value is True:
        return Health("always")
    if value is False:
        return Health("never")
    if isinstance(value, int | float):
        return Health("after", parse_duration(value))
    if isinstance(value, str):
        match = _HEALTH_RE.match(value)
        if match is None:
            try:
                return Health("after", parse_duration(value))
            except ValueError:
                pass
        else:
            mode, rest = match.group(1), match.group(2)
            if mode in ("always", "never"):
                if not rest:
                    return Health(mode)  # type: ignore[arg-type]
            elif mode == "flapping" and not rest:
                return Health("flapping", 30.0)
            elif rest:
                return Health(mode, parse_duration(rest))  # type: ignore[arg-type]
    raise ValueError(
        'expected "always", "never", "after 5s", "until 60s", "flapping 20s" or a number '
        f"of seconds, got {value!r}"
    )


# -- logs and files ----------------------------------------------------------------------


@attrs.frozen
class LogSpec:
    """One line of stdout: printed once ``at`` seconds after start, or ``every`` N seconds.

    A periodic line is printed at ``at + every``, ``at + 2*every``...; ``{n}`` in its text
    is replaced by the line's count from 0 (``"{n}: tick"``).
    """

    text: str
    at: float = 0.0
    every: float | None = None


_LOG_RE = re.compile(r"^\s*(every|at)\s+([0-9.]+(?:ms|s|m|h)?(?:[0-9.]+(?:ms|s|m|h))*)\s*:\s?(.*)$")


def _unquote(text: str) -> str:
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    return text


def _parse_log(value: Any) -> LogSpec:
    if isinstance(value, Mapping):
        unknown = sorted(set(value) - {"text", "at", "every"})
        if unknown or not isinstance(value.get("text"), str):
            raise ValueError(f"a log table needs text (and optionally at, every), got {dict(value)!r}")
        every = value.get("every")
        return LogSpec(
            value["text"],
            parse_duration(value.get("at", 0)),
            None if every is None else parse_duration(every),
        )
    if not isinstance(value, str):
        raise ValueError(f"expected a log line, got {value!r}")
    match = _LOG_RE.match(value)
    if match is None:
        return LogSpec(value)
    kind, when, text = match.groups()
    seconds = parse_duration(when)
    if kind == "every":
        if seconds <= 0:
            raise ValueError(f"a periodic log line needs a positive period, got {value!r}")
        return LogSpec(_unquote(text.strip()), 0.0, seconds)
    return LogSpec(_unquote(text.strip()), seconds)


@attrs.frozen
class FileSpec:
    """A file the container's script creates (``touch``) and maybe removes (``rm``).

    Exec probes such as ``cat /tmp/healthy`` look at these (the liveness example of the
    Kubernetes documentation).
    """

    path: str
    created: float
    removed: float | None = None

    def exists(self, age: float) -> bool:
        return age >= self.created and (self.removed is None or age < self.removed)


# -- behaviour ---------------------------------------------------------------------------


def _non_negative(_instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None and not (value >= 0 and math.isfinite(value)):
        raise ValueError(f"{attribute.name} must be a non-negative finite number, not {value!r}")


@attrs.frozen
class ImageBehavior:
    """Everything the simulated runtime needs to know about one image.

    Times are in seconds of cluster time and get a relative random ``spread``
    (``0.1`` = ±10 %) when the runtime plays them out.
    """

    #: time to download the image when it is not on the node yet
    pull_seconds: float = attrs.field(default=2.0, validator=_non_negative)
    #: reported in the ``Pulled`` event (``Image size: N bytes.``)
    size_bytes: int = attrs.field(default=50_000_000, validator=_non_negative)
    #: the registry does not have it: ErrImagePull, then ImagePullBackOff
    missing: bool = False
    #: from "create container" to "running" (half to create, half to start)
    start_seconds: float = attrs.field(default=0.5, validator=_non_negative)
    #: how long the main process runs; ``None`` = until stopped
    run_seconds: float | None = attrs.field(default=None, validator=_non_negative)
    #: exit code when it stops by itself after ``run_seconds``
    exit_code: int = 0
    #: memory the process settles at; beyond the container's limit it is OOMKilled
    memory_bytes: int = attrs.field(default=16 * _MI, validator=_non_negative)
    #: time to grow from nothing to ``memory_bytes`` (linearly)
    memory_ramp_seconds: float = attrs.field(default=5.0, validator=_non_negative)
    #: CPU the running process uses, in nanocores (``cpu = "5m"``: 5,000,000); what the
    #: kubelet's summary reports, capped at the container's CPU limit
    cpu_nanocores: int = attrs.field(default=2_000_000, validator=_non_negative)
    #: CPU each connection kube-proxy balances onto the pod costs it, in nanoseconds of
    #: one core (``cpu_per_request = "20m"``: 20 ms); on top of ``cpu_nanocores``
    cpu_per_request: int = attrs.field(default=0, validator=_non_negative)
    #: what a readiness (and startup) probe finds
    readiness: Health = Health()
    #: what a liveness probe finds
    liveness: Health = Health()
    #: time to exit after SIGTERM; ``None`` = ignores it (PID 1 without a handler)
    stop_seconds: float | None = attrs.field(default=0.2, validator=_non_negative)
    #: exit code after a SIGTERM it handled
    stop_exit_code: int = 0
    #: stdout lines
    logs: tuple[LogSpec, ...] = ()
    #: relative random jitter applied to every duration above
    spread: float = attrs.field(default=0.1, validator=_non_negative)
    #: whether ``command``/``args`` are run as a script (busybox, alpine, perl...)
    shell: bool = False
    #: at least one of these env vars must be set, or the process exits 1 at once
    requires_env: tuple[str, ...] = ()
    #: what it prints when ``requires_env`` is not satisfied
    env_error: tuple[str, ...] = ()
    #: files its script creates and removes (see :class:`FileSpec`)
    files: tuple[FileSpec, ...] = ()

    def memory_at(self, age: float) -> int:
        """The memory (bytes) the process holds ``age`` seconds after it started: a linear
        ramp from nothing to ``memory_bytes`` over ``memory_ramp_seconds``, then flat.

        The one memory model: the kubelet's usage summary reads it, and the OOM kill is
        planned where it crosses the limit (:meth:`seconds_to_reach`)."""
        if age <= 0:
            return 0
        ramp = self.memory_ramp_seconds
        if ramp <= 0 or age >= ramp:
            return self.memory_bytes
        return int(self.memory_bytes * age / ramp)

    def seconds_to_reach(self, size: int) -> float | None:
        """When :meth:`memory_at` first exceeds ``size`` bytes (before jitter), or None if
        the process never grows beyond it (what the runtime plans an OOM kill with)."""
        if self.memory_bytes <= size:
            return None
        return self.memory_ramp_seconds * size / self.memory_bytes

    def jitter(self, seconds: float, rng: Any) -> float:
        """``seconds`` with this image's relative ``spread``, drawn from ``rng``."""
        if seconds <= 0 or self.spread <= 0:
            return seconds
        return max(0.0, seconds * (1.0 + rng.uniform(-self.spread, self.spread)))


_FIELDS = {field.name for field in attrs.fields(ImageBehavior)}
_DURATIONS = ("pull_seconds", "start_seconds", "memory_ramp_seconds", "spread")
_OPTIONAL_DURATIONS = ("run_seconds", "stop_seconds")
_INTS = ("exit_code", "stop_exit_code")
_BOOLS = ("missing", "shell")
#: Keys an image table may hold: the attribute names (but ``files``) and four aliases.
ALLOWED_KEYS = tuple(sorted((_FIELDS - {"files"}) | {"crash_after", "cpu", "memory", "size"}))


def _bytes(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError(f"expected a size in bytes, got {value!r}")
    if isinstance(value, int):
        if value < 0:
            raise ValueError(f"expected a non-negative size, got {value!r}")
        return value
    if isinstance(value, str | float):
        try:
            quantity = parse_quantity(value)
        except (QuantityError, TypeError):
            raise ValueError(f"expected a size such as 64Mi or 1G, got {value!r}") from None
        if quantity.sign() < 0:
            raise ValueError(f"expected a non-negative size, got {value!r}")
        return quantity.value()
    raise ValueError(f"expected a size such as 64Mi or 1G, got {value!r}")


def _nanocores(value: Any) -> int:
    """CPU as a quantity (``"5m"``, ``0.5``, ``"250000n"``) -> nanocores."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"expected a CPU quantity such as 5m or 0.5, got {value!r}")
    try:
        quantity = parse_quantity(value)
    except (QuantityError, TypeError):
        raise ValueError(f"expected a CPU quantity such as 5m or 0.5, got {value!r}") from None
    if quantity.sign() < 0:
        raise ValueError(f"expected a non-negative CPU quantity, got {value!r}")
    return quantity.nanos


def _strings(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list | tuple) and all(isinstance(item, str) for item in value):
        return tuple(value)
    raise ValueError(f"expected a string or a list of strings, got {value!r}")


def parse_image_behavior(
    table: Mapping[str, Any], base: ImageBehavior | None = None, *, name: str = "image"
) -> ImageBehavior:
    """An :class:`ImageBehavior` from a plain dict (a ``cluster.toml`` table).

    Keys not given keep ``base``'s value (the generic behaviour by default). Besides the
    attribute names, ``memory`` and ``size`` accept quantities (``"64Mi"``), ``cpu`` a CPU
    quantity (``"5m"``), ``cpu_per_request`` the CPU time a connection costs (``"20m"``:
    20 ms of one core), and
    ``crash_after = N`` means "runs N s, then exits 1" (a crash loop under
    ``restartPolicy: Always``). Errors are :class:`ImageConfigError` naming the key::

        image "nginx": pull_seconds: expected a duration such as 10s, 2m or 500ms, got 'soon'
    """
    if not isinstance(table, Mapping):
        raise ImageConfigError(f"image {name!r}: expected a table of settings, got {table!r}")
    changes: dict[str, Any] = {}
    for key in sorted(table):
        value = table[key]
        try:
            if key in _DURATIONS:
                changes[key] = parse_duration(value)
            elif key in _OPTIONAL_DURATIONS:
                changes[key] = None if value in (None, "never", "forever") else parse_duration(value)
            elif key in _INTS:
                if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 255:
                    raise ValueError(f"expected an exit code from 0 to 255, got {value!r}")
                changes[key] = value
            elif key in _BOOLS:
                if not isinstance(value, bool):
                    raise ValueError(f"expected true or false, got {value!r}")
                changes[key] = value
            elif key in ("memory", "memory_bytes"):
                changes["memory_bytes"] = _bytes(value)
            elif key == "cpu":
                changes["cpu_nanocores"] = _nanocores(value)
            elif key == "cpu_per_request":
                changes["cpu_per_request"] = _nanocores(value)
            elif key == "cpu_nanocores":
                if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                    raise ValueError(f"expected a non-negative number of nanocores, got {value!r}")
                changes[key] = value
            elif key in ("size", "size_bytes"):
                changes["size_bytes"] = _bytes(value)
            elif key in ("readiness", "liveness"):
                changes[key] = _parse_health(value)
            elif key == "logs":
                items = [value] if isinstance(value, str | Mapping) else value
                if not isinstance(items, list | tuple):
                    raise ValueError(f"expected a list of log lines, got {value!r}")
                changes["logs"] = tuple(_parse_log(item) for item in items)
            elif key in ("requires_env", "env_error"):
                changes[key] = _strings(value)
            elif key == "crash_after":
                changes["run_seconds"] = parse_duration(value)
                changes.setdefault("exit_code", 1)
            else:
                raise ValueError(f"unknown key (expected one of: {', '.join(ALLOWED_KEYS)})")
        except ValueError as error:
            raise ImageConfigError(f"image {name!r}: {key}: {error}") from None
    if "crash_after" in table and changes.get("exit_code") == 0:
        raise ImageConfigError(f"image {name!r}: crash_after: a crash needs a non-zero exit_code")
    try:
        return attrs.evolve(base or GENERIC_IMAGE, **changes)
    except ValueError as error:  # pragma: no cover - parsing checks the same bounds
        raise ImageConfigError(f"image {name!r}: {error}") from None


# -- the catalog -------------------------------------------------------------------------

#: What an image nobody described does: pulls in ~2 s, runs until stopped, always healthy.
GENERIC_IMAGE = ImageBehavior()

_NGINX_LOGS = (
    "/docker-entrypoint.sh: /docker-entrypoint.d/ is not empty, will attempt to perform configuration",
    "/docker-entrypoint.sh: Looking for shell scripts in /docker-entrypoint.d/",
    "/docker-entrypoint.sh: Launching /docker-entrypoint.d/10-listen-on-ipv6-by-default.sh",
    "10-listen-on-ipv6-by-default.sh: info: Getting the checksum of /etc/nginx/conf.d/default.conf",
    "10-listen-on-ipv6-by-default.sh: info: Enabled listen on IPv6 in /etc/nginx/conf.d/default.conf",
    "/docker-entrypoint.sh: Configuration complete; ready for start up",
)

#: Built-in behaviours of common images, keyed like catalog entries (see :class:`ImageCatalog`).
DEFAULT_IMAGES: Mapping[str, ImageBehavior] = {
    "nginx": ImageBehavior(
        pull_seconds=2.0, size_bytes=72_099_501, start_seconds=0.3, memory_bytes=8 * _MI,
        cpu_nanocores=1_000_000,
        stop_seconds=0.1, logs=tuple(LogSpec(line) for line in _NGINX_LOGS),
    ),
    "httpd": ImageBehavior(
        pull_seconds=1.8, size_bytes=58_148_614, start_seconds=0.3, memory_bytes=12 * _MI,
        cpu_nanocores=2_000_000,
        stop_seconds=0.2, logs=(
            LogSpec("[mpm_event:notice] [pid 1:tid 1] AH00489: Apache/2.4.62 (Unix) "
                    "configured -- resuming normal operations"),
            LogSpec("[core:notice] [pid 1:tid 1] AH00094: Command line: 'httpd -D FOREGROUND'"),
        ),
    ),
    "redis": ImageBehavior(
        pull_seconds=1.6, size_bytes=45_120_003, start_seconds=0.3, memory_bytes=6 * _MI,
        cpu_nanocores=3_000_000,
        stop_seconds=0.3, logs=(
            LogSpec("1:C * oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo"),
            LogSpec("1:M * Server initialized"),
            LogSpec("1:M * Ready to accept connections tcp"),
        ),
    ),
    "busybox": ImageBehavior(
        pull_seconds=1.0, size_bytes=2_166_802, start_seconds=0.3, run_seconds=1.0,
        memory_bytes=1 * _MI, cpu_nanocores=1_000_000, stop_seconds=None, shell=True,
    ),
    "alpine": ImageBehavior(
        pull_seconds=1.0, size_bytes=3_653_068, start_seconds=0.3, run_seconds=1.0,
        memory_bytes=1 * _MI, cpu_nanocores=1_000_000, stop_seconds=None, shell=True,
    ),
    "ubuntu": ImageBehavior(
        pull_seconds=3.0, size_bytes=29_754_290, start_seconds=0.3, run_seconds=1.0,
        memory_bytes=2 * _MI, cpu_nanocores=1_000_000, stop_seconds=None, shell=True,
    ),
    "perl": ImageBehavior(
        pull_seconds=9.0, size_bytes=334_593_201, start_seconds=0.4, run_seconds=1.0,
        memory_bytes=24 * _MI, stop_seconds=None, shell=True,
        cpu_nanocores=1_000_000_000,  # computing digits of pi: one whole core
    ),
    "postgres": ImageBehavior(
        pull_seconds=10.0, size_bytes=158_452_512, start_seconds=0.5, memory_bytes=48 * _MI,
        cpu_nanocores=8_000_000,
        readiness=Health("after", 4.0), stop_seconds=0.8,
        requires_env=("POSTGRES_PASSWORD", "POSTGRES_HOST_AUTH_METHOD"),
        env_error=(
            "Error: Database is uninitialized and superuser password is not specified.",
            "       You must specify POSTGRES_PASSWORD to a non-empty value for the",
            '       superuser. For example, "-e POSTGRES_PASSWORD=password" on "docker run".',
        ),
        logs=(
            LogSpec("PostgreSQL init process complete; ready for start up.", at=3.0),
            LogSpec("LOG:  database system is ready to accept connections", at=3.5),
        ),
    ),
    "mysql": ImageBehavior(
        pull_seconds=12.0, size_bytes=172_034_112, start_seconds=0.5, memory_bytes=360 * _MI,
        cpu_nanocores=12_000_000,
        memory_ramp_seconds=8.0, readiness=Health("after", 10.0), stop_seconds=1.5,
        requires_env=("MYSQL_ROOT_PASSWORD", "MYSQL_ALLOW_EMPTY_PASSWORD", "MYSQL_RANDOM_ROOT_PASSWORD"),
        env_error=(
            "[ERROR] [Entrypoint]: Database is uninitialized and password option is not specified",
            "    You need to specify one of the following as an environment variable:",
            "    - MYSQL_ROOT_PASSWORD",
            "    - MYSQL_ALLOW_EMPTY_PASSWORD",
            "    - MYSQL_RANDOM_ROOT_PASSWORD",
        ),
        logs=(
            LogSpec("[Note] [Entrypoint]: Entrypoint script for MySQL Server started."),
            LogSpec("[System] [MY-010931] [Server] /usr/sbin/mysqld: ready for connections.", at=9.5),
        ),
    ),
    # the HPA walkthrough's php-apache (registry.k8s.io/hpa-example): idle until
    # connections land on it (a `connect` action with a `rate`: the load generator)
    "hpa-example": ImageBehavior(
        pull_seconds=6.0, size_bytes=180_843_140, start_seconds=0.4, memory_bytes=10 * _MI,
        cpu_nanocores=1_000_000, cpu_per_request=20_000_000,  # a request: 20 ms of CPU
        stop_seconds=0.2, logs=(
            LogSpec("AH00558: apache2: Could not reliably determine the server's fully "
                    "qualified domain name, using 10.244.0.2. Set the 'ServerName' directive "
                    "globally to suppress this message"),
            LogSpec("[mpm_prefork:notice] [pid 1] AH00163: Apache/2.4.10 (Debian) PHP/5.6.14 "
                    "configured -- resuming normal operations"),
            LogSpec("[core:notice] [pid 1] AH00094: Command line: 'apache2 -D FOREGROUND'"),
        ),
    ),
    "pause": ImageBehavior(
        pull_seconds=0.4, size_bytes=320_368, start_seconds=0.1, memory_bytes=256 * 1024,
        cpu_nanocores=0,
        stop_seconds=0.0,
    ),
}


@functools.lru_cache(maxsize=1024)
def _lookup_keys(image: str) -> tuple[str, ...]:
    """The catalog keys of ``image``, most specific first: a pure function of the text,
    memoized as :func:`parse_image_ref` is (asked at every pull and create)."""
    return tuple(parse_image_ref(image).lookup_keys(image))


@attrs.frozen
class ImageCatalog:
    """Image behaviours by name, with a fallback for images nobody described.

    Keys are matched from the most specific down: the reference as written
    (``nginx:1.27``), its path and tag without ``docker.io/library/``, the path alone
    (``nginx``, ``bitnami/redis``), then its last component (``redis``, ``pause``).
    With ``unknown_missing``, images that match nothing do not exist (ErrImagePull).
    """

    images: Mapping[str, ImageBehavior] = attrs.field(factory=lambda: dict(DEFAULT_IMAGES))
    fallback: ImageBehavior = GENERIC_IMAGE
    unknown_missing: bool = False

    def lookup(self, image: str) -> ImageBehavior:
        """The behaviour of ``image`` (a reference as written in a container spec)."""
        for key in _lookup_keys(image):
            behavior = self.images.get(key)
            if behavior is not None:
                return behavior
        if self.unknown_missing:
            return attrs.evolve(self.fallback, missing=True)
        return self.fallback

    def names(self) -> list[str]:
        """The described images, sorted."""
        return sorted(self.images)

    @classmethod
    def from_config(
        cls,
        tables: Mapping[str, Any],
        *,
        defaults: Mapping[str, ImageBehavior] = DEFAULT_IMAGES,
        unknown_missing: bool = False,
    ) -> ImageCatalog:
        """A catalog from ``cluster.toml``'s ``[images]`` tables, on top of ``defaults``.

        A table overrides only the keys it names, starting from the built-in behaviour
        the same name would get (``"nginx:1.27"`` starts from ``nginx``); the key
        ``"*"`` changes the fallback for undescribed images.
        """
        if not isinstance(tables, Mapping):
            raise ImageConfigError(f"images: expected a table of image tables, got {tables!r}")
        base = cls(dict(defaults), GENERIC_IMAGE, unknown_missing)
        fallback = GENERIC_IMAGE
        if "*" in tables:
            fallback = parse_image_behavior(tables["*"], GENERIC_IMAGE, name="*")
            base = cls(dict(defaults), fallback, unknown_missing)
        images = dict(defaults)
        for key in sorted(tables):
            if key == "*":
                continue
            start = images[key] if key in images else attrs.evolve(base.lookup(key), missing=False)
            images[key] = parse_image_behavior(tables[key], start, name=key)
        return cls(images, fallback, unknown_missing)

    def with_images(self, entries: Iterable[tuple[str, ImageBehavior]]) -> ImageCatalog:
        """A copy with some behaviours added or replaced (handy in tests)."""
        images = dict(self.images)
        images.update(entries)
        return attrs.evolve(self, images=images)
