"""Celery. The default broker is kombu's filesystem transport: it needs no server, so
``make run`` works on a bare machine; production points CELERY_BROKER_URL at Redis
(``redis://host:6379/0``; docs/operations.md, «Celery on Redis»).

Delivery guarantees (the same for every broker):

- ``acks_late``: a message is acknowledged when its task has finished, so a worker that dies in
  the middle does not lose it; with ``retry_on_worker_lost`` a task whose pool process was killed
  (OOM, SIGKILL) is sent again like a retry, at most ``max_retries`` times (3), never in a loop.
- A stopping worker (TERM, ``make serve``'s Ctrl+C) finishes the tasks it runs before it exits
  (warm shutdown), so a restart neither loses nor repeats them.
- Every task is safe to run again: an upload that is finished is skipped, an export run is
  claimed (queued -> running) once, the outbox claims its rows with a lease, a Set Retail file
  already uploaded is only polled.
- Redis redelivers a message that is not acknowledged within the visibility timeout. It must
  exceed the longest task (an import: its hard time limit) and the longest countdown (the Set
  Retail retries): ``CELERY_VISIBILITY_TIMEOUT``, 6 hours by default.
"""

from celery.schedules import crontab
from kombu import Exchange, Queue

from config.env import BASE_DIR, env, env_bool, env_int
from config.settings.exports import EXPORT_NIGHTLY_HOUR, EXPORT_NIGHTLY_MINUTE
from config.settings.workflow import PROMO_DEADLINES_HOUR, PROMO_DEADLINES_MINUTE

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
    # Redis: when an unacknowledged message is handed out again (see the docstring).
    else {"visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 6 * 3600)}
    if CELERY_BROKER_URL.startswith(("redis://", "rediss://", "sentinel://"))
    else {}
)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_RETRY_ON_WORKER_LOST = True
CELERY_TASK_REJECT_ON_WORKER_LOST = False  # a lost task comes back as a bounded retry, not a requeue loop
CELERY_WORKER_PREFETCH_MULTIPLIER = 1

# Three queues, so that a long import or export never holds up the mail: a worker started
# without -Q consumes all three (make run, make serve); to scale out, start workers for one
# queue each (`celery -A config worker -Q imports`), docs/operations.md.
CELERY_TASK_DEFAULT_QUEUE = "celery"  # mail (the outbox), the date events: short tasks
CELERY_TASK_QUEUES = tuple(Queue(name, Exchange(name), routing_key=name) for name in ("celery", "imports", "exports"))
CELERY_TASK_ROUTES = {
    "promo.upload_process": {"queue": "imports"},
    # A large branch's price tags take minutes, like an export: never in front of the mail.
    "promo.price_tags_render": {"queue": "exports"},
    "exports.tasks.*": {"queue": "exports"},
    # The reaper is short and must not wait behind the long run of a stuck export worker.
    "exports.tasks.export_runs_recover": {"queue": "celery"},
}
CELERY_TIMEZONE = env("TIME_ZONE", "Asia/Novosibirsk")
CELERY_BEAT_SCHEDULE_FILENAME = str(_CELERY_DIR / "beat-schedule")

# How often the reapers look for work whose process died (uploads and export runs whose lease
# ran out, old upload previews); the outbox's own beat retakes mail whose lease ran out.
# docs/operations.md, «Crash recovery».
RECOVERY_INTERVAL_SECONDS = env_int("RECOVERY_INTERVAL_SECONDS", 60)

# Every periodic task, in one place (STYLE.md §11).
CELERY_BEAT_SCHEDULE = {
    # Uploads whose process died: queued again or failed with the reason; old previews cancelled.
    "uploads-recover": {"task": "promo.uploads_recover", "schedule": float(RECOVERY_INTERVAL_SECONDS)},
    # Export runs whose worker died: their hidden folder removed, queued again or failed.
    "exports-recover": {"task": "exports.tasks.export_runs_recover", "schedule": float(RECOVERY_INTERVAL_SECONDS)},
    # Retry e-mails that are due (an SMTP outage leaves them queued, never lost), and take
    # back the ones whose worker died while sending (their lease ran out).
    "notifications-outbox": {"task": "promo.outbox_send", "schedule": 60.0},
    # «Starts tomorrow / started / finished» e-mails, once a day in the morning (local time).
    "notifications-date-events": {"task": "promo.date_events", "schedule": crontab(hour=7, minute=0)},
    # Decision deadlines: remind the deciding managers of what is due on the next working day,
    # escalate what is overdue to the marketers (and the head of category), once per revision.
    "workflow-decision-deadlines": {
        "task": "promo.decision_deadlines",
        "schedule": crontab(hour=PROMO_DEADLINES_HOUR, minute=PROMO_DEADLINES_MINUTE),
    },
    # Price tag jobs whose worker died (silent for 10 minutes): queued again or failed with the reason.
    "price-tag-jobs-recover": {"task": "promo.price_tag_jobs_recover", "schedule": float(RECOVERY_INTERVAL_SECONDS)},
    # Prepared price tag PDFs are kept PROMO_PRICE_TAGS_KEEP_DAYS days, then removed.
    "price-tag-jobs-clean": {"task": "promo.price_tag_jobs_clean", "schedule": crontab(hour=3, minute=30)},
    # The nightly ERP export (exports.tasks.export_nightly) at EXPORT_NIGHTLY_AT, local time.
    "exports-nightly": {
        "task": "exports.tasks.export_nightly",
        "schedule": crontab(hour=EXPORT_NIGHTLY_HOUR, minute=EXPORT_NIGHTLY_MINUTE),
    },
}
