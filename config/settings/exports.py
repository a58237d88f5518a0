"""ERP exports (shared/erp-formats.md §6). Items marked «verify» in the spec are settings."""

from config.env import BASE_DIR, env, env_int

EXPORT_ROOT = env("EXPORT_ROOT", str(BASE_DIR / "var" / "exports"))
EXPORT_HORIZON_DAYS = env_int("EXPORT_HORIZON_DAYS", 30)
EXPORT_NIGHTLY_AT = env("EXPORT_NIGHTLY_AT", "02:00")
