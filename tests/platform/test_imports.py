"""Every package imports on its own, whatever was imported before (import cycles between
areas only show up in a fresh interpreter, with that package first)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
PACKAGES = sorted(
    ".".join(init.parent.relative_to(ROOT).parts)
    for top in ("core", "api", "scheduler", "plugins")
    for init in (ROOT / top).glob("*/__init__.py")
)


@pytest.mark.parametrize("package", PACKAGES)
def test_package_imports_first(package: str) -> None:
    result = subprocess.run(
        [sys.executable, "-c", f"import {package}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr[-2000:]


def test_api_imports_no_other_area() -> None:
    """DESIGN.md: `api` imports only `core` (and itself). The background side reaches the
    API process through the plugin manager (erp_background_services), so no module of `api`
    imports `scheduler` or `plugins`, not even inside a function."""
    offending = []
    for path in sorted((ROOT / "api").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            offending += [
                f"{path.relative_to(ROOT)}:{node.lineno} imports {name}"
                for name in names
                if name.split(".")[0] in ("scheduler", "plugins", "bench", "tests")
            ]
    assert offending == []
