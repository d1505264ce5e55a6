"""Relay wake-up hints over Redis (scaled mode): processes that commit outbox events publish
on a channel named after the Celery queue (so deployments and test runs sharing one Redis
do not wake each other), and every `erp relay` subscribed to it runs a pass at once."""

from __future__ import annotations

import asyncio
import logging

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from core.events.hints import CoalescedHint, commit_hints
from core.settings import Settings
from scheduler.relay import RelayWake

log = logging.getLogger("erp.relay")

RECONNECT_SECONDS = 1.0
"""How long the listener waits before subscribing again after losing Redis (the relay polls
meanwhile)."""


def hint_channel(settings: Settings) -> str:
    return f"{settings.automation.celery_queue}.outbox-hints"


class RedisHintPublisher(CoalescedHint):
    """Publishes a hint on the channel after commits that wrote outbox events, coalesced (at
    most one PUBLISH in flight) over one connection per process, opened on the first hint
    (again if the event loop changed). `connect()` attaches it to this process's commits."""

    def __init__(self, redis_url: str, channel: str) -> None:
        super().__init__(self._publish, name=f"redis channel {channel}")
        self.redis_url = redis_url
        self.channel = channel
        self._client: Redis | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    @classmethod
    def for_settings(cls, settings: Settings) -> RedisHintPublisher:
        assert settings.redis_url, "hints over Redis need REDIS_URL"
        return cls(settings.redis_url, hint_channel(settings))

    def connect(self) -> RedisHintPublisher:
        commit_hints.connect(self)
        return self

    async def close(self) -> None:
        """Detach from the commits, and close the connection."""
        commit_hints.disconnect(self)
        await super().close()
        client, self._client = self._client, None
        if client is not None and self._loop is asyncio.get_running_loop():
            await client.aclose()

    async def _publish(self) -> None:
        loop = asyncio.get_running_loop()
        if self._client is None or self._loop is not loop:
            # A hint is worth little after a second: short timeouts, one retry (a connection
            # Redis closed since the last hint is reopened once).
            self._client = Redis.from_url(
                self.redis_url,
                single_connection_client=True,
                socket_connect_timeout=1.0,
                socket_timeout=1.0,
                retry=Retry(NoBackoff(), 1),
            )
            self._loop = loop
        await self._client.publish(self.channel, b"")


async def listen_for_hints(redis_url: str, channel: str, wake: RelayWake) -> None:
    """Hint `wake` for every message on `channel` until cancelled. Subscribes again after a
    Redis outage, and hints once on each subscription (events may have been committed while
    nobody listened)."""
    failing = False
    while True:
        client = Redis.from_url(redis_url, socket_connect_timeout=2.0, socket_timeout=None)
        try:
            async with client.pubsub() as pubsub:
                await pubsub.subscribe(channel)
                async for message in pubsub.listen():
                    if message["type"] == "subscribe":
                        log.info("relay: listening for hints on %s", channel)
                        failing = False
                    wake.hint()
        except Exception as exc:
            if not failing:
                log.warning("relay: no hints from Redis now (%s); polling meanwhile", exc)
                failing = True
        finally:
            await client.aclose()
        await asyncio.sleep(RECONNECT_SECONDS)
