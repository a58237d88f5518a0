"""Celery tasks of the promo app, one module per area (Celery autodiscovers ``promo.tasks``).
The outbox task lives with the outbox (promo/notifications/tasks.py) and is registered here."""

from promo.notifications.tasks import *  # noqa: F403
from promo.tasks.date_events import *  # noqa: F403
from promo.tasks.imports import *  # noqa: F403
