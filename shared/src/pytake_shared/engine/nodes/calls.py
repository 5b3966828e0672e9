"""`api_call` and `webhook`: the engine never calls out, it asks the I/O side to.

`api_call` emits `ApiCallRequested` and the conversation waits in the node; the I/O side
answers with an `complete_api_call` command carrying the same `request_id`. The result is
stored as `{status, body}` in `responseVariable` and the `success` / `error` edge followed
(else the default edge). On failure `errorHandling.onError` decides: `continue` (the default;
`fallbackValue` stands in for the body), `stop` (hand off to a human) or `retry` (up to
`maxRetries` more requests, `retryDelay` seconds apart through an `api_retry` timer).
`webhook` emits `WebhookRequested` and goes on at once: fire and forget; its outcome comes back
later as a `record_webhook_result` command, recorded as `WebhookCompleted`.
"""

from __future__ import annotations

import math
from typing import Any

import orjson

from pytake_shared.contracts.conversation_events import (
    ApiCallCompleted,
    ApiCallRequested,
    CommandIgnored,
    NodeFailed,
    VariableSet,
    WebhookCompleted,
    WebhookRequested,
)
from pytake_shared.engine.commands import CompleteApiCall, RecordWebhookResult
from pytake_shared.engine.flow import Node
from pytake_shared.engine.run import Run
from pytake_shared.engine.template import as_text
from pytake_shared.engine.values import as_number
from pytake_shared.envelope import deterministic_id
from pytake_shared.flowdoc.catalogue import DEFAULT_RESPONSE_VARIABLE

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
DEFAULT_TIMEOUT, MAX_TIMEOUT = 10, 30
DEFAULT_MAX_RETRIES, DEFAULT_RETRY_DELAY = 3, 5


def _request_id(run: Run) -> str:
    return str(deterministic_id("request", run.state.conversation_id, run.state.requests_made))


def _pairs(run: Run, value: Any) -> dict[str, str]:
    """Headers or query parameters, as an object or as the builder's `[{key, value}]` rows."""
    if isinstance(value, list):
        value = {
            str(row.get("key") or row.get("name") or ""): row.get("value")
            for row in value
            if isinstance(row, dict)
        }
    if not isinstance(value, dict):
        return {}
    return {run.render(str(k)): as_text(run.render_value(v)) for k, v in value.items() if k}


def _body(run: Run, value: Any) -> Any:
    body = run.render_value(value)
    if isinstance(body, str) and body.strip()[:1] in ("{", "["):
        try:
            return orjson.loads(body)  # a JSON body written as text in the builder
        except orjson.JSONDecodeError:
            return body
    return body


def api_call(run: Run, node: Node) -> Node | None:
    return request(run, node, attempt=1)


def request(run: Run, node: Node, attempt: int) -> Node | None:
    data = node.data
    url = run.render(data.get("url")).strip()
    if not url:
        run.emit(NodeFailed(node_id=node.id, reason="api_call without url"))
        return run.follow(node)
    method = str(data.get("method") or "GET").upper()
    timeout = as_number(data.get("timeout")) or DEFAULT_TIMEOUT
    run.emit(
        ApiCallRequested(
            request_id=_request_id(run),
            node_id=node.id,
            method=method if method in METHODS else "GET",
            url=url,
            headers=_pairs(run, data.get("headers")),
            query=_pairs(run, data.get("queryParams")),
            body=_body(run, data.get("body")),
            timeout=min(max(math.ceil(timeout), 1), MAX_TIMEOUT),
            attempt=attempt,
        )
    )
    return None


def on_result(run: Run, result: CompleteApiCall) -> Node | None:
    pending = run.state.pending_call
    if pending is None or pending.request_id != result.request_id:
        run.emit(CommandIgnored(command=result.type, reason="not_pending"))
        return None
    flow = run.flow
    node = flow.nodes.get(pending.node_id) if flow is not None else None
    body = result.body
    if isinstance(body, str | bytes):
        try:
            body = orjson.loads(body)
        except orjson.JSONDecodeError:
            body = body.decode(errors="replace") if isinstance(body, bytes) else body
    status = result.status
    ok = result.error is None and status is not None and 200 <= status < 300
    handling = node.data.get("errorHandling") if node is not None else None
    handling = handling if isinstance(handling, dict) else {}
    on_error = str(handling.get("onError") or "continue")

    def completed(outcome: Any) -> None:
        run.emit(
            ApiCallCompleted(
                request_id=result.request_id,
                node_id=pending.node_id,
                status=status,
                body=body,
                error=result.error,
                outcome=outcome,
            )
        )

    if node is None:
        completed("success" if ok else "error")
        run.close("flow_unavailable")
        return None
    retries = as_number(handling.get("maxRetries"))
    retries = DEFAULT_MAX_RETRIES if retries is None else retries
    if not ok and on_error == "retry" and run.state.attempts <= retries:
        completed("retry")
        delay = as_number(handling.get("retryDelay"))
        delay = DEFAULT_RETRY_DELAY if delay is None else delay
        if delay <= 0:
            return request(run, node, run.state.attempts + 1)
        run.schedule("api_retry", run.now + math.ceil(delay), node.id)
        return None
    completed("success" if ok else "error")
    value: dict[str, Any] = {"status": status, "body": body}
    if not ok:
        value["error"] = result.error or f"HTTP {status}"
        if "fallbackValue" in handling:
            value["body"] = handling["fallbackValue"]
    name = str(node.data.get("responseVariable") or DEFAULT_RESPONSE_VARIABLE)
    run.emit(VariableSet(node_id=node.id, name=name, value=value))
    if not ok and on_error == "stop":
        run.handoff(node.id, "api_error", context=value["error"])
        return None
    if ok:
        return run.branch(node, ("success",), ("error",))
    return run.branch(node, ("error",), ("success",))


def retry(run: Run, node: Node) -> Node | None:
    """The `api_retry` timer fired: ask again."""
    return request(run, node, run.state.attempts + 1)


def webhook(run: Run, node: Node) -> Node | None:
    data = node.data
    url = run.render(data.get("url")).strip()
    if not url:
        run.emit(NodeFailed(node_id=node.id, reason="webhook without url"))
        return run.follow(node)
    state = run.state
    body = _body(run, data.get("body")) if data.get("body") else None
    if body is None:  # by default the conversation's variables go along
        body = {
            "conversation_id": state.conversation_id,
            "flow_id": state.flow_id,
            "node_id": node.id,
            "contact": state.contact,
            "variables": state.variables,
        }
    method = str(data.get("method") or "POST").upper()
    run.emit(
        WebhookRequested(
            request_id=_request_id(run),
            node_id=node.id,
            method=method if method in METHODS else "POST",
            url=url,
            headers=_pairs(run, data.get("headers")),
            body=body,
        )
    )
    return run.follow(node)


def on_webhook_result(run: Run, result: RecordWebhookResult) -> None:
    run.emit(
        WebhookCompleted(
            request_id=result.request_id,
            node_id=result.node_id,
            status=result.status,
            error=result.error,
        )
    )
