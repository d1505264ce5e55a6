"""Routes of accounts: invitations, password resets and changes, two-factor sign-in, and a
company's OpenID Connect providers with the sign-in through them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from litestar import Request, Response, Router, get, post
from litestar.background_tasks import BackgroundTask
from litestar.datastructures import State
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.response import Redirect
from msgspec import UNSET, Meta, UnsetType, field

from api.auth.routes import TokensOut, token_policy, tokens_out
from api.deps import DB, Actor, Config
from api.openapi import problems
from api.organisation.schemas import Email, Id, Name, Password, UserOut
from api.pagination import Limit, Offset, PageOut, page
from api.query import OPEN_QUERY
from api.resources import Resource, resource_router, values_of
from api.structs import Body, Out, to_out
from core.access import Principal
from core.accounts import invitations, mailing, oidc, resets
from core.accounts.providers import SIGN_IN_PROVIDERS
from core.auth import service as auth
from core.auth import two_factor
from core.models import SignInProvider, User, UserRole
from core.vault import SecretBox

Token = Annotated[str, Meta(min_length=1, max_length=200)]
Code = Annotated[str, Meta(min_length=6, max_length=32)]
Secret = Annotated[str, Meta(min_length=1, max_length=200)]


def _client(request: Request[Any, Any, Any]) -> str | None:
    return request.client.host if request.client else None


def _asking(request: Request[Any, Any, Any]) -> Principal:
    """Who acts on a link that signs nobody in: the audit trail names the account itself."""
    return Principal(
        user_id="",
        role=UserRole.EMPLOYEE,
        company_id=None,
        ip_address=_client(request),
        user_agent=request.headers.get("user-agent"),
    )


# Invitations ------------------------------------------------------------------------------


class InvitationCreate(Body):
    email: Email
    first_name: str | None = None
    last_name: str | None = None
    role: UserRole = UserRole.EMPLOYEE
    role_ids: list[Id] = field(default_factory=list)


class InvitationIn(Body):
    token: Token


class InvitationAccept(Body):
    token: Token
    password: Password


class InvitedOut(Out):
    email: str
    first_name: str | None
    company_name: str | None


class SignInAs(Out):
    email: str
    """The address to sign in with, now that the password is set."""


@post(
    "/invitations",
    status_code=201,
    summary="Invite a person by e-mail: their account, and a link to choose their password",
)
async def invite(
    db: DB,
    principal: Actor,
    state: State,
    platform_settings: Config,
    data: JSONBody[InvitationCreate],
) -> Response[UserOut]:
    made = await invitations.invite(db, principal, values_of(data), platform_settings)
    await db.refresh(made.user, ["roles"])
    ttl_hours = max(1, platform_settings.accounts.invitation_ttl // 3600)
    inviter = await db.get(User, principal.user_id)
    # Sent after the response, so after the account and its link are committed.
    mail = BackgroundTask(
        mailing.send_account_mail,
        state.sessions,
        platform_settings,
        to=made.user.email,
        company_id=made.user.company_id,
        subject=f"You are invited to {made.company_name} on ERP Builder",
        body=mailing.invitation_text(
            mailing.invitation_link(platform_settings, made.token),
            made.company_name,
            inviter.full_name if inviter else "Your administrator",
            ttl_hours,
        ),
        token=made.token,
    )
    return Response(to_out(UserOut, made.user), status_code=201, background=mail)


@post(
    "/auth/invitation",
    opt={"public": True},
    status_code=200,
    summary="What an invitation link is for (the link is not spent)",
)
async def read_invitation(state: State, data: JSONBody[InvitationIn]) -> InvitedOut:
    async with state.sessions.begin() as session:
        invited = await invitations.describe(session, data.token)
    return InvitedOut(
        email=invited.email, first_name=invited.first_name, company_name=invited.company_name
    )


@post(
    "/auth/invitation/accept",
    opt={"public": True},
    status_code=200,
    summary="Accept an invitation by choosing a password (the link works once)",
)
async def accept_invitation(
    request: Request[Any, Any, Any], state: State, data: JSONBody[InvitationAccept]
) -> SignInAs:
    async with state.sessions.begin() as session:
        user = await invitations.accept(session, data.token, data.password, _asking(request))
    return SignInAs(email=user.email)


# Passwords --------------------------------------------------------------------------------


class ResetRequest(Body):
    email: Annotated[str, Meta(min_length=3, max_length=254)]


class ResetConfirm(Body):
    token: Token
    password: Password


class PasswordChange(Body):
    current_password: Annotated[str, Meta(min_length=1, max_length=200)]
    new_password: Password


class AcceptedOut(Out):
    detail: str


@post(
    "/auth/password-reset",
    opt={"public": True},
    status_code=202,
    summary="E-mail a password-reset link (the same answer whether or not the address exists)",
)
async def ask_reset(
    state: State, platform_settings: Config, data: JSONBody[ResetRequest]
) -> Response[AcceptedOut]:
    # Everything, the look-up included, happens after the answer: its content and timing
    # are the same for every address.
    task = BackgroundTask(resets.request_reset, state.sessions, platform_settings, data.email)
    detail = "If an account has this address, a link to reset its password is on its way."
    return Response(AcceptedOut(detail=detail), status_code=202, background=task)


@post(
    "/auth/password-reset/confirm",
    opt={"public": True},
    status_code=204,
    summary="Choose a new password with an e-mailed reset link; every sign-in ends",
)
async def confirm_reset(
    request: Request[Any, Any, Any], state: State, data: JSONBody[ResetConfirm]
) -> None:
    async with state.sessions.begin() as session:
        await resets.reset_password(session, data.token, data.password, _asking(request))


@post(
    "/auth/password",
    opt={"platform": True},
    status_code=204,
    summary="Change my password (the current one given); my other sign-ins end",
)
async def change_password(
    request: Request[Any, Any, Any], db: DB, principal: Actor, data: JSONBody[PasswordChange]
) -> None:
    sid = getattr(request.auth, "extras", {}).get("sid")
    await auth.change_password(
        db, principal, data.current_password, data.new_password, keep_session=sid
    )


# Two-factor sign-in ------------------------------------------------------------------------


class ChallengeIn(Body):
    challenge: Annotated[str, Meta(min_length=1, max_length=2000)]


class SecondStep(Body):
    challenge: Annotated[str, Meta(min_length=1, max_length=2000)]
    code: Code
    """A 6-digit code from the authenticator app, or one of the recovery codes."""


class PasswordIn(Body):
    password: Annotated[str, Meta(min_length=1, max_length=200)]


class CodeIn(Body):
    code: Code


class EnrolmentOut(Out):
    secret: str
    """The TOTP secret (base32), for apps that take it typed in."""
    provisioning_uri: str
    """The otpauth:// URI, for apps that take it from a QR code or a link."""


