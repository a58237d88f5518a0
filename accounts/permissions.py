"""Permission names in the reader's language. Django stores ``Permission.name`` once, at migrate
time: «Can add товар» from the model's Russian verbose name (and a custom permission's text in
the language of that run), so an English administrator read Russian in the user and group pickers.
The stored names are left alone; each choice is labelled when the page is drawn, from the model's
current verbose names and the action, under gettext (:func:`permission_label`)."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_permission_codename
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

# The default actions of every model (Meta.default_permissions).
ACTION_LABELS = {
    "add": _("Может добавлять: %(model)s"),
    "change": _("Может изменять: %(model)s"),
    "delete": _("Может удалять: %(model)s"),
    "view": _("Может просматривать: %(model)s"),
}


def permission_label(permission) -> str:
    """«Поставщики и товары | товар | Может добавлять: товар» in Russian, «Suppliers and products |
    product | Can add product» in English. A permission of a model no longer installed keeps its
    stored name."""
    content_type = permission.content_type
    model = content_type.model_class()
    if model is None:
        return str(permission)
    opts = model._meta
    name = None
    for action in opts.default_permissions:
        if permission.codename == get_permission_codename(action, opts) and action in ACTION_LABELS:
            name = ACTION_LABELS[action] % {"model": opts.verbose_name}
    if name is None:
        declared = dict(opts.permissions)
        # A custom permission: its declared text (lazy, so in the reader's language), else the
        # stored name through the catalogue (stored in the language of the migrate run).
        name = str(declared[permission.codename]) if permission.codename in declared else gettext(permission.name)
    return f"{opts.app_config.verbose_name} | {opts.verbose_name} | {name}"


class PermissionChoiceField(forms.ModelMultipleChoiceField):
    """The user's and the group's permission picker, labelled by :func:`permission_label`."""

    def label_from_instance(self, obj) -> str:
        return permission_label(obj)
