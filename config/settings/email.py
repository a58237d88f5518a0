"""E-mail. ``make run`` writes messages as files under var/mail; production sets EMAIL_BACKEND
to SMTP and the EMAIL_* values."""

from config.env import BASE_DIR, env, env_bool, env_int

EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = env("EMAIL_FILE_PATH", str(BASE_DIR / "var" / "mail"))
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Promo Portal <promo-portal@localhost>")

# The notification outbox (promo/notifications/outbox.py): a failed delivery is retried after
# RETRY_BASE seconds, doubling each time up to RETRY_MAX; after MAX_ATTEMPTS the message is
# marked failed. A worker holds the rows it sends for LEASE seconds.
NOTIFY_BATCH_SIZE = env_int("NOTIFY_BATCH_SIZE", 100)
NOTIFY_MAX_ATTEMPTS = env_int("NOTIFY_MAX_ATTEMPTS", 12)
NOTIFY_RETRY_BASE_SECONDS = env_int("NOTIFY_RETRY_BASE_SECONDS", 60)
NOTIFY_RETRY_MAX_SECONDS = env_int("NOTIFY_RETRY_MAX_SECONDS", 6 * 3600)
NOTIFY_LEASE_SECONDS = env_int("NOTIFY_LEASE_SECONDS", 600)
