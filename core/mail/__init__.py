"""Outgoing e-mail: every message is kept in the company's mail log (OutgoingEmail), then
sent over SMTP, or captured in the log when there is no SMTP server (embedded mode without
ERP_SMTP_HOST)."""

from core.mail.sending import Delivery, MailFailed, deliver, send_unlogged

__all__ = ["Delivery", "MailFailed", "deliver", "send_unlogged"]
