"""Server-side apply and field ownership at the request level (Kubernetes' fieldmanager).

An apply (PATCH with ``application/apply-patch+yaml``, query ``fieldManager`` and maybe
``force``) merges the applier's configuration into the live object and records, in
``metadata.managedFields``, which fields each manager owns (:mod:`kactors.api.
structuredmerge` does the merge, :mod:`kactors.api.fieldpaths` the ledger). Each entry
names a manager, its operation (``Apply``, or ``Update`` for every other write), the
apiVersion it wrote with, the subresource it wrote through (``status``, ``scale``), a time
and its fields in FieldsV1.

**Where this departs from Kubernetes, on purpose:** Kubernetes records an ``Update`` entry
for *every* write of *every* object. Here only objects that already carry managedFields
(applied at least once, or given managedFields by a client) get their non-apply writes
tracked: an update or patch then gives the fields it changed to its manager (``fieldManager``
query parameter, else the program name of the User-Agent as Kubernetes does, e.g.
``kubectl``, else the user's name) and takes them from every other manager. Objects never
applied carry no managedFields, so the benchmarked hot paths (pod create, status patches)
pay one dictionary lookup for this feature.

Clients cannot write garbage into managedFields: managedFields sent with an update that do
not decode are ignored (the live ones are kept, as Kubernetes does), and decodable entries
are validated with Kubernetes' rules (operation, fieldsType, manager length) before they
are stored. Sending them is how ``kubectl apply --server-side`` upgrades the managers a
client-side ``kubectl apply`` left.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

import attrs

from kactors.api import fielderrors as fe
from kactors.api import status as st
from kactors.api.fieldpaths import (
    FieldSet,
    Path,
    decode_fields,
    encode_fields,
    field,
    path_string,
    without_descendants_of,
)
from kactors.api.kinds import ResourceInfo
from kactors.api.listtypes import ListSchema, builtin_schema, schema_from_openapi
from kactors.api.structuredmerge import (
    ItemKeyError,
    changes,
    conflicting,
    fields_of,
    merge,
    remove_fields,
)
from kactors.apiserver.objects import query_flag

__all__ = [
    "APPLY_PATCH",
    "ManagerId",
    "apply",
    "apply_options",
    "conflict_status",
    "decode_managed",
    "encode_managed",
    "forbid_force",
    "manager_of",
    "sanitize_create",
    "schema_of",
    "track_update",
]

APPLY_PATCH = "application/apply-patch+yaml"
APPLY, UPDATE = "Apply", "Update"
MAX_MANAGER_LENGTH = 128
MAX_SUBRESOURCE_LENGTH = 256
PATCH_OPTIONS = ("meta.k8s.io", "PatchOptions")

#: fields no manager ever owns: identity and bookkeeping the apiserver sets
_NEVER_OWNED: tuple[Path, ...] = (
    (field("apiVersion"),), (field("kind"),),
    *((field("metadata"), field(name)) for name in (
        "name", "namespace", "uid", "resourceVersion", "generation", "creationTimestamp",
        "deletionTimestamp", "deletionGracePeriodSeconds", "managedFields", "selfLink")),
)
_STATUS: Path = (field("status"),)


@attrs.frozen(order=True)
class ManagerId:
    """Who owns fields: Kubernetes' manager identifier (an applier is the same manager
    whatever apiVersion it applies with; an updater is one per apiVersion)."""

    manager: str
    operation: str
    subresource: str = ""
    api_version: str = ""

    def describe(self) -> str:
        """As Kubernetes names it in a conflict (``printManager``)."""
        text = json.dumps(self.manager)
        if self.subresource:
            text += f" with subresource {json.dumps(self.subresource)}"
        if self.operation == UPDATE:
            text += f" using {self.api_version}"
        return text


@attrs.frozen
class Owned:
    fields: FieldSet
    api_version: str
    time: str | None


Managed = dict[ManagerId, Owned]


# -- options -----------------------------------------------------------------------------------
def _manager_errors(manager: str, path: str) -> list[Any]:
    if len(manager) > MAX_MANAGER_LENGTH:
        return [fe.too_long(path, MAX_MANAGER_LENGTH)]
    if not manager.isprintable():
        return [fe.invalid(path, manager, "must only contain printable characters")]
    return []


def apply_options(options: Mapping[str, Any]) -> tuple[str, bool]:
    """(fieldManager, force) of an apply: 422 PatchOptions Invalid as Kubernetes answers
    an apply without a manager."""
    manager = options.get("fieldManager") or ""
    errors = [fe.required("fieldManager", "is required for apply patch")] if not manager \
        else _manager_errors(str(manager), "fieldManager")
    if errors:
        raise st.StatusError(st.invalid(PATCH_OPTIONS, "", errors))
    return str(manager), query_flag(options.get("force"))


def forbid_force(options: Mapping[str, Any]) -> None:
    """``force`` belongs to apply only (422 otherwise, as in Kubernetes)."""
    if options.get("force") is not None:
        raise st.StatusError(st.invalid(PATCH_OPTIONS, "", [
            fe.forbidden("force", "may not be specified for non-apply patch")]))


def manager_of(options: Mapping[str, Any], user: Any) -> str:
    """The manager of a non-apply write: ``fieldManager``, else the User-Agent's program
    name (Kubernetes' ``prefixFromUserAgent``: ``kubectl/v1.32 (linux)`` is ``kubectl``),
    else the user's name (in-process clients send no User-Agent)."""
    manager = options.get("fieldManager")
    if manager:
        return str(manager)[:MAX_MANAGER_LENGTH]
    agent = options.get("userAgent")
    if agent:
        return str(agent).split("/", 1)[0][:MAX_MANAGER_LENGTH]
    return str(getattr(user, "name", "") or "unknown")[:MAX_MANAGER_LENGTH]


def schema_of(info: ResourceInfo, custom: Callable[[ResourceInfo], Any] | None
              ) -> ListSchema:
    """The merge shape of a resource's kind: the built-in table, or its CRD's schema."""
    if info.custom:
        return schema_from_openapi(custom(info) if custom else None)
    return builtin_schema(info.group, info.kind)


# -- managedFields on the wire -----------------------------------------------------------------
def decode_managed(entries: Any) -> Managed:
    """managedFields as ownership; ValueError for entries that do not decode."""
    if entries is None:
        return {}
    if not isinstance(entries, list):
        raise ValueError("managedFields must be a list")
    managed: Managed = {}
    for entry in entries:
        if not isinstance(entry, Mapping):
            raise ValueError("a managedFields entry must be an object")
        values = [entry.get(k) for k in ("manager", "operation", "apiVersion", "subresource",
                                         "time", "fieldsType")]
        if any(v is not None and not isinstance(v, str) for v in values):
            raise ValueError("managedFields entry fields must be strings")
        manager, operation, api_version, subresource, time, _ = (v or "" for v in values)
        fields = decode_fields(entry.get("fieldsV1") or {})
        ident = ManagerId(manager, operation, subresource,
                          api_version if operation != APPLY else "")
        previous = managed.get(ident)
        if previous is not None:  # one entry per manager: a duplicate is merged into it
            fields = fields | previous.fields
        managed[ident] = Owned(fields, api_version, time or None)
    return managed


def _validate(entries: list[Any]) -> list[Any]:
    """Kubernetes' ValidateManagedFields."""
    errors = []
    for index, entry in enumerate(entries):
        path = f"metadata.managedFields[{index}]"
        if entry.get("operation") not in (APPLY, UPDATE):
            errors.append(fe.invalid(f"{path}.operation", entry.get("operation"),
                                     "must be `Apply` or `Update`"))
        if entry.get("fieldsType") not in (None, "", "FieldsV1"):
            errors.append(fe.invalid(f"{path}.fieldsType", entry.get("fieldsType"),
                                     "must be `FieldsV1`"))
        errors += _manager_errors(str(entry.get("manager") or ""), f"{path}.manager")
        if len(str(entry.get("subresource") or "")) > MAX_SUBRESOURCE_LENGTH:
            errors.append(fe.too_long(f"{path}.subresource", MAX_SUBRESOURCE_LENGTH))
    return errors


def encode_managed(managed: Managed) -> list[dict[str, Any]]:
    """Ownership as managedFields, in Kubernetes' order (operation, time, manager,
    apiVersion); managers that own nothing are left out."""
    entries = []
    for ident, owned in managed.items():
        if not owned.fields:
            continue
        entry: dict[str, Any] = {"manager": ident.manager, "operation": ident.operation,
                                 "apiVersion": owned.api_version}
        if owned.time:
            entry["time"] = owned.time
        entry["fieldsType"] = "FieldsV1"
        entry["fieldsV1"] = encode_fields(owned.fields)
        if ident.subresource:
            entry["subresource"] = ident.subresource
        entries.append(entry)
    entries.sort(key=lambda e: (e["operation"], e.get("time") or "", e["manager"],
                                e["apiVersion"]))
    return entries


def _with_managed(obj: Mapping[str, Any], entries: list[dict[str, Any]]) -> dict[str, Any]:
    meta = dict(obj.get("metadata") or {})
    if entries:
        meta["managedFields"] = entries
    else:
        meta.pop("managedFields", None)
    return {**obj, "metadata": meta}


def _body(obj: Mapping[str, Any]) -> dict[str, Any]:
    """The object without its managedFields (what field sets are computed over)."""
    meta = obj.get("metadata")
    if not isinstance(meta, Mapping) or "managedFields" not in meta:
        return dict(obj)
    return {**obj, "metadata": {k: v for k, v in meta.items() if k != "managedFields"}}


def _ownable(fields: FieldSet, info: ResourceInfo, subresource: str | None,
             has_status: bool) -> FieldSet:
    """The fields a write through `subresource` can own: never identity or bookkeeping;
    a status write owns status only; a main write of a kind with a status subresource
    owns no status (those parts are reset by the write, as Kubernetes' ResetFields)."""
    out = []
    for path in without_descendants_of(fields, _NEVER_OWNED):
        in_status = path[:1] == _STATUS
        if subresource == "status" and not in_status:
            continue
        if subresource != "status" and has_status and in_status:
            continue
        out.append(path)
    return frozenset(out)


# -- apply ------------------------------------------------------------------------------------
def apply(info: ResourceInfo, live: Mapping[str, Any] | None, config: Mapping[str, Any],
          schema: ListSchema, manager: str, force: bool, subresource: str | None,
          now: str, has_status: bool) -> dict[str, Any]:
    """The object an apply of `config` by `manager` makes of `live` (None: it is created),
    managedFields included; 409 Conflict for values other managers own (unless `force`:
    then they lose them), 422 for a configuration structured merge cannot read."""
    managed = decode_managed((live or {}).get("metadata", {}).get("managedFields")) \
        if live else {}
    base = _body(live) if live else {}
    applier = ManagerId(manager, APPLY, subresource or "")
    try:
        mine = _ownable(fields_of(config, schema), info, subresource, has_status)
        before = managed.get(applier)
        others = [owned.fields for ident, owned in managed.items() if ident != applier]
        everyone_else = frozenset().union(*others)
        prune = (before.fields if before else frozenset()) - mine - everyone_else
        # a field whose parts another manager still owns stays (only the rest goes)
        prune = frozenset(p for p in prune
                          if not any(q[:len(p)] == p for q in everyone_else))
        merged = remove_fields(merge(base, config, schema), prune, schema)
        changed, removed = changes(base, merged, schema)
    except ItemKeyError as error:  # (worded as Kubernetes' typed-patch conversion fails)
        meta = config.get("metadata") or {}
        where = f"{meta.get('namespace')}/{meta.get('name')}" if meta.get("namespace") \
            else str(meta.get("name"))
        raise st.StatusError(st.bad_request(
            f"failed to create typed patch object ({where}; {info.api_version}, "
            f"Kind={info.kind}): {error}")) from None
    changed = _ownable(changed, info, subresource, has_status)
    conflicts = conflicting(changed, {ident: owned.fields for ident, owned in managed.items()},
                            applier)
    if conflicts and not force:
        raise st.StatusError(conflict_status(info, str(merged["metadata"].get("name", "")),
                                             conflicts))
    for ident, path in conflicts:  # forced: they lose what they conflicted on
        owned = managed[ident]
        managed[ident] = attrs.evolve(owned, fields=owned.fields - {path})
    touched = (changed | removed) & (mine | (before.fields if before else frozenset()))
    time = now if before is None or before.fields != mine or touched or conflicts else \
        before.time
    managed[applier] = Owned(mine, info.api_version, time)
    return _with_managed(merged, encode_managed(managed))


def conflict_status(info: ResourceInfo, name: str,
                    conflicts: list[tuple[ManagerId, Path]]) -> dict[str, Any]:
    """409 Conflict, worded as Kubernetes' apply conflicts (NewApplyConflict)."""
    if len(conflicts) == 1:
        ident, path = conflicts[0]
        message = (f"Apply failed with 1 conflict: conflict with {ident.describe()}: "
                   f"{path_string(path)}")
    else:
        by_manager: dict[ManagerId, list[Path]] = {}
        for ident, path in conflicts:
            by_manager.setdefault(ident, []).append(path)
        lines = []
        for ident in sorted(by_manager, key=lambda i: i.describe()):
            lines.append(f"conflicts with {ident.describe()}:")
            lines += [f"- {path_string(path)}" for path in by_manager[ident]]
        message = f"Apply failed with {len(conflicts)} conflicts: " + "\n".join(lines)
    details = st.status_details(info.group, info.resource, name)
    details["causes"] = [{"type": "FieldManagerConflict",
                          "message": f"conflict with {ident.describe()}",
                          "field": path_string(path)} for ident, path in conflicts]
    return st.new_status(409, "Conflict", message, details)


# -- other writes -------------------------------------------------------------------------------
def track_update(info: ResourceInfo, old: Mapping[str, Any], new: Mapping[str, Any],
                 schema: ListSchema, manager: str, subresource: str | None, now: str,
                 has_status: bool) -> dict[str, Any]:
    """`new` (a non-apply write of `old`) with its managedFields: the ones the client sent
    if they decode and are valid (else the live ones), then the fields this write changed
    given to `manager` (an Update entry) and taken from everyone else."""
    old_entries = (old.get("metadata") or {}).get("managedFields")
    sent = (new.get("metadata") or {}).get("managedFields")
    managed = decode_managed(old_entries)
    if sent and sent != old_entries:
        try:
            given = decode_managed(sent)
        except ValueError:
            given = None  # undecodable: ignored, the live ones stay
        if given is not None:
            kept = [e for e in sent if isinstance(e, Mapping) and (e.get("fieldsV1") or {})]
            errors = _validate(kept)
            if errors:
                raise st.StatusError(st.invalid(info, str(new["metadata"].get("name", "")),
                                                errors))
            managed = given
    try:
        changed, removed = changes(_body(old), _body(new), schema)
    except ItemKeyError:
        changed = removed = frozenset()
    changed = _ownable(changed, info, subresource, has_status)
    if changed or removed:
        for ident, owned in list(managed.items()):
            lost = owned.fields & (changed | removed)
            if lost:
                managed[ident] = attrs.evolve(owned, fields=owned.fields - lost)
        updater = ManagerId(manager, UPDATE, subresource or "", info.api_version)
        mine = managed.get(updater)
        managed[updater] = Owned((mine.fields if mine else frozenset()) | changed,
                                 info.api_version, now)
    return _with_managed(new, encode_managed(managed))


def sanitize_create(info: ResourceInfo, obj: dict[str, Any]) -> None:
    """A create that carries managedFields keeps them if they decode and are valid (422
    if they decode but are not), and loses them if they do not decode, in place."""
    meta = obj["metadata"]
    try:
        decode_managed(meta.get("managedFields"))
    except ValueError:
        del meta["managedFields"]
        return
    kept = [e for e in meta["managedFields"] if (e.get("fieldsV1") or {})]
    errors = _validate(kept)
    if errors:
        raise st.StatusError(st.invalid(info, str(meta.get("name", "")), errors))
    if kept:
        meta["managedFields"] = kept
    else:
        del meta["managedFields"]
