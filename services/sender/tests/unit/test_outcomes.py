"""Classifying Graph API answers: accepted, retry, or permanent (code first, then HTTP status)."""

from __future__ import annotations

from typing import Any

import pytest

from pytake_sender.domain.outcomes import RETRYABLE_CODES, Outcome, classify


def _error(code: int | None, message: str = "(#x) boom") -> dict[str, Any]:
    error: dict[str, Any] = {"message": message, "type": "OAuthException"}
    if code is not None:
        error["code"] = code
    return {"error": error}


def test_a_2xx_with_a_message_id_is_accepted_with_its_wamid() -> None:
    body = {
        "messaging_product": "whatsapp",
        "contacts": [{"input": "+55", "wa_id": "55"}],
        "messages": [{"id": "wamid.HBgM"}],
    }
    assert classify(200, body) == Outcome("accepted", wamid="wamid.HBgM")


def test_a_mark_read_answer_is_accepted_without_a_wamid() -> None:
    assert classify(200, {"success": True}) == Outcome("accepted")
    assert classify(200, {"messages": []}) == Outcome("accepted")


@pytest.mark.parametrize("code", sorted(RETRYABLE_CODES))
def test_throttling_and_transient_codes_are_retried(code: int) -> None:
    outcome = classify(400, _error(code, f"(#{code}) try later"))
    assert outcome == Outcome("retry", code=code, reason=f"(#{code}) try later")


def test_the_retryable_codes_are_the_ones_of_the_retry_matrix() -> None:
    assert {1, 2, 4, 613, 80007, 130429, 131000, 131016, 131056, 131057, 133004} == RETRYABLE_CODES


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (400, 131047),
        (400, 131026),
        (400, 100),
        (401, 190),
        (403, 368),
        (400, 131048),
        (400, 131008),
        (400, 131009),
        (400, 131051),
        (500, 100),
    ],
)
def test_permanent_codes_are_never_retried_whatever_the_http_status(status: int, code: int) -> None:
    outcome = classify(status, _error(code, "(#x) no"))
    assert (outcome.verdict, outcome.code, outcome.reason) == ("permanent", code, "(#x) no")


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
def test_a_429_or_5xx_without_an_error_code_is_retried(status: int) -> None:
    assert classify(status, {"raw": "<html>Bad gateway</html>"}).verdict == "retry"
    assert classify(status, _error(None)).verdict == "retry"


@pytest.mark.parametrize("status", [400, 401, 404])
def test_another_4xx_without_an_error_code_is_permanent(status: int) -> None:
    assert classify(status, {"raw": "nope"}) == Outcome("permanent", reason=f"HTTP {status}")


def test_an_error_in_a_2xx_answer_is_not_an_acceptance() -> None:
    assert classify(200, _error(131000)).verdict == "retry"
    assert classify(200, _error(100)).verdict == "permanent"


def test_a_code_that_is_not_a_number_is_ignored() -> None:
    assert classify(400, {"error": {"code": "130429", "message": "m"}}) == Outcome(
        "permanent", code=None, reason="m"
    )
    assert classify(503, {"error": {"code": "x"}}).verdict == "retry"


def test_an_answer_that_is_not_an_object_is_judged_on_the_status() -> None:
    assert classify(502, ["odd"]) == Outcome("retry", reason="HTTP 502")
    assert classify(400, None) == Outcome("permanent", reason="HTTP 400")
    assert classify(200, "ok") == Outcome("accepted")
