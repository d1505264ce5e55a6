"""Backups that restore: the database (pg_dump's custom format, or SQLite's online backup)
and the uploaded files in one archive with a manifest, and the restore that checks it."""

from core.backup.archive import BackupFailed, back_up, restore
from core.backup.manifest import Manifest, StoredFile

__all__ = ["BackupFailed", "Manifest", "StoredFile", "back_up", "restore"]
