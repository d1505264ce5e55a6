"""Sign-in through a company's OpenID Connect provider: the authorization code flow with PKCE
(RFC 7636) and a nonce, the provider found by discovery, its ID token checked against its
published keys (joserfc), and its groups claim mapped to the person's roles.

The browser comes back from the provider to the API's callback, which hands the web app a
one-time code (in the URL's fragment, so no server logs it); the web app trades it for
tokens, which thus never travel in a URL."""

from __future__ import annotations

import base64
import hashlib
import logging
import secrets
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import quote, urlencode

import sqlalchemy as sa
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import selectinload

from core.access import Principal
from core.audit import record_audit
from core.auth.passwords import hash_password
from core.auth.service import TokenPolicy, issue_tokens
from core.auth.tokens import TokenPair
from core.errors import ErpError, NotFound
from core.http import GuardedHttpClient, OutboundRequestFailed
from core.models import Company, Role, SignInProvider, SignInState, User, UserRole, utcnow
from core.settings import Settings
from core.tenancy import scope
from core.vault import SecretBox

log = logging.getLogger("erp.accounts")

CALLBACK_PATH = "/auth/oidc/callback"
COMPLETE_PATH = "/sign-in/complete"
"""The web app's page that trades the one-time code for tokens."""
EXCHANGE_TTL = timedelta(minutes=1)
METADATA_SECONDS = 300.0
"""How long a provider's discovery document and keys are kept per process."""
ID_TOKEN_ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "ES256", "ES384", "EdDSA"]
RANK = {UserRole.EMPLOYEE: 0, UserRole.MANAGER: 1, UserRole.ADMIN: 2}

_metadata: dict[str, tuple[float, dict[str, Any]]] = {}


class SignInFailed(ErpError):
    """The provider's sign-in did not end in a known, active account (`code` says why)."""

    code = "sign_in_failed"
    status = 400

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class ProviderChoice:
    id: str
    name: str


def callback_url(settings: Settings) -> str:
    """The redirect URI to register with the provider."""
    return settings.automation.public_url + CALLBACK_PATH


async def providers_for(session: AsyncSession, email: str) -> list[ProviderChoice]:
    """The active providers of the company whose domain is the e-mail's."""
    domain = email.rpartition("@")[2].strip().lower()
    if not domain:
        return []
    rows = await session.execute(
        sa.select(SignInProvider.id, SignInProvider.name)
        .join(Company, Company.id == SignInProvider.company_id)
        .where(
            sa.func.lower(Company.domain) == domain,
            Company.is_active.is_(True),
            SignInProvider.is_active.is_(True),
        )
        .order_by(SignInProvider.name)
    )
    return [ProviderChoice(r.id, r.name) for r in rows]


async def begin(
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    provider_id: str,
    next_path: str | None,
) -> str:
    """The provider's authorization URL for a new sign-in (state, nonce, PKCE verifier kept)."""
    async with sessions.begin() as session:
        provider = await session.get(SignInProvider, provider_id)
        if provider is None or not provider.is_active:
            raise NotFound(f"Sign-in provider {provider_id} not found.")
        metadata = await _discover(settings, provider.issuer)
        state, verifier, nonce = (secrets.token_urlsafe(32) for _ in range(3))
        box = SecretBox.from_settings(settings)
        await session.execute(sa.delete(SignInState).where(SignInState.expires_at < utcnow()))
        session.add(
            SignInState(
                state_hash=_digest(state),
                provider_id=provider.id,
                code_verifier=box.seal(verifier),
                nonce=nonce,
                next_path=next_path if _local(next_path) else None,
                expires_at=utcnow() + timedelta(seconds=settings.accounts.sign_in_state_ttl),
            )
        )
        query = {
            "response_type": "code",
            "client_id": provider.client_id,
            "redirect_uri": callback_url(settings),
            "scope": provider.scopes,
            "state": state,
            "nonce": nonce,
            "code_challenge": create_s256_code_challenge(verifier),
            "code_challenge_method": "S256",
        }
        return f"{metadata['authorization_endpoint']}?{urlencode(query)}"


async def finish(
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    *,
    state: str,
    code: str | None,
    error: str | None,
) -> str:
    """The web app URL to send the browser to after the provider answered: the completion
    page with a one-time code, or the sign-in page naming what went wrong."""
    try:
        exchange = await _finish(sessions, settings, state, code, error)
    except SignInFailed as failed:
        log.warning("sign-in through a provider failed: %s", failed.reason)
        return f"{settings.automation.public_url}/sign-in?error={quote(failed.reason)}"
    return f"{settings.automation.public_url}{COMPLETE_PATH}#code={exchange}"


