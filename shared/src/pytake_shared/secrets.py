"""Secrets at rest and on `pytake.config.v1`: access tokens and app secrets are sealed.

Fernet (AES-128-CBC + HMAC) from `cryptography`, keyed by `PYTAKE_CONFIG_KEY`. Any string is
accepted as the key and stretched with SHA-256, so operators can use a long passphrase.
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken

PREFIX = "enc:v1:"


class SecretBox:
    def __init__(self, key: str) -> None:
        if not key:
            raise ValueError("PYTAKE_CONFIG_KEY must not be empty")
        self._fernet = Fernet(base64.urlsafe_b64encode(hashlib.sha256(key.encode()).digest()))

    def seal(self, plaintext: str | None) -> str | None:
        if plaintext is None or plaintext.startswith(PREFIX):
            return plaintext
        return PREFIX + self._fernet.encrypt(plaintext.encode()).decode()

    def open(self, sealed: str | None) -> str | None:
        """The plaintext of a sealed value (a value that is not sealed is returned as is)."""
        if sealed is None or not sealed.startswith(PREFIX):
            return sealed
        try:
            return self._fernet.decrypt(sealed[len(PREFIX) :].encode()).decode()
        except InvalidToken as exc:
            raise ValueError("secret sealed with another PYTAKE_CONFIG_KEY") from exc
