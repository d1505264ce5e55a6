"""`make lint` checks the layering (import-linter, `[tool.importlinter]` in pyproject.toml):
a copy of the packages passes it, and the same copy with one import against the layers fails
it, naming that import."""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from core.plugins.manager import load_plugins

ROOT = Path(__file__).parents[2]
LINT_IMPORTS = str(Path(sys.executable).with_name("lint-imports"))
PACKAGES = ("erp", "core", "plugins", "api", "scheduler")


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    copy = tmp_path_factory.mktemp("layers") / "pristine"
    copy.mkdir()
    for package in PACKAGES:
        shutil.copytree(
            ROOT / package,
            copy / package,
            ignore=shutil.ignore_patterns("__pycache__", "web_dist", "*.pyc"),
        )
    shutil.copy(ROOT / "pyproject.toml", copy)
    return copy


def lint_imports(tree: Path) -> subprocess.CompletedProcess[str]:
    """`lint-imports` over the copy: its packages first on the path, not the installed ones."""
    return subprocess.run(
        [LINT_IMPORTS, "--no-cache"],
        cwd=tree,
        env={"PYTHONPATH": str(tree), "PATH": str(Path(sys.executable).parent)},
        capture_output=True,
        text=True,
        timeout=120,
    )


def with_import(pristine: Path, tmp_path: Path, module: str, line: str) -> Path:
    tree = tmp_path / "tree"
    shutil.copytree(pristine, tree)
    path = tree.joinpath(*module.split(".")).with_suffix(".py")
    path.write_text(path.read_text() + f"\n\n{line}  # noqa\n")
    return tree


def test_the_packages_keep_their_layers(pristine: Path) -> None:
    result = lint_imports(pristine)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "line", "broken", "named"),
    [
        (
            "core.errors",
            "import api",
            "The processes over the built-in plugins over the plugin SDK over the core",
            "core.errors -> api",
        ),
        (
            "core.releases.buckets",
            "from core.flows import engine",
            "The areas of the core, each over the ones it builds on",
            "core.releases is not allowed to import core.flows",
        ),
        (
            "core.records.query",
            "def _late():\n    from core.flows import start_flow",
            "The areas of the core, each over the ones it builds on",
            "core.records is not allowed to import core.flows",
        ),
        (
            "api.app",
            "import plugins.actions.noop",
            "The processes reach the plugins only through the plugin manager",
            "api.app -> plugins.actions.noop",
        ),
        (
            "scheduler.messages",
            "from scheduler import dispatch",
            "No import cycle between the modules or packages of one package",
            "No cycles are allowed in scheduler.",
        ),
    ],
)
def test_an_import_against_the_layers_fails_the_lint(
    pristine: Path, tmp_path: Path, module: str, line: str, broken: str, named: str
) -> None:
    result = lint_imports(with_import(pristine, tmp_path, module, line))
    assert result.returncode != 0
    assert f"{broken} BROKEN" in result.stdout
    assert named in result.stdout, result.stdout[-3000:]


def test_the_core_names_no_module_of_the_processes_even_as_a_string() -> None:
    """The core finds `api.commands` and `scheduler.commands` through the platform's
    `erp.commands` entry points, never by a module name of its own."""
    process_module = re.compile(r"(api|scheduler)(\.\w+)+")
    offending = [
        f"{path.relative_to(ROOT)}:{node.lineno} names {node.value}"
        for path in sorted((ROOT / "core").rglob("*.py"))
        for node in ast.walk(ast.parse(path.read_text(), str(path)))
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and process_module.fullmatch(node.value)
    ]
    assert offending == []


def test_erp_still_offers_every_command(tmp_path: Path) -> None:
    erp = str(Path(sys.executable).with_name("erp"))
    result = subprocess.run(
        [erp, "--help"], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    listed = {line.split()[0] for line in result.stdout.split("Commands:")[1].splitlines() if line}
    assert listed == {
        "apply",
        "backup",
        "db",
        "demo",
        "export",
        "plugins",
        "relay",
        "restore",
        "scheduler",
        "secrets",
        "serve",
        "worker",
    }
    plugins = load_plugins(entry_points=False)
    assert {"api.commands", "scheduler.commands"} <= {i.name for i in plugins.infos if i.builtin}


def test_tests_share_builders_only_through_the_test_world() -> None:
    """A test module imports no other test module: what tests share lives in tests/world
    (or beside them, in a module not named test_*), so running one module alone works."""
    offenders = []
    for path in (ROOT / "tests").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            offenders += [
                f"{path.relative_to(ROOT)}: {name}"
                for name in names
                if name.startswith("tests.") and name.rsplit(".", 1)[-1].startswith("test_")
            ]
    assert offenders == []