async def exchange(
    sessions: async_sessionmaker[AsyncSession], code: str, policy: TokenPolicy
) -> tuple[TokenPair, str | None]:
    """Tokens for the one-time code of a finished sign-in, and where the person was going."""
    async with sessions.begin() as session:
        row = await session.scalar(
            sa.select(SignInState)
            .where(SignInState.exchange_hash == _digest(code))
            .with_for_update()
        )
        if row is None or row.user_id is None or row.expires_at <= utcnow():
            raise SignInFailed("sign_in_expired", "This sign-in has expired; sign in again.")
        user = await session.get(User, row.user_id)
        next_path = row.next_path
        await session.delete(row)
        if user is None or not user.is_active:
            raise SignInFailed("account_disabled", "The account is disabled.")
        return await issue_tokens(session, user, policy), next_path


async def _finish(
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    state: str,
    code: str | None,
    error: str | None,
) -> str:
    async with sessions.begin() as session:
        row = await session.scalar(
            sa.select(SignInState)
            .where(SignInState.state_hash == _digest(state), SignInState.user_id.is_(None))
            .with_for_update()
        )
        if row is None or row.expires_at <= utcnow():
            raise SignInFailed("sign_in_expired", "This sign-in has expired.")
        await session.delete(row)  # a state is good for one answer, whatever it says
    if error or not code:
        raise SignInFailed("provider_refused", f"The provider refused: {error or 'no code'}.")
    async with sessions.begin() as session:
        provider = await session.get(SignInProvider, row.provider_id)
        if provider is None or not provider.is_active:
            raise SignInFailed("provider_gone", "The sign-in provider is no longer set up.")
        box = SecretBox.from_settings(settings)
        claims = await _identity(settings, provider, box, code, box.open(row.code_verifier), row)
        user = await _account(session, provider, claims)
        raw = secrets.token_urlsafe(32)
        session.add(
            SignInState(
                state_hash=_digest(secrets.token_urlsafe(32)),
                provider_id=provider.id,
                code_verifier={},
                nonce="",
                next_path=row.next_path,
                user_id=user.id,
                exchange_hash=_digest(raw),
                expires_at=utcnow() + EXCHANGE_TTL,
            )
        )
        return raw


async def _identity(
    settings: Settings,
    provider: SignInProvider,
    box: SecretBox,
    code: str,
    verifier: str,
    state: SignInState,
) -> dict[str, Any]:
    """Redeem the code at the token endpoint and check the ID token it answers with."""
    metadata = await _discover(settings, provider.issuer)
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": callback_url(settings),
        "client_id": provider.client_id,
        "code_verifier": verifier,
    }
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"}
    secret = box.open(provider.client_secret) if provider.client_secret else None
    if secret:
        pair = f"{quote(provider.client_id, safe='')}:{quote(str(secret), safe='')}"
        headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode()
    client = GuardedHttpClient.from_settings(settings.automation)
    try:
        answer = await client.request(
            "POST", metadata["token_endpoint"], content=urlencode(form), headers=headers
        )
        keys = await _keys(client, metadata)
    except OutboundRequestFailed as exc:
        raise SignInFailed("provider_unreachable", str(exc)) from None
    finally:
        await client.aclose()
    if answer.status_code != 200:
        raise SignInFailed("provider_failed", f"The token endpoint answered {answer.status_code}.")
    id_token = (answer.json() or {}).get("id_token")
    if not isinstance(id_token, str):
        raise SignInFailed("provider_failed", "The provider answered no ID token.")
    try:
        token = jwt.decode(id_token, keys, algorithms=ID_TOKEN_ALGORITHMS)
        jwt.JWTClaimsRegistry(
            iss={"essential": True, "value": provider.issuer},
            aud={"essential": True, "value": provider.client_id},
            nonce={"essential": True, "value": state.nonce},
            sub={"essential": True},
            exp={"essential": True},
        ).validate(token.claims)
    except (JoseError, ValueError) as exc:
        raise SignInFailed("id_token_invalid", f"The ID token was refused: {exc}") from None
    return dict(token.claims)


