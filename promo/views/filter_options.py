"""The options of a list's filter that the list's page does not write (config.widgets.LazySelect:
the suppliers, the 300 branches), as JSON for static/js/pickers.js, which asks for them when the
select is first opened: exactly the choices the filter form's field offers this user (the
form restricts them as it restricts the rows), in its order, the empty choice first."""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.views import View

from config.widgets import LazySelect
from promo.filtersets import PromoFilterSet
from promo.models import Promo
from promo.views.approval import ApprovalQueueFilterSet, CategoryManagerRequiredMixin
from promo.views.promos import RoleRequiredMixin

# The lists whose filter forms have lazy choices, by the name their URLs use, with who may
# open the list (as its page: anyone signed in, the category managers).
LISTS = {filterset.options_list: (filterset, role) for filterset, role in (
    (PromoFilterSet, RoleRequiredMixin), (ApprovalQueueFilterSet, CategoryManagerRequiredMixin))}


class FilterOptionsView(LoginRequiredMixin, View):
    """``GET /promo/filter-options/<list>/<field>/``: ``{"options": [{"value", "text"}, ...]}``."""

    def get(self, request, listing: str, name: str):
        if listing not in LISTS:
            raise Http404
        filterset_class, role = LISTS[listing]
        if not role().role_allowed(request.user):
            raise PermissionDenied
        field = filterset_class(None, Promo.objects.none(), request=request).form.fields.get(name)
        if field is None or not isinstance(field.widget, LazySelect):
            raise Http404
        return JsonResponse({"options": [{"value": str(value), "text": str(label)} for value, label in field.choices]})
