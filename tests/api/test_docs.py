"""The README's permission table is the code's: regenerate it when POLICY changes with
`python -c "from core.access.policy import permissions_table; print(permissions_table())"`."""

from pathlib import Path

from core.access.policy import permissions_table


def test_readme_permission_table_matches_the_policy() -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    assert permissions_table() in readme
