"""Built-in trigger actions, each an ordinary plugin written against the action SDK."""
