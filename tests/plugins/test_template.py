"""The plugin template end to end: render it with copier, install the result, run its own
tests against the platform, then start `erp serve` with it and use its field type over HTTP."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import copier
import httpx
import pytest

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
ANSWERS = {
    "project_name": "erp-star-ratings",
    "field_type": "stars",
    "action": "stars_stamp",
    "integration": "STAR_CRM",
    "author": "Test Author",
}


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The rendered project and the folder it is installed into (a site directory that only
    the subprocesses below put on their path, so other tests keep the plain platform)."""
    root = tmp_path_factory.mktemp("plugin")
    project, site = root / "project", root / "site"
    copier.run_copy(str(REPO / "plugin-template"), project, data=ANSWERS, defaults=True, quiet=True)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            "--target",
            str(site),
            str(project),
        ],
        check=True,
        capture_output=True,
    )
    return project, site


def env_with(site: Path, **extra: str) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DATABASE_URL", "REDIS"))
    }
    env["PYTHONPATH"] = os.pathsep.join([str(site), str(REPO)])
    return {**env, **extra}


def test_the_rendered_project_has_a_field_type_an_action_an_integration_and_tests(
    installed,
) -> None:
    project, site = installed
    package = project / "src" / "erp_star_ratings"
    assert {p.name for p in package.iterdir()} >= {
        "plugin.py",
        "fields.py",
        "actions.py",
        "integrations.py",
        "settings.py",
    }
    assert (
        'erp-star-ratings = "erp_star_ratings.plugin"' in (project / "pyproject.toml").read_text()
    )
    assert "stars_stamp" in (project / "README.md").read_text()
    assert (site / "erp_star_ratings-0.1.0.dist-info" / "entry_points.txt").exists()


def test_the_rendered_plugins_own_tests_pass_against_the_platform(installed) -> None:
    project, site = installed
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
        cwd=project,
        env=env_with(site),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 passed" in result.stdout


def test_the_rendered_plugin_passes_mypy_in_strict_mode(installed) -> None:
    """The SDK is typed enough for a plugin (and its tests) to type-check strictly. The
    platform is found from its source, as an installed wheel (py.typed) would be."""
    project, _ = installed
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental"],
        cwd=project,
        env={**env_with(project), "MYPYPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Success: no issues found" in result.stdout


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(installed, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`erp serve` in embedded mode with the plugin installed, loaded with the demo data."""
    _, site = installed
    database = tmp_path_factory.mktemp("embedded") / "erp.db"
    env = env_with(site, DATABASE_URL=f"sqlite+aiosqlite:///{database}", ERP_SECRET_KEY="s" * 48)
    erp = str(BIN / "erp")
    subprocess.run([erp, "db", "upgrade"], env=env, check=True, capture_output=True, timeout=120)
    subprocess.run([erp, "demo"], env=env, check=True, capture_output=True, timeout=120)
    port = free_port()
    process = subprocess.Popen(
        [erp, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):  # up to 30 s to start
            try:
                if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            raise AssertionError("erp serve did not start")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_the_served_platform_lists_the_plugin_and_validates_with_its_field_type(
    server: str,
) -> None:
    with httpx.Client(base_url=server, timeout=10) as http:
        login = http.post(
            "/auth/login", json={"email": "admin@acme.com", "password": "password123"}
        )
        assert login.status_code == 200, login.text
        http.headers["Authorization"] = f"Bearer {login.json()['accessToken']}"

        plugins = {p["name"]: p for p in http.get("/plugins").json()["items"]}
        assert plugins["erp-star-ratings"]["provides"] == {
            "field_types": ["stars"],
            "actions": ["stars_stamp"],
            "integrations": ["STAR_CRM"],
        }
        assert plugins["erp-star-ratings"]["version"] == "0.1.0"

        schema = [
            {"id": "title", "type": "text", "label": "Title"},
            {"id": "score", "type": "stars", "label": "Score", "settings": {"stars": 3}},
        ]
        bad = http.post(
            "/tables",
            json={
                "name": "bad",
                "displayName": "Bad",
                "schema": [
                    {"id": "score", "type": "stars", "label": "Score", "settings": {"stars": 50}}
                ],
            },
        )
        assert (
            bad.status_code == 422 and bad.json()["errors"][0]["path"] == "schema[0].settings.stars"
        )
        assert (
            http.post(
                "/tables", json={"name": "reviews", "displayName": "Reviews", "schema": schema}
            ).status_code
            == 201
        )
        ok = http.post("/tables/reviews/records", json={"data": {"title": "Good", "score": 3}})
        assert ok.status_code == 201, ok.text
        refused = http.post(
            "/tables/reviews/records", json={"data": {"title": "Too good", "score": 4}}
        )
        assert refused.status_code == 422
        [error] = refused.json()["errors"]
        assert (error["path"], error["code"]) == ("score", "out_of_range")
        assert "from 1 to 3 stars" in error["message"]
