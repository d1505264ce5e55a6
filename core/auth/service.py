"""Sign in, refresh, sign out: the rules of authentication in one place."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import timedelta

import jwt
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import selectinload

from core.access import Principal
from core.audit import record_audit
from core.auth import two_factor
from core.auth.passwords import hash_password, needs_rehash, verify_password
from core.auth.standing import forget_standing
from core.auth.tokens import (
    ALGORITHM,
    TokenPair,
    expiry,
    hash_refresh_token,
    issue_access_token,
    new_refresh_token,
)
from core.errors import ErpError, FieldProblem, ValidationFailed
from core.models import LoginAttempt, RefreshToken, TwoFactorCredential, User, utcnow
from core.models.base import new_id
from core.vault import SecretBox

THROTTLE_WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_ACCOUNT = 5
MAX_FAILURES_PER_ADDRESS = 20
# Verified when the account does not exist, so that a wrong e-mail costs as much time as a
# wrong password and response times do not reveal which accounts exist.
_DUMMY_HASH = hash_password("not-a-real-password")


class InvalidCredentials(ErpError):
    code = "invalid_credentials"
    status = 401


class TooManyAttempts(ErpError):
    code = "too_many_attempts"
    status = 429


class InvalidRefreshToken(ErpError):
    code = "invalid_refresh_token"
    status = 401


class TwoFactorNeeded(ErpError):
    """The password was right; a TOTP code must follow (POST /auth/login/two-factor with the
    `challenge`). With `setup`, the company requires a second factor the person has not set
    up yet: they enrol with the challenge first."""

    code = "two_factor_required"
    status = 401


class InvalidChallenge(ErpError):
    code = "two_factor_challenge_invalid"
    status = 401


CHALLENGE_TTL = timedelta(minutes=5)
"""How long the second step of a sign-in may wait after the password."""


@dataclass(frozen=True, slots=True)
class TokenPolicy:
    """How tokens are signed and how long they live."""

    secret: str
    access_ttl: timedelta
    refresh_ttl: timedelta


async def login(
    sessions: async_sessionmaker[AsyncSession],
    email: str,
    password: str,
    ip: str | None,
    policy: TokenPolicy,
) -> TokenPair:
    """Check throttling and credentials and hand out tokens.

    The attempt is recorded (committed) before it is counted, and counted before the password
    is verified: of any number of concurrent attempts, the n-th to commit sees at least n, so
    no more than the limit are ever verified. A successful sign-in clears the account's
    attempts; a failed one stays counted; a refused one is taken back (it verified nothing,
    and the lock-out should not outlast the failures that caused it)."""
    email = email.strip().lower()
    async with sessions.begin() as session:
        attempt = LoginAttempt(email=email, ip_address=ip)
        session.add(attempt)
    try:
        async with sessions() as session:
            await _check_throttle(session, email, ip)
    except TooManyAttempts:
        async with sessions.begin() as session:
            await session.execute(sa.delete(LoginAttempt).where(LoginAttempt.id == attempt.id))
        raise
    async with sessions.begin() as session:
        user = await session.scalar(
            sa.select(User)
            .where(sa.func.lower(User.email) == email)
            .options(selectinload(User.company))
        )
        valid = verify_password(password, user.password if user else _DUMMY_HASH)
        company_ok = user is not None and (user.company is None or user.company.is_active)
        if user is None or not (valid and user.is_active and company_ok):
            raise InvalidCredentials("Wrong e-mail or password, or the account is disabled.")
        if needs_rehash(user.password):
            user.password = hash_password(password)
        credential = await session.get(TwoFactorCredential, user.id)
        if credential is not None and credential.confirmed_at is not None:
            needed = TwoFactorNeeded(
                "Enter the code from your authenticator app.",
                challenge=_challenge(user, policy.secret, setup=False),
                setup=False,
            )
        elif await two_factor.company_requires(session, user):
            needed = TwoFactorNeeded(
                "Your company requires two-factor sign-in: set it up to continue.",
                challenge=_challenge(user, policy.secret, setup=True),
                setup=True,
            )
        else:
            user.last_login = utcnow()
            await session.execute(sa.delete(LoginAttempt).where(LoginAttempt.email == email))
            return await _issue(session, user, policy)
    # The rehash is kept; the attempt stays counted until the second step succeeds, so
    # guessing codes is throttled as guessing passwords is.
    raise needed


async def enrol_with_challenge(
    sessions: async_sessionmaker[AsyncSession],
    challenge: str,
    policy: TokenPolicy,
    box: SecretBox,
    issuer: str,
) -> two_factor.Enrolment:
    """The secret to enrol with, for someone whose company requires a second factor they have
    not set up, between their password and their first code."""
    claims = _read_challenge(challenge, policy.secret)
    if not claims.get("setup"):
        raise InvalidChallenge("This sign-in does not set up a second factor.")
    async with sessions.begin() as session:
        user = await _challenged_user(session, claims)
        return await two_factor.begin_enrolment(session, user, box, issuer)


async def login_second_step(
    sessions: async_sessionmaker[AsyncSession],
    challenge: str,
    code: str,
    ip: str | None,
    policy: TokenPolicy,
    box: SecretBox,
) -> tuple[TokenPair, list[str] | None]:
    """Finish a sign-in with a TOTP code (or a recovery code): the tokens, and where the code
    confirmed a first enrolment, the recovery codes to show once. Wrong codes are counted
    and throttled with the account's failed sign-ins."""
    claims = _read_challenge(challenge, policy.secret)
    email = str(claims["email"])
    async with sessions.begin() as session:
        attempt = LoginAttempt(email=email, ip_address=ip)
        session.add(attempt)
    try:
        async with sessions() as session:
            await _check_throttle(session, email, ip)
    except TooManyAttempts:
        async with sessions.begin() as session:
            await session.execute(sa.delete(LoginAttempt).where(LoginAttempt.id == attempt.id))
        raise
    async with sessions.begin() as session:
        user = await _challenged_user(session, claims)
        credential = await two_factor.credential_of(session, user.id)
        recovery_codes = None
        if credential is None:
            raise ValidationFailed(
                [FieldProblem("/code", "Set up the authenticator app first.", "not_enrolled")]
            )
        if credential.confirmed_at is None:
            if not claims.get("setup"):
                raise InvalidChallenge("This sign-in does not set up a second factor.")
            recovery_codes = await two_factor.confirm_enrolment(session, user, code, box)
            principal = Principal(user.id, user.role, user.company_id)
            record_audit(session, principal, "user.two_factor_enabled", "User", user.id)
        elif not two_factor.accept_code(credential, code, box):
            raise ValidationFailed([two_factor.wrong_code()])
        user.last_login = utcnow()
        await session.execute(sa.delete(LoginAttempt).where(LoginAttempt.email == email))
        return await _issue(session, user, policy), recovery_codes


