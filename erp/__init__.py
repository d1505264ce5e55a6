"""ERP Builder's public face for plugin authors: `erp.sdk` is the one module a plugin imports."""
