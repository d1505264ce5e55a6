"""Running the database's own tools (pg_dump, pg_restore) with the connection in their
environment, never on their command line, where any user of the machine could read it."""

from __future__ import annotations

import asyncio
import os
import shutil

from sqlalchemy.engine import URL

from core.errors import ErpError


class BackupFailed(ErpError):
    """A backup could not be made, or an archive cannot be restored here; the message says
    why and what to do."""

    code = "backup_failed"


def libpq_environment(url: URL) -> dict[str, str]:
    """The PG* variables pg_dump and pg_restore read, for the database of `url`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    for name, value in (
        ("PGHOST", url.host),
        ("PGPORT", url.port),
        ("PGUSER", url.username),
        ("PGPASSWORD", url.password),
        ("PGDATABASE", url.database),
    ):
        if value is not None:
            env[name] = str(value)
    # asyncpg spells it ssl=, libpq sslmode=; both take the same words (require, verify-full).
    ssl = url.query.get("sslmode") or url.query.get("ssl")
    if isinstance(ssl, str):
        env["PGSSLMODE"] = ssl
    return env


async def run_tool(argv: list[str], env: dict[str, str]) -> str:
    """Run a database tool; its output, or BackupFailed with the last lines it printed."""
    if shutil.which(argv[0]) is None:
        raise BackupFailed(
            f"{argv[0]} is not installed: install the PostgreSQL client of the server's major "
            "version or newer (Debian: apt-get install postgresql-client)"
        )
    process = await asyncio.create_subprocess_exec(
        *argv, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await process.communicate()
    if process.returncode != 0:
        said = err.decode(errors="replace").strip().splitlines()[-5:]
        raise BackupFailed(f"{argv[0]} failed: " + " / ".join(said or ["(no message)"]))
    return out.decode(errors="replace").strip()
