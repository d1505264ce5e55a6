"""The README's permission table is the code's: regenerate it when POLICY changes with
`python -c "from core.access.policy import permissions_table; print(permissions_table())"`."""

from pathlib import Path

from core.access.policy import permissions_table


def test_readme_permission_table_matches_the_policy() -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    assert permissions_table() in readme


def test_readme_documents_every_setting() -> None:
    import re

    source = (Path(__file__).parents[2] / "core" / "settings.py").read_text()
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    names = set(re.findall(r'"((?:ERP|DATABASE|REDIS)_[A-Z_]+)"', source))
    assert names, "no settings found"
    assert sorted(n for n in names if f"`{n}`" not in readme) == []
