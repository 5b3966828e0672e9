"""An organization's reads of the topics for replays are few at a time; others are unaffected."""

from __future__ import annotations

import pytest

from pytake_analytics.adapters.history import ReadSlots
from pytake_analytics.domain.errors import TooManyAttempts


def test_past_the_limit_an_organization_is_refused_while_another_is_not() -> None:
    slots = ReadSlots(per_organization=2)
    with slots.taken("a"), slots.taken("a"):
        with pytest.raises(TooManyAttempts), slots.taken("a"):
            pass
        with slots.taken("b"):
            pass
    with slots.taken("a"), slots.taken("a"):
        pass  # released, even by the refused attempt


def test_a_read_that_fails_gives_its_slot_back() -> None:
    slots = ReadSlots(per_organization=1)
    with pytest.raises(RuntimeError), slots.taken("a"):
        raise RuntimeError("broker down")
    with slots.taken("a"):
        pass
