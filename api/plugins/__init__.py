"""HTTP routes of the plugin registry."""
