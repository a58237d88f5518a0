"""The home page: what the signed-in person works on, by role: the approval queue for a
category manager, its own promos and uploads for a supplier, everything for a marketer."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.views.generic import TemplateView

from promo.models import PromoEvent
from promo.selectors import home_counts
from promo.views.approval import review_queue, with_line_counts
from promo.views.promos import promo_page_queryset
from suppliers.roles import is_category_manager, is_marketer, is_supplier_user

# Rows in each list of the home page; the full lists are a click away.
HOME_ROWS = 10


class HomeView(LoginRequiredMixin, TemplateView):
    template_name = "promo/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["counts"] = home_counts(user=user)
        if is_category_manager(user) or user.is_superuser:
            context["queue"] = with_line_counts(list(review_queue(user).order_by("submitted_at", "pk")[:HOME_ROWS]), user)
        if is_supplier_user(user) or is_marketer(user):
            context["recent_promos"] = list(promo_page_queryset(user).order_by("-updated_at", "-pk")[:HOME_ROWS])
        if is_marketer(user):
            context["recent_events"] = list(
                PromoEvent.objects.select_related("actor", "promo").order_by("-created_at", "-pk")[:HOME_ROWS]
            )
        return context
