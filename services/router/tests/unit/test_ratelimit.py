"""The per-contact rate limit: a sliding minute on Meta's timestamps, one notice per excess."""

from __future__ import annotations

from unittest import mock

from hypothesis import given, settings
from hypothesis import strategies as st

from pytake_router.domain.ratelimit import WINDOW_S, RateLimiter, Verdict

T0 = 1_700_000_000


def test_up_to_the_limit_passes_and_the_first_excess_asks_for_a_notice() -> None:
    limiter = RateLimiter()
    verdicts = [limiter.check("k", T0 + i, 5) for i in range(7)]
    assert verdicts == [Verdict(True)] * 5 + [Verdict(False, notice=True), Verdict(False)]


def test_messages_pass_again_once_the_oldest_leaves_the_minute() -> None:
    limiter = RateLimiter()
    for i in range(5):
        limiter.check("k", T0 + i, 5)
    assert limiter.check("k", T0 + WINDOW_S - 1, 5) == Verdict(False, notice=True)
    assert limiter.check("k", T0 + WINDOW_S, 5) == Verdict(True)  # T0 left the window
    assert limiter.check("k", T0 + WINDOW_S, 5) == Verdict(False, notice=True)  # a new window


def test_contacts_are_limited_independently() -> None:
    limiter = RateLimiter()
    for _ in range(3):
        limiter.check("a", T0, 3)
    assert not limiter.check("a", T0, 3).allowed
    assert limiter.check("b", T0, 3).allowed


def test_a_limit_of_zero_turns_the_limit_off() -> None:
    limiter = RateLimiter()
    assert all(limiter.check("k", T0, 0).allowed for _ in range(100))


def test_a_replay_of_the_same_timestamps_makes_the_same_decisions() -> None:
    times = [T0, T0, T0 + 1, T0 + 2, T0 + 2, T0 + 3, T0 + 70, T0 + 71]
    first, second = RateLimiter(), RateLimiter()
    assert [first.check("k", t, 3) for t in times] == [second.check("k", t, 3) for t in times]


# A stream of (contact, seconds since the previous message) with non-decreasing timestamps.
streams = st.lists(st.tuples(st.sampled_from("abcd"), st.integers(0, 40)), max_size=60)


@settings(max_examples=200, deadline=None)
@given(streams, st.integers(1, 6))
def test_a_message_passes_exactly_when_fewer_than_limit_passed_in_the_last_minute(
    stream: list[tuple[str, int]], limit: int
) -> None:
    limiter = RateLimiter()
    passed: dict[str, list[int]] = {}
    now = T0
    for key, gap in stream:
        now += gap
        recent = [t for t in passed.get(key, []) if t > now - WINDOW_S]
        verdict = limiter.check(key, now, limit)
        assert verdict.allowed == (len(recent) < limit)
        if verdict.allowed:
            passed.setdefault(key, []).append(now)


@settings(max_examples=200, deadline=None)
@given(streams, st.integers(1, 6))
def test_evicting_idle_contacts_never_changes_a_decision(
    stream: list[tuple[str, int]], limit: int
) -> None:
    tight, roomy = RateLimiter(max_keys=1), RateLimiter()
    now = T0
    for key, gap in stream:
        now += gap
        assert tight.check(key, now, limit) == roomy.check(key, now, limit)


def test_many_live_contacts_are_swept_rarely_not_on_every_new_one() -> None:
    """Past its nominal size with every window live, a sweep frees nothing: sweeping on each
    new contact would walk the whole map per message (a stall of the shared router)."""
    limiter = RateLimiter(max_keys=100)
    sweep = mock.patch.object(limiter, "_evict", wraps=limiter._evict).start()
    for i in range(10_000):
        assert limiter.check(f"contact-{i}", T0, 5).allowed  # all within one window
    assert len(limiter._seen) == 10_000  # live windows are kept: decisions never change
    assert sweep.call_count <= 7  # 100, 200, 400, ... 6,400: doubling, not one per contact
    for i in range(10_000):  # a minute later, new contacts: the old windows go at the next sweep
        limiter.check(f"late-{i}", T0 + 61, 5)
        if sweep.call_count == 8:
            break
    assert sweep.call_count == 8 and len(limiter._seen) == i + 1  # only the late ones
