"""HTTP routes of custom tables, their records and datasets."""
