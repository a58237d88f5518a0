"""Celery tasks: sending the e-mail outbox and date-based promo events."""

__all__: list[str] = []
