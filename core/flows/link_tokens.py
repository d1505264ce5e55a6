"""Signed approve/reject link tokens (see core.flows.links): made where e-mails are rendered,
read where a link is confirmed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

import jwt

from core.auth.tokens import ALGORITHM
from core.errors import Conflict, ErpError
from core.models import utcnow

LinkAction = Literal["approve", "reject"]

LINK_TTL = timedelta(days=7)
"""How long a link in an e-mail stays usable: long enough for a week away, short enough
that an old e-mail found later does not act."""

AUDIENCE = "erp:action-link"
"""Sets link tokens apart from access tokens signed with the same key: neither is accepted
as the other."""


class LinkInvalid(ErpError):
    """The link was not made by this platform, or was altered."""

    code = "action_link_invalid"
    status = 404


class LinkExpired(ErpError):
    code = "action_link_expired"
    status = 410


class LinkSpent(Conflict):
    """The level the link names has been decided (or the instance has moved on)."""

    code = "action_link_spent"


class NeedsForm(Conflict):
    """The level's form asks for more than a decision: it has to be filled in."""

    code = "action_link_needs_form"


@dataclass(frozen=True, slots=True)
class LinkClaims:
    company_id: str
    instance_id: str
    step_number: int
    level_order: int
    action: LinkAction
    expires_at: datetime


def make_link_token(
    secret: str,
    *,
    company_id: str,
    instance_id: str,
    step_number: int,
    level_order: int,
    action: LinkAction,
    now: datetime | None = None,
) -> str:
    expires = (now or utcnow()) + LINK_TTL
    claims = {
        "aud": AUDIENCE,
        "cid": company_id,
        "iid": instance_id,
        "stp": step_number,
        "lvl": level_order,
        "act": action,
        "exp": int(expires.timestamp()),
    }
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def read_link_token(secret: str, token: str) -> LinkClaims:
    try:
        claims = jwt.decode(token, secret, algorithms=[ALGORITHM], audience=AUDIENCE)
    except jwt.ExpiredSignatureError:
        raise LinkExpired("This link has expired; open the task from your inbox.") from None
    except jwt.InvalidTokenError:
        raise LinkInvalid("This link is not valid.") from None
    if claims.get("act") not in ("approve", "reject"):
        raise LinkInvalid("This link is not valid.")
    return LinkClaims(
        company_id=str(claims["cid"]),
        instance_id=str(claims["iid"]),
        step_number=int(claims["stp"]),
        level_order=int(claims["lvl"]),
        action=claims["act"],
        expires_at=datetime.fromtimestamp(int(claims["exp"]), tz=utcnow().tzinfo),
    )


def links_for_step(
    secret: str, public_url: str, *, company_id: str, instance_id: str, step: int, level: int
) -> dict[str, str]:
    """The template variables `approve_link` and `reject_link` for a waiting level."""
    return {
        f"{action}_link": f"{public_url}/action-links/"
        + make_link_token(
            secret,
            company_id=company_id,
            instance_id=instance_id,
            step_number=step,
            level_order=level,
            action=action,
        )
        for action in ("approve", "reject")
    }