class RecoveryCodesOut(Out):
    recovery_codes: list[str]
    """Each signs in once in place of a code; shown this once."""


class SignedInOut(TokensOut):
    recovery_codes: list[str] | None = None
    """Set when this sign-in turned two-factor on: shown this once."""


class TwoFactorOut(Out):
    enabled: bool
    pending: bool
    required: bool
    recovery_codes_left: int


def _box(state: State) -> SecretBox:
    return SecretBox.from_settings(state.settings)


@post(
    "/auth/login/two-factor",
    opt={"public": True},
    status_code=200,
    summary="Finish a sign-in with a TOTP or recovery code",
    responses=problems(401, 429),
)
async def second_step(
    request: Request[Any, Any, Any], state: State, data: JSONBody[SecondStep]
) -> SignedInOut:
    pair, codes = await auth.login_second_step(
        state.sessions,
        data.challenge,
        data.code,
        _client(request),
        token_policy(state.settings),
        _box(state),
    )
    out = tokens_out(pair)
    return SignedInOut(
        access_token=out.access_token,
        refresh_token=out.refresh_token,
        expires_in=out.expires_in,
        token_type=out.token_type,
        recovery_codes=codes,
    )


@post(
    "/auth/login/two-factor/setup",
    opt={"public": True},
    status_code=200,
    summary="Set up the second factor a company requires, during sign-in",
    responses=problems(401),
)
async def setup_during_sign_in(state: State, data: JSONBody[ChallengeIn]) -> EnrolmentOut:
    enrolment = await auth.enrol_with_challenge(
        state.sessions,
        data.challenge,
        token_policy(state.settings),
        _box(state),
        state.settings.accounts.two_factor_issuer,
    )
    return EnrolmentOut(secret=enrolment.secret, provisioning_uri=enrolment.provisioning_uri)


