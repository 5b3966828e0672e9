"""Whatever a document's node data holds (it comes from a visual builder and older versions
of it), `decide` never raises: junk in a field is a default, a recorded failure or a close."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytake_shared.engine.flow import NODE_TYPES

FIELDS = [
    "content",
    "variableName",
    "responseType",
    "options",
    "validation",
    "timeoutMinutes",
    "conditions",
    "logicOperator",
    "variables",
    "url",
    "method",
    "headers",
    "queryParams",
    "body",
    "timeout",
    "responseVariable",
    "errorHandling",
    "bodyText",
    "headerText",
    "footerText",
    "buttons",
    "buttonText",
    "sections",
    "templateName",
    "languageCode",
    "components",
    "delaySeconds",
    "jumpType",
    "targetNodeId",
    "targetFlowId",
    "transferMessage",
    "sendTransferMessage",
    "priority",
    "contextMessage",
    "paths",
    "mediaType",
    "mediaUrl",
    "caption",
    "filename",
    "label",
]

_json = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**6), 10**6)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
    | st.sampled_from(
        [
            "{{x}}",
            "a",
            "next",
            "true",
            "false",
            "invalid",
            "timeout",
            "success",
            "error",
            "retry",
            "stop",
            "flow",
            "node",
            "image",
            "options",
            "number",
        ]
    ),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "id",
                    "title",
                    "value",
                    "label",
                    "weight",
                    "rows",
                    "name",
                    "valueType",
                    "variable",
                    "operator",
                    "onError",
                    "maxRetries",
                    "retryDelay",
                    "fallbackValue",
                    "required",
                    "maxAttempts",
                    "errorMessage",
                    "parameters",
                    "text",
                    "type",
                    "key",
                ]
            ),
            inner,
            max_size=4,
        )
    ),
    max_leaves=8,
)
_data = st.dictionaries(st.sampled_from(FIELDS), _json, max_size=6)
_settings = st.dictionaries(
    st.sampled_from(["inactivity_settings", "window_expiry_settings"]),
    _json
    | st.fixed_dictionaries(
        {
            "action": st.sampled_from(
                ["close", "transfer", "send_reminder", "send_template", "wait_customer"]
            ),
            "timeout_minutes": _json,
            "template_name": _json,
        }
    ),
    max_size=2,
)


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.sampled_from(sorted(NODE_TYPES)),
    _data,
    _data,
    _settings,
    st.lists(
        st.sampled_from(["say", "fire", "result", "wait", "agent", "status", "resume"]), max_size=8
    ),
)
def test_junk_node_data_never_makes_decide_raise(
    chat: Any,
    kind: str,
    data: dict[str, Any],
    other: dict[str, Any],
    extra: dict[str, Any],
    actions: list[str],
) -> None:
    nodes = [
        {"id": "start", "type": "start"},
        {"id": "n", "type": kind, "data": data},
        {"id": "a", "type": "question", "data": other},
        {"id": "b", "type": "end"},
    ]
    edges = [
        {"source": "start", "target": "n"},
        {"source": "n", "target": "a", "label": "true"},
        {"source": "n", "target": "b", "sourceHandle": "false"},
        {"source": "a", "target": "n"},
    ]
    c = chat(
        {"canvas_data": {"nodes": nodes, "edges": edges}, **extra},
        {"canvas_data": {"nodes": nodes[:2], "edges": edges[:1]}},
    )
    c.say("hi")
    for action in actions:
        if action == "say":
            c.say("x", reply="a")
        elif action == "fire" and c.state.timers:
            timer_id = sorted(c.state.timers)[0]
            c.now = max(c.now, c.state.timers[timer_id].fire_at)
            c.fire(c.state.timers[timer_id].kind)
        elif action == "result":
            c.result(200, {"x": 1})
        elif action == "wait":
            c.tick(3 * 86_400)
        elif action == "agent":
            c.agent("hello")
        elif action == "status":
            c.status()
        elif action == "resume":
            c.resume()
