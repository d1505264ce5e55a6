"""Declare an entity once and get its REST routes: list (filter, sort, paginate), read,
create, partial update and delete, each guarded by the permission table, run in the
principal's tenant transaction; writes are the entity kind's use cases (core.entities)."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec
from litestar import Router, delete, get, patch, post
from litestar.params import FromPath, JSONBody, QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from api.deps import DB, Actor, Config
from api.guards import requires
from api.pagination import Limit, Offset, PageOut, page_of
from api.structs import to_out
from core.entities import EntityKind, get_entity, list_entities
from core.errors import FieldProblem, ValidationFailed
from core.models.base import Base

KW = inspect.Parameter.KEYWORD_ONLY


@dataclass(frozen=True)
class Resource:
    """How one entity is exposed. `kind` is how its rows are written (permissions, rules,
    references: core.entities.EntityKind; None for a read-only entity); `filters` and
    `sortable` map camelCase query names to columns; `extra` handlers (paths relative to
    `path`) join the resource's router."""

    path: str
    model: type[Base]
    out: type[msgspec.Struct]
    create: type[msgspec.Struct] | None
    update: type[msgspec.Struct] | None
    read: str
    tag: str
    kind: EntityKind | None = None
    filters: dict[str, InstrumentedAttribute[Any]] = field(default_factory=dict)
    sortable: dict[str, InstrumentedAttribute[Any]] = field(default_factory=dict)
    period: InstrumentedAttribute[Any] | None = None
    """A time column: the list then takes `since` (inclusive) and `until` (exclusive)."""
    platform: bool = False
    can_delete: bool = True
    load: Sequence[Any] = ()
    default_sort: str = "-createdAt"
    present: Callable[[Any], msgspec.Struct] | None = None  # row -> out, when not 1:1
    # rows -> outs, when presenting needs the database (replaces `present`)
    present_rows: Callable[[AsyncSession, Sequence[Any]], Awaitable[list[Any]]] | None = None
    extra: Sequence[Any] = ()

    @property
    def writes(self) -> EntityKind:
        if self.kind is None:
            raise TypeError(f"{self.path} is read-only: it has no entity kind")
        return self.kind

    def show(self, row: Any) -> Any:
        return self.present(row) if self.present else to_out(self.out, row)

    async def show_all(self, session: AsyncSession, rows: Sequence[Any]) -> list[Any]:
        if self.present_rows is not None:
            return await self.present_rows(session, rows)
        return [self.show(row) for row in rows]


def values_of(data: msgspec.Struct) -> dict[str, Any]:
    """The fields a client actually sent (UNSET ones are left out), by attribute name."""
    return {k: v for k, v in msgspec.structs.asdict(data).items() if v is not msgspec.UNSET}


def snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name)


def resource_router(r: Resource) -> Router:
    """The Litestar router for `r`."""
    opt = {"platform": True} if r.platform else {}
    handlers: list[Any] = [*r.extra, _list_handler(r, opt), _get_handler(r, opt)]
    if r.create is not None:
        handlers.append(_create_handler(r, opt))
    if r.update is not None:
        handlers.append(_update_handler(r, opt))
    if r.can_delete:
        handlers.append(_delete_handler(r, opt))
    return Router(path=r.path, route_handlers=handlers, tags=[r.tag])


def _order_by(r: Resource, sort: str | None) -> list[Any]:
    key = sort or r.default_sort
    column = r.sortable.get(key.lstrip("-"))
    if column is None:
        allowed = ", ".join(sorted(r.sortable))
        message = f"Sort by one of: {allowed} (prefix - for descending)."
        raise ValidationFailed([FieldProblem("query:sort", message, "invalid")])
    return [column.desc() if key.startswith("-") else column.asc()]


