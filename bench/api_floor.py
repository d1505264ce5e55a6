"""The least any API on this stack can do per record create, for bench/api.py to measure
beside ours: Litestar and uvicorn as `erp serve` runs them, one read of the table row and the
API's one combined write with raw asyncpg in autocommit. No authentication, no validation,
no ORM, no audit snapshot: what is left is HTTP, JSON and two database round trips.

Served by bench/api.py as `uvicorn bench.api_floor:app`; BENCH_FLOOR_DSN names the database
and BENCH_FLOOR_USER the user the rows are written for (there is no sign-in)."""

from __future__ import annotations

import os
import uuid
from typing import Any

import asyncpg
import msgspec
from litestar import Litestar, post
from litestar.datastructures import State

from bench.api import COMBINED


class RecordBody(msgspec.Struct, forbid_unknown_fields=True):
    data: dict[str, Any]


async def open_pool(app: Litestar) -> None:
    app.state.pool = await asyncpg.create_pool(os.environ["BENCH_FLOOR_DSN"], max_size=20)


async def close_pool(app: Litestar) -> None:
    await app.state.pool.close()


@post("/tables/{table:str}/records")
async def create_record(state: State, table: str, data: RecordBody) -> dict[str, Any]:
    record = str(uuid.uuid4())
    body = msgspec.json.encode(data.data).decode()
    async with state.pool.acquire() as conn:
        row = await conn.fetchrow(
            "SELECT company_id, schema FROM custom_tables WHERE id = $1", table
        )
        await conn.execute(
            COMBINED,
            record,
            table,
            body,
            os.environ["BENCH_FLOOR_USER"],
            row["company_id"],
            str(uuid.uuid4()),
            msgspec.json.encode({"after": data.data}).decode(),
            str(uuid.uuid4()),
        )
    return {"id": record, "tableId": table, "data": data.data}


app = Litestar([create_record], on_startup=[open_pool], on_shutdown=[close_pool])
