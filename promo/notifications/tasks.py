"""Celery task: sending the e-mail outbox (queued after each commit by
:func:`promo.notifications.outbox.notify_event`, and retried by beat every minute; the schedule
is in config/settings/celery.py). Registered with the app's other tasks by promo/tasks/."""

from dataclasses import asdict

from celery import shared_task

from promo.notifications.outbox import outbox_deliver_due

__all__ = ["outbox_send"]


@shared_task(name="promo.outbox_send", ignore_result=True)
def outbox_send() -> dict:
    """Send every due outbox message."""
    return asdict(outbox_deliver_due())
