"""The per-contact rate limit, on Meta's timestamps."""

from __future__ import annotations

from pytake_router.domain.ratelimit import RateLimiter


def test_the_sixth_message_within_a_minute_is_limited_with_one_notice_per_window() -> None:
    limiter = RateLimiter()
    verdicts = [limiter.check("n:1", 1000 + i, 5) for i in range(8)]
    assert [v.allowed for v in verdicts] == [True] * 5 + [False] * 3
    assert [v.notice for v in verdicts[5:]] == [True, False, False]


def test_the_window_slides_and_other_contacts_are_not_affected() -> None:
    limiter = RateLimiter()
    for i in range(5):
        assert limiter.check("n:1", 1000 + i, 5).allowed
    assert not limiter.check("n:1", 1010, 5).allowed
    assert limiter.check("n:2", 1010, 5).allowed
    # 60 s after the first message, one slot is free again; a new window gives a new notice.
    assert limiter.check("n:1", 1060, 5).allowed
    limited = limiter.check("n:1", 1060, 5)
    assert not limited.allowed and limited.notice


def test_a_limit_of_zero_turns_it_off_and_old_keys_are_evicted() -> None:
    limiter = RateLimiter(max_keys=2)
    assert all(limiter.check("n:1", 1, 0).allowed for _ in range(50))
    limiter.check("a", 1, 5)
    limiter.check("b", 1, 5)
    limiter.check("c", 500, 5)  # full: "a" and "b" are long idle and go
    assert set(limiter._seen) == {"c"}
