"""Built-in integrations: one plugin per vendor, registered through erp_register_integrations."""
