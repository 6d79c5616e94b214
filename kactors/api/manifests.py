"""Loading manifests (multi-document YAML or JSON) and dumping objects back.

Loading aims at what ``kubectl apply -f`` accepts:

* documents are separated by ``---``; empty documents are skipped;
* a ``kind: List`` (or any ``<Kind>List`` with ``items``) is expanded into its items,
  recursively; items of a typed list inherit its ``apiVersion`` and item kind when
  they omit them (API list responses do);
* every object must be a map with ``apiVersion`` and ``kind``, else the error says
  ``Object 'Kind' is missing in '<json>'`` like Kubernetes' decoder;
* scalars resolve like Kubernetes' YAML library rather than raw YAML 1.1: timestamps stay
  strings (``creationTimestamp: 2024-01-01T00:00:00Z`` is text in the API) and
  ``1:30`` is not a base-60 integer; duplicate keys are an error, not a silent overwrite;
* the result is JSON-shaped (``dict``/``list``/``str``/``int``/``float``/``bool``/
  ``None`` with string keys); anything else (``!!binary``, ``.inf``) is rejected.

Errors are :class:`~kactors.api.errors.ManifestError` carrying the source, the 1-based
document number and the 1-based line.

Dumping mirrors ``kubectl get -o yaml`` (keys sorted, lists not indented, multi-line
strings as ``|`` blocks, no YAML anchors even when data is shared) and ``-o json``
(4-space indentation). This module reads a file when asked to; it does no other I/O.
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Iterable, Mapping
from typing import Any

import yaml

from .errors import ManifestError

__all__ = [
    "dump_json",
    "dump_yaml",
    "load_manifest_file",
    "load_manifests",
    "to_list_object",
]


class _Loader(yaml.SafeLoader):
    """SafeLoader resolving scalars like Kubernetes (see the module docstring)."""

    def construct_mapping(self, node: yaml.Node, deep: bool = False) -> dict[str, Any]:
        """Build a map with string keys, rejecting duplicate keys like go-yaml."""
        if not isinstance(node, yaml.MappingNode):
            raise yaml.constructor.ConstructorError(
                None, None, f"expected a mapping node, but found {node.id}", node.start_mark
            )
        seen: dict[str, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue  # "<<" merge keys may be overridden: not duplicates
            key = self._key(key_node)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    f'mapping key "{key}" already defined at line {seen[key]}',
                    key_node.start_mark,
                )
            seen[key] = key_node.start_mark.line + 1
        self.flatten_mapping(node)
        mapping: dict[str, Any] = {}
        for key_node, value_node in node.value:
            mapping[self._key(key_node)] = self.construct_object(value_node, deep=deep)
        return mapping

    def _key(self, key_node: yaml.Node) -> str:
        key = self.construct_object(key_node, deep=True)
        text = _key_text(key)
        if text is None:
            raise yaml.constructor.ConstructorError(
                None, None, f"unsupported map key of type {type(key).__name__}", key_node.start_mark
            )
        return text


def _build_resolvers() -> dict[Any, list[tuple[str, re.Pattern[str]]]]:
    int_re = re.compile(
        r"""^(?:[-+]?0b[0-1_]+
        |[-+]?0[0-7_]+
        |[-+]?(?:0|[1-9][0-9_]*)
        |[-+]?0x[0-9a-fA-F_]+)$""",
        re.X,
    )
    float_re = re.compile(
        r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?
        |\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?
        |[-+]?\.(?:inf|Inf|INF)
        |\.(?:nan|NaN|NAN))$""",
        re.X,
    )
    replaced = {"tag:yaml.org,2002:int": int_re, "tag:yaml.org,2002:float": float_re}
    resolvers: dict[Any, list[tuple[str, re.Pattern[str]]]] = {}
    for first, entries in yaml.SafeLoader.yaml_implicit_resolvers.items():
        kept = []
        for tag, regexp in entries:
            if tag == "tag:yaml.org,2002:timestamp":
                continue
            kept.append((tag, replaced.get(tag, regexp)))
        resolvers[first] = kept
    return resolvers


_Loader.yaml_implicit_resolvers = _build_resolvers()


def load_manifests(text: str, source: str = "<string>") -> list[dict[str, Any]]:
    """Load every object of a multi-document YAML (or JSON) text."""
    loader = _Loader(text)
    objects: list[dict[str, Any]] = []
    document = 0
    try:
        while loader.check_node():
            document += 1
            node = loader.get_node()
            line = node.start_mark.line + 1 if node is not None else None
            data = loader.construct_document(node) if node is not None else None
            if data is None:
                continue
            try:
                data = _to_json_shape(data, "")
                objects.extend(_expand(data))
            except ValueError as error:
                raise ManifestError(
                    str(error), source=source, document=document, line=line
                ) from None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        detail = " ".join(part for part in (error.context, error.problem) if part)
        raise ManifestError(
            detail or str(error),
            source=source,
            document=max(document, 1),
            line=mark.line + 1 if mark is not None else None,
        ) from None
    except yaml.YAMLError as error:
        raise ManifestError(str(error), source=source, document=max(document, 1)) from None
    finally:
        loader.dispose()
    return objects


