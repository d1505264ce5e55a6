"""Secret values inside an integration's `config`: validated, sealed at rest, never shown.

Which settings are secret is what the integration's plugin declares (`ConfigField.secret`);
names that look like credentials (apiKey, clientSecret, refreshToken...) are treated as secret
as well, so nothing slips out under an integration type that is not loaded."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from core.audit import SECRET_KEYS
from core.errors import FieldProblem, ValidationFailed
from core.plugins.integrations import IntegrationType
from core.vault import SecretBox, is_sealed

RUNTIME_SECRETS = frozenset({"accessToken"})
"""Secrets the platform keeps itself (the OAuth access token and its expiry); clients cannot
set them."""
_SECRET_NAMES = {k.replace("_", "") for k in SECRET_KEYS}


def is_secret(key: str, itype: IntegrationType | None = None) -> bool:
    """True for declared secret settings and for keys that hold credentials by their name."""
    if itype is not None and key in itype.secret_fields:
        return True
    return key.replace("-", "").replace("_", "").lower() in _SECRET_NAMES


def public_config(
    config: Mapping[str, Any], itype: IntegrationType | None = None
) -> dict[str, Any]:
    """The config without its secret values (safe to return and to log)."""
    return {k: v for k, v in config.items() if not (is_secret(k, itype) or is_sealed(v))}


def secrets_set(config: Mapping[str, Any], itype: IntegrationType | None = None) -> list[str]:
    """Names of the secret fields that hold a value (the platform's own excepted)."""
    return sorted(
        k
        for k, v in config.items()
        if (is_secret(k, itype) or is_sealed(v))
        and v not in (None, "")
        and k not in RUNTIME_SECRETS
    )


def merge_config(
    current: Mapping[str, Any], sent: Mapping[str, Any], itype: IntegrationType | None = None
) -> dict[str, Any]:
    """The new config: `sent` replaces `current`, except that secrets not sent again are
    kept (clients never see them, so they cannot send them back); `null` clears one."""
    merged = {k: v for k, v in sent.items() if k not in RUNTIME_SECRETS}
    for key, value in current.items():
        if (is_secret(key, itype) or is_sealed(value)) and key not in sent:
            merged[key] = value
    return {k: v for k, v in merged.items() if not (is_secret(k, itype) and v is None)}


def prepare_config(
    itype: IntegrationType | None,
    current: Mapping[str, Any],
    sent: Mapping[str, Any],
    box: SecretBox,
) -> dict[str, Any]:
    """Merge what a client sent into the stored config, check the result against the
    integration type's declared settings (every bad one reported at /config/<name>), and
    seal its secrets. Secret values are never echoed in the problems."""
    merged = merge_config(current, sent, itype)
    if itype is not None:
        # Kept secrets are sealed; they count as present strings for the check.
        visible = {
            k: ("set" if is_sealed(v) else v) for k, v in merged.items() if k not in RUNTIME_SECRETS
        }
        issues = itype.check_config(visible)
        if issues:
            raise ValidationFailed(
                [FieldProblem(f"/config/{i.path}", i.message, i.code) for i in issues],
                f"Invalid settings for a {itype.label} integration",
            )
    return seal_secrets(merged, itype, box)


def seal_secrets(
    config: Mapping[str, Any], itype: IntegrationType | None, box: SecretBox
) -> dict[str, Any]:
    return {
        k: box.seal(v) if is_secret(k, itype) and not is_sealed(v) and v is not None else v
        for k, v in config.items()
    }


def open_secrets(config: Mapping[str, Any], box: SecretBox) -> dict[str, Any]:
    """The config with its secrets decrypted (for the integration's own calls only)."""
    return {k: box.open(v) for k, v in config.items()}
