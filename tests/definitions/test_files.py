"""Definition files on disk: the same documents give the same bytes, an export leaves no
stale file of a definition that is gone (and nothing else is touched), and a file that is
not YAML, or says a key twice, is refused with its place."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.definitions import read_directory, write_directory
from core.definitions.files import dump, file_names
from core.errors import ValidationFailed

TEMPLATE = {
    "name": "Welcome",
    "type": "welcome",
    "isActive": True,
    "subject": "Hello {{name}}",
    "body": "Dear {{name}},\n\nwelcome.\n",
    "variables": ["name"],
}


def test_text_of_several_lines_is_a_literal_block_and_keys_keep_their_order() -> None:
    assert dump(TEMPLATE) == (
        "name: Welcome\n"
        "type: welcome\n"
        "isActive: true\n"
        "subject: Hello {{name}}\n"
        "body: |\n"
        "  Dear {{name}},\n"
        "\n"
        "  welcome.\n"
        "variables:\n"
        "  - name\n"
    )


def test_names_sharing_a_file_name_are_numbered_alike_everywhere() -> None:
    assert file_names("tasks", ["Expense report", "expense-report", "Über Form"]) == {
        "Expense report": "tasks/expense-report.yaml",
        "expense-report": "tasks/expense-report-2.yaml",
        "Über Form": "tasks/uber-form.yaml",
    }


def test_an_export_removes_the_files_of_definitions_that_are_gone(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("ours")
    write_directory(
        tmp_path, {"email-templates/welcome.yaml": TEMPLATE, "email-templates/old.yaml": TEMPLATE}
    )
    written, removed = write_directory(tmp_path, {"email-templates/welcome.yaml": TEMPLATE})
    assert (written, removed) == (["email-templates/welcome.yaml"], ["email-templates/old.yaml"])
    assert read_directory(tmp_path) == {"email-templates/welcome.yaml": TEMPLATE}
    assert (tmp_path / "README.md").read_text() == "ours"


def test_unreadable_files_are_refused_each_with_its_place(tmp_path: Path) -> None:
    (tmp_path / "tasks").mkdir()
    (tmp_path / "tasks" / "twice.yaml").write_text("name: A\nfields: []\nname: B\n")
    (tmp_path / "tasks" / "broken.yaml").write_text("name: [unclosed\n")
    (tmp_path / "notes.yaml").write_text("name: x\n")
    with pytest.raises(ValidationFailed) as refused:
        read_directory(tmp_path)
    assert [(p.path, p.message) for p in refused.value.problems] == [
        ("notes.yaml", refused.value.problems[0].message),
        ("tasks/broken.yaml", refused.value.problems[1].message),
        ("tasks/twice.yaml", refused.value.problems[2].message),
    ]
    messages = [p.message for p in refused.value.problems]
    assert messages[0].startswith("A definition file belongs in one of the folders")
    assert "line 2, column 1" in messages[1]
    assert "duplicate key 'name'" in messages[2] and "line 3" in messages[2]
