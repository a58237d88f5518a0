"""Visibility of suppliers, categories and products: ``Model.objects.restrict(user, action)``
is the one entry point used by pages, API views, form choices, services and commands.

Grants are guardian object permissions on Supplier and Category only (never per product or
promo); the querysets below turn them into subqueries, never lists of primary keys."""

from django.db import models
from guardian.shortcuts import get_objects_for_user

from suppliers.roles import (
    CATEGORY_DECIDE_PERM,
    SUPPLIER_ACCESS_PERM,
    is_category_manager,
    is_marketer,
    is_supplier_user,
)

VIEW = "view"
CHANGE = "change"
DECIDE = "decide"


def _signed_in(user) -> bool:
    return user is not None and user.is_authenticated and user.is_active


class SupplierQuerySet(models.QuerySet):
    def restrict(self, user, action: str = VIEW):
        """Marketers and administrators: every supplier. Category managers: view every
        supplier. Supplier users: the suppliers they were granted, for any action."""
        if not _signed_in(user):
            return self.none()
        if is_marketer(user):
            return self
        if is_supplier_user(user):
            return self.filter(pk__in=granted_suppliers(user, self.model))
        if action == VIEW and is_category_manager(user):
            return self
        return self.none()

    def active(self):
        return self.filter(active=True)


# Where a supplier user's grants subquery is kept once built, for the user object's life (one
# request): building it (guardian's get_objects_for_user) cost more CPU than running it.
SUPPLIER_GRANTS_CACHE = "_granted_suppliers"


def granted_suppliers(user, supplier_model):
    """The ids of the suppliers ``user`` was granted, as a subquery (``values("pk")``), built
    once per user object. Only the SQL is kept, never its result: PostgreSQL reads the grants
    afresh in every statement that uses it, so a grant given or taken is seen at once."""
    grants = getattr(user, SUPPLIER_GRANTS_CACHE, None)
    if grants is None or grants.model is not supplier_model:
        grants = get_objects_for_user(
            user, SUPPLIER_ACCESS_PERM, klass=supplier_model, accept_global_perms=False,
        ).values("pk")
        setattr(user, SUPPLIER_GRANTS_CACHE, grants)
    return grants


# Where a user's category grants are kept once read, as Django's ModelBackend keeps
# ``_perm_cache`` on the user: for one request (a fresh user each), or until a grant changes
# (suppliers/services/access.py forgets it).
DECIDE_CACHE = "_decide_category_ids"


def decided_category_ids(user, category_model) -> list[int]:
    """The ids of the categories ``user`` was granted to decide: read once per user object.
    A list, not a subquery, so PostgreSQL plans the promo and line filters around a known
    handful of categories (a subquery over the grants made it hash every line)."""
    ids = getattr(user, DECIDE_CACHE, None)
    if ids is None:
        ids = sorted(get_objects_for_user(user, CATEGORY_DECIDE_PERM, klass=category_model,
                                          accept_global_perms=False).values_list("pk", flat=True))
        setattr(user, DECIDE_CACHE, ids)
    return ids


def forget_decided_categories(user) -> None:
    """Drop the grants read by :func:`decided_category_ids` (after a grant changes)."""
    user.__dict__.pop(DECIDE_CACHE, None)


class CategoryQuerySet(models.QuerySet):
    def restrict(self, user, action: str = VIEW):
        """Every signed-in user may view categories; deciding promo lines of a category is
        for the category managers granted that category (and administrators)."""
        if not _signed_in(user):
            return self.none()
        if action == VIEW:
            return self
        if action == DECIDE:
            if user.is_superuser:
                return self
            return self.filter(pk__in=decided_category_ids(user, self.model))
        if is_marketer(user):
            return self
        return self.none()


class ProductQuerySet(models.QuerySet):
    def restrict(self, user, action: str = VIEW):
        """Supplier users see and act on their suppliers' products only; chain staff view
        every product; deciding follows the category grants."""
        # Through the relations, not an import: suppliers.models imports this module.
        category_model = self.model._meta.get_field("category").related_model
        supplier_model = self.model._meta.get_field("supplier").related_model
        if not _signed_in(user):
            return self.none()
        if action == DECIDE:
            return self.filter(category__in=category_model.objects.restrict(user, DECIDE))
        if is_marketer(user):
            return self
        if is_supplier_user(user):
            return self.filter(supplier__in=supplier_model.objects.restrict(user, action))
        if action == VIEW and is_category_manager(user):
            return self
        return self.none()

    def active(self):
        return self.filter(active=True)
