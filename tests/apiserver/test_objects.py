"""The helpers on every create's path: body check-and-copy, uids, timestamps."""

from __future__ import annotations

import datetime
import random
import uuid

from kactors.apiserver.objects import (
    DEFAULT_EPOCH,
    NOT_JSON,
    decode_error,
    json_copy,
    new_uid,
    not_json,
    timestamp,
)


def test_json_copy_is_a_deep_copy_of_json_data() -> None:
    body = {"a": [1, {"b": None, "c": True}], "d": 1.5, "e": "x"}
    copy = json_copy(body)
    assert copy == body
    assert copy is not body and copy["a"] is not body["a"] and copy["a"][1] is not body["a"][1]
    copy["a"][1]["b"] = "changed"
    assert body["a"][1]["b"] is None


def test_json_copy_refuses_what_not_json_reports() -> None:
    for bad in ({"a": float("nan")}, {"a": {1: "x"}}, {"a": [object()]}, {"a": (1, 2)},
                {"a": float("inf")}):
        assert json_copy(bad) is NOT_JSON
    # tuples are JSON arrays to not_json: the caller copies those the slow way
    assert not_json({"a": (1, 2)}) is None
    assert not_json({"a": float("nan")}) == "a: nan is not a JSON number"


def test_decode_error_of_a_checked_body_matches_the_full_check() -> None:
    bodies = [
        {"kind": "Pod", "metadata": {"name": "a", "labels": {"x": "y"}}, "spec": {}},
        {"metadata": {"name": 5}},
        {"metadata": {"labels": {"a": 1}}},
        {"metadata": {"finalizers": ["a", 2]}},
        {"metadata": {"generation": "1"}},
        {"metadata": {"ownerReferences": [1]}},
        {"kind": 3},
        {"spec": []},
        {"status": "x"},
        {"metadata": []},
    ]
    for body in bodies:
        assert decode_error("Pod", "v1", body, json_checked=True) == \
            decode_error("Pod", "v1", body), body
    assert decode_error("Pod", "v1", bodies[0], json_checked=True) is None
    assert decode_error("Pod", "v1", {"metadata": {"name": 5}}, json_checked=True) == (
        'Pod in version "v1" cannot be handled as a Pod: json: cannot unmarshal number into '
        "Go struct field ObjectMeta.metadata.name of type string")


def test_new_uid_is_a_version_4_uuid_from_the_generator() -> None:
    ours, reference = random.Random(7), random.Random(7)
    for _ in range(1000):
        assert new_uid(ours) == str(uuid.UUID(int=reference.getrandbits(128), version=4))


def test_timestamp_follows_the_clock_second_by_second() -> None:
    assert timestamp(DEFAULT_EPOCH, 0.2) == "2026-01-01T00:00:00Z"
    assert timestamp(DEFAULT_EPOCH, 0.9) == "2026-01-01T00:00:00Z"
    assert timestamp(DEFAULT_EPOCH, 61.0) == "2026-01-01T00:01:01Z"
    other = datetime.datetime(2030, 5, 1, tzinfo=datetime.UTC)
    assert timestamp(other, 61.0) == "2030-05-01T00:01:01Z"  # another epoch, same second
    assert timestamp(DEFAULT_EPOCH, 61.5) == "2026-01-01T00:01:01Z"
