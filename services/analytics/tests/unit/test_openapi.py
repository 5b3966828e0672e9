"""The OpenAPI document says what the API answers: stable operation ids, the API's own error
body for bad requests (never FastAPI's 422 `HTTPValidationError`), 401 wherever a bearer token
is needed, and an example on every request body that the body's own model accepts."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel

from pytake_analytics.api import (
    auth,
    chatbots,
    conversation_models,
    flow_models,
    numbers,
    organizations,
    users,
)
from pytake_analytics.api.app import create_app
from pytake_analytics.api.models import Body
from pytake_analytics.settings import AnalyticsSettings


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    settings = AnalyticsSettings(jwt_secret="x" * 40, pytake_config_key="y" * 40)
    app = create_app(settings, pool=None, producer=None)  # type: ignore[arg-type]
    return app.openapi()


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
    ]


def test_operation_ids_are_the_tag_and_the_function_name_and_unique(
    document: dict[str, Any],
) -> None:
    ids = [op["operationId"] for _, _, op in _operations(document)]
    assert len(ids) == len(set(ids))
    assert {"conversations_send", "auth_login", "flows_publish_flow", "live_live"} <= set(ids)
    assert all(" " not in i and "__" not in i for i in ids)


def test_bad_requests_are_documented_with_the_error_body_that_is_sent(
    document: dict[str, Any],
) -> None:
    assert "HTTPValidationError" not in document["components"]["schemas"]
    for path, method, op in _operations(document):
        responses = op["responses"]
        ref = responses["400"]["content"]["application/json"]["schema"]["$ref"]
        assert ref.endswith("/ErrorBody"), (path, method)
        if "422" in responses:  # the API's own rule violations use the same body
            assert responses["422"]["content"]["application/json"]["schema"]["$ref"] == ref


def test_every_bearer_protected_operation_documents_its_401(document: dict[str, Any]) -> None:
    protected = [(p, m, op) for p, m, op in _operations(document) if op.get("security")]
    assert len(protected) > 30
    for path, method, op in protected:
        assert "401" in op["responses"], (path, method)


BODIES: list[type[BaseModel]] = [
    cls
    for module in (auth, chatbots, conversation_models, flow_models, numbers, organizations, users)
    for cls in vars(module).values()
    if isinstance(cls, type)
    and issubclass(cls, Body)
    and not cls.__name__.startswith("_")
    and cls is not Body
]


@pytest.mark.parametrize("model", BODIES, ids=lambda m: m.__name__)
def test_every_request_body_has_an_example_its_model_accepts(model: type[BaseModel]) -> None:
    examples = (model.model_config.get("json_schema_extra") or {}).get("examples")
    assert examples, f"{model.__name__} has no example"
    for example in examples:
        model.model_validate(example)
