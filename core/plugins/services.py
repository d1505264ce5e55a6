"""Background services: long-running work a plugin contributes to a platform process through
`erp_background_services` (the in-process automation pipeline is one). The process starts
what the plugins return when it starts and stops it when it shuts down."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    from core.events.dispatch import Dispatcher

log = logging.getLogger("erp.services")


@runtime_checkable
class BackgroundService(Protocol):
    """One service. `start` returns once the service is running (its work goes on in tasks
    of the event loop it was started on); `stop` ends that work and frees what it holds.
    `dispatcher`, when not None, is where this process hands trigger work (a manual retry)."""

    name: str
    dispatcher: Dispatcher | None

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


@dataclass
class RunningServices:
    """The services a process started, in start order."""

    services: list[BackgroundService] = field(default_factory=list)

    @property
    def dispatcher(self) -> Dispatcher | None:
        """The first dispatcher a running service offers (None: no worker is known here)."""
        return next((s.dispatcher for s in self.services if s.dispatcher is not None), None)

    def find(self, kind: type[Any]) -> Any | None:
        """The first running service of class `kind` (tests and diagnostics use it)."""
        return next((s for s in self.services if isinstance(s, kind)), None)

    async def stop(self) -> None:
        """Stop every service, the last started first; one that fails to stop is logged and
        the others are still stopped."""
        while self.services:
            service = self.services.pop()
            try:
                await service.stop()
            except Exception:
                log.exception("background service %s did not stop cleanly", service.name)


async def start_services(
    offered: list[tuple[str, BackgroundService]], report: Callable[[str, str], None]
) -> RunningServices:
    """Start the services offered by the plugins ((plugin name, service) pairs), in order.
    A service that fails to start is reported against its plugin and left out."""
    running = RunningServices()
    for plugin, service in offered:
        try:
            await service.start()
        except Exception as exc:  # one broken service must not keep the process from serving
            report(plugin, f"background service {service.name} failed to start: {exc!r}")
            continue
        running.services.append(service)
        log.info("background service %s started (plugin %s)", service.name, plugin)
    return running
