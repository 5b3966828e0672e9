"""Counting a template's send parameters, and judging a send against them."""

from __future__ import annotations

from pytake_shared.templates import Requirements, given, mismatch, requirements, send_problem

RESERVATION = [
    {"type": "HEADER", "format": "IMAGE", "example": {"header_handle": ["https://x"]}},
    {"type": "BODY", "text": "Your reservation for {{number_of_guests}} on {{day}} ({{day}})."},
    {"type": "FOOTER", "text": "Lucky Shrub"},
    {
        "type": "BUTTONS",
        "buttons": [
            {"type": "URL", "text": "Change", "url": "https://shrub.example/reservations"},
            {"type": "QUICK_REPLY", "text": "Cancel"},
            {"type": "URL", "text": "Track", "url": "https://shrub.example/t/{{1}}"},
            {"type": "COPY_CODE", "example": "WINTER25"},
        ],
    },
]


def test_named_body_media_header_and_buttons_are_counted() -> None:
    need = requirements(RESERVATION)
    assert need.header == 1 and need.header_format == "IMAGE"
    assert need.body == 2 and need.body_names == ("number_of_guests", "day")
    assert need.buttons == (2, 3)  # the URL with a variable and the coupon code
    assert need.total == 5
    assert Requirements.from_json(need.to_json()) == need


def test_positional_body_counts_up_to_the_highest_placeholder() -> None:
    need = requirements(
        [
            {"type": "HEADER", "format": "TEXT", "text": "Hello"},
            {"type": "body", "text": "Hi {{1}}! Order {{ 3 }} of {{1}}."},
        ]
    )
    assert (need.header, need.body, need.body_names, need.buttons) == (0, 3, (), ())


def test_a_send_is_judged_against_the_requirements() -> None:
    need = requirements([{"type": "BODY", "text": "Hi {{1}}, order {{2}}"}])
    two = [{"type": "body", "parameters": [{"type": "text", "text": "a"}] * 2}]
    one = [{"type": "body", "parameters": [{"type": "text", "text": "a"}]}]
    assert mismatch(need, given(two)) is None
    assert mismatch(need, given(one)) == "the body takes 2 parameter(s), the send has 1"
    assert send_problem("t", "en_US", "APPROVED", need, two) is None
    assert "not among" in (send_problem("t", "en_US", None, None, two) or "")
    assert "is PAUSED" in (send_problem("t", "en_US", "paused", need, two) or "")
    assert "1" in (send_problem("t", "en_US", "APPROVED", need, one) or "")


def test_named_parameters_must_carry_the_right_names() -> None:
    need = requirements([{"type": "BODY", "text": "{{first_name}} owes {{amount}}"}])
    sent = [
        {
            "type": "body",
            "parameters": [
                {"type": "text", "parameter_name": "first_name", "text": "Ada"},
                {"type": "text", "parameter_name": "total", "text": "3"},
            ],
        }
    ]
    assert "missing ['amount']" in (mismatch(need, given(sent)) or "")
