"""Field selectors (``k8s.io/apimachinery/pkg/fields``) and the fields each kind exposes.

A field selector (``metadata.name=x,status.phase!=Running``) is a conjunction of
``=``/``==``/``!=`` terms over a small, per-kind set of *selectable fields*: unlike
labels, Kubernetes does not let you select on arbitrary paths, because each selectable
field needs an index-friendly string value. :func:`selectable_fields` computes that set
for an object the way the apiserver's ``ToSelectableFields`` functions do (booleans
become ``"true"``/``"false"``, integers their decimal form, missing fields ``""``) and
:meth:`FieldSelector.validate_for_kind` rejects unsupported fields with the message of
that kind's field-label conversion function (``field label not supported: foo``).

Values may escape ``\\``, ``,`` and ``=`` with a backslash (``fields.EscapeValue``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import attrs

from .errors import SelectorError

__all__ = [
    "FieldRequirement",
    "FieldSelector",
    "escape_value",
    "parse_field_selector",
    "selectable_fields",
    "supported_fields",
    "unescape_value",
]

_OPERATORS = ("!=", "==", "=")  # "==" before "=" so no "=" is left on the value


@attrs.frozen
class FieldRequirement:
    """One ``field <op> value`` term; ``op`` is ``"="``, ``"=="`` or ``"!="``."""

    field: str
    operator: str
    value: str

    def matches(self, fields: Mapping[str, str]) -> bool:
        """Missing fields read as ``""``, like ``fields.Set.Get``."""
        return self.matches_value(fields.get(self.field, ""))

    def matches_value(self, actual: str) -> bool:
        """Whether the field's value ``actual`` satisfies the term."""
        return actual != self.value if self.operator == "!=" else actual == self.value

    def to_string(self) -> str:
        """Kubernetes always prints equality as ``=``."""
        op = "!=" if self.operator == "!=" else "="
        return f"{self.field}{op}{escape_value(self.value)}"


@attrs.frozen
class FieldSelector:
    """A conjunction of field terms; ``FieldSelector()`` selects everything."""

    requirements: tuple[FieldRequirement, ...] = ()
    #: kind -> each requirement with the extractor of its field on that kind (see `matches`)
    _by_kind: dict[str, tuple[tuple[FieldRequirement, Extractor], ...]] = attrs.field(
        init=False, factory=dict, eq=False, hash=False, repr=False)

    @property
    def empty(self) -> bool:
        """True when the selector does not restrict anything."""
        return not self.requirements

    def matches_fields(self, fields: Mapping[str, str]) -> bool:
        """Whether a precomputed field set satisfies every term."""
        return all(requirement.matches(fields) for requirement in self.requirements)

    def matches(self, obj: Mapping[str, object]) -> bool:
        """Whether ``obj`` satisfies every term; unsupported fields raise SelectorError."""
        if not self.requirements:
            return True
        # only the fields the terms name are extracted (a watch cache matches every
        # event against each watcher's selector: the whole field set would be waste), by
        # extractors looked up once per kind (a selector matches objects of one kind)
        kind = obj.get("kind", "")
        if kind.__class__ is not str:
            kind = str(kind)
        pairs = self._by_kind.get(kind)
        if pairs is None:
            spec = _KIND_FIELDS.get(kind, _DEFAULT)
            pairs = tuple((requirement, spec.extractor(requirement.field))
                          for requirement in self.requirements)
            self._by_kind[kind] = pairs
        return all(requirement.matches_value(extract(obj)) for requirement, extract in pairs)

    def validate_for_kind(self, kind: str) -> FieldSelector:
        """Check every field is selectable on ``kind``; return the normalised selector.

        Normalisation renames legacy fields the way Kubernetes does (``spec.host`` is
        ``spec.nodeName`` on pods). Raises :class:`SelectorError` with Kubernetes' message.
        """
        spec = _KIND_FIELDS.get(kind, _DEFAULT)
        return FieldSelector(tuple(attrs.evolve(requirement, field=spec.field(requirement.field))
                                   for requirement in self.requirements))

    def requires_exact_match(self, field: str) -> str | None:
        """The value ``field`` must equal, if the selector pins one."""
        for requirement in self.requirements:
            if requirement.field == field and requirement.operator != "!=":
                return requirement.value
        return None

    def to_string(self) -> str:
        """The selector in string syntax; :func:`parse_field_selector` reads it back."""
        return ",".join(requirement.to_string() for requirement in self.requirements)

    def __str__(self) -> str:
        return self.to_string()


