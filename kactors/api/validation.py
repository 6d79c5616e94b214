"""String validators of Kubernetes names, with apimachinery's exact error messages.

Each ``is_*`` function returns the list of problems (empty when valid) rather than
raising, exactly like ``k8s.io/apimachinery/pkg/util/validation``: callers usually
collect several field errors before failing, and the apiserver reports them all at once.

The ``field_*`` helpers render errors the way ``field.Error.Error()`` does
(``<path>: Invalid value: "x": <detail>``) and :func:`aggregate` joins several of them
like ``utilerrors.NewAggregate``; label selector parsing needs both to reproduce
Kubernetes' messages verbatim.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Sequence
from typing import Any

DNS1123_LABEL_FMT = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
DNS1123_LABEL_MAX_LENGTH = 63
DNS1123_SUBDOMAIN_FMT = DNS1123_LABEL_FMT + "(\\." + DNS1123_LABEL_FMT + ")*"
DNS1123_SUBDOMAIN_MAX_LENGTH = 253
DNS1035_LABEL_FMT = "[a-z]([-a-z0-9]*[a-z0-9])?"
DNS1035_LABEL_MAX_LENGTH = 63
QUALIFIED_NAME_FMT = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
QUALIFIED_NAME_MAX_LENGTH = 63
LABEL_VALUE_FMT = "(" + QUALIFIED_NAME_FMT + ")?"
LABEL_VALUE_MAX_LENGTH = 63

_DNS1123_LABEL_ERR = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', "
    "and must start and end with an alphanumeric character"
)
_DNS1123_SUBDOMAIN_ERR = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, "
    "'-' or '.', and must start and end with an alphanumeric character"
)
_DNS1035_LABEL_ERR = (
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', "
    "start with an alphabetic character, and end with an alphanumeric character"
)
_QUALIFIED_NAME_ERR = (
    "must consist of alphanumeric characters, '-', '_' or '.', "
    "and must start and end with an alphanumeric character"
)
_LABEL_VALUE_ERR = (
    "a valid label must be an empty string or consist of alphanumeric characters, "
    "'-', '_' or '.', and must start and end with an alphanumeric character"
)

# re.fullmatch instead of Go's "^...$" anchors: Python's "$" would also accept a
# trailing newline, which Kubernetes rejects.
_DNS1123_LABEL_RE = re.compile(DNS1123_LABEL_FMT)
_DNS1123_SUBDOMAIN_RE = re.compile(DNS1123_SUBDOMAIN_FMT)
_DNS1035_LABEL_RE = re.compile(DNS1035_LABEL_FMT)
_QUALIFIED_NAME_RE = re.compile(QUALIFIED_NAME_FMT)
_LABEL_VALUE_RE = re.compile(LABEL_VALUE_FMT)


def max_len_error(length: int) -> str:
    """Kubernetes' "too long" wording (``validation.MaxLenError``)."""
    return f"must be no more than {length} characters"


def empty_error() -> str:
    """Kubernetes' "empty" wording (``validation.EmptyError``)."""
    return "must be non-empty"


def regex_error(msg: str, fmt: str, *examples: str) -> str:
    """Kubernetes' ``validation.RegexError``, double spaces before "or" included."""
    if not examples:
        return f"{msg} (regex used for validation is '{fmt}')"
    msg += " (e.g. "
    for index, example in enumerate(examples):
        if index > 0:
            msg += " or "
        msg += f"'{example}', "
    return msg + f"regex used for validation is '{fmt}')"


def is_dns1123_label(value: str) -> list[str]:
    """Problems with ``value`` as an RFC 1123 label (namespace names, for instance)."""
    errors: list[str] = []
    if len(value) > DNS1123_LABEL_MAX_LENGTH:
        errors.append(max_len_error(DNS1123_LABEL_MAX_LENGTH))
    if not _DNS1123_LABEL_RE.fullmatch(value):
        if _DNS1123_SUBDOMAIN_RE.fullmatch(value):
            errors.append("must not contain dots")
        else:
            errors.append(regex_error(_DNS1123_LABEL_ERR, DNS1123_LABEL_FMT, "my-name", "123-abc"))
    return errors


