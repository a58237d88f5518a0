"""Suppliers' requests on the pages: asking (the promo page's «Запросить продление / отмену»),
the list of requests (open ones first: what waits for an answer), and the answers posted from
the promo page («Продлить как просят», «Отменить»,
«Отклонить запрос»). Thin over promo/services/supplier_requests.py; a request is found through
the visibility of its promo, so a foreign one is a 404, and a refusal maps to a status in one
place (:func:`promo.views.promos.refusal_status`)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import ListView

from config.pagination import PageInRangeMixin
from config.views import FormPostMixin
from promo.forms.workflow import RequestAnswerForm
from promo.models import SupplierRequest
from promo.services import supplier_requests
from promo.services.errors import WorkflowError
from promo.views.promos import (
    INVALID_STATUS,
    PromoActionView,
    PromoPage,
    promo_page_queryset,
    refusal_status,
    safe_next,
)

STATUSES = {"open": SupplierRequest.Status.OPEN, "accepted": SupplierRequest.Status.ACCEPTED,
            "declined": SupplierRequest.Status.DECLINED}


class PromoRequestExtensionView(PromoActionView):
    action = "request_extension"
    success_message = _("Запрос на продление отправлен.")

    def perform(self, promo, form):
        supplier_requests.promo_request_extension(
            promo=promo, actor=self.request.user, new_end=form.cleaned_data["new_end"],
            reason=form.cleaned_data["reason"], version=form.cleaned_data["version"])


class PromoRequestCancellationView(PromoActionView):
    action = "request_cancellation"
    success_message = _("Запрос на отмену отправлен.")

    def perform(self, promo, form):
        supplier_requests.promo_request_cancellation(promo=promo, actor=self.request.user,
                                                     reason=form.cleaned_data["reason"],
                                                     version=form.cleaned_data["version"])


class RequestListView(LoginRequiredMixin, PageInRangeMixin, ListView):
    """The requests of the promos the user sees (a supplier: his own), ``?status=open`` (the
    default), ``accepted``, ``declined`` or ``all``."""

    template_name = "promo/request_list.html"
    context_object_name = "requests"
    paginate_by = 50

    def status(self) -> str:
        value = self.request.GET.get("status", "open")
        return value if value in (*STATUSES, "all") else "open"

    def get_queryset(self):
        requests = (SupplierRequest.objects.restrict(self.request.user)
                    .select_related("promo__supplier", "requested_by", "answered_by"))
        status = self.status()
        if status != "all":
            requests = requests.filter(status=STATUSES[status])
        if status == "open":
            return requests.order_by("created_at", "pk")
        return requests.order_by("-created_at", "-pk")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["status"] = self.status()
        context["statuses"] = [("open", _("ждут ответа")), ("accepted", _("приняты")),
                               ("declined", _("отклонены")), ("all", _("все"))]
        return context


class RequestAnswerView(LoginRequiredMixin, FormPostMixin, View):
    """POST an answer to a request from the promo page: success is a message and the promo
    page again; a refusal shows the promo page with the service's message and the answer kept."""

    success_message = ""

    def form_page(self, pk):
        found = get_object_or_404(SupplierRequest.objects.restrict(self.request.user).select_related("promo"), pk=pk)
        return found.promo.get_absolute_url()

    def perform(self, request: SupplierRequest, reason: str) -> None:
        raise NotImplementedError

    def post(self, http_request, pk):
        found = get_object_or_404(SupplierRequest.objects.restrict(http_request.user).select_related("promo"), pk=pk)
        form = RequestAnswerForm(http_request.POST, request_id=found.pk)
        promo = found.promo
        if not form.is_valid():
            messages.error(http_request, _("Проверьте заполнение формы."))
            return PromoPage(http_request, promo).render({f"request_{found.pk}": form}, status=INVALID_STATUS)
        try:
            self.perform(found, form.cleaned_data["reason"])
        except WorkflowError as exc:
            status = refusal_status(exc)
            messages.error(http_request, exc.message)
            promo = get_object_or_404(promo_page_queryset(http_request.user), pk=promo.pk)
            return PromoPage(http_request, promo).render({f"request_{found.pk}": form}, status=status)
        messages.success(http_request, self.success_message)
        return redirect(safe_next(http_request, promo.get_absolute_url()))


class RequestAcceptView(RequestAnswerView):
    success_message = _("Запрос принят; поставщику отправлен ответ.")

    def perform(self, request, reason):
        supplier_requests.request_accept(request=request, actor=self.request.user, reason=reason)


class RequestDeclineView(RequestAnswerView):
    success_message = _("Запрос отклонён; поставщику отправлен ответ.")

    def perform(self, request, reason):
        supplier_requests.request_decline(request=request, actor=self.request.user, reason=reason)
