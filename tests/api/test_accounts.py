"""Accounts: an invitation e-mailed through the SMTP test server sets the person's password
once; a password reset answers the same for every address and its link works once; changing
a password ends the other sign-ins; TOTP two-factor sign-in (enrolled by choice or because
the company requires it) needs a fresh code or a recovery code; the links' tokens reach no
response, mail log or log line but the e-mail itself."""

from __future__ import annotations

import logging
import re
import time
from datetime import timedelta

import pyotp
import pytest
import sqlalchemy as sa

from core.accounts.resets import RESETS_PER_HOUR
from core.auth.service import MAX_FAILURES_PER_ACCOUNT
from core.models import AccountToken, AuditLog, Company, UserRole, utcnow
from tests.world.services import SmtpServer
from tests.world.tenants import PASSWORD

NEW_PASSWORD = "a much better passphrase"


@pytest.fixture
def app_settings(database_url, tmp_path, smtp: SmtpServer):
    from tests.world.app import make_settings

    return make_settings(
        database_url, tmp_path / "files", smtp_host="127.0.0.1", smtp_port=smtp.port
    )


@pytest.fixture
def mailbox(smtp: SmtpServer):
    smtp.mailbox.messages.clear()
    smtp.mailbox.recipients.clear()
    return smtp.mailbox


def link_token(message, page: str) -> str:
    body = message.get_payload(decode=True).decode()
    found = re.search(rf"/{page}#token=([\w-]+)", body)
    assert found, body
    return found.group(1)


async def sign_in(client, email: str, password: str = PASSWORD):
    return await client.post("/auth/login", json={"email": email, "password": password})


def bearer(tokens: dict) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['accessToken']}"}


async def test_an_invited_person_chooses_a_password_once(
    client, acme, as_admin, mailbox, caplog
) -> None:
    caplog.set_level(logging.DEBUG)
    made = await client.post(
        "/invitations",
        json={
            "email": "Newcomer@Acme.test",
            "firstName": "Nia",
            "role": "MANAGER",
            "roleIds": [acme.roles["Approver"].id],
        },
        headers=as_admin,
    )
    assert made.status_code == 201, made.text
    assert made.json()["email"] == "newcomer@acme.test" and made.json()["role"] == "MANAGER"
    (message,) = mailbox.messages
    assert message["To"] == "newcomer@acme.test"
    token = link_token(message, "accept-invitation")
    assert token not in made.text
    # Before accepting, the account has no password anyone knows.
    assert (await sign_in(client, "newcomer@acme.test", NEW_PASSWORD)).status_code == 401
    shown = await client.post("/auth/invitation", json={"token": token})
    assert shown.json() == {
        "email": "newcomer@acme.test",
        "firstName": "Nia",
        "companyName": "Acme",
    }
    accepted = await client.post(
        "/auth/invitation/accept", json={"token": token, "password": NEW_PASSWORD}
    )
    assert accepted.status_code == 200 and accepted.json() == {"email": "newcomer@acme.test"}
    assert (await sign_in(client, "newcomer@acme.test", NEW_PASSWORD)).status_code == 200
    again = await client.post(
        "/auth/invitation/accept", json={"token": token, "password": "another password"}
    )
    assert again.status_code == 422
    assert [(e["path"], e["code"]) for e in again.json()["errors"]] == [("/token", "invalid_link")]
    # The company's mail log keeps the e-mail without the link's token.
    logged = (await client.get("/outgoing-emails", headers=as_admin)).json()["items"]
    assert len(logged) == 1 and "accept-invitation#token=***" in logged[0]["body"]
    assert token not in repr(logged) and token not in caplog.text


async def test_an_invitation_is_refused_with_every_fault_and_by_those_who_may_not(
    client, acme, as_admin, as_employee, mailbox
) -> None:
    bad = await client.post(
        "/invitations",
        json={"email": "not-an-address", "role": "OWNER", "roleIds": "x", "shoeSize": 9},
        headers=as_admin,
    )
    assert bad.status_code == 422
    assert {e["path"] for e in bad.json()["errors"]} >= {"/email", "/role", "/roleIds"}
    unknown_role = await client.post(
        "/invitations", json={"email": "r@acme.test", "roleIds": ["nope"]}, headers=as_admin
    )
    assert [e["path"] for e in unknown_role.json()["errors"]] == ["/roleIds/0"]
    refused = await client.post("/invitations", json={"email": "e@acme.test"}, headers=as_employee)
    assert refused.status_code == 403
    assert mailbox.messages == []


