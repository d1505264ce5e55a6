"""The audit trail: every mutation writes an AuditLog row in its own transaction."""

from core.audit.trail import SECRET_KEYS, record_audit, snapshot

__all__ = ["SECRET_KEYS", "record_audit", "snapshot"]
