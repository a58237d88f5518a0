"""The notification settings form: the language of a person's e-mails and one checkbox per
event kind they can receive (ticked = on)."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from promo.models import PromoEvent
from promo.notifications import routing
from suppliers.roles import Role, has_role, is_category_manager, is_marketer, is_supplier_user


def routing_roles(user) -> set[str]:
    """The roles of the routing table (:mod:`promo.notifications.routing`) ``user`` holds, as
    :mod:`promo.notifications.recipients` finds them: the supplier users, the category managers
    (of the lines, and of the lines still waiting), the marketer group, the head of category group."""
    roles = set()
    if is_supplier_user(user):
        roles.add(routing.SUPPLIER)
    if is_category_manager(user):
        roles |= {routing.CATEGORY_MANAGER, routing.DECIDING_MANAGER}
    if has_role(user, Role.MARKETER):
        roles.add(routing.MARKETER)
    head = settings.PROMO_HEAD_OF_CATEGORY_GROUP
    if head and user.groups.filter(name=head).exists():
        roles.add(routing.HEAD_OF_CATEGORY)
    return roles


def kinds_for(user) -> list[tuple[str, str]]:
    """The event kinds ``user`` can ever be mailed about (a supplier never gets export results,
    a manager no uploads, a marketer no reminder meant for the deciding manager)."""
    kinds = routing.kinds_heard(routing_roles(user), starts_work=is_marketer(user))
    return [(kind, PromoEvent.Kind(kind).label) for kind in kinds]


class NotificationSettingsForm(forms.Form):
    language = forms.ChoiceField(label=_("Язык писем"), choices=settings.LANGUAGES)
    enabled_kinds = forms.MultipleChoiceField(
        label=_("Присылать письма о событиях"), required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["enabled_kinds"].choices = kinds_for(user)

    def disabled_kinds(self, previous: list[str]) -> list[str]:
        """The kinds switched off after this form: the offered ones left unticked, plus the
        ones switched off earlier that this person is not offered (kept as they were)."""
        offered = {value for value, _label in self.fields["enabled_kinds"].choices}
        enabled = set(self.cleaned_data["enabled_kinds"])
        kept = {kind for kind in previous if kind not in offered}
        return sorted((offered - enabled) | kept)