async def test_an_expired_invitation_sets_nothing(client, acme, as_admin, mailbox, sessions):
    await client.post("/invitations", json={"email": "late@acme.test"}, headers=as_admin)
    token = link_token(mailbox.messages[0], "accept-invitation")
    async with sessions.begin() as session:
        await session.execute(
            sa.update(AccountToken).values(expires_at=utcnow() - timedelta(seconds=1))
        )
    late = await client.post(
        "/auth/invitation/accept", json={"token": token, "password": NEW_PASSWORD}
    )
    assert late.status_code == 422 and late.json()["errors"][0]["code"] == "invalid_link"


async def test_a_reset_answers_alike_for_every_address_and_its_link_works_once(
    client, acme, mailbox, caplog
) -> None:
    caplog.set_level(logging.DEBUG)
    earlier = (await sign_in(client, "manager@acme.test")).json()
    known = await client.post("/auth/password-reset", json={"email": "Manager@acme.test"})
    unknown = await client.post("/auth/password-reset", json={"email": "nobody@acme.test"})
    assert known.status_code == unknown.status_code == 202
    assert known.json() == unknown.json()
    (message,) = mailbox.messages  # only the account that exists got one
    assert message["To"] == "manager@acme.test"
    token = link_token(message, "reset-password")
    short = await client.post(
        "/auth/password-reset/confirm", json={"token": token, "password": "short"}
    )
    assert short.status_code == 422 and [e["path"] for e in short.json()["errors"]] == ["/password"]
    done = await client.post(
        "/auth/password-reset/confirm", json={"token": token, "password": NEW_PASSWORD}
    )
    assert done.status_code == 204, done.text
    assert (await sign_in(client, "manager@acme.test")).status_code == 401
    assert (await sign_in(client, "manager@acme.test", NEW_PASSWORD)).status_code == 200
    # Every earlier sign-in ended with the reset.
    assert (await client.get("/auth/me", headers=bearer(earlier))).status_code == 401
    again = await client.post(
        "/auth/password-reset/confirm", json={"token": token, "password": "third password"}
    )
    assert again.status_code == 422
    assert token not in caplog.text


async def test_resets_asked_for_over_and_over_send_a_few_mails(client, acme, mailbox) -> None:
    for _ in range(RESETS_PER_HOUR + 2):
        answer = await client.post("/auth/password-reset", json={"email": "admin@acme.test"})
        assert answer.status_code == 202
    assert len(mailbox.messages) == RESETS_PER_HOUR
    # Only the newest link works.
    first = link_token(mailbox.messages[0], "reset-password")
    last = link_token(mailbox.messages[-1], "reset-password")
    stale = await client.post(
        "/auth/password-reset/confirm", json={"token": first, "password": NEW_PASSWORD}
    )
    assert stale.status_code == 422
    fresh = await client.post(
        "/auth/password-reset/confirm", json={"token": last, "password": NEW_PASSWORD}
    )
    assert fresh.status_code == 204


async def test_changing_a_password_ends_the_other_sign_ins(client, acme, sessions) -> None:
    here = (await sign_in(client, "employee@acme.test")).json()
    elsewhere = (await sign_in(client, "employee@acme.test")).json()
    wrong = await client.post(
        "/auth/password",
        json={"currentPassword": "not it at all", "newPassword": "not it at all"},
        headers=bearer(here),
    )
    assert wrong.status_code == 422
    assert {(e["path"], e["code"]) for e in wrong.json()["errors"]} == {
        ("/currentPassword", "wrong_password"),
        ("/newPassword", "same"),
    }
    changed = await client.post(
        "/auth/password",
        json={"currentPassword": PASSWORD, "newPassword": NEW_PASSWORD},
        headers=bearer(here),
    )
    assert changed.status_code == 204, changed.text
    assert (await client.get("/auth/me", headers=bearer(here))).status_code == 200
    assert (await client.get("/auth/me", headers=bearer(elsewhere))).status_code == 401
    stale = await client.post("/auth/refresh", json={"refreshToken": elsewhere["refreshToken"]})
    assert stale.status_code == 401
    assert (await sign_in(client, "employee@acme.test", NEW_PASSWORD)).status_code == 200
    async with sessions() as session:
        actions = set(await session.scalars(sa.select(AuditLog.action)))
    assert "user.password_changed" in actions


