"""Writes the JSONLogic rules of the rule engine's operator table (tests/rules) as JSON for the
studio's condition-builder round-trip test: `.venv/bin/python web/scripts/export-rule-cases.py`."""

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.rules.test_operator_table import CASES  # noqa: E402

OUT = ROOT / "web" / "src" / "studio" / "conditions" / "ruleCases.json"


def finite(value: object) -> bool:
    text = json.dumps(value, allow_nan=True)
    return "NaN" not in text and "Infinity" not in text


rules = [{"name": name, "rule": rule} for name, rule, _, _ in CASES if finite(rule)]
OUT.write_text(json.dumps(rules, indent=1) + "\n")
print(f"{len(rules)} rules to {OUT.relative_to(ROOT)}")