def parse_field_selector(text: str, kind: str | None = None) -> FieldSelector:
    """Parse a field selector (``fields.ParseSelector``); validate it for ``kind`` if given.

    Terms are sorted by their text, as Kubernetes does, so equal selectors print equally.
    """
    requirements: list[FieldRequirement] = []
    for term in sorted(_split_terms(text)):
        if term == "":
            continue
        split = _split_term(term)
        if split is None:
            raise SelectorError(f"invalid selector: '{text}'; can't understand '{term}'")
        field, operator, value = split
        requirements.append(FieldRequirement(field, operator, unescape_value(value)))
    selector = FieldSelector(tuple(requirements))
    return selector.validate_for_kind(kind) if kind is not None else selector


def escape_value(value: str) -> str:
    """Escape ``\\``, ``,`` and ``=`` for use as a field selector value."""
    return value.replace("\\", "\\\\").replace(",", "\\,").replace("=", "\\=")


def unescape_value(value: str) -> str:
    """Undo :func:`escape_value`; reject unknown escapes and bare ``,``/``=``."""
    if not any(char in value for char in "\\,="):
        return value
    out: list[str] = []
    escaping = False
    for char in value:
        if escaping:
            if char not in "\\,=":
                raise SelectorError(f"invalid field selector: invalid escape sequence: \\{char}")
            out.append(char)
            escaping = False
        elif char == "\\":
            escaping = True
        elif char in ",=":
            raise SelectorError(f"invalid field selector: unescaped character in value: {char}")
        else:
            out.append(char)
    if escaping:
        raise SelectorError("invalid field selector: invalid escape sequence: \\")
    return "".join(out)


def _split_terms(text: str) -> list[str]:
    """Split on commas that are not backslash-escaped (escapes are kept)."""
    if not text:
        return []
    terms: list[str] = []
    start, escaping = 0, False
    for index, char in enumerate(text):
        if escaping:
            escaping = False
        elif char == "\\":
            escaping = True
        elif char == ",":
            terms.append(text[start:index])
            start = index + 1
    terms.append(text[start:])
    return terms


def _split_term(term: str) -> tuple[str, str, str] | None:
    """Split at the first operator occurrence; the field part allows no escaping."""
    for index in range(len(term)):
        for operator in _OPERATORS:
            if term.startswith(operator, index):
                return term[:index], operator, term[index + len(operator) :]
    return None


# -- selectable fields per kind ---------------------------------------------------------------

Extractor = Callable[[Mapping[str, object]], str]


def _get(obj: Mapping[str, object], *path: str) -> object:
    current: object = obj
    for key in path:
        if not isinstance(current, Mapping):
            return None
        current = current.get(key)
    return current


def _text(*path: str) -> Extractor:
    def extract(obj: Mapping[str, object]) -> str:
        value = _get(obj, *path)
        return value if isinstance(value, str) else ""

    return extract


def _boolean(*path: str) -> Extractor:
    def extract(obj: Mapping[str, object]) -> str:
        return "true" if _get(obj, *path) is True else "false"

    return extract


def _integer(*path: str) -> Extractor:
    def extract(obj: Mapping[str, object]) -> str:
        value = _get(obj, *path)
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else "0"

    return extract


def _pod_ip(obj: Mapping[str, object]) -> str:
    pod_ips = _get(obj, "status", "podIPs")
    if isinstance(pod_ips, list) and pod_ips and isinstance(pod_ips[0], Mapping):
        ip = pod_ips[0].get("ip")
        return ip if isinstance(ip, str) else ""
    return _text("status", "podIP")(obj)


