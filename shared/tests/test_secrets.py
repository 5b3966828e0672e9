"""Sealed secrets: Fernet under a stretched passphrase, with an `enc:v1:` prefix."""

from __future__ import annotations

import pytest

from pytake_shared.secrets import PREFIX, Required, SecretBox, generate, problems


def test_a_sealed_secret_opens_to_the_plaintext() -> None:
    box = SecretBox("a long passphrase, any length at all")
    sealed = box.seal("EAAG-token")
    assert sealed is not None
    assert sealed.startswith(PREFIX)
    assert "EAAG-token" not in sealed
    assert box.open(sealed) == "EAAG-token"


def test_another_box_with_the_same_key_opens_it_too() -> None:
    sealed = SecretBox("k").seal("s3cret")
    assert SecretBox("k").open(sealed) == "s3cret"


def test_sealing_twice_gives_different_ciphertexts_of_the_same_secret() -> None:
    box = SecretBox("k")
    a, b = box.seal("x"), box.seal("x")
    assert a != b
    assert box.open(a) == box.open(b) == "x"


def test_sealing_a_sealed_value_leaves_it_as_it_is() -> None:
    box = SecretBox("k")
    sealed = box.seal("x")
    assert box.seal(sealed) == sealed


def test_none_passes_through_both_ways() -> None:
    box = SecretBox("k")
    assert box.seal(None) is None
    assert box.open(None) is None


def test_a_value_that_is_not_sealed_is_opened_as_it_is() -> None:
    assert SecretBox("k").open("plain-token") == "plain-token"


def test_a_secret_sealed_with_another_key_is_refused() -> None:
    sealed = SecretBox("key-one").seal("x")
    with pytest.raises(ValueError, match="another PYTAKE_CONFIG_KEY"):
        SecretBox("key-two").open(sealed)


def test_a_corrupted_sealed_value_is_refused() -> None:
    box = SecretBox("k")
    with pytest.raises(ValueError, match="another PYTAKE_CONFIG_KEY"):
        box.open(PREFIX + "garbage")


def test_an_empty_key_is_refused() -> None:
    with pytest.raises(ValueError, match="must not be empty"):
        SecretBox("")


def test_a_rotated_key_still_opens_old_seals_and_new_seals_use_the_new_key() -> None:
    old = SecretBox("the old key")
    sealed_before = old.seal("EAAG-token")
    rotated = SecretBox("the new key", ["the old key"])
    assert rotated.open(sealed_before) == "EAAG-token"
    sealed_after = rotated.seal("EAAG-token")
    assert SecretBox("the new key").open(sealed_after) == "EAAG-token"
    with pytest.raises(ValueError):
        old.open(sealed_after)
    # Resealing moves an old seal to the new key; a current one needs nothing.
    moved = rotated.reseal(sealed_before)
    assert moved is not None and SecretBox("the new key").open(moved) == "EAAG-token"
    assert rotated.reseal(sealed_after) is None
    assert rotated.reseal("plain") is None


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("", "is not set"),
        ("dev-only-config-key-change-me", "published"),
        ("CHANGE-ME", "published"),
        ("short", "shorter than 32"),
    ],
)
def test_a_missing_published_or_short_secret_is_one_line_naming_its_variable(
    value: str, problem: str
) -> None:
    [line] = problems([Required("PYTAKE_CONFIG_KEY", value, 32)])
    assert line.startswith("PYTAKE_CONFIG_KEY ") and problem in line
    assert problems([Required("PYTAKE_CONFIG_KEY", generate(), 32)]) == []