@get("/auth/two-factor", opt={"platform": True}, summary="My two-factor sign-in")
async def two_factor_status(db: DB, principal: Actor) -> TwoFactorOut:
    found = await two_factor.status(db, await two_factor.person(db, principal))
    return TwoFactorOut(
        enabled=found.enabled,
        pending=found.pending,
        required=found.required,
        recovery_codes_left=found.recovery_codes_left,
    )


@post(
    "/auth/two-factor",
    opt={"platform": True},
    status_code=200,
    summary="Start enrolling an authenticator app (my password again)",
)
async def enrol(db: DB, principal: Actor, state: State, data: JSONBody[PasswordIn]) -> EnrolmentOut:
    enrolment = await two_factor.enrol(
        db, principal, data.password, _box(state), state.settings.accounts.two_factor_issuer
    )
    return EnrolmentOut(secret=enrolment.secret, provisioning_uri=enrolment.provisioning_uri)


@post(
    "/auth/two-factor/confirm",
    opt={"platform": True},
    status_code=200,
    summary="Turn two-factor sign-in on with a first code; the recovery codes, once",
)
async def confirm_enrolment(
    db: DB, principal: Actor, state: State, data: JSONBody[CodeIn]
) -> RecoveryCodesOut:
    codes = await two_factor.confirm(db, principal, data.code, _box(state))
    return RecoveryCodesOut(recovery_codes=codes)


@post(
    "/auth/two-factor/disable",
    opt={"platform": True},
    status_code=204,
    summary="Turn two-factor sign-in off (my password again)",
)
async def disable_two_factor(db: DB, principal: Actor, data: JSONBody[PasswordIn]) -> None:
    await two_factor.disable(db, principal, data.password)


# OpenID Connect ---------------------------------------------------------------------------


class GroupRole(Body):
    group: Annotated[str, Meta(min_length=1, max_length=200)]
    role: UserRole | None = None
    role_ids: list[Id] = field(default_factory=list)


Url = Annotated[str, Meta(min_length=8, max_length=500)]
Scopes = Annotated[str, Meta(min_length=6, max_length=500, pattern=r"(^|\s)openid(\s|$)")]


class ProviderCreate(Body):
    name: Annotated[str, Meta(min_length=1, max_length=100)]
    issuer: Url
    client_id: Name
    client_secret: Secret | None = None
    scopes: Scopes = "openid email profile"
    groups_claim: Name = "groups"
    group_roles: list[GroupRole] = field(default_factory=list)
    create_users: bool = False
    is_active: bool = True


class ProviderUpdate(Body):
    name: Annotated[str, Meta(min_length=1, max_length=100)] | UnsetType = UNSET
    issuer: Url | UnsetType = UNSET
    client_id: Name | UnsetType = UNSET
    client_secret: Secret | UnsetType | None = UNSET
    scopes: Scopes | UnsetType = UNSET
    groups_claim: Name | UnsetType = UNSET
    group_roles: list[GroupRole] | UnsetType = UNSET
    create_users: bool | UnsetType = UNSET
    is_active: bool | UnsetType = UNSET


class GroupRoleOut(Out):
    group: str
    role: UserRole | None = None
    role_ids: list[str] = field(default_factory=list)


class ProviderOut(Out):
    """A provider as the API shows it: never the client secret (`clientSecretSet` says
    whether one is kept)."""

    id: str
    name: str
    issuer: str
    client_id: str
    client_secret_set: bool
    scopes: str
    groups_claim: str
    group_roles: list[GroupRoleOut]
    create_users: bool
    is_active: bool
    created_at: datetime
    updated_at: datetime


