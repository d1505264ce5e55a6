"""The action descriptor of the plugin SDK, the context an action runs in, and the platform's
services behind it (confined to the trigger's company)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from functools import lru_cache
from typing import TYPE_CHECKING, Any, TypeVar

import msgspec
import msgspec.inspect
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.errors import FieldProblem
from core.http import GuardedHttpClient
from core.models import EventType
from core.plugins.settings import PluginSettings
from core.settings import Settings
from core.templating import render_text
from core.tenancy import scope
from core.triggers.errors import ActionConfigInvalid, ActionFailed

if TYPE_CHECKING:
    from core.mail import Delivery

S = TypeVar("S", bound=PluginSettings)

ActionOutput = Mapping[str, Any] | None
_MSGSPEC_PATH = re.compile(r" - at `\$(.*)`$")


@dataclass(frozen=True, slots=True)
class EventInfo:
    """The event a trigger is handling; `data` is the event payload (the execution's
    `eventData`)."""

    id: str
    type: EventType
    company_id: str
    data: Mapping[str, Any]
    occurred_at: datetime
    chain_depth: int = 0
    task_id: str | None = None
    flow_id: str | None = None
    table_id: str | None = None
    trigger_id: str | None = None


@dataclass(frozen=True, slots=True)
class TriggerInfo:
    """The trigger being run, as an action may see it (read-only)."""

    id: str
    name: str
    event_type: EventType
    settings: Mapping[str, Any] = field(default_factory=dict)


class CompanyServices:
    """What the platform does for an action, inside the trigger's company: units of work
    confined to the company, and the company's mail log. The SDK's functions
    (`core.triggers.sdk`) use it; it keeps the platform's session factory and settings to
    itself, and shows neither."""

    __slots__ = ("_sessions", "_settings", "company_id")

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], settings: Settings, company_id: str
    ) -> None:
        self._sessions = sessions
        self._settings = settings
        self.company_id = company_id

    def __repr__(self) -> str:
        return f"CompanyServices(company_id={self.company_id!r})"

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A unit of work confined to the company; commits on success."""
        async with self._sessions() as session, session.begin():
            scope(session, self.company_id)
            yield session

    @property
    def mail_from(self) -> str:
        """The address the platform's e-mails come from (ERP_MAIL_FROM)."""
        return self._settings.automation.mail_from

    async def deliver_mail(
        self,
        message: EmailMessage,
        *,
        recipients: list[str],
        idempotency_key: str,
        source_id: str | None,
        run_id: str | None,
    ) -> Delivery:
        """Send `message` through the company's mail log (core.mail.deliver)."""
        from core.mail import deliver

        return await deliver(
            self._sessions,
            self._settings.automation,
            message,
            company_id=self.company_id,
            idempotency_key=idempotency_key,
            recipients=recipients,
            source_id=source_id,
            run_id=run_id,
        )


def platform_of(
    services: CompanyServices,
) -> tuple[async_sessionmaker[AsyncSession], Settings]:
    """The platform's session factory and settings behind `services`: for the platform's own
    areas whose services an action calls (an integration's run), never for plugins (the SDK
    does not export it)."""
    return services._sessions, services._settings


@dataclass(frozen=True, slots=True)
class ActionContext:
    """Everything an action may use, all of it about the trigger's company: the event and the
    trigger, the rendered variables, units of work confined to the company
    (`transaction()`), the guarded HTTP client, and the settings of the plugin that provides
    the action. Events that the action causes must carry `chain_depth`."""

    company_id: str
    event: EventInfo
    trigger: TriggerInfo
    variables: Mapping[str, Any]
    http: GuardedHttpClient
    services: CompanyServices
    """The platform's services in this company (the SDK's functions call them)."""
    run_id: str
    action_index: int
    attempt: int = 1
    settings: PluginSettings | None = None
    """The settings of the plugin that provides this action (`erp_register_settings`), read
    from the environment under its prefix; None when it declares none. `settings_as` gives
    them typed."""

    @property
    def chain_depth(self) -> int:
        """The depth of any event this action causes (one more than the event handled)."""
        return self.event.chain_depth + 1

    @property
    def idempotency_key(self) -> str:
        """Stable across retries and redeliveries of this action of this run: pass it to
        receivers that deduplicate (an Idempotency-Key header, an email's Message-ID)."""
        return f"{self.run_id}.{self.action_index}"

    @property
    def mail_from(self) -> str:
        """The address the platform's e-mails come from."""
        return self.services.mail_from

    def settings_as(self, kind: type[S]) -> S:
        """The plugin's settings as `kind` (its `erp_register_settings` class); ActionFailed
        (not retryable) when they are missing, e.g. a required variable is not set."""
        if not isinstance(self.settings, kind):
            raise ActionFailed(
                f"the settings {kind.__name__} of this action's plugin are not available "
                f"(set the {kind.__name__} variables under ERP_PLUGIN_{kind.prefix}_ and "
                "restart; `erp plugins` says what is wrong)",
                retryable=False,
            )
        return self.settings

    async def render(
        self, template: str, extra: Mapping[str, Any] | None = None, *, setting: str = ""
    ) -> str:
        """Render a `{{variable}}` template with the event's variables (sandboxed, in the
        template worker when it has expressions). `setting` names it in warnings and errors
        (`subject` gives `actions[0].config.subject`)."""
        variables = {**self.variables, **extra} if extra else self.variables
        return await render_text(template, variables, path=self.setting_path(setting))

    def setting_path(self, setting: str = "") -> str:
        """Where a setting of this action is in the trigger: `actions[0].config.subject`."""
        path = f"actions[{self.action_index}].config"
        return f"{path}.{setting}" if setting else path

    def transaction(self) -> AbstractAsyncContextManager[AsyncSession]:
        """A unit of work confined to the trigger's company; commits on success."""
        return self.services.transaction()


