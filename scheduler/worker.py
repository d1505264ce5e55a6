"""`celery -A scheduler.worker worker`: the Celery app configured from the environment."""

from __future__ import annotations

from core.settings import get_settings
from scheduler.celery_app import make_celery

app = make_celery(get_settings())
