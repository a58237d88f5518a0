"""Celery task: recording the date-based promo events (daily, by beat; the schedule is in
config/settings/celery.py). Thin over promo/services/date_events.py."""

from datetime import date

from celery import shared_task
from django.utils import timezone

from promo.services.date_events import promo_date_events_record

__all__ = ["promo_date_events"]


@shared_task(name="promo.date_events", ignore_result=True)
def promo_date_events(day: str | None = None) -> int:
    """Record today's «starts tomorrow / started / finished» events (daily, by beat)."""
    today = date.fromisoformat(day) if day else timezone.localdate()
    return len(promo_date_events_record(today=today))
