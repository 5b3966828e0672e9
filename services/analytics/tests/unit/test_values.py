"""Input checks: what PostgreSQL or orjson would refuse late is refused up front."""

from __future__ import annotations

import math
from typing import Any

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from pytake_analytics.domain.values import check_json, check_secret

DEEP: Any = 1
for _ in range(40):
    DEEP = [DEEP]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4)
    ),
    max_leaves=25,
)


@pytest.mark.parametrize(
    "value",
    [
        "nul\x00",
        {"k\x00": 1},
        ["\ud800"],
        2**63,
        -(2**63) - 1,
        math.inf,
        math.nan,
        {"deep": DEEP},
    ],
)
def test_values_postgres_or_orjson_would_refuse_are_rejected(value: Any) -> None:
    with pytest.raises(ValueError):
        check_json(value)


@given(json_values)
def test_whatever_passes_the_check_can_be_serialized(value: Any) -> None:
    try:
        check_json(value)
    except ValueError:
        return
    text = orjson.dumps(value).decode()
    assert "\\u0000" not in text


def test_a_secret_that_looks_sealed_is_refused() -> None:
    assert check_secret("EAAG-token") == "EAAG-token"
    with pytest.raises(ValueError):
        check_secret("enc:v1:abc")
