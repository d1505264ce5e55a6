"""Google Sheets appends through the integration action pipeline, beside bare httpx.

Both make the same 1,000 `values:append` calls to the same local Sheets server (a separate
process on 127.0.0.1, HTTP/1.1 keep-alive), interleaved in rounds. The pipeline call is
core.integrations.run_action: load the integration, open its sealed secrets, apply the OAuth
access token, rate limit, send through the guarded client, parse, and log the run (one
IntegrationRun row per call). Reports the overhead per call and the TCP connections opened.

Run: .venv/bin/python bench/integrations.py [--calls 1000] [--rounds 10]
Needs PostgreSQL on 127.0.0.1:5432 (ERP_BENCH_PG to override); uses database
erp_bench_integrations.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.scratch import create, dropped_at_end, run_database  # noqa: E402
from core.database import create_engine, session_factory, transaction  # noqa: E402
from core.integrations.http import close_pools  # noqa: E402
from core.integrations.runner import integration_type, run_action  # noqa: E402
from core.integrations.secrets import prepare_config  # noqa: E402
from core.migrate import upgrade  # noqa: E402
from core.models import Integration, IntegrationType  # noqa: E402
from core.settings import load_settings  # noqa: E402
from core.tenancy import install_tenant_scoping  # noqa: E402
from core.vault import SecretBox  # noqa: E402
from tests.world.tenants import empty_company  # noqa: E402

SERVER = os.environ.get("ERP_BENCH_PG", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres")
DATABASE = run_database("integrations")
TOKEN = "ya29.bench-token"
ROW = ["2026-11-25", "Eve Employee", "Travel", 12000]


def serve() -> None:
    """The local Sheets server: token endpoint, values:append, and connection stats."""
    stats = {"connections": 0}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # One write per response and no Nagle delay, as a real server would answer.
        wbufsize = 64 * 1024
        disable_nagle_algorithm = True

        def setup(self) -> None:
            super().setup()
            stats["connections"] += 1

        def _send(self, status: int, body: Any) -> None:
            payload = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json; charset=UTF-8")
            self.send_header("content-length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def do_POST(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length)
            if self.path == "/token":
                self._send(200, {"access_token": TOKEN, "expires_in": 3599, "token_type": "Bearer"})
            elif self.headers.get("authorization") != f"Bearer {TOKEN}":
                self._send(401, {"error": {"code": 401, "status": "UNAUTHENTICATED"}})
            else:
                rows = len(json.loads(body)["values"])
                self._send(
                    200,
                    {
                        "spreadsheetId": "bench",
                        "tableRange": "Sheet1!A1:D1",
                        "updates": {
                            "spreadsheetId": "bench",
                            "updatedRange": "Sheet1!A2:D2",
                            "updatedRows": rows,
                            "updatedColumns": 4,
                            "updatedCells": 4 * rows,
                        },
                    },
                )

        def do_GET(self) -> None:
            self._send(200, dict(stats))
            if self.path == "/stats/reset":
                stats["connections"] = 0

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    print(server.server_port, flush=True)
    server.serve_forever()


async def fresh_database() -> sa.URL:
    await asyncio.to_thread(create, DATABASE)
    url = make_url(SERVER).set(database=DATABASE)
    await asyncio.to_thread(upgrade, url)
    return url


async def stats(base: str, reset: bool = False) -> int:
    async with httpx.AsyncClient() as client:
        answer = await client.get(base + ("/stats/reset" if reset else "/stats"))
        return int(answer.json()["connections"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve()
        return
    server = subprocess.Popen(
        [sys.executable, __file__, "--serve"], stdout=subprocess.PIPE, text=True
    )
    try:
        assert server.stdout is not None
        base = f"http://127.0.0.1:{server.stdout.readline().strip()}"
        asyncio.run(run(base, args.calls, args.rounds))
    finally:
        server.terminate()
        server.wait()


async def run(base: str, calls: int, rounds: int) -> None:
    install_tenant_scoping()
    url = await fresh_database()
    settings = load_settings(
        {
            "DATABASE_URL": url.render_as_string(hide_password=False),
            "ERP_SECRET_KEY": "bench-secret-key-" + "x" * 32,
            "ERP_HTTP_ALLOW_PRIVATE": "true",
            "ERP_INTEGRATION_RATE_PER_SECOND": "1000000",  # measure the overhead, not the limit
        }
    )
    engine = create_engine(url)
    sessions = session_factory(engine)
    box = SecretBox.from_settings(settings)
    config = prepare_config(
        integration_type("GOOGLE_SHEETS"),
        {},
        {
            "clientId": "bench",
            "clientSecret": "bench-secret",
            "refreshToken": "bench-refresh",
            "spreadsheetId": "bench",
            "apiBaseUrl": base,
            "tokenUrl": base + "/token",
        },
        box,
    )
    company = (await empty_company(sessions, "Bench")).company
    async with transaction(sessions) as session:
        row = Integration(
            company_id=company.id, name="Sheet", type=IntegrationType.GOOGLE_SHEETS, config=config
        )
        session.add(row)
        await session.flush()
        company_id, integration_id = company.id, row.id
    append_url = f"{base}/v4/spreadsheets/bench/values/Sheet1:append"

    async def through_pipeline() -> None:
        out = await run_action(
            sessions,
            settings,
            company_id=company_id,
            integration_id=integration_id,
            action="append_rows",
            inputs={"range": "Sheet1", "rows": [ROW]},
        )
        assert out["updatedRows"] == 1

    bare = httpx.AsyncClient(timeout=10)

    async def with_bare_httpx() -> None:
        response = await bare.post(
            append_url,
            headers={"Authorization": f"Bearer {TOKEN}"},
            params={"valueInputOption": "USER_ENTERED", "insertDataOption": "INSERT_ROWS"},
            json={"range": "Sheet1", "majorDimension": "ROWS", "values": [ROW]},
        )
        response.raise_for_status()
        assert response.json()["updates"]["updatedRows"] == 1

    # Warm both (token refresh, connection, caches), then count connections from zero.
    await through_pipeline()
    await with_bare_httpx()
    await stats(base, reset=True)
    per_round = calls // rounds
    timings: dict[str, list[float]] = {"pipeline": [], "bare": []}
    connections = {"pipeline": 0, "bare": 0}
    for _ in range(rounds):
        for name, call in (("pipeline", through_pipeline), ("bare", with_bare_httpx)):
            before = await stats(base)
            for _ in range(per_round):
                started = time.perf_counter()
                await call()
                timings[name].append(time.perf_counter() - started)
            connections[name] += await stats(base) - before - 1  # minus the stats call's own
    await bare.aclose()
    await close_pools()
    async with sessions() as session:
        logged = await session.scalar(
            sa.select(sa.func.count()).select_from(sa.text("integration_runs"))
        )
    await engine.dispose()

    def ms(values: list[float], q: float) -> float:
        return statistics.quantiles(values, n=100)[int(q) - 1] * 1000

    mean = {k: statistics.fmean(v) * 1000 for k, v in timings.items()}
    print(f"{calls:,} Sheets appends each, {rounds} interleaved rounds, local server process")
    for name, label in (("pipeline", "action pipeline (run_action)"), ("bare", "bare httpx")):
        print(
            f"  {label:<30} mean {mean[name]:6.3f} ms  p50 {ms(timings[name], 50):6.3f} ms  "
            f"p95 {ms(timings[name], 95):6.3f} ms  new TCP connections {connections[name]}"
        )
    print(
        f"  overhead per call              {mean['pipeline'] - mean['bare']:6.3f} ms "
        f"(target < 2 ms); {logged:,} runs logged"
    )


if __name__ == "__main__":
    with dropped_at_end(DATABASE):
        main()
