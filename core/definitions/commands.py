"""`erp export` and `erp apply`: a company's definitions to and from a directory of files (a
built-in plugin adding the commands to the CLI)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from core.plugins import hookimpl

T = TypeVar("T")
COMPANY_HELP = "The company: its id, domain or name (default: the installation's only company)."
AS_HELP = (
    "Who acts, by e-mail: a developer, or an admin of the company (default: the first "
    "developer of the installation, else the company's first admin)."
)


@click.command("export")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--company", help=COMPANY_HELP)
@click.option("--as", "acting", metavar="EMAIL", help=AS_HELP)
def export_command(directory: Path, company: str | None, acting: str | None) -> None:
    """Write the company's definitions to DIRECTORY, one YAML file each (the definition files
    it no longer has are removed)."""
    from core.definitions import export_definitions, write_directory

    async def export(session: AsyncSession, principal: Any, settings: Any) -> Any:
        return await export_definitions(session, principal, settings)

    name, files = _run(company, acting, export)
    written, removed = write_directory(directory, files)
    gone = f", {len(removed)} stale file(s) removed" if removed else ""
    click.echo(f"{name}: {len(written)} definition file(s) written to {directory}{gone}")


@click.command("apply")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--company", help=COMPANY_HELP)
@click.option("--as", "acting", metavar="EMAIL", help=AS_HELP)
@click.option(
    "--delete",
    is_flag=True,
    help="Delete the company's definitions that the files lack (datasets are archived).",
)
@click.option(
    "--dry-run", is_flag=True, help="Show the plan (its writes tried, then undone); change nothing."
)
@click.option(
    "--secrets",
    "secrets_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A YAML or JSON file of the integrations' secret values by their reference.",
)
def apply_command(
    directory: Path,
    company: str | None,
    acting: str | None,
    delete: bool,
    dry_run: bool,
    secrets_file: Path | None,
) -> None:
    """Show what applying the files of DIRECTORY changes, and apply it in one transaction
    (nothing at all when a file has a problem: every problem is listed)."""
    from core.definitions import apply_definitions, plan_definitions, read_directory
    from core.definitions.files import load
    from core.errors import ValidationFailed

    try:
        files = read_directory(directory)
        secrets = (
            _secrets(load(secrets_file.read_text(), str(secrets_file))) if secrets_file else {}
        )
    except ValidationFailed as exc:
        _fail(exc)
    change = plan_definitions if dry_run else apply_definitions

    async def apply(session: AsyncSession, principal: Any, settings: Any) -> Any:
        return await change(session, principal, settings, files, delete=delete, secrets=secrets)

    try:
        name, plan = _run(company, acting, apply)
    except ValidationFailed as exc:
        _fail(exc)
    for line in describe(name, plan):
        click.echo(line)
    if plan.empty:
        click.echo("Nothing to change.")
    else:
        click.echo("Dry run: nothing was changed." if dry_run else "Applied.")


def _secrets(value: Any) -> dict[str, str]:
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise click.UsageError("--secrets: the file maps each secret's reference to its value.")
    return value


def _fail(exc: Any) -> NoReturn:
    click.echo(f"erp: {exc.message}", err=True)
    for problem in exc.problems:
        click.echo(f"  {problem.path}: {problem.message}", err=True)
    raise SystemExit(1)


def _run(
    company: str | None,
    acting: str | None,
    work: Callable[[AsyncSession, Any, Any], Awaitable[T]],
) -> tuple[str, T]:
    """Run `work` in one transaction confined to the company, as who acts there."""
    from core.database import check_database, create_engine, session_factory, transaction
    from core.errors import ErpError, ValidationFailed
    from core.settings import get_settings
    from core.tenancy import install_tenant_scoping

    settings = get_settings()
    check_database(settings, require_schema=True)
    install_tenant_scoping()

    async def run() -> tuple[str, T]:
        engine = create_engine(settings.database_url)
        try:
            sessions = session_factory(engine)
            async with transaction(sessions) as session:
                name, principal = await _acting(session, company, acting)
            async with transaction(sessions, company_id=principal.company_id) as session:
                return name, await work(session, principal, settings)
        finally:
            await engine.dispose()

    try:
        return asyncio.run(run())
    except ValidationFailed:
        raise
    except ErpError as exc:
        raise click.ClickException(exc.message) from None


async def _acting(session: AsyncSession, company: str | None, acting: str | None) -> Any:
    """The company (by id, domain or name) and who acts in it, as a principal."""
    from core.access import Principal
    from core.models import Company, User, UserRole

    query = sa.select(Company).order_by(Company.name)
    if company is not None:
        query = query.where(
            sa.or_(Company.id == company, Company.domain == company, Company.name == company)
        )
    found = list(await session.scalars(query))
    if len(found) != 1:
        named = ", ".join(c.domain or c.name for c in found)
        if company is None:
            raise click.UsageError(f"choose the company with --company (one of: {named or 'none'})")
        raise click.UsageError(
            f"no company {company!r}" if not found else f"{company!r} names several: {named}"
        )
    (chosen,) = found
    users = sa.select(User).where(User.is_active.is_(True)).order_by(User.created_at, User.email)
    developers = users.where(User.role == UserRole.DEVELOPER)
    admins = users.where(User.role == UserRole.ADMIN, User.company_id == chosen.id)
    if acting is not None:
        user = await session.scalar(users.where(User.email == acting.strip().lower()))
        if user is None or not (
            user.role is UserRole.DEVELOPER
            or (user.role is UserRole.ADMIN and user.company_id == chosen.id)
        ):
            raise click.UsageError(
                f"--as {acting}: no active developer, nor admin of {chosen.name}, has this e-mail"
            )
    else:
        user = await session.scalar(developers.limit(1)) or await session.scalar(admins.limit(1))
        if user is None:
            raise click.UsageError(f"nobody may define in {chosen.name}: name someone with --as")
    return chosen.name, Principal(user.id, user.role, chosen.id)


def describe(company: str, plan: Any) -> list[str]:
    """The plan as lines of text: a summary, then each change with its field changes."""
    counts = plan.summary()
    lines = [
        f"{company}: {counts['created']} to create, {counts['changed']} to change, "
        f"{counts['deleted']} to delete"
        + (
            f", {counts['kept']} kept (not in the files; --delete deletes them)"
            if counts["kept"]
            else ""
        )
    ]
    marks = {"create": "+", "change": "~", "delete": "-", "keep": "="}
    for change in plan.changes:
        owner = f" of {change.owner}" if change.owner else ""
        lines.append(
            f"  {marks[change.action]} {change.kind} {change.name!r}{owner}  {change.where}"
        )
        for item in change.fields:
            shown = item.note or f"{_short(item.before)} -> {_short(item.after)}"
            lines.append(f"      {item.path}: {shown}")
        lines += [f"      note: {note}" for note in change.notes]
    return lines


def _short(value: Any, width: int = 100) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= width else text[: width - 3] + "..."


@hookimpl
def erp_register_commands(cli: Any) -> None:
    cli.add_command(export_command)
    cli.add_command(apply_command)
