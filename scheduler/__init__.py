"""The background side: the Celery worker and its tasks, the outbox relay, the APScheduler
daemon, and the embedded (in-process) mode that runs all of them without Redis."""
