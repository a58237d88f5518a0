"""Document pages: a promo's approval sheet and a branch's price tags, as PDF. Thin over
promo/services/documents; what a person may see is restricted before anything is rendered."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views import View

from promo.forms.documents import PriceTagsForm
from promo.models import Promo
from promo.services.documents import price_tags_pdf, promo_sheet_pdf


def pdf_response(content: bytes, *, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


class PromoSheetPdfView(LoginRequiredMixin, View):
    """«Лист согласования» of one promo; a promo the person may not see is a 404."""

    def get(self, request, pk: int):
        promo = get_object_or_404(Promo.objects.restrict(request.user), pk=pk)
        return pdf_response(promo_sheet_pdf(promo=promo, user=request.user),
                            filename=f"{promo.code}-sheet.pdf")


class PriceTagsView(LoginRequiredMixin, View):
    """«Ценники» of a branch for a day (``?branch=<pk>&date=YYYY-MM-DD``), with the promos
    the person may see. Bad input goes back to the branch page with the reason."""

    def get(self, request):
        form = PriceTagsForm(request.GET, user=request.user)
        if not form.is_valid():
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
            branch = form.cleaned_data.get("branch")
            return redirect(branch.get_absolute_url() if branch else "branches:branch_list")
        branch, day = form.cleaned_data["branch"], form.cleaned_data["date"]
        return pdf_response(price_tags_pdf(branch=branch, day=day, user=request.user),
                            filename=f"price-tags-{branch.code}-{day.isoformat()}.pdf")
