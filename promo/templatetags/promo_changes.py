"""``{% load promo_changes %}{{ value|change_text:"discount_percent" }}``: a stored value of a
field as the change rows of the history, the promo page and the e-mails word it
(:mod:`promo.changes`), for pages that list planned changes themselves (the mass correction
preview)."""

from django import template

from promo.changes import ChangeFormatter

register = template.Library()


@register.filter
def change_text(value, field: str) -> str:
    return ChangeFormatter().value(str(field), value)
