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
