"""The records side of the test world: the custom table of expenses most records tests
keep their rows in."""

from __future__ import annotations

EXPENSES_SCHEMA = [
    {"id": "title", "type": "text", "label": "Title", "required": True, "indexed": True},
    {"id": "amount", "type": "number", "label": "Amount", "required": True, "indexed": True},
    {
        "id": "category",
        "type": "dropdown",
        "label": "Category",
        "options": ["Travel", "Office", "Equipment"],
    },
    {"id": "spent_on", "type": "date", "label": "Spent on"},
    {"id": "approved", "type": "checkbox", "label": "Approved"},
]