def next_code(secret: str, after_step: int) -> str:
    """The code of the step after `after_step` (accepted: the clock may be a step behind)."""
    return pyotp.TOTP(secret).at((after_step + 1) * 30)


async def test_two_factor_sign_in_needs_a_fresh_code_or_a_recovery_code(
    client, acme, caplog
) -> None:
    caplog.set_level(logging.DEBUG)
    me = bearer((await sign_in(client, "admin@acme.test")).json())
    wrong = await client.post("/auth/two-factor", json={"password": "nope"}, headers=me)
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["path"] == "/password"
    enrolment = await client.post("/auth/two-factor", json={"password": PASSWORD}, headers=me)
    assert enrolment.status_code == 200, enrolment.text
    secret = enrolment.json()["secret"]
    assert enrolment.json()["provisioningUri"].startswith("otpauth://totp/ERP%20Builder:admin")
    bad = await client.post("/auth/two-factor/confirm", json={"code": "000000"}, headers=me)
    assert bad.status_code == 422 and bad.json()["errors"][0]["code"] == "wrong_code"
    step = int(time.time()) // 30
    confirmed = await client.post(
        "/auth/two-factor/confirm", json={"code": pyotp.TOTP(secret).at(step * 30)}, headers=me
    )
    assert confirmed.status_code == 200, confirmed.text
    recovery = confirmed.json()["recoveryCodes"]
    assert len(recovery) == 10 and len(set(recovery)) == 10
    status = (await client.get("/auth/two-factor", headers=me)).json()
    assert status == {"enabled": True, "pending": False, "required": False, "recoveryCodesLeft": 10}

    first = await sign_in(client, "admin@acme.test")
    assert first.status_code == 401 and first.json()["code"] == "two_factor_required"
    challenge = first.json()["challenge"]
    assert "accessToken" not in first.text
    # The challenge is no access token.
    assert (
        await client.get("/auth/me", headers={"Authorization": f"Bearer {challenge}"})
    ).status_code == 401
    code = next_code(secret, step)
    ok = await client.post("/auth/login/two-factor", json={"challenge": challenge, "code": code})
    assert ok.status_code == 200, ok.text
    assert (await client.get("/auth/me", headers=bearer(ok.json()))).status_code == 200
    # A code is good once.
    again = (await sign_in(client, "admin@acme.test")).json()["challenge"]
    replay = await client.post("/auth/login/two-factor", json={"challenge": again, "code": code})
    assert replay.status_code == 422 and replay.json()["errors"][0]["code"] == "wrong_code"
    saved = await client.post(
        "/auth/login/two-factor", json={"challenge": again, "code": recovery[0].upper()}
    )
    assert saved.status_code == 200
    spent = await client.post(
        "/auth/login/two-factor", json={"challenge": again, "code": recovery[0]}
    )
    assert spent.status_code == 422
    assert (await client.get("/auth/two-factor", headers=me)).json()["recoveryCodesLeft"] == 9
    off = await client.post("/auth/two-factor/disable", json={"password": PASSWORD}, headers=me)
    assert off.status_code == 204
    assert (await sign_in(client, "admin@acme.test")).status_code == 200
    assert secret not in caplog.text and recovery[1] not in caplog.text


async def test_guessing_codes_is_throttled_as_guessing_passwords_is(client, acme) -> None:
    me = bearer((await sign_in(client, "manager@acme.test")).json())
    secret = (
        await client.post("/auth/two-factor", json={"password": PASSWORD}, headers=me)
    ).json()["secret"]
    await client.post(
        "/auth/two-factor/confirm", json={"code": pyotp.TOTP(secret).now()}, headers=me
    )
    challenge = (await sign_in(client, "manager@acme.test")).json()["challenge"]
    codes = [
        (
            await client.post(
                "/auth/login/two-factor", json={"challenge": challenge, "code": "123456"}
            )
        ).status_code
        for _ in range(MAX_FAILURES_PER_ACCOUNT + 1)
    ]
    assert codes[-1] == 429 and set(codes[:-1]) <= {422, 429}


