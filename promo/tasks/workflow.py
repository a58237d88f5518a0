"""Celery tasks of the approval workflow: the daily decision-deadline reminders and escalation.
Thin over promo/services/decision_deadlines.py; the beat schedule is in config/settings/celery.py."""

from datetime import date

from celery import shared_task
from django.utils import timezone

from promo.services.decision_deadlines import decision_deadlines_record

__all__ = ["promo_decision_deadlines"]


@shared_task(name="promo.decision_deadlines", ignore_result=True)
def promo_decision_deadlines(day: str | None = None) -> dict:
    """Remind the deciding managers of what is due on the next working day and escalate what
    is overdue (daily, by beat); each once per promo revision."""
    today = date.fromisoformat(day) if day else timezone.localdate()
    report = decision_deadlines_record(today=today)
    return {"reminded": len(report.reminded), "escalated": len(report.escalated)}
