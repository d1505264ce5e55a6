"""Sign-in through a company's OpenID Connect provider, against a small provider on loopback
(tests/world/oidc.py): discovery, the authorization code flow with PKCE, the ID token checked
against the provider's keys and the nonce, the groups claim mapped to roles; the client
secret is never shown and tokens never travel in a URL."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from joserfc.jwk import RSAKey

from core.models import UserRole
from tests.world.app import make_settings
from tests.world.oidc import CLIENT_ID, CLIENT_SECRET, OidcProvider


@pytest.fixture
def provider() -> Iterator[OidcProvider]:
    with OidcProvider() as running:
        yield running


@pytest.fixture
def app_settings(database_url, tmp_path):
    # The provider is on loopback, which outbound HTTP refuses unless allowed.
    return make_settings(database_url, tmp_path / "files", http_allow_private=True)


async def add_provider(client, acme, provider: OidcProvider, **extra) -> dict:
    made = await client.post(
        "/sign-in-providers",
        json={
            "name": "Acme SSO",
            "issuer": provider.issuer,
            "clientId": CLIENT_ID,
            "clientSecret": CLIENT_SECRET,
            "groupRoles": [
                {"group": "erp-managers", "role": "MANAGER"},
                {"group": "approvers", "roleIds": [acme.roles["Approver"].id]},
            ],
            **extra,
        },
        headers=acme.headers(),
    )
    assert made.status_code == 201, made.text
    return made.json()


async def through_provider(client, provider_id: str, next_path: str = "/inbox") -> str:
    """The browser's walk: to the provider, back to the callback, on to the web app; the
    URL the web app is sent to."""
    # The test client would follow redirects into the app itself, whatever their host.
    start = await client.get(
        f"/auth/oidc/{provider_id}/start", params={"next": next_path}, follow_redirects=False
    )
    assert start.status_code == 302, start.text
    async with httpx.AsyncClient() as browser:
        at_provider = await browser.get(start.headers["location"])
    assert at_provider.status_code == 302, at_provider.text
    back = urlparse(at_provider.headers["location"])
    assert back.path == "/auth/oidc/callback"
    callback = await client.get(
        back.path,
        params={k: v[0] for k, v in parse_qs(back.query).items()},
        follow_redirects=False,
    )
    assert callback.status_code == 302, callback.text
    return callback.headers["location"]


def one_time_code(location: str) -> str:
    url = urlparse(location)
    assert url.path == "/sign-in/complete" and url.fragment.startswith("code="), location
    return url.fragment.removeprefix("code=")


async def test_a_new_person_signs_in_with_the_provider_and_gets_their_groups_roles(
    client, acme, provider, caplog
) -> None:
    caplog.set_level(logging.DEBUG)
    made = await add_provider(client, acme, provider, createUsers=True)
    assert made["clientSecretSet"] is True and CLIENT_SECRET not in repr(made)
    listed = await client.get("/sign-in-providers", headers=acme.headers())
    assert CLIENT_SECRET not in listed.text
    choices = await client.get("/auth/providers", params={"email": "someone@ACME.test"})
    assert choices.json()["items"] == [{"id": made["id"], "name": "Acme SSO"}]
    assert (await client.get("/auth/providers", params={"email": "x@globex.test"})).json()[
        "items"
    ] == []
    provider.person = {
        "sub": "u-1",
        "email": "Dana@acme.test",
        "email_verified": True,
        "given_name": "Dana",
        "groups": ["erp-managers", "approvers", "unrelated"],
    }
    location = await through_provider(client, made["id"])
    assert "accessToken" not in location
    code = one_time_code(location)
    signed_in = await client.post("/auth/oidc/exchange", json={"code": code})
    assert signed_in.status_code == 200, signed_in.text
    assert signed_in.json()["next"] == "/inbox"
    me = await client.get(
        "/auth/me", headers={"Authorization": f"Bearer {signed_in.json()['accessToken']}"}
    )
    user = me.json()["user"]
    assert user["email"] == "dana@acme.test" and user["firstName"] == "Dana"
    assert user["role"] == "MANAGER" and user["roleIds"] == [acme.roles["Approver"].id]
    assert user["companyId"] == acme.company_id
    # The provider was asked with PKCE and its secret; the code is good once.
    (request,) = provider.token_requests
    assert request["code_verifier"] and request["grant_type"] == "authorization_code"
    again = await client.post("/auth/oidc/exchange", json={"code": code})
    assert again.status_code == 400 and again.json()["code"] == "sign_in_failed"
    assert CLIENT_SECRET not in caplog.text and code not in caplog.text


async def test_a_known_person_s_roles_follow_their_groups(client, acme, provider) -> None:
    made = await add_provider(client, acme, provider)
    provider.person = {"sub": "u-2", "email": "employee@acme.test", "groups": ["erp-managers"]}
    code = one_time_code(await through_provider(client, made["id"]))
    tokens = (await client.post("/auth/oidc/exchange", json={"code": code})).json()
    me = await client.get("/auth/me", headers={"Authorization": f"Bearer {tokens['accessToken']}"})
    assert me.json()["user"]["id"] == acme.users[UserRole.EMPLOYEE].id
    assert me.json()["user"]["role"] == "MANAGER"
    trail = await client.get(
        "/audit-logs", params={"action": "user.roles_from_provider"}, headers=acme.headers()
    )
    (entry,) = trail.json()["items"]
    assert entry["changes"]["before"]["role"] == "EMPLOYEE"
    assert entry["changes"]["after"]["role"] == "MANAGER"


async def test_people_the_company_does_not_know_are_turned_away(
    client, acme, globex, provider
) -> None:
    made = await add_provider(client, acme, provider)  # createUsers is off
    provider.person = {"sub": "u-3", "email": "stranger@acme.test"}
    assert (await through_provider(client, made["id"])).endswith("/sign-in?error=no_account")
    # Globex's admin has an account, in another company: not this provider's to sign in.
    provider.person = {"sub": "u-4", "email": "admin@globex.test"}
    assert (await through_provider(client, made["id"])).endswith("/sign-in?error=no_account")


async def test_an_id_token_signed_with_another_key_is_refused(client, acme, provider) -> None:
    made = await add_provider(client, acme, provider)
    provider.person = {"sub": "u-5", "email": "admin@acme.test"}
    provider.signing_key = RSAKey.generate_key(2048, parameters={"kid": "k1"})
    assert (await through_provider(client, made["id"])).endswith("/sign-in?error=id_token_invalid")


async def test_a_state_is_good_for_one_answer(client, acme, provider) -> None:
    made = await add_provider(client, acme, provider)
    provider.person = {"sub": "u-6", "email": "admin@acme.test"}
    start = await client.get(f"/auth/oidc/{made['id']}/start", follow_redirects=False)
    state = parse_qs(urlparse(start.headers["location"]).query)["state"][0]
    refused = await client.get(
        "/auth/oidc/callback", params={"state": state, "error": "denied"}, follow_redirects=False
    )
    assert refused.headers["location"].endswith("/sign-in?error=provider_refused")
    replay = await client.get(
        "/auth/oidc/callback", params={"state": state, "code": "x"}, follow_redirects=False
    )
    assert replay.headers["location"].endswith("/sign-in?error=sign_in_expired")
    forged = await client.get(
        "/auth/oidc/callback", params={"state": "made-up", "code": "x"}, follow_redirects=False
    )
    assert forged.headers["location"].endswith("/sign-in?error=sign_in_expired")


async def test_providers_are_checked_with_every_fault_and_kept_to_their_company(
    client, acme, globex, provider
) -> None:
    bad = await client.post(
        "/sign-in-providers",
        json={
            "name": "Bad",
            "issuer": "ftp://nowhere.example",
            "clientId": CLIENT_ID,
            "scopes": "email profile",
            "groupRoles": [{"group": "g", "role": "DEVELOPER", "roleIds": ["missing"]}],
        },
        headers=acme.headers(),
    )
    assert bad.status_code == 422
    assert {e["path"] for e in bad.json()["errors"]} == {"/scopes"}
    bad = await client.post(
        "/sign-in-providers",
        json={
            "name": "Bad",
            "issuer": "ftp://nowhere.example",
            "clientId": CLIENT_ID,
            "groupRoles": [{"group": "g", "role": "DEVELOPER", "roleIds": ["missing"]}],
        },
        headers=acme.headers(),
    )
    assert {e["path"] for e in bad.json()["errors"]} == {
        "/issuer",
        "/groupRoles/0/role",
        "/groupRoles/0/roleIds/0",
    }
    made = await add_provider(client, acme, provider)
    assert (
        await client.get(f"/sign-in-providers/{made['id']}", headers=globex.headers())
    ).status_code == 404
    employee = await client.get("/sign-in-providers", headers=acme.headers(UserRole.EMPLOYEE))
    assert employee.status_code == 403
