"""Upload pages: the upload form (a supplier's sheet, or a marketer's bulk file), the history
of uploads, one upload with its errors, warnings and promos, its live progress (an htmx
fragment polled while a large file is processed), its preview with «Применить» / «Отменить»
when the sheet would remove lines or change a promo it does not name, the error workbook and
the template.

Thin over promo/services/imports: the views parse the form and call ``upload_submit``,
``upload_confirm`` or ``upload_cancel``; every upload a user sees comes from
``PromoUpload.objects.restrict`` (a foreign upload is a 404)."""

from __future__ import annotations

from urllib.parse import quote

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import ListView

from config.pagination import PageInRangeMixin
from config.parsing import parse_id
from config.views import FormPostMixin
from promo.changes import field_label
from promo.forms.uploads import UploadConfirmForm, UploadForm
from promo.models import Promo, PromoUpload
from promo.services.actions import bulk_offers
from promo.services.errors import WorkflowError
from promo.services.imports.confirmation import (
    PREVIEW_STALE,
    upload_cancel,
    upload_confirm,
    upload_may_confirm,
)
from promo.services.imports.preview import preview_promos
from promo.services.imports.problems import stored_problems
from promo.services.imports.template import build_template
from promo.services.imports.uploads import (
    XLSX_CONTENT_TYPE,
    UploadRefused,
    upload_allowed,
    upload_error_workbook,
    upload_submit,
)
from promo.views.promos import CONFLICT_STATUS, refusal_status
from suppliers.models import Supplier
from suppliers.roles import is_supplier_user

# The page lists this many errors; the error workbook has all of them.
SHOWN_PROBLEMS = 200


class UploaderRequiredMixin(LoginRequiredMixin):
    """Supplier users and marketers upload sheets; other roles get a 403."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not upload_allowed(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


def uploads_for(user, *, lists: bool = False):
    """The uploads ``user`` may see; ``lists`` leaves out the problem lists (a rejected bulk
    file can carry 100,000 of them) where a list only needs their count from the summary."""
    uploads = PromoUpload.objects.restrict(user).select_related("supplier", "uploaded_by").with_saving()
    return uploads.defer("errors", "warnings") if lists else uploads


def upload_context(upload: PromoUpload, user, *, refusal: str = "") -> dict:
    """What the upload page and its progress fragment show (a fixed number of queries)."""
    context = {"upload": upload, "refusal": refusal}
    if upload.is_working:
        return context
    if upload.awaits_confirmation:
        warnings = stored_problems(upload.warnings)
        preview = upload.preview or {}
        context.update({
            "summary": upload.summary or {},
            "warnings": warnings[:SHOWN_PROBLEMS],
            "warnings_total": len(warnings),
            "preview_promos": preview_promos(preview.get("promos", [])),
            "preview_created": preview.get("created", []),
            "may_confirm": upload_may_confirm(user, upload),
        })
        return context
    errors = stored_problems(upload.errors)
    warnings = stored_problems(upload.warnings)
    summary = upload.summary or {}
    revised = {row["promo"]: row for row in summary.get("revisions", [])}
    promos = list(Promo.objects.restrict(user).filter(uploads=upload).select_related("supplier", "approved_revision")
                  .annotate(line_count=Count("lines")).order_by("pk"))
    offers = bulk_offers(user, promos, timezone.localdate()) if promos else {}
    for promo in promos:
        promo.bulk_actions = offers.get(promo.pk, set())
    made = summary.get("revised", {})  # uploads saved before it was kept: no number, no terms
    for promo in promos:
        promo.revision_diff = revised.get(promo.code)
        if promo.revision_diff is not None:
            facts = made.get(promo.code, {})
            promo.revision_made = facts.get("revision")
            promo.revision_terms = ", ".join(field_label(name) for name in facts.get("terms", []))
    created = set(summary.get("created", []))
    context.update({
        # «Отправить все на согласование»: the promos this upload created that the user may submit.
        "bulk_submit": [promo for promo in promos if promo.code in created
                        and "submit" in promo.bulk_actions] if created else [],
        "summary": summary,
        "errors": errors[:SHOWN_PROBLEMS],
        "errors_total": len(errors),
        "warnings": warnings[:SHOWN_PROBLEMS],
        "warnings_total": len(warnings),
        "promos": promos,
        "created": created,
        "has_workbook": bool(upload.errors or upload.warnings) and upload.status == PromoUpload.Status.REJECTED,
    })
    return context


class UploadCreateView(UploaderRequiredMixin, View):
    """The upload page: drag and drop (or choose) a sheet; a small file answers at once, a
    large one goes to the worker and its page shows the progress. «Только проверить» shows the
    outcome without saving anything."""

    template_name = "promo/uploads/upload_form.html"

    def get(self, request):
        return self.render(UploadForm(user=request.user))

    def post(self, request):
        form = UploadForm(request.POST, request.FILES, user=request.user)
        if not form.is_valid():
            return self.render(form, status=400)
        data = form.cleaned_data
        try:
            upload, result = upload_submit(
                actor=request.user, file=data["file"], original_name=data["file"].name,
                supplier=data.get("supplier"), dry_run=data["dry_run"],
            )
        except UploadRefused as refused:
            form.add_error("file", refused.message)
            return self.render(form, status=400)
        if data["dry_run"]:
            return self.render(UploadForm(user=request.user), preview=result)
        return redirect(upload.get_absolute_url())

    def render(self, form, *, status: int = 200, preview=None):
        return render(self.request, self.template_name, {
            "form": form, "preview": preview, "preview_revisions": _dry_run_revisions(preview),
            "recent": uploads_for(self.request.user, lists=True).order_by("-created_at", "-pk")[:5],
        }, status=status)


def _dry_run_revisions(result) -> list[dict]:
    """A dry run's revisions with the names of the promo terms each changes (a new targeting
    shows in no line count): from the save's facts, or from a preview's diff."""
    if result is None:
        return []
    rows = []
    for row in result.revisions:
        names = result.revised.get(row["promo"], {}).get("terms") or sorted((row.get("diff") or {}).get("terms") or {})
        rows.append({**row, "terms": ", ".join(field_label(name) for name in names)})
    return rows


class UploadListView(UploaderRequiredMixin, PageInRangeMixin, ListView):
    """The history of uploads: a supplier's own, or every upload for a marketer."""

    template_name = "promo/uploads/upload_list.html"
    context_object_name = "uploads"
    paginate_by = 50

    def get_queryset(self):
        return (uploads_for(self.request.user, lists=True).annotate(promo_count=Count("promos"))
                .order_by("-created_at", "-pk"))


