"""The pure parts of templates and broadcasts: lists, parameters, pacing, opt-outs, tallies."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pytake_analytics.domain import optouts
from pytake_analytics.domain.broadcasts import (
    BadRecipients,
    Pacer,
    Recipient,
    broadcast_rate,
    components_for,
    parse_csv,
    plan,
    tally,
    wa_id,
)
from pytake_analytics.domain.templates import change_of, from_graph
from pytake_shared.templates import requirements

AT = datetime(2026, 5, 1, tzinfo=UTC)
FIXTURES = Path(__file__).parent.parent / "fixtures"
ORDER = [
    {"type": "HEADER", "format": "TEXT", "text": "Order {{1}}"},
    {"type": "BODY", "text": "Hi {{1}}, your order {{2}} ships today."},
    {
        "type": "BUTTONS",
        "buttons": [
            {"type": "QUICK_REPLY", "text": "Stop"},
            {"type": "COPY_CODE", "example": "SAVE10"},
        ],
    },
]


def test_a_csv_maps_columns_onto_header_body_and_buttons() -> None:
    text = (
        "\ufeffphone,header,1,2,button.1\n"
        "+55 11 99999-0001,42,Ada,42,SAVE10\n"
        "5511999990002,7,Bo,7,X\n"
    )
    first, second = parse_csv(text)
    assert first == Recipient("+55 11 99999-0001", ["Ada", "42"], "42", {1: "SAVE10"})
    assert second.body == ["Bo", "7"]
    components = components_for(requirements(ORDER), ORDER, first)
    assert components == [
        {"type": "header", "parameters": [{"type": "text", "text": "42"}]},
        {
            "type": "body",
            "parameters": [{"type": "text", "text": "Ada"}, {"type": "text", "text": "42"}],
        },
        {
            "type": "button",
            "sub_type": "copy_code",
            "index": "1",
            "parameters": [{"type": "coupon_code", "coupon_code": "SAVE10"}],
        },
    ]


def test_named_columns_are_named_parameters() -> None:
    [r] = parse_csv("wa_id,first_name\n5511999990001,Ada\n")
    need = requirements([{"type": "BODY", "text": "Hi {{first_name}}"}])
    [body] = components_for(need, [], r)
    assert body["parameters"] == [{"type": "text", "parameter_name": "first_name", "text": "Ada"}]


def test_a_list_that_cannot_be_sent_is_refused_whole_with_each_line() -> None:
    need = requirements(ORDER)
    good = Recipient("5511999990001", ["Ada", "42"], "42", {1: "C"})
    with pytest.raises(BadRecipients) as refused:
        plan(
            need,
            ORDER,
            [good, Recipient("abc"), Recipient("5511999990003", ["only one"], "1", {1: "C"})],
        )
    assert refused.value.problems == [
        "recipient 2: 'abc' is not a phone number",
        "recipient 3: the body takes 2 parameter(s), 1 given",
    ]
    planned, repeats = plan(need, ORDER, [good, good])
    assert (len(planned), repeats) == (1, 1)
    with pytest.raises(BadRecipients):
        parse_csv("name\nAda\n")


def test_phone_numbers_become_wa_ids() -> None:
    assert wa_id("+1 (650) 555-1234") == "16505551234"
    assert wa_id("16505551234") == "16505551234"
    assert wa_id("call me") is None and wa_id("12") is None


def test_the_pacer_keeps_every_second_within_rate_and_short_burst() -> None:
    pacer = Pacer()
    rate = broadcast_rate(500, 0.8)
    assert rate == 400
    sent_at: list[float] = []
    now = 0.0
    while now < 10.0:
        n = pacer.grant("n", now, rate, 10_000)
        sent_at += [now] * n
        now = round(now + 0.05, 6)
    for start in [x / 20 for x in range(0, 180)]:
        in_window = sum(1 for t in sent_at if start <= t < start + 1.0)
        assert in_window <= 500  # rate * (1 + burst): the whole tier at most
    assert len(sent_at) >= 400 * 9.9


def test_unused_grants_are_given_back() -> None:
    pacer = Pacer()
    assert pacer.grant("n", 0.0, 100, 1_000) == 25
    pacer.refund("n", 25)
    assert pacer.grant("n", 0.0, 100, 1_000) == 25


@pytest.mark.parametrize(
    ("text", "expected"),
    [("STOP", True), ("  stop! ", True), ("Stop.", True), ("don't stop", None), ("start", False)],
)
def test_opt_out_keywords_match_the_whole_message(text: str, expected: bool | None) -> None:
    change = optouts.keyword(text, {}, "5511999990001", AT)
    assert (change.opted_out if change else None) == expected


def test_an_organization_chooses_its_keywords() -> None:
    settings = {"opt_out_keywords": ["SAIR", "parar"], "opt_in_keywords": ["voltar"]}
    assert optouts.keyword("Parar", settings, "1", AT) is not None
    assert optouts.keyword("stop", settings, "1", AT) is None


def test_user_preferences_and_131050_opt_out() -> None:
    value = {
        "user_preferences": [
            {
                "wa_id": "16505551234",
                "category": "marketing_messages",
                "value": "stop",
                "timestamp": 1731705721,
            },
            {"wa_id": "16505551235", "category": "marketing_messages", "value": "resume"},
        ]
    }
    stop, resume = optouts.preferences(value, AT)
    assert stop.opted_out and stop.at.year == 2024 and not resume.opted_out
    assert optouts.failed_status("1", 131050, AT) is not None
    assert optouts.failed_status("1", 131026, AT) is None


def test_metas_template_webhook_fixture_is_read() -> None:
    fixture = json.loads((FIXTURES / "message_template_status_update_approved.json").read_text())
    entry = fixture["entry"][0]
    change = entry["changes"][0]
    read = change_of(change["field"], entry["id"], change["value"], AT)
    assert (read.meta_id, read.name, read.language, read.status) == (
        "1689556908129832",
        "order_confirmation",
        "en_US",
        "APPROVED",
    )
    paused = change_of(
        "message_template_status_update",
        "1",
        {"event": "paused", "message_template_id": 5, "message_template_language": "en-US"},
        AT,
    )
    assert (paused.status, paused.language) == ("PAUSED", "en_US")
    flagged = change_of(
        "message_template_status_update", "1", {"event": "FLAGGED", "message_template_id": 5}, AT
    )
    assert flagged.status is None


def test_a_listed_template_carries_its_requirements() -> None:
    row = from_graph(
        {
            "id": "9",
            "name": "order",
            "language": "en-US",
            "status": "approved",
            "category": "UTILITY",
            "components": ORDER,
        }
    )
    assert (row.language, row.status, row.requirements["total"]) == ("en_US", "APPROVED", 4)


def test_outcomes_are_tallied_from_deliveries() -> None:
    counts = tally(
        [
            ("skipped", {}, 3),
            ("pending", {}, 2),
            ("queued", {"accepted_at": True}, 4),
            ("queued", {"accepted_at": True, "delivered_at": True, "read_at": True}, 5),
            ("queued", {"send_failed_at": True}, 1),
            ("queued", {}, 6),
        ]
    )
    assert counts["accepted"] == 9 and counts["delivered"] == 5 and counts["read"] == 5
    assert (counts["failed"], counts["skipped"], counts["pending"], counts["queued"]) == (
        1,
        3,
        2,
        6,
    )
