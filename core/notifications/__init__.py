"""In-app notifications: what the `notify` action writes and users read."""

from core.notifications.service import (
    list_notifications,
    mark_read,
    notify,
    recipients,
    unread_count,
)

__all__ = ["list_notifications", "mark_read", "notify", "recipients", "unread_count"]
