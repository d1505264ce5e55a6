"""HTTP routes of inbound webhooks: endpoint management and the public receiver."""
