"""Secret values inside an integration's `config`: written, kept, never shown."""

from __future__ import annotations

from typing import Any

from core.audit import SECRET_KEYS


def is_secret(key: str) -> bool:
    """True for config keys that hold credentials (apiKey, clientSecret, refreshToken...)."""
    return key.replace("-", "_").lower() in SECRET_KEYS or key.lower().replace("_", "") in {
        k.replace("_", "") for k in SECRET_KEYS
    }


def public_config(config: dict[str, Any]) -> dict[str, Any]:
    """The config without its secret values (safe to return and to log)."""
    return {k: v for k, v in config.items() if not is_secret(k)}


def secrets_set(config: dict[str, Any]) -> list[str]:
    """Names of the secret fields that hold a value."""
    return sorted(k for k, v in config.items() if is_secret(k) and v not in (None, ""))


def merge_config(current: dict[str, Any], sent: dict[str, Any]) -> dict[str, Any]:
    """The new config: `sent` replaces `current`, except that secrets not sent again are
    kept (clients never see them, so they cannot send them back); `null` clears one."""
    merged = dict(sent)
    for key, value in current.items():
        if is_secret(key) and key not in sent:
            merged[key] = value
    return {k: v for k, v in merged.items() if not (is_secret(k) and v is None)}
