"""The REST semantics of one resource over the store: get, list, create, update, patch,
delete, deletecollection, and the subresources status, binding and scale.

Optimistic concurrency is a store transaction ("compare mod_revision, then put"), never a
read-then-write race; `resourceVersion` is the store revision; creation is "compare
create_revision == 0, then put". Every failure is raised as `StatusError` carrying the
Kubernetes Status, which the server turns into a reply value.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Mapping
from typing import Any

import attrs

from kactors.api import fielderrors as fe
from kactors.api import status as st
from kactors.api.errors import PatchError, SelectorError
from kactors.api.fields import parse_field_selector
from kactors.api.kinds import ResourceInfo, storage_key, storage_prefix
from kactors.api.labels import parse_selector, selector_from_label_selector
from kactors.api.meta import deep_copy
from kactors.api.patch import apply_patch
from kactors.api.validation import go_quote
from kactors.apiserver import serversideapply as ssa
from kactors.apiserver import strategy
from kactors.apiserver.admission import CacheDependent
from kactors.apiserver.objects import (
    NOT_JSON,
    Obj,
    decode_error,
    for_storage,
    generated_name,
    json_copy,
    json_type,
    new_uid,
    not_json,
    timestamp,
    with_resource_version,
)
from kactors.apiserver.watchcache import WatchCache
from kactors.store import Compacted, Put, Range, prefix_end
from kactors.store.commands import DeleteRange
from kactors.store.compare import CompareResult, compare_create, compare_mod

MAX_CONFLICT_RETRIES = 5
JSON_PATCH = "application/json-patch+json"
MERGE_PATCH = "application/merge-patch+json"
STRATEGIC_MERGE_PATCH = "application/strategic-merge-patch+json"
APPLY_PATCH = ssa.APPLY_PATCH
#: namespaces NamespaceLifecycle never lets anyone delete
IMMORTAL_NAMESPACES = ("default", "kube-system", "kube-public")
NAMESPACE_PURGING = ("The system is ensuring all content is removed from this namespace.  "
                     "Upon completion, this namespace will automatically be purged by the "
                     "system.")
#: pods/binding: the resource Kubernetes names in a failed binding's Conflict
BINDING = ("", "pods/binding")


INCONSISTENT_CONTINUE = (
    "The provided continue parameter is too old to display a consistent list result. You can "
    "start a new list without the continue parameter, or use the continue token in this "
    "response to retrieve the remainder of the results. Continuing with the provided token "
    "results in an inconsistent list - objects that were created, modified, or deleted "
    "between the time the first chunk was returned and now may show up in the list.")


def encode_continue(revision: int, start: str) -> str:
    return base64.urlsafe_b64encode(json.dumps(
        {"rv": revision, "start": start}).encode()).decode()


def decode_continue(token: Any, prefix: str) -> tuple[int, str]:
    """(revision, first key) of a continue token; 400 for anything else."""
    try:
        decoded = json.loads(base64.urlsafe_b64decode(str(token).encode()))
        revision, start = int(decoded["rv"]), str(decoded["start"])
    except (ValueError, KeyError, TypeError):
        raise st.StatusError(st.bad_request(
            "continue key is not valid: incorrect encoded start resourceVersion "
            "(version meta.k8s.io/v1)")) from None
    if revision == 0 or revision < -1:
        raise st.StatusError(st.bad_request(
            "continue key is not valid: incorrect encoded start resourceVersion "
            "(version meta.k8s.io/v1)"))
    if not start.startswith(prefix):
        raise st.StatusError(st.bad_request("continue key is not valid: wrong prefix"))
    return revision, start


def _int_option(options: Mapping[str, Any], name: str) -> int:
    value = options.get(name) or 0
    if isinstance(value, bool):
        value = int(value)
    try:
        return int(value)
    except (TypeError, ValueError):
        raise st.StatusError(st.bad_request(
            f"invalid value for {name}: {value!r} is not an integer")) from None


def patched(obj: Obj, patch: Any, patch_type: str, *, copy: bool = True) -> Any:
    """`obj` with `patch` applied; 400 for a patch that is not JSON data or cannot be
    decoded, 422 for one that does not apply (a failed JSON-patch test, a missing path).
    `copy=False`: the result may share the parts it did not change (never mutate it)."""
    problem = not_json(patch)
    if problem:
        raise st.StatusError(st.bad_request(f"the patch is not valid JSON data: {problem}"))
    try:
        return apply_patch(obj, patch, patch_type, copy=copy)
    except PatchError as error:
        raise st.StatusError(st.new_status(422, "Invalid", str(error))) from None
    except (ValueError, TypeError, AttributeError, KeyError, IndexError,
            RecursionError) as error:
        raise st.StatusError(st.bad_request(f"invalid patch: {error}")) from None


PROPAGATION_POLICIES = ("Foreground", "Background", "Orphan")


def check_preconditions(info: ResourceInfo, name: str, obj: Obj,
                        preconditions: Mapping[str, Any]) -> None:
    """A delete's ``preconditions`` (uid, resourceVersion) against the current `obj`: 409
    if it is not the object they name."""
    meta = obj["metadata"]
    if preconditions.get("uid") and preconditions["uid"] != meta.get("uid"):
        raise st.StatusError(st.conflict(
            info, name,
            f"Precondition failed: UID in precondition: {preconditions['uid']}, "
            f"UID in object meta: {meta.get('uid')}"))
    if preconditions.get("resourceVersion") and \
            str(preconditions["resourceVersion"]) != meta["resourceVersion"]:
        raise st.StatusError(st.conflict(info, name))


def delete_options(options: Mapping[str, Any]) -> tuple[int | None, str | None,
                                                          Mapping[str, Any]]:
    """(gracePeriodSeconds, propagationPolicy, preconditions) of a delete, from the query
    parameters or a DeleteOptions body; 400 when they do not decode, 422 when invalid."""
    body = options.get("body")
    if body is None:
        body = {}
    if not isinstance(body, dict):
        raise st.StatusError(st.bad_request(
            "the body of the request was in an unknown format - expected an object, got "
            f"{json_type(body)}"))
    grace = options.get("gracePeriodSeconds", body.get("gracePeriodSeconds"))
    if grace is not None:
        if isinstance(grace, bool) or not isinstance(grace, int | str | float):
            grace = "invalid"
        try:
            grace = int(grace)
        except (TypeError, ValueError):
            raise st.StatusError(st.bad_request(
                f"invalid value for gracePeriodSeconds: {grace!r} is not an integer")) from None
    policy = options.get("propagationPolicy", body.get("propagationPolicy"))
    if policy is not None and policy not in PROPAGATION_POLICIES:
        raise st.StatusError(st.invalid(("meta.k8s.io", "DeleteOptions"), "", [
            fe.not_supported("propagationPolicy", policy, list(PROPAGATION_POLICIES))]))
    preconditions = body.get("preconditions")
    if preconditions is None:
        preconditions = {}
    if not isinstance(preconditions, dict):
        raise st.StatusError(st.bad_request(
            "DeleteOptions in version \"v1\" cannot be handled as a DeleteOptions: json: "
            f"cannot unmarshal {json_type(preconditions)} into Go struct field "
            "DeleteOptions.preconditions of type v1.Preconditions"))
    return grace, policy, preconditions


class StaleObject(st.StatusError):
    """The stored object changed between our read and our write (compare failed): a
    Conflict the verbs that read for themselves retry."""


def patch_types(info: ResourceInfo) -> list[str]:
    """The patch content types a resource accepts: custom resources have no Go struct tags,
    hence no strategic merge patch (415 Unsupported Media Type, as in Kubernetes)."""
    if info.custom:
        return [JSON_PATCH, MERGE_PATCH, APPLY_PATCH]
    return [JSON_PATCH, MERGE_PATCH, STRATEGIC_MERGE_PATCH, APPLY_PATCH]


@attrs.define
class ListFilter:
    """Label and field selectors of a list or watch, parsed once."""

    labels: Any = None
    fields: Any = None

    @classmethod
    def parse(cls, info: ResourceInfo, options: Mapping[str, Any]) -> ListFilter:
        try:
            labels = parse_selector(options["labelSelector"]) if options.get(
                "labelSelector") else None
            fields = None
            if options.get("fieldSelector"):
                fields = parse_field_selector(options["fieldSelector"])
                fields = fields.validate_for_kind(info.kind) or fields
        except (SelectorError, ValueError) as error:
            raise st.StatusError(st.bad_request(str(error))) from None
        return cls(labels, fields)

    def matches(self, obj: Obj | None) -> bool:
        if obj is None:
            return False
        if self.labels is not None:
            meta = obj.get("metadata") or {}
            if not self.labels.matches(meta.get("labels") or {}):
                return False
        return self.fields is None or self.fields.matches(obj)

    @property
    def empty(self) -> bool:
        return self.labels is None and self.fields is None


class Rest:
    """Resource operations for the ApiServer actor (it owns the caches this reads)."""

    def __init__(self, store: Any, caches: dict[str, WatchCache], rng: Any,
                 now: Callable[[], float], epoch: Any,
                 admit_create: Callable[[ResourceInfo, Obj, Any, bool], Obj],
                 admit_update: Callable[[ResourceInfo, Obj, Obj, Any], Obj],
                 wait_cache: Callable[[ResourceInfo, int], Any],
                 abort_create: Callable[[ResourceInfo, Obj], None] | None = None,
                 custom_schema: Callable[[ResourceInfo], Any] | None = None) -> None:
        self.store = store
        self.caches = caches
        self.rng = rng
        self.now = now
        self.epoch = epoch
        self.admit_create = admit_create
        self.admit_update = admit_update
        self.wait_cache = wait_cache
        self.abort_create = abort_create or (lambda info, obj: None)
        #: a custom resource's openAPIV3Schema (its list types, for server-side apply)
        self.custom_schema = custom_schema

    # -- reads -------------------------------------------------------------------------------
    async def read(self, info: ResourceInfo, namespace: str | None, name: str) -> Obj:
        key = storage_key(info, name, namespace)
        kv = await self.store.get(key)
        if kv is None:
            raise st.StatusError(st.not_found(info, name))
        return with_resource_version(kv.value, kv.mod_revision)

    async def get(self, info: ResourceInfo, namespace: str | None, name: str,
                  options: Mapping[str, Any]) -> Obj:
        if str(options.get("resourceVersion", "")) == "0":
            cache = self.caches[info.storage_prefix]
            obj = cache.objects.get(storage_key(info, name, namespace))
            if obj is None:
                raise st.StatusError(st.not_found(info, name))
            return obj
        return await self.read(info, namespace, name)

    async def list(self, info: ResourceInfo, namespace: str | None,
                   options: Mapping[str, Any]) -> Obj:
        selector = ListFilter.parse(info, options)
        limit = _int_option(options, "limit")
        token = options.get("continue")
        prefix = storage_prefix(info, namespace)
        if limit <= 0 and not token:
            cache = self.caches[info.storage_prefix]
            if str(options.get("resourceVersion", "")) != "0":
                await self.catch_up(info, prefix)
            items = cache.list(prefix)
            if not selector.empty:
                items = [obj for obj in items if selector.matches(obj)]
            return self._list_object(info, items, cache.revision, None)
        return await self._list_pages(info, prefix, selector, max(limit, 0), token)

    async def catch_up(self, info: ResourceInfo, prefix: str | None = None) -> None:
        """Wait until the watch caches hold everything the store had committed when this
        was called (a quorum read tells the revision): a consistent read from cache."""
        key = prefix or storage_prefix(info, None)
        current = await self.store.range(key, prefix_end(key), count_only=True)
        await self.wait_cache(info, current.revision)

    async def _list_pages(self, info: ResourceInfo, prefix: str, selector: ListFilter,
                          limit: int, token: str | None) -> Obj:
        revision = 0
        start = prefix
        if token:
            revision, start = decode_continue(token, prefix)
        end = prefix_end(prefix)
        items: list[Obj] = []
        more = False
        last_key = None
        while True:
            want = (limit - len(items)) if limit else 0
            try:
                # rv -1: the token of an expired list, continued at the latest revision
                result = await self.store.range(start, end, limit=want + 1 if want else 0,
                                                revision=max(revision, 0))
            except Compacted:
                # handleCompactedErrorForPaging: 410 Expired, with a token that continues
                # at the latest revision for a client that accepts an inconsistent list
                status = st.resource_expired(INCONSISTENT_CONTINUE)
                status["metadata"] = {"continue": encode_continue(-1, start)}
                raise st.StatusError(status) from None
            if revision <= 0:
                revision = result.revision
            kvs = result.kvs
            page_more = bool(want) and len(kvs) > want
            if page_more:
                kvs = kvs[:want]
            for kv in kvs:
                obj = with_resource_version(kv.value, kv.mod_revision)
                last_key = kv.key
                if selector.matches(obj):
                    items.append(obj)
            if not page_more:
                break
            start = last_key + "\0"
            if limit and len(items) >= limit:
                more = True
                break
        next_token = None
        if more and last_key is not None:
            next_token = encode_continue(revision, last_key + "\0")
        return self._list_object(info, items, revision, next_token)

    @staticmethod
    def _list_object(info: ResourceInfo, items: list[Obj], revision: int,
                     token: str | None) -> Obj:
        meta: dict[str, Any] = {"resourceVersion": str(revision)}
        if token:
            meta["continue"] = token
        return {"kind": info.list_kind, "apiVersion": info.api_version, "metadata": meta,
                "items": items}

    # -- create --------------------------------------------------------------------------------
    async def create(self, info: ResourceInfo, namespace: str | None, body: Any, user: Any,
                     options: Mapping[str, Any]) -> Obj:
        obj = self._check_body(info, namespace, body, name=None, copy=True)
        meta = obj["metadata"]  # a fresh dict of this request's own
        generated = None
        if not meta.get("name") and meta.get("generateName"):
            generated = generated_name(str(meta["generateName"]), self.rng)
        identity = (generated, new_uid(self.rng), timestamp(self.epoch, self.now()))
        obj = self._new_object(info, namespace, obj, identity)
        try:
            # `obj` is this request's own copy (see _check_body): defaults go in place
            admitted = self.admit_create(info, obj, user, True)
        except CacheDependent:
            await self.catch_up(info)  # the caches may just be behind: read our writes
            # admission may have changed `obj` already: admit a fresh copy, same identity
            obj = self._check_body(info, namespace, body, name=None, copy=True)
            obj = self._new_object(info, namespace, obj, identity)
            admitted = self.admit_create(info, obj, user, True)
        obj = admitted
        name = obj["metadata"]["name"]
        if options.get("dryRun"):
            self.abort_create(info, obj)
            return obj
        try:
            return await self.put_new(info, namespace, name, obj)
        except BaseException:
            self.abort_create(info, obj)
            raise

    @staticmethod
    def _new_object(info: ResourceInfo, namespace: str | None, obj: Obj,
                    identity: tuple[str | None, str, str]) -> Obj:
        """The object to admit from a checked copy of the body and the identity chosen
        for it (generated name or None, uid, creationTimestamp): built again from the body
        if admission has to be retried, instead of keeping a deep copy of every create's
        metadata for that rare case."""
        meta = obj["metadata"]
        generated, uid, created = identity
        if generated is not None and not meta.get("name"):
            meta["name"] = generated
        if namespace:
            meta["namespace"] = namespace
        meta["uid"] = uid
        meta["creationTimestamp"] = created
        meta.pop("resourceVersion", None)
        if "managedFields" in meta:  # (only objects applied, or copies of them, carry any)
            ssa.sanitize_create(info, obj)
        return strategy.prepare_for_create(info, obj, owned=True)

    async def put_new(self, info: ResourceInfo, namespace: str | None, name: str,
                      obj: Obj) -> Obj:
        key = storage_key(info, name, namespace)
        result = await self.store.txn((compare_create(key, CompareResult.EQUAL, 0),),
                                      (Put(key, for_storage(obj)),), ())
        if not result.succeeded:
            raise st.StatusError(st.already_exists(info, name))
        return with_resource_version(obj, result.revision)

    def _check_body(self, info: ResourceInfo, namespace: str | None, body: Any,
                    name: str | None, copy: bool = False, json_checked: bool = False) -> Obj:
        """The request body as the object to admit; 400 for what Go's decoder refuses.
        `copy`: return a deep copy (then owned by the caller: admission may default it
        in place), made by the same walk that checks the body is JSON data.
        `json_checked`: the body is known to be JSON data (a patch, checked, applied to a
        stored object), so that walk is skipped."""
        if not isinstance(body, dict):
            raise st.StatusError(st.bad_request(
                f"the body of the request was in an unknown format - expected an object, "
                f"got {json_type(body)}"))
        owned = json_copy(body) if copy else NOT_JSON
        if owned is NOT_JSON:
            undecodable = decode_error(info.kind, info.version, body, json_checked=json_checked)
            if copy and not undecodable:
                owned = deep_copy(body)  # JSON after all (tuples for lists)
        else:
            undecodable = decode_error(info.kind, info.version, owned, json_checked=True)
        if undecodable:
            raise st.StatusError(st.bad_request(undecodable))
        if copy:
            body = owned
        api_version, kind = body.get("apiVersion"), body.get("kind")
        if kind is not None and (kind != info.kind or api_version not in (None, info.api_version)):
            raise st.StatusError(st.bad_request(
                f"the API version in the data ({api_version}) does not match the expected API "
                f"version ({info.api_version})" if kind == info.kind else
                f"{kind} in version \"{info.version}\" cannot be handled as a {info.kind}"))
        meta = body.get("metadata")
        if meta is not None and not isinstance(meta, dict):
            raise st.StatusError(st.bad_request("metadata must be an object"))
        if meta is None:
            meta = {}
        elif None in meta.values():  # null is Go's zero value: as good as absent
            meta = {key: value for key, value in meta.items() if value is not None}
        elif not copy:
            meta = dict(meta)  # ours to fill in (a copy's metadata is ours already)
        if not info.namespaced:
            meta.pop("namespace", None)  # cluster-scoped objects have none
        body_ns = meta.get("namespace")
        if info.namespaced and body_ns and namespace and body_ns != namespace:
            raise st.StatusError(st.bad_request(
                "the namespace of the provided object does not match the namespace sent on "
                "the request"))
        if name is not None and meta.get("name") not in (None, name):
            raise st.StatusError(st.bad_request(
                "the name of the object ({}) does not match the name on the URL ({})".format(
                    meta.get("name"), name)))
        if copy:  # our own copy: fill it in (key order as a fresh dict would have it)
            obj = body
            obj["apiVersion"], obj["kind"], obj["metadata"] = info.api_version, info.kind, meta
        else:
            obj = {**body, "apiVersion": info.api_version, "kind": info.kind, "metadata": meta}
        if name is not None:
            meta["name"] = name
        return obj

    # -- update and patch ------------------------------------------------------------------------
    async def update(self, info: ResourceInfo, namespace: str | None, name: str, body: Any,
                     user: Any, subresource: str | None, options: Mapping[str, Any]) -> Obj:
        new = self._check_body(info, namespace, body, name=name)
        wanted_rv = (new.get("metadata") or {}).get("resourceVersion")
        # As patch does (GuaranteedUpdate through the cacher): first from the watch
        # cache's copy, whose resourceVersion the write compares; whatever that copy
        # leads to instead of a successful write (a stale resourceVersion, a write that
        # changes nothing, an error, a compare that fails) is decided on a fresh read,
        # exactly as an update that read the store itself.
        cache = None if options.get("dryRun") else self.caches.get(info.storage_prefix)
        cached = cache.objects.get(storage_key(info, name, namespace)) if cache else None
        if cached is not None:
            if not wanted_rv or str(wanted_rv) == cached["metadata"]["resourceVersion"]:
                try:
                    return await self._write_update(
                        info, namespace, name, self._versioned(new, wanted_rv, cached),
                        cached, user, subresource, options, current=False)
                except st.StatusError:
                    pass
        old = await self.read(info, namespace, name)
        if wanted_rv and str(wanted_rv) != old["metadata"]["resourceVersion"]:
            raise st.StatusError(st.conflict(info, name))
        return await self._write_update(info, namespace, name,
                                        self._versioned(new, wanted_rv, old), old, user,
                                        subresource, options)

    @staticmethod
    def _versioned(new: Obj, wanted_rv: Any, old: Obj) -> Obj:
        """An unconditional update (AllowUnconditionalUpdate, no resourceVersion sent)
        applies to the latest version, as if the client had sent its resourceVersion."""
        if wanted_rv:
            return new
        return with_resource_version(new, int(old["metadata"]["resourceVersion"]))

    async def _write_update(self, info: ResourceInfo, namespace: str | None, name: str,
                            new: Obj, old: Obj, user: Any, subresource: str | None,
                            options: Mapping[str, Any], *, current: bool = True,
                            owner_subresource: str | None = None) -> Obj:
        """`owner_subresource`: the subresource whose writer owns what this write changes
        (``scale``), when it is not `subresource`."""
        if subresource == "status":
            obj = strategy.prepare_for_status_update(new, old)
        elif subresource == "finalize":
            obj = strategy.prepare_for_finalize_update(new, old)
            obj = self.admit_update(info, obj, old, user)
        else:
            obj = strategy.prepare_for_update(info, new, old)
            obj = self.admit_update(info, obj, old, user)
        if "managedFields" in old["metadata"] or "managedFields" in new["metadata"]:
            obj = self._managed_fields(info, old, new, obj, user,
                                       owner_subresource or subresource, options)
        if options.get("dryRun"):
            return with_resource_version(obj, int(old["metadata"]["resourceVersion"]))
        return await self.swap(info, namespace, name, obj, old, current=current)

    async def swap(self, info: ResourceInfo, namespace: str | None, name: str, obj: Obj,
                   old: Obj, *, current: bool = True) -> Obj:
        """Write `obj` if the stored object is still `old`; 409 Conflict otherwise. An object
        being deleted whose last finalizer is gone is deleted instead. `current=False`:
        `old` is the watch cache's copy, which may be stale: a write that changes nothing
        is a StaleObject (the caller confirms it on a fresh read) instead of a no-op."""
        key = storage_key(info, name, namespace)
        rv = int(old["metadata"]["resourceVersion"])
        if strategy.should_delete_during_update(info, obj):
            op: Any = DeleteRange(key)
        else:
            stored = for_storage(obj)
            if stored == for_storage(old):
                # Nothing changed: like Kubernetes, no write, no new resourceVersion, no
                # watch event (a controller that re-applies the same object must not loop).
                if not current:
                    raise StaleObject(st.conflict(info, name))
                return old
            op = Put(key, stored)
        result = await self.store.txn((compare_mod(key, CompareResult.EQUAL, rv),), (op,),
                                      (Range(key),))
        if not result.succeeded:
            raise StaleObject(st.conflict(info, name))
        return with_resource_version(obj, result.revision)

    def _managed_fields(self, info: ResourceInfo, old: Obj, new: Obj, obj: Obj, user: Any,
                        subresource: str | None, options: Mapping[str, Any]) -> Obj:
        """The managedFields of `obj`, the write of `new` over `old` once prepared and
        admitted: an apply's are those it computed (`new` carries them); any other write
        gives the fields it changed to its manager (:mod:`.serversideapply`)."""
        if options.get("patchType") == APPLY_PATCH:
            meta = {k: v for k, v in obj["metadata"].items() if k != "managedFields"}
            if new["metadata"].get("managedFields"):
                meta["managedFields"] = new["metadata"]["managedFields"]
            return {**obj, "metadata": meta}
        return ssa.track_update(info, old, obj, ssa.schema_of(info, self.custom_schema),
                                ssa.manager_of(options, user), subresource,
                                timestamp(self.epoch, self.now()), strategy.has_status(info))

    async def patch(self, info: ResourceInfo, namespace: str | None, name: str, body: Any,
                    user: Any, subresource: str | None, options: Mapping[str, Any]) -> Obj:
        patch_type = options.get("patchType") or "application/merge-patch+json"
        accepted = patch_types(info)
        if patch_type not in accepted:
            raise st.StatusError(st.unsupported_media_type(accepted))
        if patch_type == APPLY_PATCH:
            return await self.apply(info, namespace, name, body, user, subresource, options)
        if "force" in options:
            ssa.forbid_force(options)
        # Like Kubernetes' GuaranteedUpdate through its cacher, start from the watch
        # cache's copy (no store round trip): the write compares its resourceVersion, so a
        # stale copy costs a retry from a fresh read; and whatever that copy leads to
        # instead of a write (an error, or no change at all) is confirmed on a fresh read.
        cache = None if options.get("dryRun") else self.caches.get(info.storage_prefix)
        cached = cache.objects.get(storage_key(info, name, namespace)) if cache else None
        for _ in range(MAX_CONFLICT_RETRIES + (cached is not None)):
            current = cached is None
            old = await self.read(info, namespace, name) if current else cached
            cached = None
            assert old is not None
            try:
                # a status write keeps everything but the status from the stored object
                # and goes through no admission that could default in place; a built-in
                # kind's other writes are deep-copied by their defaulting (admit_update)
                # before anything changes them: no copy of ours (a custom resource's
                # pruning and schema defaults are not known to copy: a copy first)
                merged = patched(old, body, patch_type,
                                 copy=info.custom and subresource != "status")
                new = self._check_body(info, namespace, merged, name=name, json_checked=True)
                # The patched object carries the resourceVersion read, unless the patch
                # set one: then it is a precondition, which fails once the object moved on
                # (so a retry after a conflict fails too, as in GuaranteedUpdate).
                patched_rv = (new.get("metadata") or {}).get("resourceVersion")
                if patched_rv and str(patched_rv) != old["metadata"]["resourceVersion"]:
                    raise st.StatusError(st.conflict(info, name))
                if not patched_rv and subresource != "status":
                    # (a status write keeps the stored metadata, resourceVersion included)
                    new = with_resource_version(new, int(old["metadata"]["resourceVersion"]))
                return await self._write_update(info, namespace, name, new, old, user,
                                                subresource, options, current=current)
            except st.StatusError as error:
                if current and not isinstance(error, StaleObject):
                    raise
        raise st.StatusError(st.conflict(info, name))

    async def apply(self, info: ResourceInfo, namespace: str | None, name: str, body: Any,
                    user: Any, subresource: str | None, options: Mapping[str, Any]) -> Obj:
        """Server-side apply (:mod:`.serversideapply`): `body` is the applier's whole
        configuration, merged into the live object (created, through the create path, if
        there is none); 409 when it would change a value another manager owns."""
        manager, force = ssa.apply_options(options)
        config = self._check_apply_config(info, namespace, name, body)
        schema = ssa.schema_of(info, self.custom_schema)
        has_status = strategy.has_status(info)
        for _ in range(MAX_CONFLICT_RETRIES):
            now = timestamp(self.epoch, self.now())
            try:
                old = await self.read(info, namespace, name)
            except st.StatusError as error:
                if error.code != 404 or subresource:
                    raise
                new = ssa.apply(info, None, config, schema, manager, force, subresource, now,
                                has_status)
                try:
                    return await self.create(info, namespace, new, user, options)
                except st.StatusError as error:
                    if error.status.get("reason") != "AlreadyExists":
                        raise
                    continue  # created meanwhile: apply to it
            new = ssa.apply(info, old, config, schema, manager, force, subresource, now,
                            has_status)
            new = with_resource_version(new, int(old["metadata"]["resourceVersion"]))
            try:
                return await self._write_update(info, namespace, name, new, old, user,
                                                subresource, options)
            except st.StatusError as error:
                if not isinstance(error, StaleObject):
                    raise
        raise st.StatusError(st.conflict(info, name))

    def _check_apply_config(self, info: ResourceInfo, namespace: str | None, name: str,
                            body: Any) -> Obj:
        """An apply configuration: an object of the resource's kind and apiVersion (both
        required, as Kubernetes' apply decoding needs them), naming the object of the URL,
        without managedFields; 400 otherwise."""
        problem = not_json(body)
        if problem:
            raise st.StatusError(st.bad_request(f"the patch is not valid JSON data: {problem}"))
        if isinstance(body, dict) and (not body.get("apiVersion") or not body.get("kind")):
            raise st.StatusError(st.bad_request(
                "error decoding YAML: Object 'Kind' is missing in the apply configuration"
                if not body.get("kind") else
                "error decoding YAML: Object 'apiVersion' is missing in the apply "
                "configuration"))
        config = self._check_body(info, namespace, deep_copy(body), name=name,
                                  json_checked=True)
        meta = config["metadata"]
        if meta.get("managedFields") is not None:
            raise st.StatusError(st.bad_request("metadata.managedFields must be nil"))
        meta.pop("resourceVersion", None)
        if info.namespaced and namespace:
            meta["namespace"] = namespace
        return config

    # -- delete ------------------------------------------------------------------------------------
    async def delete(self, info: ResourceInfo, namespace: str | None, name: str,
                     options: Mapping[str, Any]) -> Obj:
        grace, policy, preconditions = delete_options(options)
        for _ in range(MAX_CONFLICT_RETRIES):
            old = await self.read(info, namespace, name)
            check_preconditions(info, name, old, preconditions)
            try:
                return await self._delete_once(info, namespace, name, old, grace, policy,
                                               options)
            except st.StatusError as error:
                if not isinstance(error, StaleObject):
                    raise
        raise st.StatusError(st.conflict(info, name))

    async def _delete_once(self, info: ResourceInfo, namespace: str | None, name: str,
                           old: Obj, grace: Any, policy: Any, options: Mapping[str, Any]
                           ) -> Obj:
        meta = dict(old["metadata"])
        finalizers = list(meta.get("finalizers") or [])
        if policy == "Foreground" and "foregroundDeletion" not in finalizers:
            finalizers.append("foregroundDeletion")
        elif policy == "Orphan" and "orphan" not in finalizers:
            finalizers.append("orphan")
        if strategy.is_namespace(info):
            if name in IMMORTAL_NAMESPACES:  # NamespaceLifecycle admission
                raise st.StatusError(st.forbidden(info, name,
                                                  "this namespace may not be deleted"))
            # Kubernetes' namespace REST: the first delete marks it Terminating; while
            # spec.finalizers remain (the namespace controller empties the namespace, then
            # removes its finalizer through namespaces/finalize, which deletes it), a
            # further delete is a Conflict.
            spec_finalizers = (old.get("spec") or {}).get("finalizers") or []
            if spec_finalizers and meta.get("deletionTimestamp"):
                raise st.StatusError(st.conflict(info, name, NAMESPACE_PURGING))
            if spec_finalizers or finalizers:
                meta.setdefault("deletionTimestamp", timestamp(self.epoch, self.now()))
                if finalizers:
                    meta["finalizers"] = finalizers
                obj = {**old, "metadata": meta,
                       "status": {**(old.get("status") or {}), "phase": "Terminating"}}
                if obj == old:
                    return old
                if options.get("dryRun"):
                    return obj
                return await self.swap(info, namespace, name, obj, old)
        seconds = strategy.graceful_seconds(info, old, None if grace is None else int(grace))
        if finalizers or seconds > 0:
            if "deletionTimestamp" not in meta or (
                    seconds < int(meta.get("deletionGracePeriodSeconds") or 0)):
                meta["deletionTimestamp"] = timestamp(self.epoch, self.now() + seconds)
                meta["deletionGracePeriodSeconds"] = seconds
            meta["finalizers"] = finalizers
            if not finalizers:
                meta.pop("finalizers")
            obj = {**old, "metadata": meta}
            if obj == old:  # already being deleted, nothing new asked: no write
                return old
            if options.get("dryRun"):
                return obj
            return await self.swap(info, namespace, name, obj, old)
        key = storage_key(info, name, namespace)
        if options.get("dryRun"):
            return old
        rv = int(old["metadata"]["resourceVersion"])
        result = await self.store.txn((compare_mod(key, CompareResult.EQUAL, rv),),
                                      (DeleteRange(key),), ())
        if not result.succeeded:
            raise StaleObject(st.conflict(info, name))
        return old

    async def delete_collection(self, info: ResourceInfo, namespace: str | None,
                                options: Mapping[str, Any]) -> Obj:
        listed = await self.list(info, namespace, {
            key: options[key] for key in ("labelSelector", "fieldSelector") if key in options})
        deleted = []
        for obj in listed["items"]:
            try:
                deleted.append(await self.delete(info, namespace, obj["metadata"]["name"],
                                                 options))
            except st.StatusError as error:
                if error.code != 404:
                    raise
        return self._list_object(info, deleted, int(listed["metadata"]["resourceVersion"]),
                                 None)

    # -- subresources ------------------------------------------------------------------------------
    async def bind(self, info: ResourceInfo, namespace: str, name: str, body: Any) -> Obj:
        """pods/binding: set spec.nodeName once, and the PodScheduled condition."""
        target = body.get("target") if isinstance(body, dict) else None
        node = target.get("name") if isinstance(target, dict) else None
        if node is not None and not isinstance(node, str):
            raise st.StatusError(st.bad_request(
                f"Binding in version \"v1\" cannot be handled as a Binding: json: cannot "
                f"unmarshal {json_type(node)} into Go struct field ObjectReference.target.name "
                f"of type string"))
        if not node:
            raise st.StatusError(st.invalid(("", "Binding"), name, [fe.required("target.name")]))
        # Like Kubernetes' GuaranteedUpdate, start from the watch cache's copy (no store
        # round trip): the transaction compares its resourceVersion, so a stale copy only
        # costs a retry from a fresh read; and a refusal is confirmed on a fresh read.
        cached = self.caches[info.storage_prefix].objects.get(
            storage_key(info, name, namespace))
        fresh = cached is None
        for _ in range(MAX_CONFLICT_RETRIES + 1):
            pod = await self.read(info, namespace, name) if fresh else cached
            assert pod is not None
            spec = pod.get("spec") or {}
            if not fresh and (pod["metadata"].get("deletionTimestamp") or spec.get("nodeName")):
                fresh = True
                continue
            # Kubernetes wraps these in NewConflict(Resource("pods/binding"), ...)
            if pod["metadata"].get("deletionTimestamp"):
                raise st.StatusError(st.conflict(
                    BINDING, name, f"pod {name} is being deleted, cannot be assigned to a host"))
            if spec.get("nodeName"):
                raise st.StatusError(st.conflict(
                    BINDING, name,
                    f"pod {name} is already assigned to node {go_quote(spec['nodeName'])}"))
            status = dict(pod.get("status") or {})
            conditions = [c for c in status.get("conditions") or [] if c.get("type") != "PodScheduled"]
            conditions.append({"type": "PodScheduled", "status": "True",
                               "lastProbeTime": None,
                               "lastTransitionTime": timestamp(self.epoch, self.now())})
            status["conditions"] = conditions
            new = {**pod, "spec": {**spec, "nodeName": node}, "status": status}
            annotations = ((body.get("metadata") or {}).get("annotations")
                           if isinstance(body, dict) else None)
            if isinstance(annotations, dict) and annotations:
                # like Kubernetes' BindingREST: the binding's annotations land on the pod
                meta = dict(pod["metadata"])
                meta["annotations"] = {**(meta.get("annotations") or {}),
                                       **{str(k): str(v) for k, v in annotations.items()}}
                new["metadata"] = meta
            try:
                await self.swap(info, namespace, name, new, pod)
            except st.StatusError as error:
                if not isinstance(error, StaleObject):
                    raise
                fresh = True
                continue
            return st.success()
        raise st.StatusError(st.conflict(info, name))

    async def get_scale(self, info: ResourceInfo, namespace: str, name: str) -> Obj:
        obj = await self.read(info, namespace, name)
        return scale_of(obj)

    async def update_scale(self, info: ResourceInfo, namespace: str, name: str, body: Any,
                           user: Any, patch_type: str | None,
                           options: Mapping[str, Any] | None = None) -> Obj:
        options = {key: value for key, value in (options or {}).items()
                   if key in ("fieldManager", "userAgent")}
        for _ in range(MAX_CONFLICT_RETRIES):
            obj = await self.read(info, namespace, name)
            scale = scale_of(obj)
            if patch_type:
                scale = patched(scale, body, patch_type)
            else:
                scale = body
            problem = decode_error("Scale", "v1", scale) if isinstance(scale, dict) else \
                "the body of the request was in an unknown format - expected an object, " \
                f"got {json_type(scale)}"
            if problem:
                raise st.StatusError(st.bad_request(problem))
            replicas = (scale.get("spec") or {}).get("replicas")
            if isinstance(replicas, bool) or not isinstance(replicas, int) or replicas < 0:
                raise st.StatusError(st.invalid(("autoscaling", "Scale"), name, [fe.invalid(
                    "spec.replicas", replicas, "must be greater than or equal to 0")]))
            wanted_rv = (scale.get("metadata") or {}).get("resourceVersion")
            if wanted_rv and str(wanted_rv) != obj["metadata"]["resourceVersion"]:
                raise st.StatusError(st.conflict(info, name))
            new = {**obj, "spec": {**(obj.get("spec") or {}), "replicas": replicas}}
            try:
                written = await self._write_update(info, namespace, name, new, obj, user, None,
                                                   options, owner_subresource="scale")
            except st.StatusError as error:
                # a patch is applied again to the object read afresh (as in Kubernetes'
                # GuaranteedUpdate): the resourceVersion it carries is then the new one,
                # unless the patch itself set one (a precondition, checked above)
                if not isinstance(error, StaleObject) or (wanted_rv and not patch_type):
                    raise
                continue
            return scale_of(written)
        raise st.StatusError(st.conflict(info, name))


def scale_of(obj: Obj) -> Obj:
    meta = obj["metadata"]
    spec = obj.get("spec") or {}
    status = obj.get("status") or {}
    try:  # the whole selector, as the Scale's status.selector says it (the HPA reads it)
        selector = str(selector_from_label_selector(spec.get("selector") or {}))
    except (SelectorError, TypeError, ValueError):
        selector = ""
    return {
        "kind": "Scale", "apiVersion": "autoscaling/v1",
        "metadata": {"name": meta["name"], "namespace": meta.get("namespace"),
                     "uid": meta.get("uid"), "resourceVersion": meta.get("resourceVersion"),
                     "creationTimestamp": meta.get("creationTimestamp")},
        "spec": {"replicas": spec.get("replicas", 1)},
        "status": {"replicas": status.get("replicas", 0),
                   "selector": selector},
    }
