"""Every package imports on its own, whatever was imported before (import cycles between
areas only show up in a fresh interpreter, with that package first)."""

from __future__ import annotations

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
