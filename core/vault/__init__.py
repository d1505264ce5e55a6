"""The secrets vault: values sealed at rest under a rotatable list of keys, shared by the
integrations' settings and the inbound webhooks' signing secrets."""

from core.vault.box import (
    SEALED,
    SecretBox,
    SecretUnreadable,
    install_secret_box,
    is_sealed,
    new_key,
    process_box,
)

__all__ = [
    "SEALED",
    "SecretBox",
    "SecretUnreadable",
    "install_secret_box",
    "is_sealed",
    "new_key",
    "process_box",
]
