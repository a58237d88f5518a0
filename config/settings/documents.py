"""PDF documents (promo/services/documents.py): how price tags are rendered and when they go to
the worker (docs/operations.md, «Ценники»)."""

from config.env import env_int

# Pages (21 tags each) laid out in one weasyprint document; longer runs are rendered in chunks of
# this size and merged, so the memory of a run does not grow with the branch. A chunk of 10 pages
# peaks at about 200 MB with the rest of the process.
PROMO_PRICE_TAGS_CHUNK_PAGES = env_int("PROMO_PRICE_TAGS_CHUNK_PAGES", 10)
# Above this many tags the PDF is prepared by the worker (a progress bar, then a download link);
# up to it the page answers at once (about 6 s for 500 tags on one core).
PROMO_PRICE_TAGS_ASYNC_TAGS = env_int("PROMO_PRICE_TAGS_ASYNC_TAGS", 500)
# A prepared PDF is kept this many days, then removed with its job by the daily clean-up.
PROMO_PRICE_TAGS_KEEP_DAYS = env_int("PROMO_PRICE_TAGS_KEEP_DAYS", 7)
# A job whose worker died (silent for promo.models.documents.STALL_AFTER) is queued again by the
# reaper at most this many times; after that it fails with the reason.
PROMO_PRICE_TAGS_MAX_RESTARTS = env_int("PROMO_PRICE_TAGS_MAX_RESTARTS", 2)
