"""Query filters of the promo API: the page filters (promo/filtersets.py) plus ``search``,
the API's usual name for the search box (code such as P000123, or a part of the name)."""

import django_filters

from promo.filtersets import PromoFilterSet


class PromoAPIFilterSet(PromoFilterSet):
    search = django_filters.CharFilter(method="filter_q", help_text="Promo code (P000123) or part of the name.")

    class Meta(PromoFilterSet.Meta):
        fields = [*PromoFilterSet.Meta.fields, "search"]