def _list_handler(r: Resource, opt: dict[str, Any]) -> Any:
    async def handler(db: DB, limit: int, offset: int, sort: str | None, **kw: Any) -> Any:
        where = [
            column == kw[snake(name)]
            for name, column in r.filters.items()
            if kw.get(snake(name)) is not None
        ]
        if r.period is not None and kw.get("since") is not None:
            where.append(r.period >= kw["since"])
        if r.period is not None and kw.get("until") is not None:
            where.append(r.period < kw["until"])
        page = await list_entities(
            db,
            r.model,
            where=where,
            order_by=_order_by(r, sort),
            limit=limit,
            offset=offset,
            options=r.load,
        )
        return PageOut(
            items=await r.show_all(db, page.items),
            total=page.total,
            limit=page.limit,
            offset=page.offset,
        )

    sort_help = f"One of {', '.join(sorted(r.sortable))}; prefix - for descending"
    orders = tuple(f"{sign}{name}" for name in sorted(r.sortable) for sign in ("", "-"))
    params = [
        inspect.Parameter("db", KW, annotation=DB),
        inspect.Parameter(
            "limit",
            KW,
            default=50,
            annotation=Limit,
        ),
        inspect.Parameter(
            "offset",
            KW,
            default=0,
            annotation=Offset,
        ),
        inspect.Parameter(
            "sort",
            KW,
            default=None,
            annotation=Annotated[
                Literal[orders] | None,
                QueryParameter(description=sort_help),
            ],
        ),
    ]
    for name, column in r.filters.items():
        py_type = column.type.python_type
        params.append(
            inspect.Parameter(
                snake(name),
                KW,
                default=None,
                annotation=Annotated[py_type | None, QueryParameter(name=name, required=False)],
            )
        )
    if r.period is not None:
        params += [
            inspect.Parameter(
                bound,
                KW,
                default=None,
                annotation=Annotated[
                    datetime | None, QueryParameter(required=False, description=description)
                ],
            )
            for bound, description in (
                ("since", "From this time (RFC 3339), inclusive"),
                ("until", "Before this time (RFC 3339)"),
            )
        ]
    _sign(handler, f"list_{r.tag}", params, page_of(r.out))
    return get("/", guards=[requires(r.read)], opt=opt, summary=f"List {r.tag}")(handler)


def _get_handler(r: Resource, opt: dict[str, Any]) -> Any:
    async def handler(db: DB, id: FromPath[str]) -> Any:
        (shown,) = await r.show_all(db, [await get_entity(db, r.model, id, options=r.load)])
        return shown

    _sign(handler, f"get_{r.tag}", [_DB, _ID], r.out)
    return get("/{id:str}", guards=[requires(r.read)], opt=opt, summary=f"Read one of {r.tag}")(
        handler
    )


def _create_handler(r: Resource, opt: dict[str, Any]) -> Any:
    kind = r.writes

    async def handler(db: DB, principal: Actor, platform_settings: Config, data: Any) -> Any:
        row = await kind.create(db, principal, values_of(data), platform_settings)
        if r.load:
            row = await get_entity(db, r.model, row.id, options=r.load)
        return r.show(row)

    _sign(
        handler,
        f"create_{r.tag}",
        [_DB, _ACTOR, _SETTINGS, inspect.Parameter("data", KW, annotation=_json_body(r.create))],
        r.out,
    )
    guard = requires(kind.creating)
    return post("/", guards=[guard], opt=opt, summary=f"Create one of {r.tag}")(handler)


def _update_handler(r: Resource, opt: dict[str, Any]) -> Any:
    kind = r.writes

    async def handler(
        db: DB, principal: Actor, platform_settings: Config, id: FromPath[str], data: Any
    ) -> Any:
        row = await get_entity(db, r.model, id, options=r.load)
        return r.show(await kind.update(db, principal, row, values_of(data), platform_settings))

    _sign(
        handler,
        f"update_{r.tag}",
        [
            _DB,
            _ACTOR,
            _SETTINGS,
            _ID,
            inspect.Parameter("data", KW, annotation=_json_body(r.update)),
        ],
        r.out,
    )
    return patch(
        "/{id:str}", guards=[requires(kind.write)], opt=opt, summary=f"Change one of {r.tag}"
    )(handler)


def _delete_handler(r: Resource, opt: dict[str, Any]) -> Any:
    kind = r.writes

    async def handler(db: DB, principal: Actor, id: FromPath[str]) -> None:
        await kind.delete(db, principal, await get_entity(db, r.model, id))

    _sign(handler, f"delete_{r.tag}", [_DB, _ACTOR, _ID], None)
    guard = requires(kind.deleting)
    return delete("/{id:str}", guards=[guard], opt=opt, summary=f"Delete one of {r.tag}")(handler)


_DB = inspect.Parameter("db", KW, annotation=DB)
_ACTOR = inspect.Parameter("principal", KW, annotation=Actor)
_SETTINGS = inspect.Parameter("platform_settings", KW, annotation=Config)
_ID = inspect.Parameter("id", KW, annotation=FromPath[str])


def _json_body(struct: Any) -> Any:
    """`JSONBody[struct]` for a struct known only at run time."""
    return JSONBody[struct]  # type: ignore[misc]


def _sign(fn: Any, name: str, params: list[inspect.Parameter], returns: Any) -> None:
    """Give a generated handler the signature Litestar reads (and OpenAPI documents)."""
    fn.__name__ = fn.__qualname__ = name
    fn.__signature__ = inspect.Signature(params, return_annotation=returns)
    fn.__annotations__ = {p.name: p.annotation for p in params} | {"return": returns}
