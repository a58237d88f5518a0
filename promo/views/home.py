"""The home page: what the signed-in person works on, by role."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.views.generic import TemplateView

from promo.selectors import home_counts


class HomeView(LoginRequiredMixin, TemplateView):
    template_name = "promo/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["counts"] = home_counts(user=self.request.user)
        return context