def _provider_out(row: SignInProvider) -> ProviderOut:
    return ProviderOut(
        id=row.id,
        name=row.name,
        issuer=row.issuer,
        client_id=row.client_id,
        client_secret_set=row.client_secret_set,
        scopes=row.scopes,
        groups_claim=row.groups_claim,
        group_roles=[
            GroupRoleOut(
                group=str(m.get("group")), role=m.get("role"), role_ids=m.get("roleIds") or []
            )
            for m in row.group_roles
        ],
        create_users=row.create_users,
        is_active=row.is_active,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


providers = Resource(
    path="/sign-in-providers",
    model=SignInProvider,
    out=ProviderOut,
    create=ProviderCreate,
    update=ProviderUpdate,
    read="sign_in.manage",
    kind=SIGN_IN_PROVIDERS,
    tag="sign-in providers",
    filters={"isActive": SignInProvider.is_active},
    sortable={"name": SignInProvider.name, "createdAt": SignInProvider.created_at},
    present=_provider_out,
)


class ProviderChoiceOut(Out):
    id: str
    name: str


class ExchangeIn(Body):
    code: Token


class ProviderSignInOut(TokensOut):
    next: str | None = None
    """Where the person was going when they chose to sign in with the provider."""


@get(
    "/auth/providers",
    opt={"public": True},
    summary="The sign-in providers of the company an e-mail address belongs to (by domain)",
)
async def providers_for(
    state: State,
    email: Annotated[str, QueryParameter(min_length=3, max_length=254)],
    limit: Limit = 50,
    offset: Offset = 0,
) -> PageOut[ProviderChoiceOut]:
    async with state.sessions() as session:
        found = await oidc.providers_for(session, email)
    return page(found, limit, offset, lambda p: ProviderChoiceOut(id=p.id, name=p.name))


@get(
    "/auth/oidc/{provider_id:str}/start",
    opt={"public": True},
    status_code=302,
    summary="Go to the provider to sign in (authorization code flow with PKCE)",
    responses=problems(400),
)
async def start_provider_sign_in(
    state: State,
    provider_id: FromPath[str],
    next_path: Annotated[str | None, QueryParameter(name="next", max_length=500)] = None,
) -> Redirect:
    url = await oidc.begin(state.sessions, state.settings, provider_id, next_path)
    return Redirect(url, status_code=302)


@get(
    oidc.CALLBACK_PATH,
    # The provider names these parameters and may add others of its own (session_state...).
    opt={"public": True, OPEN_QUERY: True},
    status_code=302,
    summary="Where the provider sends the browser back; on to the web app",
)
async def provider_callback(
    state: State,
    oidc_state: Annotated[str, QueryParameter(name="state", max_length=500)] = "",
    code: Annotated[str | None, QueryParameter(max_length=2000)] = None,
    error: Annotated[str | None, QueryParameter(max_length=500)] = None,
) -> Redirect:
    url = await oidc.finish(
        state.sessions, state.settings, state=oidc_state, code=code, error=error
    )
    return Redirect(url, status_code=302)


@post(
    "/auth/oidc/exchange",
    opt={"public": True},
    status_code=200,
    summary="Trade the one-time code of a provider sign-in for tokens",
    responses=problems(400),
)
async def exchange_provider_code(state: State, data: JSONBody[ExchangeIn]) -> ProviderSignInOut:
    pair, next_path = await oidc.exchange(state.sessions, data.code, token_policy(state.settings))
    out = tokens_out(pair)
    return ProviderSignInOut(
        access_token=out.access_token,
        refresh_token=out.refresh_token,
        expires_in=out.expires_in,
        token_type=out.token_type,
        next=next_path,
    )


router = Router(
    path="/",
    tags=["accounts"],
    route_handlers=[
        invite,
        read_invitation,
        accept_invitation,
        ask_reset,
        confirm_reset,
        change_password,
        second_step,
        setup_during_sign_in,
        two_factor_status,
        enrol,
        confirm_enrolment,
        disable_two_factor,
        providers_for,
        start_provider_sign_in,
        provider_callback,
        exchange_provider_code,
        resource_router(providers),
    ],
)