RunFn = Callable[[ActionContext, Any], Awaitable[ActionOutput]]


_SCALARS = (msgspec.inspect.IntType, msgspec.inspect.FloatType, msgspec.inspect.BoolType)


@lru_cache(maxsize=256)
def _config_type(config: type[msgspec.Struct]) -> msgspec.inspect.Type:
    return msgspec.inspect.type_info(config)


def _texts_as_text(value: Any, kind: msgspec.inspect.Type) -> Any:
    """A text setting given one computed expression (`"{{ amount * 2 }}"` is a number once
    rendered) takes the value as text, as it would have been rendered inside other text;
    settings that may hold numbers (a JSON body, a record's data) keep them."""
    while isinstance(kind, msgspec.inspect.Metadata):
        kind = kind.type
    kinds = kind.types if isinstance(kind, msgspec.inspect.UnionType) else (kind,)
    if isinstance(value, int | float):
        takes_text = any(isinstance(k, msgspec.inspect.StrType) for k in kinds)
        if takes_text and not any(isinstance(k, _SCALARS) for k in kinds):
            return str(value)
        return value
    for k in kinds:
        if isinstance(value, dict) and isinstance(k, msgspec.inspect.StructType):
            fields = {f.encode_name: f.type for f in k.fields}
            return {
                key: _texts_as_text(item, fields[key]) if key in fields else item
                for key, item in value.items()
            }
        if isinstance(value, dict) and isinstance(k, msgspec.inspect.DictType):
            return {key: _texts_as_text(item, k.value_type) for key, item in value.items()}
        if isinstance(value, list) and isinstance(k, msgspec.inspect.ListType):
            return [_texts_as_text(item, k.item_type) for item in value]
    return value


@dataclass(frozen=True, slots=True)
class Action:
    """A trigger action a plugin provides. `config` is a msgspec Struct type describing the
    action's settings (its JSON schema is shown to builders); `run(context, config)` does the
    work and returns a JSON-serialisable output (stored in the execution) or None. It raises
    ActionFailed on failure; any other exception counts as a retryable failure too. String
    settings are `{{variable}}` templates rendered from the event before `run` sees them,
    unless `render_config` is False."""

    name: str
    config: type[msgspec.Struct]
    run: RunFn
    description: str = ""
    render_config: bool = True
    adds_variables: Callable[[Any], Iterable[str]] | None = None
    """Names the action's own templates may read besides the event's variables, from its
    parsed config (send_email's `variables`); saving a trigger refuses any other name that
    no event of its kind can have."""

    def parse_config(self, raw: Any, *, path: str = "config") -> Any:
        """The typed config, or ActionConfigInvalid pointing at the offending setting."""
        try:
            return msgspec.convert(
                _texts_as_text(raw if raw is not None else {}, _config_type(self.config)),
                self.config,
                strict=False,
            )
        except msgspec.ValidationError as exc:
            message = str(exc)
            where = _MSGSPEC_PATH.search(message)
            suffix = where.group(1) if where else ""
            text = _MSGSPEC_PATH.sub("", message)
            raise ActionConfigInvalid(
                [FieldProblem(path + suffix, f"{self.name}: {text}", "invalid")],
                f"invalid config for action {self.name!r}: {message}",
            ) from None

    def json_schema(self) -> dict[str, Any]:
        """The JSON schema of the config (for the API and the builder UI)."""
        schema: dict[str, Any] = msgspec.json.schema(self.config)
        return schema