async def issue_tokens(session: AsyncSession, user: User, policy: TokenPolicy) -> TokenPair:
    """A new sign-in session for `user`, whom another way has authenticated (a company's
    OpenID Connect provider)."""
    user.last_login = utcnow()
    return await _issue(session, user, policy)


async def change_password(
    session: AsyncSession,
    principal: Principal,
    current: str,
    new: str,
    *,
    keep_session: str | None,
) -> None:
    """Replace the principal's password, the current one given; every other sign-in session
    of the account ends (`keep_session`, the one asking, stays open)."""
    two_factor.people_only(principal)
    user = await session.get(User, principal.user_id, with_for_update=True)
    if user is None:
        raise InvalidCredentials("The account is gone.")
    problems = []
    if not verify_password(current, user.password):
        problems.append(
            FieldProblem("/currentPassword", "The current password is not right.", "wrong_password")
        )
    if current == new:
        problems.append(
            FieldProblem("/newPassword", "Choose a password other than the current one.", "same")
        )
    if problems:
        raise ValidationFailed(problems)
    user.password = hash_password(new)
    await end_other_sessions(session, user.id, keep=keep_session)
    record_audit(session, principal, "user.password_changed", "User", user.id)


async def end_other_sessions(session: AsyncSession, user_id: str, *, keep: str | None) -> None:
    """End every sign-in session of the user but `keep` (None: all of them)."""
    query = sa.update(RefreshToken).where(
        RefreshToken.user_id == user_id, RefreshToken.revoked_at.is_(None)
    )
    if keep is not None:
        query = query.where(RefreshToken.family_id != keep)
    await session.execute(
        query.values(revoked_at=utcnow()).execution_options(synchronize_session=False)
    )
    forget_standing()


def _challenge_key(secret: str) -> str:
    """Challenges are signed with a key of their own, so one is never taken for an access
    token (which the same secret signs)."""
    return hmac.new(secret.encode(), b"erp-builder sign-in challenges", hashlib.sha256).hexdigest()


