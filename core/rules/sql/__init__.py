"""JSONLogic as a SQL WHERE over a JSON column (PostgreSQL JSONB, SQLite JSON1).

Every JSON value is carried as its runtime type tag plus typed projections (values.py), and
each operator is a CASE over those tags that mirrors the in-memory JavaScript semantics
(translate.py); what differs between databases lives in one class per dialect
(postgresql.py, sqlite.py). SQLite has no regular expressions, so its string-to-number
coercions call Python functions that `register_sqlite_functions` installs on each
connection. What cannot be mirrored is refused with RuleSqlUnsupported. NaN is carried as
SQL NULL.
"""

from .sqlite import register_sqlite_functions
from .translate import to_sql

__all__ = ["register_sqlite_functions", "to_sql"]
