"""Business rules of promo economics and the shelf (promo/shelf.py, promo/mechanics.py);
docs/operations.md («Настройки / Settings») explains each one to an operator."""

from django.core.exceptions import ImproperlyConfigured

from config.env import env

# Which promo sets the shelf price when several run for one product in one branch on one day
# (promo/shelf.py): "lowest_price" (the default: the lowest unit price wins, ties by the earlier
# approval), "first_approved" or "last_approved". The timeline, the exports' overlap warnings and
# the price tags all follow it.
PROMO_SHELF_PRECEDENCE = env("PROMO_SHELF_PRECEDENCE", "lowest_price")
if PROMO_SHELF_PRECEDENCE not in ("lowest_price", "first_approved", "last_approved"):
    raise ImproperlyConfigured(
        f"PROMO_SHELF_PRECEDENCE={PROMO_SHELF_PRECEDENCE!r}: use lowest_price, first_approved or last_approved")

# The price floor: a line whose margin after the supplier's compensation is below this share of
# what the chain receives per unit (%) is a warning at upload and cannot be accepted unless the
# manager agrees to it «ниже порога» with a reason. A category may set its own floor in admin
# (Category.margin_floor_percent), which wins. Empty (the default): no floor but the categories'
# own; "0" refuses every sale at a loss after compensation.
PROMO_MARGIN_FLOOR_PERCENT = env("PROMO_MARGIN_FLOOR_PERCENT", "")