def _event_source(obj: Mapping[str, object]) -> str:
    return _text("source", "component")(obj) or _text("reportingComponent")(obj)


@attrs.frozen
class _KindFields:
    extractors: Mapping[str, Extractor]
    error: Callable[[str], str]
    aliases: Mapping[str, str] = attrs.field(factory=dict)

    def field(self, label: str) -> str:
        """The selectable field ``label`` names (aliases resolved); SelectorError with
        the kind's message if it is not selectable."""
        field = self.aliases.get(label, label)
        if field not in self.extractors:
            raise SelectorError(self.error(label))
        return field

    def extractor(self, label: str) -> Extractor:
        """How to read the field ``label`` names from an object (see `field`)."""
        return self.extractors[self.field(label)]


def _not_supported(label: str) -> str:
    return f"field label not supported: {label}"


_NAME = {"metadata.name": _text("metadata", "name")}
_NAME_NAMESPACE = {**_NAME, "metadata.namespace": _text("metadata", "namespace")}

_DEFAULT = _KindFields(
    _NAME_NAMESPACE,
    lambda label: (
        f'"{label}" is not a known field selector: only "metadata.name", "metadata.namespace"'
    ),
)

_KIND_FIELDS: dict[str, _KindFields] = {
    "Pod": _KindFields(
        {
            **_NAME_NAMESPACE,
            "spec.nodeName": _text("spec", "nodeName"),
            "spec.restartPolicy": _text("spec", "restartPolicy"),
            "spec.schedulerName": _text("spec", "schedulerName"),
            "spec.serviceAccountName": _text("spec", "serviceAccountName"),
            "spec.hostNetwork": _boolean("spec", "hostNetwork"),
            "status.phase": _text("status", "phase"),
            "status.podIP": _pod_ip,
            "status.nominatedNodeName": _text("status", "nominatedNodeName"),
        },
        _not_supported,
        {"spec.host": "spec.nodeName"},
    ),
    "Node": _KindFields(
        {**_NAME, "spec.unschedulable": _boolean("spec", "unschedulable")}, _not_supported
    ),
    "Namespace": _KindFields({**_NAME, "status.phase": _text("status", "phase")}, _not_supported),
    "Secret": _KindFields({**_NAME_NAMESPACE, "type": _text("type")}, _not_supported),
    "Service": _KindFields(
        {
            **_NAME_NAMESPACE,
            "spec.clusterIP": _text("spec", "clusterIP"),
            "spec.type": _text("spec", "type"),
        },
        _not_supported,
    ),
    "Event": _KindFields(
        {
            **_NAME_NAMESPACE,
            **{
                f"involvedObject.{field}": _text("involvedObject", field)
                for field in (
                    "kind",
                    "namespace",
                    "name",
                    "uid",
                    "apiVersion",
                    "resourceVersion",
                    "fieldPath",
                )
            },
            "reason": _text("reason"),
            "reportingComponent": _text("reportingComponent"),
            "source": _event_source,
            "type": _text("type"),
        },
        _not_supported,
    ),
    "ReplicaSet": _KindFields(
        {**_NAME_NAMESPACE, "status.replicas": _integer("status", "replicas")}, _not_supported
    ),
    "Job": _KindFields(
        {**_NAME_NAMESPACE, "status.successful": _integer("status", "succeeded")},
        lambda label: f'field label "{label}" not supported for batchv1.Job',
    ),
}


def supported_fields(kind: str) -> tuple[str, ...]:
    """The field labels selectable on ``kind`` (any unknown kind: name and namespace)."""
    return tuple(_KIND_FIELDS.get(kind, _DEFAULT).extractors)


def selectable_fields(obj: Mapping[str, object]) -> dict[str, str]:
    """The field set of ``obj`` that field selectors are matched against."""
    spec = _KIND_FIELDS.get(str(obj.get("kind", "")), _DEFAULT)
    return {label: extract(obj) for label, extract in spec.extractors.items()}
