"""Celery tasks: processing large uploads."""

__all__: list[str] = []
