"""Status objects and field errors, against apimachinery's exact messages and JSON shape."""

from __future__ import annotations

import json

import pytest

from kactors.api import DEFAULT_REGISTRY, status
from kactors.api.fielderrors import (
    OMIT,
    ErrorType,
    FieldError,
    FieldPath,
    aggregate_field_errors,
    duplicate,
    forbidden,
    immutable,
    internal_error,
    invalid,
    not_found,
    not_supported,
    required,
    too_long,
    too_many,
    type_invalid,
)
from kactors.api.status import StatusError

DEPLOYMENTS = DEFAULT_REGISTRY.by_resource("deployments")


# -- FieldPath and FieldError ---------------------------------------------------------------


def test_field_path_renders_like_go() -> None:
    path = FieldPath.of("spec").child("containers").index(0).child("image")
    assert str(path) == "spec.containers[0].image"
    assert str(FieldPath.of("metadata", "labels").key("app")) == "metadata.labels[app]"
    assert str(FieldPath.of("data").key("a/b")) == "data[a/b]"
    assert str(FieldPath()) == ""


@pytest.mark.parametrize(
    ("error", "message", "reason"),
    [
        (
            required("spec.containers[0].image"),
            "spec.containers[0].image: Required value",
            "FieldValueRequired",
        ),
        (
            required("metadata.name", "name or generateName is required"),
            "metadata.name: Required value: name or generateName is required",
            "FieldValueRequired",
        ),
        (
            invalid("spec.replicas", -1, "must be greater than or equal to 0"),
            "spec.replicas: Invalid value: -1: must be greater than or equal to 0",
            "FieldValueInvalid",
        ),
        (
            invalid("metadata.name", "A", ""),
            'metadata.name: Invalid value: "A"',
            "FieldValueInvalid",
        ),
        (
            not_supported("spec.type", "Foo", ["ClusterIP", "NodePort"]),
            'spec.type: Unsupported value: "Foo": supported values: "ClusterIP", "NodePort"',
            "FieldValueNotSupported",
        ),
        (
            duplicate("spec.containers[1].name", "web"),
            'spec.containers[1].name: Duplicate value: "web"',
            "FieldValueDuplicate",
        ),
        (
            not_found("spec.containers[0].volumeMounts[0].name", "data"),
            'spec.containers[0].volumeMounts[0].name: Not found: "data"',
            "FieldValueNotFound",
        ),
        (
            forbidden("spec", "may not change"),
            "spec: Forbidden: may not change",
            "FieldValueForbidden",
        ),
        (
            too_long("metadata.annotations", 262144),
            "metadata.annotations: Too long: may not be more than 262144 bytes",
            "FieldValueTooLong",
        ),
        (too_long("x", 1), "x: Too long: may not be more than 1 byte", "FieldValueTooLong"),
        (
            too_many("spec.items", 5, 3),
            "spec.items: Too many: 5: must have at most 3 items",
            "FieldValueTooMany",
        ),
        (
            too_many("spec.items", -1, 1),
            "spec.items: Too many: must have at most 1 item",
            "FieldValueTooMany",
        ),
        (
            immutable("spec.selector", {"matchLabels": {"app": "x"}}),
            'spec.selector: Invalid value: {"matchLabels":{"app":"x"}}: field is immutable',
            "FieldValueInvalid",
        ),
        (
            type_invalid("spec.replicas", "string", "bad"),
            'spec.replicas: Invalid value: "string": bad',
            "FieldValueTypeInvalid",
        ),
        (
            internal_error("metadata.name", "boom"),
            "metadata.name: Internal error: boom",
            "InternalError",
        ),
        (invalid("x", True, "d"), "x: Invalid value: true: d", "FieldValueInvalid"),
        (invalid("x", 1.0, "d"), "x: Invalid value: 1: d", "FieldValueInvalid"),
        (invalid("x", None, "d"), "x: Invalid value: null: d", "FieldValueInvalid"),
        (invalid("x", OMIT, "d"), "x: Invalid value: d", "FieldValueInvalid"),
    ],
)
def test_field_error_messages(error: FieldError, message: str, reason: str) -> None:
    assert error.message() == message == str(error)
    assert error.type.value == reason
    assert error.cause() == {
        "reason": reason,
        "message": message.split(": ", 1)[1],
        "field": message.split(": ", 1)[0],
    }


