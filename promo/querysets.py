"""Visibility of promos: ``Promo.objects.restrict(user, action)`` (STYLE.md §5).

- marketers and administrators: every promo;
- supplier users: promos of the suppliers they were granted;
- category managers: promos with at least one line in a category they decide.
Filters are subqueries over the guardian grants, never lists of primary keys."""

from django.db import models
from django.db.models import Exists, OuterRef

from suppliers.models import Category, Supplier
from suppliers.querysets import DECIDE, VIEW
from suppliers.roles import is_category_manager, is_marketer, is_supplier_user


class PromoQuerySet(models.QuerySet):
    def restrict(self, user, action: str = VIEW):
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        if is_marketer(user) and action != DECIDE:
            return self
        if is_supplier_user(user) and action != DECIDE:
            return self.filter(supplier__in=Supplier.objects.restrict(user, action))
        if is_category_manager(user) or user.is_superuser:
            from promo.models import PromoLine

            managed = Category.objects.restrict(user, DECIDE)
            return self.filter(Exists(PromoLine.objects.filter(
                promo=OuterRef("pk"), product__category__in=managed,
            )))
        return self.none()

    def live(self):
        """Promos that count for conflicts: submitted, or approved and in force."""
        from promo.models import Promo

        return self.filter(status__in=[Promo.Status.SUBMITTED, Promo.Status.APPROVED])

    def in_force_on(self, day):
        """Promos whose approved revision runs on ``day`` (approved, not cancelled)."""
        from promo.models import Promo

        return self.filter(approved_revision__start__lte=day, approved_revision__end__gte=day).exclude(
            status=Promo.Status.CANCELLED
        )

    def pending_review(self):
        from promo.models import Promo

        return self.filter(status=Promo.Status.SUBMITTED)


class PromoLineQuerySet(models.QuerySet):
    def restrict(self, user, action: str = VIEW):
        """Lines of visible promos; for ``decide``, only lines of the manager's categories."""
        from promo.models import Promo

        if action == DECIDE:
            return self.filter(product__category__in=Category.objects.restrict(user, DECIDE))
        return self.filter(promo__in=Promo.objects.restrict(user, action))
