"""Visibility of export runs (STYLE.md §5): runs and their files are the marketers' (and
administrators') business; everyone else sees none of them. Which runs a promo left in follows
the promo's own visibility, so the promo page can show it to whoever may see the promo."""

from django.db import models

from suppliers.roles import is_marketer


def _signed_in(user) -> bool:
    return user is not None and user.is_authenticated and user.is_active


class MarketerOnlyQuerySet(models.QuerySet):
    def restrict(self, user, action: str = "view"):
        if _signed_in(user) and is_marketer(user):
            return self
        return self.none()


class ExportRunQuerySet(MarketerOnlyQuerySet):
    def for_date(self, business_date):
        return self.filter(business_date=business_date)


class ExportRunPromoQuerySet(models.QuerySet):
    def restrict(self, user, action: str = "view"):
        """Rows of the promos ``user`` may see (marketers: all)."""
        # The promo model through the relation, not an import (querysets import no models).
        promo_model = self.model._meta.get_field("promo").related_model
        if not _signed_in(user):
            return self.none()
        if is_marketer(user):
            return self
        return self.filter(promo__in=promo_model.objects.restrict(user, action))
