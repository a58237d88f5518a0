"""ERP exports (shared/erp-formats.md §6). Items marked «verify» in the spec are settings, read from
the environment, so a test import on the chain's systems can change them without a release.

The SAP defaults are the placeholder values of the spec's examples (§5); docs/exports.md lists
what to confirm before go-live."""

from config.env import BASE_DIR, env, env_bool, env_int

# Run and folder layout: EXPORT_ROOT/<YYYYMMDD>_<NN>/ with the files and manifest.json.
EXPORT_ROOT = env("EXPORT_ROOT", str(BASE_DIR / "var" / "exports"))
EXPORT_HORIZON_DAYS = env_int("EXPORT_HORIZON_DAYS", 30)
# A run «queued» this long without a worker taking it is failed (and no longer blocks a new one).
EXPORT_RUN_TIMEOUT_MINUTES = env_int("EXPORT_RUN_TIMEOUT_MINUTES", 60)
# Crash recovery (exports/recovery.py): a worker renews its run's lease after the selection and
# each file; a run «running» whose lease ran out is queued again (at most
# EXPORT_RUN_MAX_RESTARTS times, and only while no later run of its date exists), else failed.
EXPORT_RUN_LEASE_SECONDS = env_int("EXPORT_RUN_LEASE_SECONDS", 10 * 60)
EXPORT_RUN_MAX_RESTARTS = env_int("EXPORT_RUN_MAX_RESTARTS", 1)
EXPORT_NIGHTLY_AT = env("EXPORT_NIGHTLY_AT", "02:00")  # local time (TIME_ZONE), "HH:MM"
EXPORT_NIGHTLY_HOUR, EXPORT_NIGHTLY_MINUTE = (int(part) for part in EXPORT_NIGHTLY_AT.split(":", 1))

# SAP: condition IDocs (COND_A04) for percent and fixed-price promos.
SAP_VKORG = env("SAP_VKORG", "1000")
SAP_VTWEG = env("SAP_VTWEG", "10")
SAP_KOTABNR = env("SAP_KOTABNR", "901")
SAP_KSCHL_PCT = env("SAP_KSCHL_PCT", "KA02")  # verify
SAP_KSCHL_FIX = env("SAP_KSCHL_FIX", "VKA0")  # verify
# Fixed-width key of the condition table: FIELD:width, in order (VKORG, VTWEG, WERKS, MATNR).
SAP_VAKEY_LAYOUT = env("SAP_VAKEY_LAYOUT", "VKORG:4,VTWEG:2,WERKS:4,MATNR:18")  # verify
SAP_UNIT = env("SAP_UNIT", "ST")  # the bonus-buy file's UNIT
SAP_COND_UNIT = env("SAP_COND_UNIT", "PCE")  # verify: the IDoc's KMEIN (ISO unit code) of fixed prices
SAP_KRECH_PCT = env("SAP_KRECH_PCT", "")  # verify: E1KONP-KRECH of percent conditions (e.g. "A"); empty: not written
SAP_KRECH_FIX = env("SAP_KRECH_FIX", "")  # verify: E1KONP-KRECH of fixed prices (e.g. "C"); empty: not written
SAP_S4_LONG_FIELDS = env_bool("SAP_S4_LONG_FIELDS", False)  # also MATNR_LONG and VAKEY_LONG, as S/4HANA
SAP_MATNR_SOURCE = env("SAP_MATNR_SOURCE", "article")  # "article" or "ean"
SAP_MATNR_PAD = env_bool("SAP_MATNR_PAD", False)  # left-pad all-digit MATNR with zeros to 18
SAP_PCT_SIGN = env("SAP_PCT_SIGN", "-")  # verify: "-" writes -15.00, "+" writes 15.00
SAP_PCT_SCALE = env_int("SAP_PCT_SCALE", 1)  # verify: 10 if the system wants per mille
SAP_SNDPOR = env("SAP_SNDPOR", "PROMOPORT")
SAP_SNDPRN = env("SAP_SNDPRN", "PROMOPORTAL")
SAP_RCVPOR = env("SAP_RCVPOR", "SAPP01")
SAP_RCVPRN = env("SAP_RCVPRN", "P01CLNT100")
# Bonus-buy CSV: also carry percent / fixed-price promos (adds COND_KIND, COND_VALUE columns).
SAP_BONUSBUY_ALL_MECHANICS = env_bool("SAP_BONUSBUY_ALL_MECHANICS", False)

# S-Market: designed CSV, or the Set Retail XML with S-Market store ids ("set10").
SMARKET_FORMAT = env("SMARKET_FORMAT", "csv")  # verify
SMARKET_ENCODING = env("SMARKET_ENCODING", "windows-1251")  # verify
SMARKET_DECIMAL = env("SMARKET_DECIMAL", ",")  # verify

# Set Retail 10: AdvertisingActions XML and its SOAP delivery.
SET10_GOOD_KEY = env("SET10_GOOD_KEY", "article")  # verify: "article" or "ean"
SET10_PRIORITY = env("SET10_PRIORITY", "1")
SET10_WORKS_ANY_TIME = env_bool("SET10_WORKS_ANY_TIME", False)
SET10_NPLUSM_MIX = env_bool("SET10_NPLUSM_MIX", False)  # verify; also GRANT_MODE of the SAP bonus buys
SET10_PCT_ELEMENT = env("SET10_PCT_ELEMENT", "set")  # verify: "set" or "goodsDiscount" (fallback)
SET10_ACTION_GUID = env_bool("SET10_ACTION_GUID", False)  # verify: AdvertActGUID = UUIDv5 of the external-code
SET10_URL = env("SET10_URL", "")  # e.g. http://centrum:8090
SET10_UPLOAD = env_bool("SET10_UPLOAD", False)
SET10_TIMEOUT = env_int("SET10_TIMEOUT", 60)  # seconds per HTTP call
SET10_UPLOAD_RETRIES = env_int("SET10_UPLOAD_RETRIES", 6)
SET10_RETRY_DELAY = env_int("SET10_RETRY_DELAY", 300)  # seconds, doubled on every retry
SET10_POLL_ATTEMPTS = env_int("SET10_POLL_ATTEMPTS", 30)
SET10_POLL_INTERVAL = env_int("SET10_POLL_INTERVAL", 10)  # seconds between status polls
