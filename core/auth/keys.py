"""API keys of machine clients: made by a company admin (or a platform developer) with some
of the permission table's actions, shown once, stored as a keyed hash, revocable at once.

A key speaks for its creator, bounded twice: by the actions it was granted and by what its
creator's role may do now (a creator demoted or deactivated takes their keys' rights with
them). A company's key acts in that company only; a key a developer made at platform level
names the company per request, as developers do."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import aliased

from core.access import POLICY, Principal, require
from core.access.policy import allowed
from core.audit import record_audit
from core.auth.standing import STANDING_SECONDS
from core.errors import FieldProblem, NotFound, ValidationFailed
from core.models import ApiKey, Company, User, UserRole, utcnow

KEY_PREFIX = "erp_"
"""Every key starts so: the API tells a key from an access token by it, and secret scanners
can find keys that leaked into code."""
SHOWN_PREFIX_LENGTH = 12
"""How much of a key lists show (`erp_` and 8 random characters): enough to tell keys apart."""
LAST_USED_EVERY = timedelta(minutes=1)
"""`last_used_at` is written at most this often per key: a write per request would cost more
than the request."""
MANAGE = "api_keys.manage"

_KEPT = 10_000
_known: dict[str, tuple[float, KeyStanding | None]] = {}


@dataclass(frozen=True, slots=True)
class KeyStanding:
    """A valid key as it is now: who it speaks for and what it may do."""

    key_id: str
    name: str
    company_id: str | None
    permissions: frozenset[str]
    user_id: str
    role: UserRole


def hash_key(secret_key: str, raw: str) -> str:
    """The keyed hash stored for `raw` (HMAC-SHA256 under a key derived from the secret key,
    so a copy of the table alone cannot even test a guess)."""
    subkey = hmac.new(secret_key.encode(), b"erp-builder api keys", hashlib.sha256).digest()
    return hmac.new(subkey, raw.encode(), hashlib.sha256).hexdigest()


def is_api_key(token: str) -> bool:
    return token.startswith(KEY_PREFIX)


def key_role(creator_role: UserRole, company_id: str | None) -> UserRole:
    """The role a key acts with: its creator's, except that a developer's key of one company
    is that company's admin (it must not reach across companies as its maker can)."""
    if company_id is not None and creator_role is UserRole.DEVELOPER:
        return UserRole.ADMIN
    return creator_role


async def create_api_key(
    session: AsyncSession,
    principal: Principal,
    *,
    name: str,
    permissions: list[str],
    expires_at: datetime | None,
    secret_key: str,
) -> tuple[ApiKey, str]:
    """A new key of the company the principal acts in (none: a developer's platform key),
    and the key itself, which is never shown again. Every permission must be an action of
    the table that the principal may perform and a key of this kind may hold."""
    require(principal, MANAGE)
    company_id = principal.company_id
    role = key_role(principal.role, company_id)
    problems = []
    for i, action in enumerate(permissions):
        if action not in POLICY:
            problems.append(
                FieldProblem(f"/permissions/{i}", f"No such action: {action}.", "unknown")
            )
        elif not principal.may(action) or not allowed(role, action):
            problems.append(
                FieldProblem(
                    f"/permissions/{i}",
                    f"You may not give a key {action}: it would hold more than you may grant.",
                    "not_yours_to_grant",
                )
            )
    if expires_at is not None and expires_at <= utcnow():
        problems.append(FieldProblem("/expiresAt", "The expiry must be in the future.", "past"))
    if problems:
        raise ValidationFailed(problems)
    raw = KEY_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(
        company_id=company_id,
        name=name.strip(),
        prefix=raw[:SHOWN_PREFIX_LENGTH],
        key_hash=hash_key(secret_key, raw),
        permissions=list(dict.fromkeys(permissions)),
        created_by_id=principal.user_id,
        expires_at=expires_at,
    )
    session.add(key)
    await session.flush()
    record_audit(session, principal, "api_key.created", "ApiKey", key.id, after=_shown(key))
    return key, raw


async def list_api_keys(
    session: AsyncSession, principal: Principal, *, limit: int, offset: int
) -> tuple[list[ApiKey], int]:
    """The keys of the company the principal acts in (a developer at platform level: the
    platform keys), newest first, and how many there are."""
    require(principal, MANAGE)
    where = _of_company(principal.company_id)
    total = await session.scalar(sa.select(sa.func.count()).select_from(ApiKey).where(where))
    rows = await session.scalars(
        sa.select(ApiKey)
        .where(where)
        .order_by(ApiKey.created_at.desc(), ApiKey.id)
        .limit(limit)
        .offset(offset)
    )
    return list(rows), total or 0