async def test_a_company_that_requires_two_factor_has_its_people_set_it_up_at_sign_in(
    client, acme, as_admin, sessions
) -> None:
    required = await client.patch(
        f"/companies/{acme.company_id}", json={"requireTwoFactor": True}, headers=as_admin
    )
    assert required.status_code == 200 and required.json()["requireTwoFactor"] is True
    first = await sign_in(client, "employee@acme.test")
    assert first.status_code == 401
    assert first.json()["code"] == "two_factor_required" and first.json()["setup"] is True
    challenge = first.json()["challenge"]
    early = await client.post(
        "/auth/login/two-factor", json={"challenge": challenge, "code": "123456"}
    )
    assert early.status_code == 422 and early.json()["errors"][0]["code"] == "not_enrolled"
    enrolment = await client.post("/auth/login/two-factor/setup", json={"challenge": challenge})
    assert enrolment.status_code == 200, enrolment.text
    code = pyotp.TOTP(enrolment.json()["secret"]).now()
    signed_in = await client.post(
        "/auth/login/two-factor", json={"challenge": challenge, "code": code}
    )
    assert signed_in.status_code == 200, signed_in.text
    assert len(signed_in.json()["recoveryCodes"]) == 10
    me = bearer(signed_in.json())
    kept = await client.post("/auth/two-factor/disable", json={"password": PASSWORD}, headers=me)
    assert kept.status_code == 409 and kept.json()["code"] == "two_factor_required_by_company"
    async with sessions() as session:
        assert await session.scalar(
            sa.select(Company.require_two_factor).where(Company.id == acme.company_id)
        )


async def test_api_keys_have_no_password_or_second_factor(client, acme, as_admin) -> None:
    made = await client.post(
        "/api-keys", json={"name": "K", "permissions": ["tasks.read"]}, headers=as_admin
    )
    key = {"Authorization": f"Bearer {made.json()['key']}"}
    changed = await client.post(
        "/auth/password",
        json={"currentPassword": PASSWORD, "newPassword": NEW_PASSWORD},
        headers=key,
    )
    assert changed.status_code == 403
    assert (await client.get("/auth/two-factor", headers=key)).status_code == 403


async def test_account_links_need_no_role_but_a_valid_token(client, acme) -> None:
    for path, body in (
        ("/auth/invitation", {"token": "made-up"}),
        ("/auth/invitation/accept", {"token": "made-up", "password": NEW_PASSWORD}),
        ("/auth/password-reset/confirm", {"token": "made-up", "password": NEW_PASSWORD}),
    ):
        answer = await client.post(path, json=body)
        assert answer.status_code == 422, (path, answer.text)
        assert answer.json()["errors"][0]["path"] == "/token"
    assert acme.users[UserRole.ADMIN].email == "admin@acme.test"


async def test_rotating_the_secrets_keys_reseals_the_second_factors(client, acme, sessions) -> None:
    from core.integrations.rotation import rotate_secrets
    from core.models import TwoFactorCredential
    from core.vault import SecretBox, new_key
    from tests.world.app import SECRET

    me = bearer((await sign_in(client, "admin@acme.test")).json())
    enrolled = await client.post("/auth/two-factor", json={"password": PASSWORD}, headers=me)
    secret = enrolled.json()["secret"]
    async with sessions() as session:
        stored = await session.scalar(sa.select(TwoFactorCredential.secret))
    assert secret not in repr(stored)
    from core.vault.box import derived_key

    rotated = SecretBox([new_key(), derived_key(SECRET)])
    assert await rotate_secrets(sessions, rotated) >= 1
    async with sessions() as session:
        resealed = await session.scalar(sa.select(TwoFactorCredential.secret))
    assert resealed != stored and rotated.open(resealed) == secret
