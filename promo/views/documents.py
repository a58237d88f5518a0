"""Document pages: a promo's approval sheet and a branch's price tags, as PDF. Thin over
promo/services/documents and promo/services/price_tags; what a person may see is restricted
before anything is rendered.

Price tags of a small branch are answered at once; a large branch's go to the worker, and the
person lands on the job's page: a progress bar (an htmx fragment polled until the job ends),
then the download link, or the reason it failed with a button to try again. A job and its file
are its requester's only (anyone else gets a 404)."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views import View
from django.views.generic import ListView

from config.pagination import PageInRangeMixin
from promo.forms.documents import PriceTagsForm
from promo.models import PriceTagJob, Promo
from promo.services.documents import promo_sheet_pdf
from promo.services.price_tags import price_tags_request


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
    """«Ценники» of a branch for a day (``branch=<pk>&date=YYYY-MM-DD``), with the promos the
    person may see. The branch page posts the form; a GET (a link, a bookmark) answers a small
    branch the same way and shows a large one's button to start the job, since a GET starts
    nothing. Bad input goes back to the branch page with the reason."""

    def get(self, request):
        return self.answer(request, PriceTagsForm(request.GET, user=request.user), start=False)

    def post(self, request):
        return self.answer(request, PriceTagsForm(request.POST, user=request.user), start=True)

    def answer(self, request, form: PriceTagsForm, *, start: bool):
        if not form.is_valid():
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
            branch = form.cleaned_data.get("branch")
            return redirect(branch.get_absolute_url() if branch else "branches:branch_list")
        branch, day = form.cleaned_data["branch"], form.cleaned_data["date"]
        answer = price_tags_request(actor=request.user, branch=branch, day=day, queue=start)
        if answer.file is not None:
            return FileResponse(answer.file, content_type="application/pdf",
                                filename=f"price-tags-{branch.code}-{day.isoformat()}.pdf")
        if answer.job is not None:
            return redirect(answer.job)
        return render(request, "promo/price_tags/start.html", {"branch": branch, "day": day, "count": answer.tags})


def price_tag_jobs_for(user):
    return PriceTagJob.objects.restrict(user).select_related("branch")


class PriceTagJobListView(LoginRequiredMixin, PageInRangeMixin, ListView):
    """«Мои ценники»: the PDFs the worker prepares or has prepared for this person."""

    template_name = "promo/price_tags/job_list.html"
    context_object_name = "jobs"
    paginate_by = 30

    def get_queryset(self):
        return price_tag_jobs_for(self.request.user).defer("failure").order_by("-created_at", "-pk")

    def get_context_data(self, **kwargs):
        return super().get_context_data(keep_days=settings.PROMO_PRICE_TAGS_KEEP_DAYS, **kwargs)


class PriceTagJobDetailView(LoginRequiredMixin, View):
    def get(self, request, pk: int):
        job = get_object_or_404(price_tag_jobs_for(request.user), pk=pk)
        return render(request, "promo/price_tags/job_detail.html", {"job": job})


class PriceTagJobProgressView(LoginRequiredMixin, View):
    """The status block of a job's page, polled by htmx until the job has ended."""

    def get(self, request, pk: int):
        job = get_object_or_404(price_tag_jobs_for(request.user), pk=pk)
        return render(request, "promo/price_tags/_job_status.html", {"job": job})


class PriceTagJobDownloadView(LoginRequiredMixin, View):
    """The prepared PDF, streamed from MEDIA_ROOT to the job's requester only."""

    def get(self, request, pk: int):
        job = get_object_or_404(price_tag_jobs_for(request.user), pk=pk)
        if job.status != PriceTagJob.Status.SUCCEEDED or not job.file:
            raise Http404
        try:
            handle = job.file.open("rb")
        except FileNotFoundError:
            raise Http404 from None
        return FileResponse(handle, content_type="application/pdf", filename=job.filename)
