"""TOTP second factors (RFC 6238, with pyotp): enrolment with a provisioning URI, confirmation
with a first code, recovery codes kept hashed, and each code accepted once."""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass

import pyotp
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from core.access import Principal
from core.audit import record_audit
from core.auth.passwords import verify_password
from core.errors import Conflict, FieldProblem, PermissionDenied, ValidationFailed
from core.models import Company, TwoFactorCredential, User, utcnow
from core.vault import SecretBox

RECOVERY_CODES = 10
STEP_SECONDS = 30
DRIFT_STEPS = 1
"""Codes of the step before and after the current one are accepted too (clocks drift)."""


class TwoFactorRequiredByCompany(Conflict):
    code = "two_factor_required_by_company"


@dataclass(frozen=True, slots=True)
class Enrolment:
    """A secret to put into an authenticator app: as text and as an otpauth:// URI."""

    secret: str
    provisioning_uri: str


@dataclass(frozen=True, slots=True)
class TwoFactorStatus:
    enabled: bool
    pending: bool
    required: bool
    recovery_codes_left: int


def hash_recovery_code(code: str) -> str:
    return hashlib.sha256(_normal(code).encode()).hexdigest()


def new_recovery_codes() -> list[str]:
    """Codes of ten base32 characters (50 bits), shown as two groups of five."""
    alphabet = "abcdefghijklmnopqrstuvwxyz234567"
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(alphabet) for _ in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
    return codes


async def credential_of(session: AsyncSession, user_id: str) -> TwoFactorCredential | None:
    return await session.get(TwoFactorCredential, user_id, with_for_update=True)


async def company_requires(session: AsyncSession, user: User) -> bool:
    if user.company_id is None:
        return False
    return bool(
        await session.scalar(
            sa.select(Company.require_two_factor).where(Company.id == user.company_id)
        )
    )


async def begin_enrolment(
    session: AsyncSession, user: User, box: SecretBox, issuer: str
) -> Enrolment:
    """A fresh secret for `user`, pending until confirmed with a code (an enrolment already
    confirmed is refused: turn it off first)."""
    credential = await credential_of(session, user.id)
    if credential is not None and credential.confirmed_at is not None:
        raise Conflict("Two-factor sign-in is already on; turn it off first to enrol again.")
    secret = pyotp.random_base32()
    if credential is None:
        session.add(TwoFactorCredential(user_id=user.id, secret=box.seal(secret)))
    else:
        credential.secret = box.seal(secret)
        credential.last_step = 0
    await session.flush()
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=issuer)
    return Enrolment(secret=secret, provisioning_uri=uri)


async def confirm_enrolment(
    session: AsyncSession, user: User, code: str, box: SecretBox
) -> list[str]:
    """Turn two-factor sign-in on with the first code from the app; the recovery codes, shown
    this once."""
    credential = await credential_of(session, user.id)
    if credential is None or credential.confirmed_at is not None:
        raise Conflict("There is no enrolment waiting for a code; start one first.")
    if not accept_code(credential, code, box, recovery=False):
        raise ValidationFailed([wrong_code()])
    codes = new_recovery_codes()
    credential.confirmed_at = utcnow()
    credential.recovery_codes = [hash_recovery_code(c) for c in codes]
    await session.flush()
    return codes


def accept_code(
    credential: TwoFactorCredential, code: str, box: SecretBox, *, recovery: bool = True
) -> bool:
    """True if `code` is a current TOTP code not used before (its step is remembered) or,
    with `recovery`, an unused recovery code (which is spent)."""
    code = _normal(code)
    if code.isdigit() and len(code) == 6:
        totp = pyotp.TOTP(box.open(credential.secret))
        now = int(time.time()) // STEP_SECONDS
        for step in range(now - DRIFT_STEPS, now + DRIFT_STEPS + 1):
            if step > credential.last_step and secrets.compare_digest(
                totp.at(step * STEP_SECONDS), code
            ):
                credential.last_step = step
                return True
        return False
    if recovery:
        digest = hash_recovery_code(code)
        left = [c for c in credential.recovery_codes if c != digest]
        if len(left) < len(credential.recovery_codes):
            credential.recovery_codes = left
            return True
    return False


async def enrol(
    session: AsyncSession, principal: Principal, password: str, box: SecretBox, issuer: str
) -> Enrolment:
    """Start enrolling the principal's authenticator app (their password again, so a
    borrowed session cannot lock its owner out)."""
    user = await person(session, principal)
    if not verify_password(password, user.password):
        raise ValidationFailed([wrong_password()])
    return await begin_enrolment(session, user, box, issuer)


async def confirm(
    session: AsyncSession, principal: Principal, code: str, box: SecretBox
) -> list[str]:
    """Turn the principal's two-factor sign-in on with a first code; the recovery codes."""
    user = await person(session, principal)
    codes = await confirm_enrolment(session, user, code, box)
    record_audit(session, principal, "user.two_factor_enabled", "User", user.id)
    return codes


async def person(session: AsyncSession, principal: Principal) -> User:
    """The principal's own account (API keys have none of these settings)."""
    people_only(principal)
    user = await session.get(User, principal.user_id)
    if user is None:
        raise PermissionDenied("The account is gone.")
    return user


async def status(session: AsyncSession, user: User) -> TwoFactorStatus:
    credential = await session.get(TwoFactorCredential, user.id)
    enabled = credential is not None and credential.confirmed_at is not None
    return TwoFactorStatus(
        enabled=enabled,
        pending=credential is not None and not enabled,
        required=await company_requires(session, user),
        recovery_codes_left=len(credential.recovery_codes) if credential and enabled else 0,
    )


async def disable(session: AsyncSession, principal: Principal, password: str) -> None:
    """Turn two-factor sign-in off (the password again; refused where the company requires
    it)."""
    user = await person(session, principal)
    if not verify_password(password, user.password):
        raise ValidationFailed([wrong_password()])
    if await company_requires(session, user):
        raise TwoFactorRequiredByCompany("Your company requires two-factor sign-in.")
    credential = await credential_of(session, user.id)
    if credential is not None:
        await session.delete(credential)
        await session.flush()
        record_audit(session, principal, "user.two_factor_disabled", "User", user.id)


def people_only(principal: Principal) -> None:
    """Refuse API keys: these are a person's own sign-in settings."""
    if principal.api_key_id is not None:
        raise PermissionDenied("An API key has no password or second factor of its own.")


def wrong_password() -> FieldProblem:
    return FieldProblem("/password", "The password is not right.", "wrong_password")


def wrong_code() -> FieldProblem:
    return FieldProblem("/code", "The code is not right, or was used already.", "wrong_code")


def _normal(code: str) -> str:
    return code.strip().replace(" ", "").lower()
