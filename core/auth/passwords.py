"""Password hashing: argon2id for new hashes; bcrypt hashes (the seed's demo) still verify."""

from __future__ import annotations

import bcrypt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_argon2 = PasswordHasher()

BCRYPT_MAX_BYTES = 72
"""bcrypt reads no more of a password than this. bcrypt 5 refuses a longer one (ValueError,
a 500 on sign-in) where its hashes were always made from the first 72 bytes: a password is
checked against a bcrypt hash as the hash was made."""


def hash_password(password: str) -> str:
    """An argon2id hash of `password`."""
    return _argon2.hash(password)


def hash_password_bcrypt(password: str, rounds: int = 10) -> str:
    """A bcrypt hash, as the seed's demo data makes them (cost 10)."""
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds)).decode()


def verify_password(password: str, hashed: str) -> bool:
    """True if `password` matches `hashed` (argon2id or bcrypt)."""
    if hashed.startswith(("$2a$", "$2b$", "$2y$")):
        return bcrypt.checkpw(password.encode()[:BCRYPT_MAX_BYTES], hashed.encode())
    try:
        return _argon2.verify(hashed, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(hashed: str) -> bool:
    """True if the hash should be replaced by a fresh argon2id one at the next login."""
    if hashed.startswith("$argon2id$"):
        return _argon2.check_needs_rehash(hashed)
    return True
