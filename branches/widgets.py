"""Pickers for branches and the other targeting rules: plain ``<select multiple>`` elements that
work without JavaScript, grouped and tagged so that static/js/pickers.js can turn them into a
searchable Tom Select (static/vendor/tom-select/) with chips.

A branch option carries its city and region (``data-city``, ``data-region``), so typing a city
finds its branches; the options are grouped by «region · city», and a click on (or Enter over)
a group's header picks every branch of that city."""

from __future__ import annotations

from itertools import groupby

from django.utils.translation import gettext_lazy as _

from branches.models import Branch, City
from config.widgets import FlatSelectMultiple


def city_label(branch: Branch) -> str:
    return f"{branch.region.name} · {branch.city.name}"


def branch_choices() -> list[tuple[str, list[tuple[int, str]]]]:
    """Every branch, grouped by region and city (one query): ``[(«Регион · Город», [(pk,
    «B0003 Магазин №3»), ...]), ...]``."""
    branches = Branch.objects.select_related("region", "city").order_by("region__name", "city__name", "code")
    return [
        (label, [(branch.pk, str(branch)) for branch in group])
        for label, group in groupby(branches, key=city_label)
    ]


def city_choices() -> list[tuple[str, list[tuple[int, str]]]]:
    """Every city, grouped by region (one query)."""
    cities = City.objects.select_related("region").order_by("region__name", "name")
    return [
        (region, [(city.pk, city.name) for city in group])
        for region, group in groupby(cities, key=lambda city: city.region.name)
    ]


class Picker(FlatSelectMultiple):
    """A multiple choice that pickers.js enhances (search, chips, keyboard)."""

    def __init__(self, attrs=None, choices=(), *, placeholder: str = ""):
        attrs = {"data-picker": "", "size": 8, "data-no-results": _("Ничего не найдено"),
                 "data-pick-all": _("весь город"), **(attrs or {})}
        if placeholder:
            attrs["data-placeholder"] = placeholder
        super().__init__(attrs, choices)


class BranchPicker(Picker):
    """Branches grouped by «region · city» (:func:`branch_choices`); each option tells its city
    and region, so that the search finds a branch by code, name or city."""

    def __init__(self, attrs=None, choices=(), *, placeholder: str = ""):
        super().__init__({"data-picker": "branches", **(attrs or {})}, choices, placeholder=placeholder)

    def option_attrs(self, choices) -> dict[str, dict]:
        """``data-region`` and ``data-city`` of each branch, read off the group labels."""
        found = {}
        for group, options in choices:
            if isinstance(options, list | tuple):
                region, _, city = str(group).partition(" · ")
                found |= {str(pk): {"data-region": region, "data-city": city} for pk, _label in options}
        return found
