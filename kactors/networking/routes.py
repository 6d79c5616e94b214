"""An ingress controller's routing table, sans-I/O: which Service answers ``Host: h`` and
``GET /path``.

Built from the Ingresses of one class, as ingress-nginx builds its nginx.conf: one *server*
per host, holding the paths of every Ingress that names that host (Ingresses merge), and a
catch-all server for rules without a host. A request picks its server first, by the host
alone (port stripped, case ignored): the exact host, else a wildcard ``*.example.com``
matching exactly one more label (``foo.example.com``, not ``example.com`` nor
``a.b.example.com``), else the catch-all. Then, within that server only (nginx never falls
back to another server), its paths, with Kubernetes' precedence:

* ``Exact`` matches the path exactly (case-sensitive);
* ``Prefix`` matches element-wise on ``/``: ``/foo`` matches ``/foo``, ``/foo/`` and
  ``/foo/bar``, not ``/foobar``; a trailing slash in the rule is ignored; ``/`` matches all;
* ``ImplementationSpecific`` is, in ingress-nginx without regex annotations, an nginx
  prefix ``location``: a plain string prefix (``/foo`` matches ``/foobar``);
* the longest matching path wins; at equal length ``Exact`` beats ``Prefix`` (and both beat
  ``ImplementationSpecific``); still tied, the oldest Ingress wins (ingress-nginx's rule for
  conflicting Ingresses).

A request matching no path gets the server's default backend: the ``spec.defaultBackend`` of
the oldest Ingress contributing to it (for the catch-all, of the oldest Ingress that has one),
else the controller's own default backend, which answers 404.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

__all__ = ["Backend", "RouteMatch", "RoutingTable", "match_path", "parse_backend"]

_TYPE_RANK = {"Exact": 0, "Prefix": 1, "ImplementationSpecific": 2}


@attrs.frozen(order=True)
class Backend:
    """A Service port in the Ingress's namespace (``port`` a number or a port name)."""

    namespace: str
    service: str
    port: int | str

    def __str__(self) -> str:
        return f"{self.namespace}/{self.service}:{self.port}"


@attrs.frozen
class _Path:
    path: str
    path_type: str
    backend: Backend
    ingress: str
    order: int  # the Ingress's age rank: older first


@attrs.frozen
class RouteMatch:
    """Where a request goes. Falsy when it goes to the controller's default backend (404)."""

    backend: Backend | None
    ingress: str = ""
    server: str = ""  # the host of the server chosen, "" for the catch-all
    path: str = ""  # the rule's path ("" when a default backend answers)
    path_type: str = ""

    def __bool__(self) -> bool:
        return self.backend is not None


def parse_backend(namespace: str, backend: Any) -> Backend | None:
    """An IngressBackend's Service, or None (a resource backend, or none)."""
    service = backend.get("service") if isinstance(backend, Mapping) else None
    if not isinstance(service, Mapping) or not service.get("name"):
        return None
    port = service.get("port") if isinstance(service.get("port"), Mapping) else {}
    return Backend(namespace, str(service["name"]), port.get("number") or str(port.get("name")
                                                                              or ""))


def match_path(path_type: str, rule: str, path: str) -> bool:
    """Whether a request for ``path`` matches a rule's ``path`` of ``path_type``."""
    if path_type == "Exact":
        return path == rule
    if path_type == "Prefix":
        base = rule.rstrip("/")
        return not base or path == base or path.startswith(base + "/")
    return path.startswith(rule or "/")


def _length(entry: _Path) -> int:
    return len(entry.path.rstrip("/")) if entry.path_type == "Prefix" else len(entry.path)


@attrs.define
class _Server:
    paths: list[_Path] = attrs.field(factory=list)
    default: tuple[Backend, str] | None = None  # (backend, ingress)


class RoutingTable:
    """The servers of one ingress controller, rebuilt whenever an Ingress changes."""

    def __init__(self) -> None:
        self._ingresses: dict[str, Mapping[str, Any]] = {}
        self._servers: dict[str, _Server] = {}

    def __len__(self) -> int:
        return len(self._ingresses)

    def update(self, ingress: Mapping[str, Any]) -> None:
        meta = ingress.get("metadata") or {}
        self._ingresses[f"{meta.get('namespace', 'default')}/{meta.get('name', '')}"] = ingress
        self._rebuild()

    def delete(self, namespace: str, name: str) -> None:
        if self._ingresses.pop(f"{namespace}/{name}", None) is not None:
            self._rebuild()

    def _rebuild(self) -> None:
        def age(key: str) -> tuple[str, str]:
            created = (self._ingresses[key].get("metadata") or {}).get("creationTimestamp")
            return str(created or ""), key

        servers: dict[str, _Server] = {}
        catch_all_default: tuple[Backend, str] | None = None
        for order, key in enumerate(sorted(self._ingresses, key=age)):
            ingress = self._ingresses[key]
            namespace = key.partition("/")[0]
            spec = ingress.get("spec") or {}
            default = parse_backend(namespace, spec.get("defaultBackend"))
            if default is not None and catch_all_default is None:
                catch_all_default = (default, key)
            for rule in spec.get("rules") or ():
                if not isinstance(rule, Mapping):
                    continue
                host = str(rule.get("host") or "").lower()
                server = servers.setdefault(host, _Server())
                if default is not None and server.default is None:
                    server.default = (default, key)
                for entry in (rule.get("http") or {}).get("paths") or ():
                    backend = parse_backend(namespace, entry.get("backend"))
                    if backend is not None:
                        server.paths.append(_Path(str(entry.get("path") or "/"),
                                                  str(entry.get("pathType") or "Prefix"),
                                                  backend, key, order))
        catch_all = servers.setdefault("", _Server())
        catch_all.default = catch_all_default
        for server in servers.values():
            server.paths.sort(key=lambda p: (-_length(p), _TYPE_RANK.get(p.path_type, 3),
                                             p.order))
        self._servers = servers

    def server_for(self, host: str) -> str:
        """The server a ``Host`` header selects: exact, wildcard, or catch-all ("")."""
        host = host.rpartition(":")[0] if ":" in host and not host.endswith("]") else host
        host = host.lower()
        if host in self._servers:
            return host
        _, dot, parent = host.partition(".")
        if dot and f"*.{parent}" in self._servers:
            return f"*.{parent}"
        return ""

    def match(self, host: str, path: str) -> RouteMatch:
        """The backend of a request for ``http://host/path``."""
        name = self.server_for(host)
        server = self._servers.get(name)
        if server is None:
            return RouteMatch(None, server=name)
        path = path.split("?", 1)[0] or "/"
        for entry in server.paths:  # in precedence order
            if match_path(entry.path_type, entry.path, path):
                return RouteMatch(entry.backend, entry.ingress, name, entry.path,
                                  entry.path_type)
        if server.default is not None:
            return RouteMatch(server.default[0], server.default[1], name)
        return RouteMatch(None, server=name)

    def describe(self) -> list[str]:
        """The table as lines, servers by host, paths in precedence order::

            shop.example.com /cart (Exact) -> default/cart:80 [default/shop]
        """
        lines = []
        for name in sorted(self._servers):
            server = self._servers[name]
            for entry in server.paths:
                lines.append(f"{name or '*'} {entry.path} ({entry.path_type}) -> "
                             f"{entry.backend} [{entry.ingress}]")
            if server.default is not None:
                lines.append(f"{name or '*'} (default) -> {server.default[0]} "
                             f"[{server.default[1]}]")
        return lines
