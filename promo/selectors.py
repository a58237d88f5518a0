"""Visibility-aware reads of promos for pages and the API."""

from django.db.models import Count, Q

from promo.models import Promo, PromoUpload
from suppliers.models import Product
from suppliers.querysets import DECIDE
from suppliers.roles import is_category_manager, is_marketer, is_supplier_user


def home_counts(*, user) -> dict:
    """The numbers on a person's home page (one aggregate query per block)."""
    counts: dict = {}
    promos = Promo.objects.restrict(user).aggregate(
        total=Count("pk"),
        draft=Count("pk", filter=Q(status=Promo.Status.DRAFT)),
        submitted=Count("pk", filter=Q(status=Promo.Status.SUBMITTED)),
        approved=Count("pk", filter=Q(status=Promo.Status.APPROVED)),
        rejected=Count("pk", filter=Q(status=Promo.Status.REJECTED)),
    )
    counts["promos"] = promos
    if is_supplier_user(user):
        counts["products"] = Product.objects.restrict(user).count()
        counts["uploads"] = PromoUpload.objects.restrict(user).count()
    if is_category_manager(user):
        counts["to_review"] = Promo.objects.restrict(user, DECIDE).pending_review().count()
    if is_marketer(user):
        counts["uploads"] = PromoUpload.objects.restrict(user).count()
    return counts
