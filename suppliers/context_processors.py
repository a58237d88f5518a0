"""Template context: the roles of the signed-in user, for menus and home pages."""

from suppliers.roles import is_category_manager, is_marketer, is_staff_role, is_supplier_user


def roles(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    link = getattr(user, "supplier_link", None) if is_supplier_user(user) else None
    return {
        "is_supplier_user": is_supplier_user(user),
        "is_category_manager": is_category_manager(user),
        "is_marketer": is_marketer(user),
        "is_staff_role": is_staff_role(user),
        "current_supplier": link.supplier if link else None,
    }
