"""Granting access: a supplier user to its supplier, category managers to their categories.
Guardian object permissions are the grants; these services are the only place that writes them."""

from django.db import transaction
from guardian.shortcuts import assign_perm, get_users_with_perms, remove_perm

from suppliers.models import Category, Supplier, SupplierUser
from suppliers.querysets import forget_decided_categories
from suppliers.roles import CATEGORY_DECIDE_PERM, SUPPLIER_ACCESS_PERM, Role, ensure_role_groups


@transaction.atomic
def supplier_user_link(*, user, supplier: Supplier) -> SupplierUser:
    """Make ``user`` a supplier user of ``supplier`` (role group, link, object grant)."""
    groups = ensure_role_groups()
    user.groups.add(groups[Role.SUPPLIER])
    previous = SupplierUser.objects.filter(user=user).select_related("supplier").first()
    if previous and previous.supplier_id != supplier.pk:
        remove_perm(SUPPLIER_ACCESS_PERM, user, previous.supplier)
    link, _created = SupplierUser.objects.update_or_create(user=user, defaults={"supplier": supplier})
    assign_perm(SUPPLIER_ACCESS_PERM, user, supplier)
    return link


@transaction.atomic
def supplier_user_unlink(link: SupplierUser) -> None:
    """Detach a supplier user from its supplier: the link and the object grant go together, so
    the person no longer sees or changes anything of the supplier (the role group stays: with no
    grant it shows nothing)."""
    remove_perm(SUPPLIER_ACCESS_PERM, link.user, link.supplier)
    link.delete()


def category_managers(category: Category):
    """Users granted deciding on ``category``."""
    return get_users_with_perms(category, only_with_perms_in=["decide_category"],
                                with_superusers=False, with_group_users=False)


@transaction.atomic
def category_set_managers(*, category: Category, users) -> None:
    """Replace the category managers of ``category`` with ``users``."""
    groups = ensure_role_groups()
    wanted = {u.pk: u for u in users}
    current = {u.pk: u for u in category_managers(category)}
    for pk, user in wanted.items():
        user.groups.add(groups[Role.CATEGORY_MANAGER])
        if pk not in current:
            assign_perm(CATEGORY_DECIDE_PERM, user, category)
        forget_decided_categories(user)
    for pk, user in current.items():
        if pk not in wanted:
            remove_perm(CATEGORY_DECIDE_PERM, user, category)
            forget_decided_categories(user)


def category_grant_manager(*, category: Category, user) -> None:
    """Add one manager to ``category`` (idempotent)."""
    ensure_role_groups()[Role.CATEGORY_MANAGER].user_set.add(user)
    assign_perm(CATEGORY_DECIDE_PERM, user, category)
    forget_decided_categories(user)
