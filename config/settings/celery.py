"""Celery. The default broker is kombu's filesystem transport: it needs no server, so
``make run`` works on a bare machine; production points CELERY_BROKER_URL at Redis or RabbitMQ."""

from celery.schedules import crontab

from config.env import BASE_DIR, env, env_bool
from config.settings.exports import EXPORT_NIGHTLY_HOUR, EXPORT_NIGHTLY_MINUTE

_CELERY_DIR = BASE_DIR / "var" / "celery"

CELERY_BROKER_URL = env("CELERY_BROKER_URL", "filesystem://")
CELERY_BROKER_TRANSPORT_OPTIONS = (
    {
        "data_folder_in": str(_CELERY_DIR / "queue"),
        "data_folder_out": str(_CELERY_DIR / "queue"),
        "processed_folder": str(_CELERY_DIR / "processed"),
        "control_folder": str(_CELERY_DIR / "control"),
        "store_processed": False,
    }
    if CELERY_BROKER_URL.startswith("filesystem")
    else {}
)
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = env("TIME_ZONE", "Asia/Novosibirsk")
CELERY_BEAT_SCHEDULE_FILENAME = str(_CELERY_DIR / "beat-schedule")

# Every periodic task, in one place (STYLE.md §11).
CELERY_BEAT_SCHEDULE = {
    # Retry e-mails that are due (an SMTP outage leaves them queued, never lost).
    "notifications-outbox": {"task": "promo.outbox_send", "schedule": 60.0},
    # «Starts tomorrow / started / finished» e-mails, once a day in the morning (local time).
    "notifications-date-events": {"task": "promo.date_events", "schedule": crontab(hour=7, minute=0)},
    # The nightly ERP export (exports.tasks.export_nightly) at EXPORT_NIGHTLY_AT, local time.
    "exports-nightly": {
        "task": "exports.tasks.export_nightly",
        "schedule": crontab(hour=EXPORT_NIGHTLY_HOUR, minute=EXPORT_NIGHTLY_MINUTE),
    },
}
