"""Visibility of promos: ``Promo.objects.restrict(user, action)`` (STYLE.md §5).

- marketers and administrators: every promo;
- supplier users: promos of the suppliers they were granted;
- category managers: promos with at least one line in a category they decide.
Filters are subqueries over the guardian grants, never lists of primary keys.

The promo models are reached through ``self.model`` (``self.model.Status``, the ``lines`` and
``promo`` relations), never imported here: ``promo.models`` imports this module, so an import
back would be a circle."""

from django.db import models
from django.db.models import Exists, OuterRef, Q

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
            line_model = self.model._meta.get_field("lines").related_model
            managed = Category.objects.restrict(user, DECIDE)
            return self.filter(Exists(line_model.objects.filter(
                promo=OuterRef("pk"), product__category__in=managed,
            )))
        return self.none()

    @staticmethod
    def decides_what_it_sees(user) -> bool:
        """Whether ``restrict(user)`` and ``restrict(user, DECIDE)`` are the same promos: a
        category manager who is neither a marketer nor a supplier user (the branches of
        :meth:`restrict` before the managers' are theirs), so a count of one is a count of the
        other."""
        return (user is not None and user.is_authenticated and user.is_active and is_category_manager(user)
                and not is_marketer(user) and not is_supplier_user(user))

    def live(self):
        """Promos that count for conflicts: submitted, or approved and in force."""
        return self.filter(status__in=self.model.Status.live())

    def in_force_condition(self) -> Q:
        """The rule of :func:`promo.services.workflow.in_force` as a condition (for a filter or
        a counted aggregate): approved, or with an approved revision in force while a newer one
        waits for a decision or was rejected. tests/promo/test_querysets_in_force.py holds the
        two to the same answer for every status."""
        status = self.model.Status
        return Q(status=status.APPROVED) | Q(approved_revision__isnull=False,
                                             status__in=status.behind_newer())

    def in_force(self):
        """Promos whose approved revision is in force (:meth:`in_force_condition`)."""
        return self.filter(self.in_force_condition())

    def in_force_on(self, day):
        """Promos whose approved revision runs on ``day`` (approved, not cancelled)."""
        return self.filter(approved_revision__start__lte=day, approved_revision__end__gte=day).exclude(
            status=self.model.Status.CANCELLED
        )

    def pending_review(self):
        return self.filter(status=self.model.Status.SUBMITTED)


class PromoLineQuerySet(models.QuerySet):
    def restrict(self, user, action: str = VIEW):
        """Lines of visible promos; for ``decide``, only lines of the manager's categories."""
        promo_model = self.model._meta.get_field("promo").related_model
        if action == DECIDE:
            return self.filter(product__category__in=Category.objects.restrict(user, DECIDE))
        return self.filter(promo__in=promo_model.objects.restrict(user, action))