def is_dns1123_subdomain(value: str) -> list[str]:
    """Problems with ``value`` as an RFC 1123 subdomain (most object names)."""
    errors: list[str] = []
    if len(value) > DNS1123_SUBDOMAIN_MAX_LENGTH:
        errors.append(max_len_error(DNS1123_SUBDOMAIN_MAX_LENGTH))
    if not _DNS1123_SUBDOMAIN_RE.fullmatch(value):
        errors.append(regex_error(_DNS1123_SUBDOMAIN_ERR, DNS1123_SUBDOMAIN_FMT, "example.com"))
    return errors


def is_dns1035_label(value: str) -> list[str]:
    """Problems with ``value`` as an RFC 1035 label (Service names)."""
    errors: list[str] = []
    if len(value) > DNS1035_LABEL_MAX_LENGTH:
        errors.append(max_len_error(DNS1035_LABEL_MAX_LENGTH))
    if not _DNS1035_LABEL_RE.fullmatch(value):
        errors.append(regex_error(_DNS1035_LABEL_ERR, DNS1035_LABEL_FMT, "my-name", "abc-123"))
    return errors


def is_path_segment_name(value: str) -> list[str]:
    """Problems with ``value`` as a URL path segment (RBAC object names)."""
    for illegal in (".", ".."):
        if value == illegal:
            return [f"may not be '{illegal}'"]
    return [f"may not contain '{bad}'" for bad in ("/", "%") if bad in value]


def is_qualified_name(value: str) -> list[str]:
    """Problems with ``value`` as a qualified name: a label or annotation key.

    ``[prefix/]name`` where the optional prefix is a DNS subdomain and the name at most
    63 alphanumerics, ``-``, ``_`` or ``.``.
    """
    errors: list[str] = []
    parts = value.split("/")
    if len(parts) == 1:
        name = parts[0]
    elif len(parts) == 2:
        prefix, name = parts
        if not prefix:
            errors.append("prefix part " + empty_error())
        else:
            errors.extend("prefix part " + msg for msg in is_dns1123_subdomain(prefix))
    else:
        return [
            "a qualified name "
            + regex_error(_QUALIFIED_NAME_ERR, QUALIFIED_NAME_FMT, "MyName", "my.name", "123-abc")
            + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
        ]
    if not name:
        errors.append("name part " + empty_error())
    elif len(name) > QUALIFIED_NAME_MAX_LENGTH:
        errors.append("name part " + max_len_error(QUALIFIED_NAME_MAX_LENGTH))
    if not _QUALIFIED_NAME_RE.fullmatch(name):
        errors.append(
            "name part "
            + regex_error(_QUALIFIED_NAME_ERR, QUALIFIED_NAME_FMT, "MyName", "my.name", "123-abc")
        )
    return errors


def is_plain_label(key: Any, value: Any) -> bool:
    """A label both `is_qualified_name` (key, without prefix) and `is_label_value`
    (value) accept: the fast answer for the labels nearly every object carries.

    The keys and values accepted last are remembered (a pure function of the text; a
    bounded table): the pods of one ReplicaSet all carry the same few labels, and a set
    lookup costs a tenth of a regular expression match."""
    if key.__class__ is not str or value.__class__ is not str:
        return False
    if key in _PLAIN_LABEL_KEYS and value in _PLAIN_LABEL_VALUES:
        return True
    if (len(key) <= QUALIFIED_NAME_MAX_LENGTH and len(value) <= LABEL_VALUE_MAX_LENGTH
            and _QUALIFIED_NAME_RE.fullmatch(key) is not None
            and _LABEL_VALUE_RE.fullmatch(value) is not None):
        for known, text in ((_PLAIN_LABEL_KEYS, key), (_PLAIN_LABEL_VALUES, value)):
            if len(known) >= _PLAIN_LABELS_KEPT:
                known.clear()
            known.add(text)
        return True
    return False


#: label keys (without prefix) and values `is_plain_label` accepted lately
_PLAIN_LABEL_KEYS: set[str] = set()
_PLAIN_LABEL_VALUES: set[str] = set()
_PLAIN_LABELS_KEPT = 4096


def is_label_value(value: str) -> list[str]:
    """Problems with ``value`` as a label value (may be empty)."""
    errors: list[str] = []
    if len(value) > LABEL_VALUE_MAX_LENGTH:
        errors.append(max_len_error(LABEL_VALUE_MAX_LENGTH))
    if not _LABEL_VALUE_RE.fullmatch(value):
        errors.append(
            regex_error(_LABEL_VALUE_ERR, LABEL_VALUE_FMT, "MyValue", "my_value", "12345")
        )
    return errors