class UploadDetailView(LoginRequiredMixin, View):
    template_name = "promo/uploads/upload_detail.html"

    def get(self, request, pk):
        upload = get_object_or_404(uploads_for(request.user), pk=pk)
        return render(request, self.template_name, upload_context(upload, request.user))


class UploadConfirmView(LoginRequiredMixin, FormPostMixin, View):
    """«Применить»: apply exactly the preview the page showed (its fingerprint is posted). A
    refusal (the preview changed, expired or was already applied) shows the page again with
    the reason and changes nothing."""

    def form_page(self, pk):
        return reverse("promo:upload_detail", args=[pk])

    def post(self, request, pk):
        upload = get_object_or_404(uploads_for(request.user), pk=pk)
        form = UploadConfirmForm(request.POST)
        if not form.is_valid():
            return self.refused(upload, _("Предпросмотр не распознан: обновите страницу."), status=400)
        try:
            result = upload_confirm(upload=upload, actor=request.user,
                                    fingerprint=form.cleaned_data["fingerprint"] or None)
        except WorkflowError as refused:
            return self.refused(upload, refused.message, status=refusal_status(refused))
        if result is not None and result.stale:
            return self.refused(upload, str(PREVIEW_STALE), status=CONFLICT_STATUS)
        return redirect(upload.get_absolute_url())

    def refused(self, upload: PromoUpload, message: str, *, status: int):
        upload.refresh_from_db()
        return render(self.request, UploadDetailView.template_name,
                      upload_context(upload, self.request.user, refusal=message), status=status)


class UploadCancelView(UploadConfirmView):
    """«Отменить»: drop the preview; nothing of the upload stays but its record."""

    def post(self, request, pk):
        upload = get_object_or_404(uploads_for(request.user), pk=pk)
        try:
            upload_cancel(upload=upload, actor=request.user)
        except WorkflowError as refused:
            return self.refused(upload, refused.message, status=refusal_status(refused))
        return redirect(upload.get_absolute_url())


class UploadProgressView(LoginRequiredMixin, View):
    """The status block of an upload page, polled by htmx while the upload is queued or
    processing; once finished it carries the results and stops polling."""

    def get(self, request, pk):
        upload = get_object_or_404(uploads_for(request.user), pk=pk)
        return render(request, "promo/uploads/_status.html", upload_context(upload, request.user))


class UploadErrorWorkbookView(LoginRequiredMixin, View):
    """The rejected sheet with every bad cell marked and the «Ошибки» list."""

    def get(self, request, pk):
        upload = get_object_or_404(uploads_for(request.user), pk=pk)
        if not (upload.errors or upload.warnings):
            raise Http404(_("У этой загрузки нет ошибок."))
        return error_workbook_response(upload)


def error_workbook_response(upload: PromoUpload) -> HttpResponse:
    stem = upload.original_name.rsplit(".", 1)[0] or "upload"
    response = HttpResponse(upload_error_workbook(upload), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(stem + '_errors.xlsx')}"
    return response


class TemplateDownloadView(UploaderRequiredMixin, View):
    """«Скачать шаблон»: the .xlsx template in Russian or English (``?lang=en``), with the
    supplier's own products (a marketer may pick one with ``?supplier=<id>``)."""

    def get(self, request):
        language = "en" if request.GET.get("lang") == "en" else "ru"
        supplier = None
        if is_supplier_user(request.user):
            supplier = Supplier.objects.restrict(request.user).first()
        elif (supplier_id := parse_id(request.GET.get("supplier"))) is not None:
            supplier = get_object_or_404(Supplier.objects.restrict(request.user), pk=supplier_id)
        content = build_template(supplier=supplier, language=language, today=timezone.localdate())
        name = "promo_template_en.xlsx" if language == "en" else "promo_template_ru.xlsx"
        response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
