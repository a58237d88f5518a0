"""The portal's roles. Each role is a Django group; object access on top of a role is granted
with django-guardian on Supplier (supplier users) and Category (category managers) only.

Role checks live here and nowhere else, so views, the API, services and commands agree."""

from enum import StrEnum

from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy as _


class Role(StrEnum):
    SUPPLIER = "supplier_user"
    CATEGORY_MANAGER = "category_manager"
    MARKETER = "marketer"
    ADMINISTRATOR = "administrator"


ROLE_LABELS = {
    Role.SUPPLIER: _("Поставщик"),
    Role.CATEGORY_MANAGER: _("Категорийный менеджер"),
    Role.MARKETER: _("Маркетолог"),
    Role.ADMINISTRATOR: _("Администратор"),
}

# Object permissions granted with guardian (codenames of custom Meta.permissions).
SUPPLIER_ACCESS_PERM = "suppliers.act_for_supplier"
CATEGORY_DECIDE_PERM = "suppliers.decide_category"


def user_roles(user) -> set[Role]:
    """The roles of ``user`` (cached on the user object for the request)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return set()
    cached = getattr(user, "_portal_roles", None)
    if cached is None:
        names = set(user.groups.values_list("name", flat=True))
        cached = {role for role in Role if role.value in names}
        if user.is_superuser:
            cached.add(Role.ADMINISTRATOR)
        user._portal_roles = cached
    return cached


def has_role(user, *roles: Role) -> bool:
    return bool(user_roles(user) & set(roles))


def is_supplier_user(user) -> bool:
    return has_role(user, Role.SUPPLIER)


def is_category_manager(user) -> bool:
    return has_role(user, Role.CATEGORY_MANAGER)


def is_marketer(user) -> bool:
    """Marketers and administrators see and may act on everything."""
    return has_role(user, Role.MARKETER, Role.ADMINISTRATOR)


def is_staff_role(user) -> bool:
    """Chain employees (any role but supplier)."""
    return has_role(user, Role.CATEGORY_MANAGER, Role.MARKETER, Role.ADMINISTRATOR)


def ensure_role_groups() -> dict[Role, Group]:
    """Create the role groups if missing (idempotent)."""
    return {role: Group.objects.get_or_create(name=role.value)[0] for role in Role}