async def _account(session: AsyncSession, provider: SignInProvider, claims: dict[str, Any]) -> User:
    """The company's user the ID token names by e-mail, made if the provider may create
    users, with the roles its groups map to."""
    email = str(claims.get("email") or "").strip().lower()
    if not email or claims.get("email_verified") is False:
        raise SignInFailed("no_email", "The provider gave no verified e-mail address.")
    # Looked up across companies (the session is still at platform level), so an address of
    # another company's account is refused rather than taken twice.
    user = await session.scalar(
        sa.select(User).where(sa.func.lower(User.email) == email).options(selectinload(User.roles))
    )
    if user is not None and user.company_id != provider.company_id:
        raise SignInFailed("no_account", f"{email} has no account in this company.")
    scope(session, provider.company_id)
    role, role_ids = _mapped(provider, claims)
    acting_as = None
    if user is None:
        if not provider.create_users:
            raise SignInFailed("no_account", f"{email} has no account in this company.")
        user = User(
            email=email,
            password=hash_password(secrets.token_urlsafe(32)),
            first_name=claims.get("given_name"),
            last_name=claims.get("family_name"),
            role=role or UserRole.EMPLOYEE,
            company_id=provider.company_id,
            roles=await _roles(session, role_ids),
        )
        session.add(user)
        await session.flush()
        acting_as = "user.created_by_provider"
    elif not user.is_active:
        raise SignInFailed("account_disabled", f"{email}'s account is disabled.")
    elif provider.group_roles and user.role is not UserRole.DEVELOPER:
        before = {"role": user.role.value, "roleIds": sorted(user.role_ids)}
        user.role = role or UserRole.EMPLOYEE
        user.roles = await _roles(session, role_ids)
        after = {"role": user.role.value, "roleIds": sorted(r.id for r in user.roles)}
        if before != after:
            principal = Principal(user.id, user.role, provider.company_id)
            record_audit(
                session,
                principal,
                "user.roles_from_provider",
                "User",
                user.id,
                before=before,
                after=after,
                metadata={"provider": provider.name},
            )
    if acting_as:
        principal = Principal(user.id, user.role, provider.company_id)
        record_audit(
            session,
            principal,
            acting_as,
            "User",
            user.id,
            after={"email": email, "role": user.role.value},
            metadata={"provider": provider.name},
        )
    return user


def _mapped(provider: SignInProvider, claims: dict[str, Any]) -> tuple[UserRole | None, set[str]]:
    """The highest platform role and every company role the person's groups map to."""
    groups = claims.get(provider.groups_claim) or []
    if isinstance(groups, str):
        groups = [groups]
    names = {str(g) for g in groups} if isinstance(groups, list) else set()
    role: UserRole | None = None
    role_ids: set[str] = set()
    for mapping in provider.group_roles:
        if mapping.get("group") not in names:
            continue
        mapped = mapping.get("role")
        if mapped in {r.value for r in RANK}:
            candidate = UserRole(mapped)
            if role is None or RANK[candidate] > RANK[role]:
                role = candidate
        role_ids.update(str(r) for r in mapping.get("roleIds") or [])
    return role, role_ids


async def _roles(session: AsyncSession, role_ids: set[str]) -> list[Role]:
    if not role_ids:
        return []
    return list(await session.scalars(sa.select(Role).where(Role.id.in_(role_ids))))


async def _discover(settings: Settings, issuer: str) -> dict[str, Any]:
    """The provider's discovery document (OpenID Connect Discovery 1.0), kept a while."""
    known = _metadata.get(issuer)
    if known is not None and known[0] > time.monotonic():
        return known[1]
    client = GuardedHttpClient.from_settings(settings.automation)
    try:
        answer = await client.request(
            "GET", issuer.rstrip("/") + "/.well-known/openid-configuration"
        )
    except OutboundRequestFailed as exc:
        raise SignInFailed("provider_unreachable", str(exc)) from None
    finally:
        await client.aclose()
    document = answer.json() if answer.status_code == 200 else None
    wanted = ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri")
    if not isinstance(document, dict) or any(not document.get(k) for k in wanted):
        raise SignInFailed("provider_failed", f"{issuer} publishes no usable discovery document.")
    if document["issuer"] != issuer:
        raise SignInFailed("provider_failed", f"{issuer}'s discovery names another issuer.")
    _metadata[issuer] = (time.monotonic() + METADATA_SECONDS, document)
    return document


async def _keys(client: GuardedHttpClient, metadata: dict[str, Any]) -> KeySet:
    answer = await client.request("GET", metadata["jwks_uri"])
    if answer.status_code != 200:
        raise SignInFailed("provider_failed", "The provider's keys could not be read.")
    return KeySet.import_key_set(answer.json())


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _local(path: str | None) -> bool:
    return bool(path) and path.startswith("/") and not path.startswith("//")  # type: ignore[union-attr]
