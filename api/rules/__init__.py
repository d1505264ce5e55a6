"""HTTP routes of the rule engine: trying a rule on sample data."""
