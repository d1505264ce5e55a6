"""An access token speaks for the account as it is now: demotion, deactivation and sign-out
take effect on the next request, a stolen refresh token ends its whole sign-in, and the
sign-in throttle holds under concurrent guessing."""

from __future__ import annotations

import asyncio

import sqlalchemy as sa

from core.auth.service import MAX_FAILURES_PER_ACCOUNT
from core.auth.standing import STANDING_SECONDS
from core.models import LoginAttempt, User, UserRole
from tests.world.tenants import PASSWORD


async def sign_in(client, email: str) -> dict:
    response = await client.post("/auth/login", json={"email": email, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return response.json()


def bearer(tokens: dict) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['accessToken']}"}


async def after_standing_expires() -> None:
    """What a process read of an account is kept this long; past it, the row is read again."""
    await asyncio.sleep(STANDING_SECONDS + 0.1)


async def test_a_demoted_admin_loses_admin_rights_with_the_token_in_hand(
    client, acme, sessions
) -> None:
    tokens = await sign_in(client, "admin@acme.test")
    made = await client.post("/roles", json={"name": "Clerk"}, headers=bearer(tokens))
    assert made.status_code == 201, made.text
    async with sessions.begin() as session:
        await session.execute(
            sa.update(User)
            .where(User.id == acme.users[UserRole.ADMIN].id)
            .values(role=UserRole.EMPLOYEE)
        )
    await after_standing_expires()
    refused = await client.post("/roles", json={"name": "Auditor"}, headers=bearer(tokens))
    assert refused.status_code == 403, refused.text
    me = await client.get("/auth/me", headers=bearer(tokens))
    assert "roles.write" not in me.json()["permissions"]


async def test_a_deactivated_user_is_refused_with_a_valid_token(client, acme, sessions) -> None:
    tokens = await sign_in(client, "manager@acme.test")
    assert (await client.get("/auth/me", headers=bearer(tokens))).status_code == 200
    async with sessions.begin() as session:
        await session.execute(
            sa.update(User).where(User.email == "manager@acme.test").values(is_active=False)
        )
    await after_standing_expires()
    refused = await client.get("/auth/me", headers=bearer(tokens))
    assert refused.status_code == 401
    assert refused.headers["content-type"].startswith("application/problem+json")


async def test_signing_out_ends_the_access_token_at_once(client, acme) -> None:
    tokens = await sign_in(client, "admin@acme.test")
    other_device = await sign_in(client, "admin@acme.test")
    assert (await client.get("/auth/me", headers=bearer(tokens))).status_code == 200
    out = await client.post("/auth/logout", json={"refreshToken": tokens["refreshToken"]})
    assert out.status_code == 204
    assert (await client.get("/auth/me", headers=bearer(tokens))).status_code == 401
    # Another sign-in of the same person is another session, still open.
    assert (await client.get("/auth/me", headers=bearer(other_device))).status_code == 200


async def test_reusing_a_rotated_refresh_token_ends_its_whole_sign_in(client, acme) -> None:
    first = await sign_in(client, "admin@acme.test")
    second = (
        await client.post("/auth/refresh", json={"refreshToken": first["refreshToken"]})
    ).json()
    assert (await client.get("/auth/me", headers=bearer(second))).status_code == 200
    # Someone replays the first refresh token (stolen before it was rotated).
    replay = await client.post("/auth/refresh", json={"refreshToken": first["refreshToken"]})
    assert replay.status_code == 401 and replay.json()["code"] == "invalid_refresh_token"
    # The family is revoked: the newest refresh token and its access token are dead too.
    stolen_chain = await client.post("/auth/refresh", json={"refreshToken": second["refreshToken"]})
    assert stolen_chain.status_code == 401
    assert (await client.get("/auth/me", headers=bearer(second))).status_code == 401
    assert (await client.get("/auth/me", headers=bearer(first))).status_code == 401


async def test_concurrent_wrong_passwords_are_verified_no_more_than_the_limit(
    client, acme, sessions
) -> None:
    answers = await asyncio.gather(
        *(
            client.post("/auth/login", json={"email": "admin@acme.test", "password": "wrong"})
            for _ in range(25)
        )
    )
    codes = sorted(a.json()["code"] for a in answers)
    evaluated = codes.count("invalid_credentials")
    assert 1 <= evaluated <= MAX_FAILURES_PER_ACCOUNT, codes
    assert codes.count("too_many_attempts") == 25 - evaluated
    async with sessions() as session:
        kept = await session.scalar(
            sa.select(sa.func.count()).where(LoginAttempt.email == "admin@acme.test")
        )
    assert kept == evaluated  # refused attempts are taken back