def go_quote(value: str) -> str:
    """Render ``value`` like Go's ``%q`` verb (close enough for printable input)."""
    out = ['"']
    for char in value:
        if char in '"\\':
            out.append("\\" + char)
        elif char == "\n":
            out.append("\\n")
        elif char == "\t":
            out.append("\\t")
        elif char == "\r":
            out.append("\\r")
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\x{ord(char):02x}")
        else:
            out.append(char)
    out.append('"')
    return "".join(out)


def render_bad_value(value: object) -> str:
    """Render a rejected value the way ``field.Error.ErrorBody`` does."""
    if isinstance(value, str):
        return go_quote(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value, separators=(",", ":"))


def field_invalid(path: str, value: object, detail: str) -> str:
    """``field.Invalid(path, value, detail).Error()``."""
    body = f"Invalid value: {render_bad_value(value)}"
    return f"{path}: {body}: {detail}" if detail else f"{path}: {body}"


def field_not_supported(path: str, value: object, supported: Sequence[str]) -> str:
    """``field.NotSupported(path, value, supported).Error()``."""
    body = f"Unsupported value: {render_bad_value(value)}"
    if supported:
        body += ": supported values: " + ", ".join(go_quote(item) for item in supported)
    return f"{path}: {body}"


def aggregate(messages: Sequence[str]) -> str:
    """Join error messages like ``utilerrors.NewAggregate(...).Error()``."""
    unique: list[str] = []
    for message in messages:
        if message not in unique:
            unique.append(message)
    if len(unique) <= 1:
        return unique[0] if unique else ""
    return "[" + ", ".join(unique) + "]"


# -- additions: more field-error renderers and string validators -----------------------------
#
# The renderers below complete ``field_invalid``/``field_not_supported`` with the other
# ``field.ErrorType`` wordings; :class:`kactors.api.fielderrors.FieldError` renders through
# them so that there is a single source for each wording.

#: ``apimachineryvalidation.FieldImmutableErrorMsg``.
FIELD_IMMUTABLE_ERROR_MSG = "field is immutable"
#: ``apimachineryvalidation.IsNegativeErrorMsg``.
IS_NEGATIVE_ERROR_MSG = "must be greater than or equal to 0"


def _with_detail(body: str, detail: str) -> str:
    return f"{body}: {detail}" if detail else body


def field_required(path: str, detail: str = "") -> str:
    """``field.Required(path, detail).Error()``: ``<path>: Required value[: detail]``."""
    return f"{path}: " + _with_detail("Required value", detail)


def field_forbidden(path: str, detail: str = "") -> str:
    """``field.Forbidden(path, detail).Error()``: ``<path>: Forbidden[: detail]``."""
    return f"{path}: " + _with_detail("Forbidden", detail)


def field_duplicate(path: str, value: object) -> str:
    """``field.Duplicate(path, value).Error()``."""
    return f"{path}: Duplicate value: {render_bad_value(value)}"


def field_not_found(path: str, value: object, detail: str = "") -> str:
    """``field.NotFound(path, value).Error()`` (a detail may be attached, as k8s does)."""
    return f"{path}: " + _with_detail(f"Not found: {render_bad_value(value)}", detail)


def too_long_detail(max_length: int) -> str:
    """The detail of ``field.TooLong``: ``may not be more than N bytes``."""
    if max_length < 0:
        return "value is too long"
    return f"may not be more than {max_length} {'byte' if max_length == 1 else 'bytes'}"


def field_too_long(path: str, max_length: int) -> str:
    """``field.TooLong(path, _, max).Error()``; the value itself is never shown."""
    return f"{path}: Too long: {too_long_detail(max_length)}"


def too_many_detail(max_items: int) -> str:
    """The detail of ``field.TooMany``: ``must have at most N items``."""
    if max_items < 0:
        return "has too many items"
    return f"must have at most {max_items} {'item' if max_items == 1 else 'items'}"


def field_too_many(path: str, actual: int, max_items: int) -> str:
    """``field.TooMany(path, actual, max).Error()`` (a negative ``actual`` is omitted)."""
    body = "Too many" if actual < 0 else f"Too many: {actual}"
    return f"{path}: {body}: {too_many_detail(max_items)}"


def field_immutable(path: str, value: object) -> str:
    """``ValidateImmutableField`` failure: ``<path>: Invalid value: ...: field is immutable``."""
    return field_invalid(path, value, FIELD_IMMUTABLE_ERROR_MSG)


