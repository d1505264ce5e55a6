"""The built-in field types, each module an ordinary plugin listed in BUILTIN_PLUGINS."""