async def revoke_api_key(session: AsyncSession, principal: Principal, key_id: str) -> ApiKey:
    """Revoke a key of the principal's company: refused from its next request on, in every
    process within STANDING_SECONDS and in this one at once. Revoking twice is fine."""
    require(principal, MANAGE)
    key = await session.scalar(
        sa.select(ApiKey).where(ApiKey.id == key_id, _of_company(principal.company_id))
    )
    if key is None:
        raise NotFound(f"ApiKey {key_id} not found.")
    if key.revoked_at is None:
        before = _shown(key)
        key.revoked_at = utcnow()
        await session.flush()
        record_audit(
            session,
            principal,
            "api_key.revoked",
            "ApiKey",
            key.id,
            before=before,
            after=_shown(key),
        )
    forget_keys()
    return key


async def key_standing(
    sessions: async_sessionmaker[AsyncSession], secret_key: str, raw: str
) -> KeyStanding | None:
    """The key `raw` as it stands now, or None when it is unknown, revoked, expired, or its
    creator or company may no longer act. Read at platform level (the key names its
    company), kept STANDING_SECONDS per process like a signed-in account's standing."""
    digest = hash_key(secret_key, raw)
    now = time.monotonic()
    known = _known.get(digest)
    if known is not None and known[0] > now:
        return known[1]
    async with sessions.begin() as session:
        found = await _read(session, digest)
    if len(_known) >= _KEPT:
        _known.clear()
    _known[digest] = (now + STANDING_SECONDS, found)
    return found


def forget_keys() -> None:
    """Drop what this process knows of keys (a key it revoked must fail here at once)."""
    _known.clear()


def acting_principal(
    key: KeyStanding,
    company_header: str | None,
    ip_address: str | None,
    user_agent: str | None,
) -> Principal:
    """The principal of a request made with `key`. A company key ignores the company header:
    it acts in its own company only."""
    company_id = key.company_id
    if company_id is None and key.role is UserRole.DEVELOPER:
        company_id = company_header or None
    return Principal(
        user_id=key.user_id,
        role=key.role,
        company_id=company_id,
        ip_address=ip_address,
        user_agent=user_agent,
        api_key_id=key.key_id,
        api_key_name=key.name,
        key_permissions=key.permissions,
    )


async def _read(session: AsyncSession, digest: str) -> KeyStanding | None:
    key_company = aliased(Company)
    row = (
        await session.execute(
            sa.select(ApiKey, User.role, User.is_active, User.company_id, Company.is_active)
            .join(User, User.id == ApiKey.created_by_id)
            .outerjoin(key_company, key_company.id == ApiKey.company_id)
            .outerjoin(Company, Company.id == User.company_id)
            .add_columns(key_company.is_active)
            .where(ApiKey.key_hash == digest)
        )
    ).first()
    if row is None:
        return None
    key, role, user_active, user_company, company_active, key_company_active = row
    now = utcnow()
    if key.revoked_at is not None or (key.expires_at is not None and key.expires_at <= now):
        return None
    if not user_active or company_active is False or key_company_active is False:
        return None
    role = UserRole(role)
    if key.company_id is None and role is not UserRole.DEVELOPER:
        return None  # a platform key whose maker is a developer no more
    if key.company_id not in (None, user_company) and role is not UserRole.DEVELOPER:
        return None  # its maker moved to another company
    if key.last_used_at is None or key.last_used_at <= now - LAST_USED_EVERY:
        key.last_used_at = now
    return KeyStanding(
        key_id=key.id,
        name=key.name,
        company_id=key.company_id,
        permissions=frozenset(str(p) for p in key.permissions),
        user_id=key.created_by_id,
        role=key_role(role, key.company_id),
    )


def _of_company(company_id: str | None) -> sa.ColumnElement[bool]:
    if company_id is None:
        return ApiKey.company_id.is_(None)
    return ApiKey.company_id == company_id


def _shown(key: ApiKey) -> dict[str, object]:
    """What the audit trail keeps of a key: never its hash."""
    return {
        "name": key.name,
        "prefix": key.prefix,
        "permissions": list(key.permissions),
        "companyId": key.company_id,
        "expiresAt": key.expires_at.isoformat() if key.expires_at else None,
        "revokedAt": key.revoked_at.isoformat() if key.revoked_at else None,
    }