def _challenge(user: User, secret: str, *, setup: bool) -> str:
    now = utcnow()
    claims = {
        "sub": user.id,
        "email": user.email.lower(),
        "setup": setup,
        "iat": int(now.timestamp()),
        "exp": int((now + CHALLENGE_TTL).timestamp()),
    }
    return jwt.encode(claims, _challenge_key(secret), algorithm=ALGORITHM)


def _read_challenge(challenge: str, secret: str) -> dict[str, object]:
    try:
        claims: dict[str, object] = jwt.decode(
            challenge, _challenge_key(secret), algorithms=[ALGORITHM]
        )
    except jwt.PyJWTError:
        raise InvalidChallenge(
            "The sign-in has expired or is not valid; enter your password again."
        ) from None
    return claims


async def _challenged_user(session: AsyncSession, claims: dict[str, object]) -> User:
    user = await session.get(User, str(claims["sub"]), options=[selectinload(User.company)])
    if user is None or not user.is_active or (user.company and not user.company.is_active):
        raise InvalidChallenge("The account is disabled.")
    return user


async def refresh(
    sessions: async_sessionmaker[AsyncSession], token: str, policy: TokenPolicy
) -> TokenPair:
    """Trade a refresh token for a new pair of the same sign-in session; the old refresh
    token is revoked (rotation). A revoked token presented again was stolen or leaked (its
    rightful holder got a new one): the whole session is ended, so whoever holds its newest
    token is signed out too (RFC 9700, 4.14.2)."""
    async with sessions.begin() as session:
        stored = await session.scalar(
            sa.select(RefreshToken)
            .where(RefreshToken.token_hash == hash_refresh_token(token))
            .with_for_update()
        )
        reused = stored is not None and stored.revoked_at is not None
        if reused:
            assert stored is not None
            await end_session(session, stored.family_id)
    if reused or stored is None or stored.expires_at <= utcnow():
        raise InvalidRefreshToken("The refresh token is unknown, expired or revoked.")
    async with sessions.begin() as session:
        current = await session.scalar(
            sa.select(RefreshToken)
            .where(RefreshToken.id == stored.id, RefreshToken.revoked_at.is_(None))
            .with_for_update()
        )
        if current is None:  # a concurrent refresh rotated it first
            raise InvalidRefreshToken("The refresh token is unknown, expired or revoked.")
        user = await session.get(User, current.user_id, options=[selectinload(User.company)])
        if user is None or not user.is_active or (user.company and not user.company.is_active):
            raise InvalidRefreshToken("The account is disabled.")
        current.revoked_at = utcnow()
        return await _issue(session, user, policy, family_id=current.family_id)


async def logout(session: AsyncSession, token: str) -> None:
    """End the sign-in session of a refresh token: its refresh tokens are revoked and its
    access tokens stop working (unknown tokens are ignored: logging out twice is fine)."""
    family = await session.scalar(
        sa.select(RefreshToken.family_id).where(
            RefreshToken.token_hash == hash_refresh_token(token)
        )
    )
    if family is not None:
        await end_session(session, family)


async def end_session(session: AsyncSession, family_id: str) -> None:
    await session.execute(
        sa.update(RefreshToken)
        .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    forget_standing()


async def _issue(
    session: AsyncSession, user: User, policy: TokenPolicy, *, family_id: str | None = None
) -> TokenPair:
    raw, digest = new_refresh_token()
    family = family_id or new_id()
    session.add(
        RefreshToken(
            user_id=user.id,
            token_hash=digest,
            family_id=family,
            expires_at=expiry(policy.refresh_ttl),
        )
    )
    await session.flush()
    return TokenPair(
        access_token=issue_access_token(user, policy.secret, policy.access_ttl, session_id=family),
        refresh_token=raw,
        expires_in=int(policy.access_ttl.total_seconds()),
    )


async def _check_throttle(session: AsyncSession, email: str, ip: str | None) -> None:
    since = utcnow() - THROTTLE_WINDOW
    recent = sa.select(sa.func.count()).where(LoginAttempt.attempted_at > since)
    per_account = await session.scalar(recent.where(LoginAttempt.email == email)) or 0
    per_address = 0
    if ip:
        per_address = await session.scalar(recent.where(LoginAttempt.ip_address == ip)) or 0
    # The counts include the attempt being made.
    if per_account > MAX_FAILURES_PER_ACCOUNT or per_address > MAX_FAILURES_PER_ADDRESS:
        raise TooManyAttempts(
            "Too many failed sign-ins; try again later.",
            retry_after=int(THROTTLE_WINDOW.total_seconds()),
        )
