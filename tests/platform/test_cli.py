"""The `erp` command: settings errors are one clear line, and `erp serve` serves."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from core.errors import ConfigurationError
from core.settings import load_settings

ERP = str(Path(sys.executable).with_name("erp"))


def run_erp(*args: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 60):
    environ = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"} | (env or {})
    return subprocess.run(
        [ERP, *args], cwd=cwd, env=environ, capture_output=True, text=True, timeout=timeout
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_no_database_url_means_embedded_sqlite_in_the_current_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    settings = load_settings({})
    assert settings.embedded
    assert settings.database_url.render_as_string() == "sqlite+aiosqlite:///erp.db"


def test_postgresql_urls_use_asyncpg() -> None:
    env = {"DATABASE_URL": "postgresql://u:pw@db.example/erp", "ERP_SECRET_KEY": "k" * 40}
    settings = load_settings(env)
    assert not settings.embedded
    assert settings.database_url.drivername == "postgresql+asyncpg"


def test_postgresql_mode_requires_a_secret_key() -> None:
    with pytest.raises(ConfigurationError, match="ERP_SECRET_KEY must be set"):
        load_settings({"DATABASE_URL": "postgresql://u@db.example/erp"})


def test_embedded_mode_keeps_a_generated_secret_beside_the_database(tmp_path: Path) -> None:
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'erp.db'}"}
    first, second = load_settings(env), load_settings(env)
    assert len(first.secret_key) >= 32 and first.secret_key == second.secret_key
    assert (tmp_path / "erp.secret").stat().st_mode & 0o077 == 0


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("::::", "not a valid URL"),
        ("mysql://root@localhost/erp", "driver 'mysql' is not supported"),
        ("postgresql+asyncpg://root@localhost", "names no database"),
    ],
)
def test_malformed_database_urls_are_refused(url: str, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        load_settings({"DATABASE_URL": url})


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgresql+asyncpg://postgres:s3cret@127.0.0.1:1/erp", "cannot reach the database"),
        ("oracle://scott:tiger@db/erp", "is not supported"),
    ],
)
def test_serve_with_bad_configuration_prints_one_line(tmp_path: Path, url: str, expected: str):
    env = {"DATABASE_URL": url, "ERP_SECRET_KEY": "k" * 40}
    result = run_erp("serve", cwd=tmp_path, env=env)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and expected in lines[0], result.stderr
    assert "s3cret" not in result.stderr and "Traceback" not in result.stderr


def test_embedded_serve_migrates_and_answers_health_and_openapi(tmp_path: Path) -> None:
    assert run_erp("demo", cwd=tmp_path).returncode == 2  # no schema yet: told to migrate
    assert run_erp("db", "upgrade", cwd=tmp_path).returncode == 0
    demo = run_erp("demo", cwd=tmp_path)
    assert demo.returncode == 0, demo.stderr
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    proc = subprocess.Popen(
        [ERP, "serve", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/health", timeout=2)
                break
            except httpx.TransportError:
                assert proc.poll() is None and time.monotonic() < deadline, "server did not start"
                time.sleep(0.2)
        assert health.json() == {"status": "ok", "database": "sqlite", "version": "0.1.0"}
        spec = httpx.get(f"http://127.0.0.1:{port}/schema/openapi.json").json()
        assert "/health" in spec["paths"]
        assert (tmp_path / "erp.db").exists()
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_the_api_database_pool_size_is_a_setting() -> None:
    env = {"DATABASE_URL": "postgresql://u@db.example/erp", "ERP_SECRET_KEY": "k" * 40}
    assert load_settings(env).database_pool_size == 40
    assert load_settings(env | {"ERP_DATABASE_POOL_SIZE": "7"}).database_pool_size == 7
    with pytest.raises(ConfigurationError, match="ERP_DATABASE_POOL_SIZE"):
        load_settings(env | {"ERP_DATABASE_POOL_SIZE": "0"})


def _serve(tmp_path: Path, env: dict[str, str]) -> tuple[subprocess.Popen[str], str]:
    port = free_port()
    environ = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"} | env
    proc = subprocess.Popen(
        [ERP, "serve", "--port", str(port)],
        cwd=tmp_path,
        env=environ,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = time.monotonic() + 30
    base = f"http://127.0.0.1:{port}"
    while True:
        try:
            httpx.get(base + "/health", timeout=2)
            return proc, base
        except httpx.TransportError:
            assert proc.poll() is None and time.monotonic() < deadline, "server did not start"
            time.sleep(0.2)


def _wrong_sign_ins_from_rotating_forwarded_addresses(base: str, count: int) -> list[int]:
    return [
        httpx.post(
            base + "/auth/login",
            json={"email": f"nobody{n}@example.com", "password": "wrong"},
            headers={"X-Forwarded-For": f"203.0.113.{n}"},
            timeout=30,
        ).status_code
        for n in range(count)
    ]


@pytest.mark.parametrize(("trusted", "last"), [("", 429), ("127.0.0.1", 401)])
def test_forwarded_addresses_count_only_from_configured_proxies(
    tmp_path: Path, trusted: str, last: int
) -> None:
    # uvicorn believed X-Forwarded-For from loopback by default: rotating it escaped the
    # per-address sign-in limit (twenty failures from one address).
    assert run_erp("db", "upgrade", cwd=tmp_path).returncode == 0
    proc, base = _serve(tmp_path, {"ERP_TRUSTED_PROXIES": trusted})
    try:
        statuses = _wrong_sign_ins_from_rotating_forwarded_addresses(base, 21)
        assert statuses[:20] == [401] * 20
        assert statuses[20] == last
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_serve_on_a_busy_port_says_so_in_one_line_before_starting(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_erp("serve", "--port", str(port), cwd=tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert f"Port {port} on 127.0.0.1 is already in use" in lines[0]
    assert "--port" in lines[0] and "Traceback" not in result.stderr
    assert "startup complete" not in result.stdout + result.stderr
    assert not (tmp_path / "erp.db").exists()  # nothing was started, not even a migration
