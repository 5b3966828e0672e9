"""Pacing buckets and the retry policy (pure, time passed in)."""

from __future__ import annotations

import random
from unittest import mock

from pytake_sender.domain.pacing import Buckets, TokenBucket, share
from pytake_sender.domain.retry import MAINTENANCE, PAIR_RATE, RetryPolicy


def test_a_bucket_allows_its_burst_then_spaces_sends_at_its_rate() -> None:
    bucket = TokenBucket(rate_per_s=2.0, capacity=3)
    waits = [bucket.reserve(100.0) for _ in range(5)]
    assert waits == [0.0, 0.0, 0.0, 0.5, 1.0]


def test_a_bucket_refills_with_time_but_never_past_its_capacity() -> None:
    bucket = TokenBucket(rate_per_s=1.0, capacity=2)
    assert bucket.reserve(0.0) == 0.0 and bucket.reserve(0.0) == 0.0
    assert bucket.reserve(100.0) == 0.0  # refilled to 2, not 100
    assert bucket.reserve(100.0) == 0.0
    assert bucket.reserve(100.0) == 1.0


def test_buckets_are_per_key_and_follow_a_changed_rate() -> None:
    buckets = Buckets(max_keys=2)
    assert buckets.reserve("a", 0.0, 1.0, 1) == 0.0
    assert buckets.reserve("a", 0.0, 1.0, 1) == 1.0
    assert buckets.reserve("b", 0.0, 1.0, 1) == 0.0
    # A new rate applies to what the bucket holds (two sends owed): no fresh burst.
    assert buckets.reserve("a", 0.0, 10.0, 1) == 0.2
    buckets.reserve("c", 50.0, 1.0, 1)  # full: refilled buckets are forgotten
    assert len(buckets._buckets) <= 2


def test_a_lower_rate_keeps_at_most_the_new_burst() -> None:
    buckets = Buckets()
    assert buckets.reserve("n", 0.0, 80.0, 80) == 0.0  # 79 tokens left
    # Half the partitions moved away: 40/s, and at most 40 in a burst from here.
    waits = [buckets.reserve("n", 1.0, 40.0, 40) for _ in range(41)]
    assert waits[:40] == [0.0] * 40 and waits[40] == 1 / 40


def test_an_instance_paces_a_number_at_its_share_of_the_partitions() -> None:
    assert share(80.0, 6, 12) == 40.0
    assert share(80.0, 1, 12) == 80.0 / 12
    assert share(80.0, 12, 12) == 80.0
    assert share(80.0, 0, 12) == 80.0  # no assignment known (handled directly): the whole rate


def test_transient_errors_back_off_exponentially_with_jitter_and_honour_retry_after() -> None:
    policy = RetryPolicy(base_s=1.0, cap_s=8.0)
    rng = random.Random(3)
    for attempt, ceiling in [(1, 1.0), (2, 2.0), (3, 4.0), (4, 8.0), (9, 8.0)]:
        wait = policy.delay(attempt, 130429, None, 0, rng)
        assert ceiling / 2 <= wait <= ceiling
    assert policy.delay(1, 131000, 30.0, 0, rng) == 30.0


def test_pair_rate_errors_wait_4_to_the_x_seconds_for_that_contact() -> None:
    policy = RetryPolicy(pair_cap_s=100.0)
    rng = random.Random(0)
    assert [policy.delay(1, PAIR_RATE, None, x, rng) for x in (1, 2, 3, 4, 5)] == [
        1.0,
        4.0,
        16.0,
        64.0,
        100.0,
    ]


def test_maintenance_waits_a_minute_and_attempts_are_bounded() -> None:
    policy = RetryPolicy(max_attempts=3)
    assert policy.delay(1, MAINTENANCE, None, 0, random.Random()) == 60.0
    assert not policy.gives_up(2) and policy.gives_up(3)


def test_buckets_in_use_are_swept_rarely_not_on_every_new_contact() -> None:
    buckets = Buckets(max_keys=100)
    sweep = mock.patch.object(buckets, "_evict", wraps=buckets._evict).start()
    for i in range(10_000):
        buckets.reserve(f"c{i}", 0.0, 1 / 6, 20)  # a token used: not full for 6 s
    assert len(buckets._buckets) == 10_000 and sweep.call_count <= 7
    for i in range(10_000):  # later, new contacts: the refilled buckets go at the next sweep
        buckets.reserve(f"late-{i}", 10.0, 1 / 6, 20)
        if sweep.call_count == 8:
            break
    assert sweep.call_count == 8 and len(buckets._buckets) == i + 1  # only the late ones