def load_manifest_file(path: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """Load every object of a manifest file (see :func:`load_manifests`)."""
    source = os.fspath(path)
    try:
        with open(source, encoding="utf-8") as handle:
            text = handle.read()
    except (OSError, UnicodeDecodeError) as error:
        raise ManifestError(str(error), source=source) from None
    return load_manifests(text, source=source)


def _to_json_shape(value: Any, path: str) -> Any:
    """Check (and normalise map keys of) loaded YAML so that it is JSON data."""
    if isinstance(value, dict):
        result: dict[str, Any] = {}
        for key, item in value.items():
            name = _key_text(key)
            if name is None:
                raise ValueError(
                    f"unsupported map key of type {type(key).__name__} at {path or '.'}"
                )
            result[name] = _to_json_shape(item, f"{path}.{name}")
        return result
    if isinstance(value, list):
        return [_to_json_shape(item, f"{path}[{index}]") for index, item in enumerate(value)]
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"unsupported value {value} at {path or '.'}: not a JSON number")
    if value is None or isinstance(value, str | bool | int | float):
        return value
    raise ValueError(
        f"unsupported value of type {type(value).__name__} at {path or '.'}: not JSON data"
    )


def _key_text(key: Any) -> str | None:
    """Map keys become strings, as in Kubernetes' YAML-to-JSON conversion."""
    if isinstance(key, str):
        return key
    if isinstance(key, bool):
        return "true" if key else "false"
    if key is None:
        return "null"
    if isinstance(key, int | float):
        return str(key)
    return None


def _expand(data: Any) -> list[dict[str, Any]]:
    if not isinstance(data, dict):
        raise ValueError(f"a manifest document must be an object, not {_json_type(data)}")
    kind, api_version = data.get("kind"), data.get("apiVersion")
    if not isinstance(kind, str) or not kind:
        raise ValueError(f"Object 'Kind' is missing in '{_compact(data)}'")
    items = data.get("items")
    if kind.endswith("List") and isinstance(items, list):
        item_kind = kind[: -len("List")] if kind != "List" else None
        expanded: list[dict[str, Any]] = []
        for item in items:
            if isinstance(item, dict) and item_kind is not None:
                defaults = {"apiVersion": api_version, "kind": item_kind}
                item = {**{k: v for k, v in defaults.items() if k not in item}, **item}
            expanded.extend(_expand(item))
        return expanded
    if not isinstance(api_version, str) or not api_version:
        raise ValueError(f"Object 'apiVersion' is missing in '{_compact(data)}'")
    return [data]


def _json_type(value: Any) -> str:
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "a boolean"
    return "a number"


def _compact(data: Any) -> str:
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False)


class _Dumper(yaml.SafeDumper):
    """SafeDumper producing kubectl-like YAML."""

    def ignore_aliases(self, data: Any) -> bool:
        return True  # shared subtrees are normal in immutable data: never emit anchors


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _represent_str)


def dump_yaml(
    objects: Mapping[str, Any] | Iterable[Mapping[str, Any]], *, sort_keys: bool = True
) -> str:
    """Serialise one object, or several as ``---``-separated documents, to YAML.

    Keys are sorted like ``kubectl get -o yaml`` unless ``sort_keys=False``.
    """
    documents = [objects] if isinstance(objects, Mapping) else list(objects)
    return yaml.dump_all(
        [_plain(document) for document in documents],
        Dumper=_Dumper,
        sort_keys=sort_keys,
        default_flow_style=False,
        allow_unicode=True,
        width=1 << 30,
        explicit_start=len(documents) > 1,
    )


def dump_json(obj: Any, *, indent: int | None = 4) -> str:
    """Serialise to JSON like ``kubectl get -o json`` (``indent=None`` for compact)."""
    if indent is None:
        return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)
    return json.dumps(obj, indent=indent, ensure_ascii=False)


def to_list_object(objects: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Wrap objects in a ``v1`` ``List``, as kubectl prints several objects as JSON."""
    return {
        "apiVersion": "v1",
        "items": [dict(obj) for obj in objects],
        "kind": "List",
        "metadata": {"resourceVersion": ""},
    }


def _plain(value: Any) -> Any:
    """Turn read-only mappings and tuples into plain containers the dumper knows."""
    if isinstance(value, Mapping) and type(value) is not dict:
        return {key: _plain(item) for key, item in value.items()}
    if type(value) is dict:
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value