def inclusive_range_error(lo: int, hi: int) -> str:
    """``validation.InclusiveRangeError``."""
    return f"must be between {lo} and {hi}, inclusive"


def is_valid_port_num(port: int) -> list[str]:
    """Problems with ``port`` as a TCP/UDP port number (``IsValidPortNum``)."""
    if 1 <= port <= 65535:
        return []
    return [inclusive_range_error(1, 65535)]


_PORT_NAME_CHARSET_RE = re.compile("[-a-z0-9]+")
_PORT_NAME_ONE_LETTER_RE = re.compile("[a-z]")


def is_valid_port_name(port: str) -> list[str]:
    """Problems with ``port`` as an IANA_SVC_NAME (``IsValidPortName``)."""
    errors: list[str] = []
    if len(port) > 15:
        errors.append(max_len_error(15))
    if not _PORT_NAME_CHARSET_RE.fullmatch(port):
        errors.append("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)")
    if not _PORT_NAME_ONE_LETTER_RE.search(port):
        errors.append("must contain at least one letter (a-z)")
    if "--" in port:
        errors.append("must not contain consecutive hyphens")
    if port and (port[0] == "-" or port[-1] == "-"):
        errors.append("must not begin or end with a hyphen")
    return errors


def _has_chdir_prefix(value: str) -> list[str]:
    if value == ".":
        return ["must not be '.'"]
    if value == "..":
        return ["must not be '..'"]
    if value.startswith(".."):
        return ["must not start with '..'"]
    return []


ENV_VAR_NAME_FMT = "[-._a-zA-Z][-._a-zA-Z0-9]*"
_ENV_VAR_NAME_RE = re.compile(ENV_VAR_NAME_FMT)
_ENV_VAR_NAME_ERR = (
    "a valid environment variable name must consist of alphabetic characters, digits, "
    "'_', '-', or '.', and must not start with a digit"
)


def is_env_var_name(value: str) -> list[str]:
    """Problems with ``value`` as an environment variable name (``IsEnvVarName``)."""
    errors: list[str] = []
    if not _ENV_VAR_NAME_RE.fullmatch(value):
        errors.append(
            regex_error(
                _ENV_VAR_NAME_ERR, ENV_VAR_NAME_FMT, "my.env-name", "MY_ENV.NAME", "MyEnvName1"
            )
        )
    return errors + _has_chdir_prefix(value)


CONFIG_MAP_KEY_FMT = "[-._a-zA-Z0-9]+"
_CONFIG_MAP_KEY_RE = re.compile(CONFIG_MAP_KEY_FMT)
_CONFIG_MAP_KEY_ERR = "a valid config key must consist of alphanumeric characters, '-', '_' or '.'"


def is_config_map_key(value: str) -> list[str]:
    """Problems with ``value`` as a ConfigMap/Secret data key (``IsConfigMapKey``)."""
    errors: list[str] = []
    if len(value) > DNS1123_SUBDOMAIN_MAX_LENGTH:
        errors.append(max_len_error(DNS1123_SUBDOMAIN_MAX_LENGTH))
    if not _CONFIG_MAP_KEY_RE.fullmatch(value):
        errors.append(
            regex_error(_CONFIG_MAP_KEY_ERR, CONFIG_MAP_KEY_FMT, "key.name", "KEY_NAME", "key-name")
        )
    return errors + _has_chdir_prefix(value)


PERCENT_FMT = "[0-9]+%"
_PERCENT_RE = re.compile(PERCENT_FMT)
_PERCENT_ERR = "a valid percent string must be a numeric string followed by an ending '%'"


def is_valid_percent(value: str) -> list[str]:
    """Problems with ``value`` as a percentage like ``25%`` (``IsValidPercent``)."""
    if _PERCENT_RE.fullmatch(value):
        return []
    return [regex_error(_PERCENT_ERR, PERCENT_FMT, "1%", "93%")]


_IPV4_RE = re.compile(
    r"(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}"
)


def is_valid_ip(value: str) -> list[str]:
    """Problems with ``value`` as an IPv4 or IPv6 address (``IsValidIP``'s wording).

    Like Kubernetes' strict parser, IPv4 octets with leading zeros are rejected.
    """
    if _IPV4_RE.fullmatch(value):
        return []
    if ":" in value:
        try:
            ipaddress.IPv6Address(value)
        except ValueError:
            pass
        else:
            return []
    return ["must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"]
