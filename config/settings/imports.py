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
