"""Requests per API key: a fixed window per minute, counted in Redis when the platform has it
(so every API process shares the count) and in the process otherwise (the `limits` library)."""

from __future__ import annotations

import math
import time

from limits import RateLimitItemPerMinute
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import FixedWindowRateLimiter

from core.errors import ErpError
from core.settings import Settings


class KeyOverRate(ErpError):
    """The API key made more requests this minute than its rate allows."""

    code = "api_key_rate_limited"
    status = 429


class KeyThrottle:
    """How many requests each key made this minute, and a refusal past the rate."""

    def __init__(self, settings: Settings) -> None:
        storage: Storage = (
            RedisStorage("async+" + settings.redis_url, implementation="redispy")
            if settings.redis_url
            else MemoryStorage()
        )
        self.rate = RateLimitItemPerMinute(settings.accounts.api_key_rate_per_minute)
        self.limiter = FixedWindowRateLimiter(storage)

    async def hit(self, key_id: str) -> None:
        """Count a request of `key_id`; KeyOverRate (with Retry-After) when it is one too many."""
        if await self.limiter.hit(self.rate, "api-key", key_id):
            return
        stats = await self.limiter.get_window_stats(self.rate, "api-key", key_id)
        wait = max(1, math.ceil(stats.reset_time - time.time()))
        raise KeyOverRate(
            f"This API key may make {self.rate.amount} requests a minute; try again in {wait} s.",
            retry_after=wait,
        )
