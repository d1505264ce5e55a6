"""Uploaded files: stored under the files directory, never at a user-chosen path."""

from core.files.storage import (
    FILES,
    FileTooLarge,
    FileTypeRefused,
    delete_stored,
    store_upload,
    stored_path,
)

__all__ = [
    "FILES",
    "FileTooLarge",
    "FileTypeRefused",
    "delete_stored",
    "store_upload",
    "stored_path",
]
