"""Limits and business rules of the promo sheet import (samples/README.md, the contract)."""

from config.env import env, env_int

PROMO_UPLOAD_MAX_BYTES = env_int("PROMO_UPLOAD_MAX_BYTES", 20 * 1024 * 1024)
PROMO_UPLOAD_MAX_UNCOMPRESSED_BYTES = env_int("PROMO_UPLOAD_MAX_UNCOMPRESSED_BYTES", 400 * 1024 * 1024)
PROMO_UPLOAD_MAX_ROWS = env_int("PROMO_UPLOAD_MAX_ROWS", 200_000)
# A value further right than this column (256 = IV, the last column of an .xls) is refused.
PROMO_UPLOAD_MAX_COLUMNS = env_int("PROMO_UPLOAD_MAX_COLUMNS", 256)
# Filled cells of a sheet (and strings of the shared strings table) a workbook may hold:
# 200,000 rows of the 14-column bulk layout are 2.8 million.
PROMO_UPLOAD_MAX_CELLS = env_int("PROMO_UPLOAD_MAX_CELLS", 3_000_000)
# Text all the cells hold, a shared string counted once per cell that shows it: a long string
# repeated in every cell makes a small file unpack into gigabytes (the bulk layout: ~30 MB).
PROMO_UPLOAD_MAX_TEXT_MB = env_int("PROMO_UPLOAD_MAX_TEXT_MB", 128)
PROMO_UPLOAD_ASYNC_ROWS = env_int("PROMO_UPLOAD_ASYNC_ROWS", 2_000)
PROMO_DISCOUNT_MIN = env_int("PROMO_DISCOUNT_MIN", 1)
PROMO_DISCOUNT_MAX = env_int("PROMO_DISCOUNT_MAX", 90)
PROMO_MAX_DAYS = env_int("PROMO_MAX_DAYS", 92)
PROMO_MIN_LEAD_DAYS = env_int("PROMO_MIN_LEAD_DAYS", 14)
# Which library reads uploaded sheets: "calamine" (python-calamine, the default: several times
# faster, see docs/development/import-reader.md) or "openpyxl" (read-only mode, sees number formats).
PROMO_IMPORT_ENGINE = env("PROMO_IMPORT_ENGINE", "calamine")
# calamine runs in a child process limited to this much memory (address space, MB) and waiting
# at most this long for one answer; a file it cannot read within them is read with openpyxl.
PROMO_IMPORT_SANDBOX_MB = env_int("PROMO_IMPORT_SANDBOX_MB", 256)
PROMO_IMPORT_SANDBOX_SECONDS = env_int("PROMO_IMPORT_SANDBOX_SECONDS", 120)

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
