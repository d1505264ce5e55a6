"""row-level security on the link tables that have no company_id of their own

user_roles, flow_level_roles and refresh_tokens hang off rows that do: a link passes the
`tenant_isolation` policy when the transaction's `erp.company_id` setting is unset or empty
(platform-level work, as in revision 0012) or when every row it joins belongs to that company
(the user and the role; the level and the role; the token's user). The same condition checks
writes, so a tenant transaction cannot give its users another company's role.

Left outside on purpose: login_attempts (throttling runs before anyone is known, keyed by
email and address, and holds no company data), and versions and version_pauses (the
platform's own release records, never read in a tenant's transaction).

Revision ID: 0015
Revises: 0014
"""

from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

POLICY = "tenant_isolation"
SETTING = "current_setting('erp.company_id', true)"


def _owned(table: str, column: str, link: str) -> str:
    """The linked row (`table`.id = `link`.`column`) belongs to the set company."""
    return (
        f'EXISTS (SELECT 1 FROM "{table}" o WHERE o.id = "{link}".{column} '  # noqa: S608 (constant names)
        f"AND o.company_id = {SETTING})"
    )


LINKS = {
    "user_roles": (("users", "user_id"), ("roles", "role_id")),
    "flow_level_roles": (("flow_levels", "level_id"), ("roles", "role_id")),
    "refresh_tokens": (("users", "user_id"),),
}
"""Each link table and the (table, column) pairs of the rows it joins."""


def condition(link: str) -> str:
    owned = " AND ".join(_owned(table, column, link) for table, column in LINKS[link])
    return f"(nullif({SETTING}, '') IS NULL OR ({owned}))"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for link in LINKS:
        check = condition(link)
        op.execute(f'ALTER TABLE "{link}" ENABLE ROW LEVEL SECURITY')
        op.execute(f'ALTER TABLE "{link}" FORCE ROW LEVEL SECURITY')
        op.execute(f'CREATE POLICY {POLICY} ON "{link}" FOR ALL USING {check} WITH CHECK {check}')


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for link in reversed(LINKS):
        op.execute(f'DROP POLICY IF EXISTS {POLICY} ON "{link}"')
        op.execute(f'ALTER TABLE "{link}" NO FORCE ROW LEVEL SECURITY')
        op.execute(f'ALTER TABLE "{link}" DISABLE ROW LEVEL SECURITY')
