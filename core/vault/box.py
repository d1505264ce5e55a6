"""Encryption of secrets at rest (integration settings, webhook signing secrets): Fernet
tokens under a rotatable list of keys."""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from core.errors import ConfigurationError, ErpError
from core.settings import Settings

OPENED_KEPT = 4096
"""How many opened secrets a box remembers (when full it starts over)."""

SEALED = "$encrypted"
"""A sealed value is stored as {"$encrypted": "<Fernet token>"} in place of the secret."""


class SecretUnreadable(ErpError):
    """A stored secret cannot be decrypted with any configured key (a key was dropped from
    ERP_SECRETS_KEYS before `erp secrets rotate` re-encrypted it)."""

    code = "integration.secret_unreadable"
    status = 500


class SecretBox:
    """Seals and opens secret values; the first key encrypts, every key decrypts."""

    def __init__(self, keys: Sequence[str]) -> None:
        if not keys:
            raise ConfigurationError("at least one secrets key is needed")
        self.keys: tuple[str, ...] = tuple(keys)
        # Plaintexts of tokens opened lately: every action of an integration opens the same
        # few tokens, and decrypting costs more than the rest of reading the settings. A
        # sealed value changes whenever its secret does (and a token is bound to its keys).
        self._opened: dict[str, bytes] = {}
        try:
            self._fernet = MultiFernet([Fernet(key.encode()) for key in keys])
        except ValueError as exc:
            raise ConfigurationError(
                "ERP_SECRETS_KEYS must list Fernet keys (32 url-safe base64-encoded bytes, "
                "e.g. from `erp secrets new-key`)"
            ) from exc

    @classmethod
    def from_settings(cls, settings: Settings) -> SecretBox:
        return _box_for(settings.integrations.secrets_keys or (derived_key(settings.secret_key),))

    def seal(self, value: Any) -> dict[str, str]:
        token = self._fernet.encrypt(json.dumps(value).encode())
        return {SEALED: token.decode()}

    def open(self, sealed: Any) -> Any:
        if not is_sealed(sealed):
            return sealed
        token: str = sealed[SEALED]
        plain = self._opened.get(token)
        if plain is None:
            try:
                plain = self._fernet.decrypt(token.encode())
            except InvalidToken:
                raise SecretUnreadable(
                    "an integration secret cannot be decrypted with the configured keys"
                ) from None
            if len(self._opened) >= OPENED_KEPT:
                self._opened.clear()
            self._opened[token] = plain
        return json.loads(plain)

    def rotate(self, sealed: dict[str, str]) -> dict[str, str]:
        """The same secret encrypted under the first key."""
        try:
            return {SEALED: self._fernet.rotate(sealed[SEALED].encode()).decode()}
        except InvalidToken:
            raise SecretUnreadable(
                "an integration secret cannot be decrypted with the configured keys"
            ) from None


@lru_cache(maxsize=8)
def _box_for(keys: tuple[str, ...]) -> SecretBox:
    return SecretBox(keys)


def is_sealed(value: Any) -> bool:
    return isinstance(value, dict) and set(value) == {SEALED}


@lru_cache(maxsize=8)
def derived_key(secret_key: str) -> str:
    """A Fernet key derived from ERP_SECRET_KEY, used while ERP_SECRETS_KEYS is not set."""
    raw = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"erp-builder integration secrets"
    ).derive(secret_key.encode())
    return base64.urlsafe_b64encode(raw).decode()


def new_key() -> str:
    return Fernet.generate_key().decode()


_installed: list[SecretBox] = []


def install_secret_box(settings: Settings) -> SecretBox:
    """Make `settings`' keys the process's keys for sealing secrets (processes call this at
    start, through the erp_startup hook)."""
    box = SecretBox.from_settings(settings)
    _installed[:] = [box]
    return box


def process_box() -> SecretBox:
    """The installed box, or one from the environment's settings."""
    if not _installed:
        from core.settings import get_settings

        install_secret_box(get_settings())
    return _installed[0]
