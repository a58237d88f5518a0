"""Celery tasks of notifications: sending the e-mail outbox and recording the date-based promo
events. Thin over promo/notifications/outbox.py and promo/services/date_events.py; the beat
schedule is in config/settings/celery.py."""

from dataclasses import asdict
from datetime import date

from celery import shared_task
from django.utils import timezone

from promo.notifications.outbox import outbox_deliver_due
from promo.services.date_events import promo_date_events_record

__all__ = ["outbox_send", "promo_date_events"]


@shared_task(name="promo.outbox_send", ignore_result=True)
def outbox_send() -> dict:
    """Send every due outbox message (queued after each commit, and retried by beat)."""
    return asdict(outbox_deliver_due())


@shared_task(name="promo.date_events", ignore_result=True)
def promo_date_events(day: str | None = None) -> int:
    """Record today's «starts tomorrow / started / finished» events (daily, by beat)."""
    today = date.fromisoformat(day) if day else timezone.localdate()
    return len(promo_date_events_record(today=today))
