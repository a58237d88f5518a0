"""Limits and business rules of the promo sheet import (samples/README.md, the contract)."""

from config.env import env, env_int

PROMO_UPLOAD_MAX_BYTES = env_int("PROMO_UPLOAD_MAX_BYTES", 20 * 1024 * 1024)
PROMO_UPLOAD_MAX_UNCOMPRESSED_BYTES = env_int("PROMO_UPLOAD_MAX_UNCOMPRESSED_BYTES", 400 * 1024 * 1024)
PROMO_UPLOAD_MAX_ROWS = env_int("PROMO_UPLOAD_MAX_ROWS", 200_000)
PROMO_UPLOAD_ASYNC_ROWS = env_int("PROMO_UPLOAD_ASYNC_ROWS", 2_000)
PROMO_DISCOUNT_MIN = env_int("PROMO_DISCOUNT_MIN", 1)
PROMO_DISCOUNT_MAX = env_int("PROMO_DISCOUNT_MAX", 90)
PROMO_MAX_DAYS = env_int("PROMO_MAX_DAYS", 92)
PROMO_MIN_LEAD_DAYS = env_int("PROMO_MIN_LEAD_DAYS", 14)
# Which library reads uploaded sheets: "calamine" (python-calamine, the default: several times
# faster, see docs/development/import-reader.md) or "openpyxl" (read-only mode, sees number formats).
PROMO_IMPORT_ENGINE = env("PROMO_IMPORT_ENGINE", "calamine")

# A sheet that would remove lines from a promo, or change a promo the uploader did not name,
# waits for a confirmation this long; then the reaper cancels its preview (nothing was saved).
PROMO_UPLOAD_PREVIEW_HOURS = env_int("PROMO_UPLOAD_PREVIEW_HOURS", 72)

# Crash recovery (promo/services/imports/recovery.py, run by beat every RECOVERY_INTERVAL_SECONDS):
# a process working on an upload renews its lease with every chunk of rows and before the save;
# an upload «processing» whose lease ran out is queued again, at most PROMO_UPLOAD_MAX_RESTARTS
# times, then failed with the reason. The save step must finish within one lease.
PROMO_UPLOAD_LEASE_SECONDS = env_int("PROMO_UPLOAD_LEASE_SECONDS", 5 * 60)
PROMO_UPLOAD_MAX_RESTARTS = env_int("PROMO_UPLOAD_MAX_RESTARTS", 2)
# A queued upload no worker took within this is published again (a lost message); one that
# waited PROMO_UPLOAD_QUEUE_TIMEOUT_SECONDS in all is failed (no worker consumes the queue).
PROMO_UPLOAD_QUEUE_LEASE_SECONDS = env_int("PROMO_UPLOAD_QUEUE_LEASE_SECONDS", 15 * 60)
PROMO_UPLOAD_QUEUE_TIMEOUT_SECONDS = env_int("PROMO_UPLOAD_QUEUE_TIMEOUT_SECONDS", 6 * 3600)