def test_error_type_labels() -> None:
    assert ErrorType.REQUIRED.label == "Required value"
    assert ErrorType.TYPE_INVALID.label == "Invalid value"
    assert ErrorType.NOT_SUPPORTED.label == "Unsupported value"


def test_cause_omits_empty_field() -> None:
    assert too_long("", 10).cause() == {
        "reason": "FieldValueTooLong",
        "message": "Too long: may not be more than 10 bytes",
    }


def test_aggregate_one_many_and_duplicates() -> None:
    one = required("a")
    two = required("b")
    assert aggregate_field_errors([one]) == "a: Required value"
    assert aggregate_field_errors([one, two, one]) == "[a: Required value, b: Required value]"
    assert aggregate_field_errors([]) == ""


# -- Status builders ---------------------------------------------------------------------------


def _base(code: int, reason: str, message: str) -> dict[str, object]:
    return {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "code": code,
    }


def test_not_found_core_and_group() -> None:
    assert status.not_found("pods", "x") == {
        **_base(404, "NotFound", 'pods "x" not found'),
        "details": {"name": "x", "kind": "pods"},
    }
    assert status.not_found(DEPLOYMENTS, "web") == {
        **_base(404, "NotFound", 'deployments.apps "web" not found'),
        "details": {"name": "web", "group": "apps", "kind": "deployments"},
    }
    assert status.not_found(("apps", "deployments"), "web") == status.not_found(
        "deployments.apps", "web"
    )


def test_already_exists() -> None:
    assert status.already_exists("pods", "x") == {
        **_base(409, "AlreadyExists", 'pods "x" already exists'),
        "details": {"name": "x", "kind": "pods"},
    }


def test_conflict_default_reason() -> None:
    built = status.conflict("pods", "x")
    assert built["message"] == (
        'Operation cannot be fulfilled on pods "x": the object has been modified; '
        "please apply your changes to the latest version and try again"
    )
    assert (built["code"], built["reason"]) == (409, "Conflict")
    assert status.conflict("pods", "x", "boom")["message"] == (
        'Operation cannot be fulfilled on pods "x": boom'
    )


def test_invalid_many_causes_bracketed() -> None:
    errors = [
        required("spec.containers[0].image"),
        invalid("spec.replicas", -1, "must be greater than or equal to 0"),
    ]
    built = status.invalid(DEPLOYMENTS, "web", errors)
    assert built == {
        **_base(
            422,
            "Invalid",
            'Deployment.apps "web" is invalid: [spec.containers[0].image: Required value, '
            "spec.replicas: Invalid value: -1: must be greater than or equal to 0]",
        ),
        "details": {
            "name": "web",
            "group": "apps",
            "kind": "Deployment",
            "causes": [
                {
                    "reason": "FieldValueRequired",
                    "message": "Required value",
                    "field": "spec.containers[0].image",
                },
                {
                    "reason": "FieldValueInvalid",
                    "message": "Invalid value: -1: must be greater than or equal to 0",
                    "field": "spec.replicas",
                },
            ],
        },
    }


def test_invalid_one_cause_unbracketed_and_none() -> None:
    one = status.invalid("Pod", "x", [required("spec.containers[0].image")])
    assert one["message"] == 'Pod "x" is invalid: spec.containers[0].image: Required value'
    assert one["details"] == {
        "name": "x",
        "kind": "Pod",
        "causes": [
            {
                "reason": "FieldValueRequired",
                "message": "Required value",
                "field": "spec.containers[0].image",
            }
        ],
    }
    assert status.invalid("Pod", "x", [])["message"] == 'Pod "x" is invalid'


def test_invalid_dedups_message_but_keeps_causes() -> None:
    error = required("a")
    built = status.invalid("Pod", "x", [error, error])
    assert built["message"] == 'Pod "x" is invalid: a: Required value'
    assert len(built["details"]["causes"]) == 2


def test_forbidden_variants() -> None:
    reason = 'User "bob" cannot get resource "pods" in API group "" in the namespace "default"'
    built = status.forbidden("pods", "x", reason)
    assert built == {
        **_base(403, "Forbidden", f'pods "x" is forbidden: {reason}'),
        "details": {"name": "x", "kind": "pods"},
    }
    assert status.forbidden("pods", "", reason)["message"] == f"pods is forbidden: {reason}"
    assert status.forbidden(None, "", reason)["message"] == f"forbidden: {reason}"
    assert status.forbidden(None, "", reason)["details"] == {}


def test_unauthorized() -> None:
    assert status.unauthorized() == _base(401, "Unauthorized", "Unauthorized")
    assert status.unauthorized("")["message"] == "not authorized"


