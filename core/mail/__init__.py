"""Outgoing e-mail: every message is kept in the company's mail log (OutgoingEmail), then
sent over SMTP, or captured in the log when there is no SMTP server (embedded mode without
ERP_SMTP_HOST)."""

from core.mail.previews import RenderedMail, TestSend, preview_template, render_mail, send_test
from core.mail.sending import Delivery, MailFailed, deliver, send_unlogged

__all__ = [
    "Delivery",
    "MailFailed",
    "RenderedMail",
    "TestSend",
    "deliver",
    "preview_template",
    "render_mail",
    "send_test",
    "send_unlogged",
]
