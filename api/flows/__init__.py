"""HTTP routes of flows: definitions, instances, history and the inbox."""