def test_gone_and_expired() -> None:
    assert status.gone("too old resource version: 5 (10)") == _base(
        410, "Gone", "too old resource version: 5 (10)"
    )
    assert status.resource_expired("too old")["reason"] == "Expired"
    assert status.is_gone(status.resource_expired("x")) and status.is_gone(status.gone("x"))


def test_simple_builders() -> None:
    assert status.bad_request("bad") == _base(400, "BadRequest", "bad")
    assert status.service_unavailable("later") == _base(503, "ServiceUnavailable", "later")
    assert status.request_entity_too_large("limit is 3145728") == _base(
        413, "RequestEntityTooLarge", "Request entity too large: limit is 3145728"
    )
    assert status.unsupported_media_type(
        ["application/json-patch+json", "application/merge-patch+json"]
    ) == _base(
        415,
        "UnsupportedMediaType",
        "the body of the request was in an unknown format - accepted media types include: "
        "application/json-patch+json, application/merge-patch+json",
    )
    assert status.not_acceptable(["application/json"])["code"] == 406


def test_method_not_supported() -> None:
    assert status.method_not_supported("pods/log", "create") == {
        **_base(405, "MethodNotAllowed", 'create is not supported on resources of kind "pods/log"'),
        "details": {"kind": "pods/log"},
    }


def test_internal_error_has_a_cause() -> None:
    assert status.internal_error("boom") == {
        **_base(500, "InternalError", "Internal error occurred: boom"),
        "details": {"causes": [{"message": "boom"}]},
    }


def test_retry_after_builders() -> None:
    assert status.too_many_requests() == {
        **_base(429, "TooManyRequests", "Too many requests, please try again later."),
        "details": {"retryAfterSeconds": 1},
    }
    assert status.timeout("request did not complete within 60s") == {
        **_base(504, "Timeout", "Timeout: request did not complete within 60s"),
        "details": {},
    }
    server = status.server_timeout("pods", "list", 2)
    assert server["message"] == (
        "The list operation against pods could not be completed at this time, please try again."
    )
    assert server["details"] == {"name": "list", "kind": "pods", "retryAfterSeconds": 2}


def test_success() -> None:
    assert status.success() == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Success",
    }
    details = status.status_details("", "pods", "x", uid="u-1")
    assert status.success(details)["details"] == {"name": "x", "kind": "pods", "uid": "u-1"}


def test_statuses_are_json_serialisable_in_go_field_order() -> None:
    text = json.dumps(status.not_found("pods", "x"))
    assert text.index('"kind"') < text.index('"status"') < text.index('"message"')
    assert text.index('"reason"') < text.index('"details"') < text.index('"code"')


# -- StatusError and predicates -------------------------------------------------------------


def test_status_error_carries_the_status() -> None:
    built = status.not_found("pods", "x")
    with pytest.raises(StatusError) as caught:
        raise StatusError(built)
    error = caught.value
    assert error.status == built and error.status is not built
    assert (error.code, error.reason, error.message) == (404, "NotFound", 'pods "x" not found')
    assert str(error) == 'pods "x" not found'
    assert "404" in repr(error)


def test_is_status() -> None:
    assert status.is_status(status.bad_request("x"))
    assert status.is_status({"kind": "Status", "apiVersion": "meta.k8s.io/v1"})
    assert not status.is_status({"kind": "Status", "apiVersion": "apps/v1"})
    assert not status.is_status({"kind": "Pod", "apiVersion": "v1"})
    assert not status.is_status("Status")


def test_predicates_fall_back_to_code_for_unknown_reasons() -> None:
    assert status.is_not_found(status.not_found("pods", "x"))
    assert status.is_not_found(StatusError(status.not_found("pods", "x")))
    assert status.is_not_found({"kind": "Status", "reason": "Whatever", "code": 404})
    assert not status.is_not_found({"kind": "Status", "reason": "Conflict", "code": 404})
    assert status.is_conflict(status.conflict("pods", "x"))
    assert status.is_already_exists(status.already_exists("pods", "x"))
    assert not status.is_conflict(status.already_exists("pods", "x"))
    assert status.is_invalid(status.invalid("Pod", "x", []))
    assert status.is_forbidden(status.forbidden("pods", "x", "no"))
    assert status.is_bad_request(status.bad_request("x"))
    assert status.reason_of(object()) == "" and status.code_of(None) == 0
