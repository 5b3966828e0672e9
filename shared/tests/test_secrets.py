"""Sealed secrets: Fernet under a stretched passphrase, with an `enc:v1:` prefix."""

from __future__ import annotations

import pytest

from pytake_shared.secrets import PREFIX, SecretBox


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
