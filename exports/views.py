"""Marketer pages of the exports: the runs with status and counts, «run now», a run with its
files to download, the manifest's warnings and Set Retail's answer («Отправить заново»), and
«Что изменится на кассе» of a run or of a date before running it. Views only parse input and
call exports/services.py and exports/delivery.py; every queryset goes through ``restrict`` (a
foreign object is a 404)."""

from __future__ import annotations

from pathlib import Path

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, UserPassesTestMixin
from django.core.paginator import Paginator
from django.db.models import Count, Sum
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import DetailView, ListView

from branches.models import Branch
from config.pagination import PageInRangeMixin
from config.parsing import parse_id
from config.views import FormPostMixin
from exports.delivery import export_file_resend, latest_set10_file
from exports.forms import ExportPreviewForm, ExportRunForm
from exports.models import ExportFile, ExportRun
from exports.reconciliation import KIND_LABELS, filtered, reconciliation_of_run
from exports.selection import CODE_FIELDS
from exports.services import (
    ExportError,
    export_preview,
    export_run_request,
    parse_systems,
)
from exports.wording import message_texts, skipped_rows
from promo.models.promo import promo_code, promo_pk_from_code
from suppliers.roles import is_marketer

PROMO_ROWS_SHOWN = 500
CHANGES_PER_PAGE = 30


class MarketerRequiredMixin(LoginRequiredMixin, UserPassesTestMixin):
    """Anonymous: to the login page; signed in without the marketer role: 403."""

    def test_func(self) -> bool:
        return is_marketer(self.request.user)


class ExportRunListView(MarketerRequiredMixin, PageInRangeMixin, ListView):
    template_name = "exports/run_list.html"
    context_object_name = "runs"
    paginate_by = 30

    def get_queryset(self):
        return (ExportRun.objects.restrict(self.request.user)
                .select_related("started_by")
                .annotate(file_count=Count("files"), record_total=Sum("files__records"))
                .order_by("-business_date", "-number"))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", ExportRunForm())
        context.setdefault("preview_form", ExportPreviewForm(auto_id="preview_%s"))
        return context


class ExportRunStartView(MarketerRequiredMixin, FormPostMixin, View):
    """POST «Запустить выгрузку сейчас»: queue a run for the worker and show its page."""

    def form_page(self):
        return reverse("exports:run_list")

    def post(self, request):
        form = ExportRunForm(request.POST)
        if form.is_valid():
            try:
                run = export_run_request(business_date=form.cleaned_data["date"],
                                         systems=parse_systems(form.cleaned_data["system"]), actor=request.user)
            except ExportError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, str(exc))
            else:
                messages.success(request, _("Выгрузка {run} поставлена в очередь.").format(run=run.name))
                return redirect(run)
        # Show the list again with the form and its errors.
        view = ExportRunListView()
        view.setup(request)
        view.object_list = view.get_queryset()
        return render(request, view.template_name, view.get_context_data(form=form), status=400)


class ExportRunDetailView(MarketerRequiredMixin, DetailView):
    template_name = "exports/run_detail.html"
    context_object_name = "run"

    def get_queryset(self):
        return ExportRun.objects.restrict(self.request.user).select_related("started_by")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        run = self.object
        files = list(run.files.order_by("pk"))
        promo_rows = run.promo_rows.select_related("promo").order_by("promo_id")
        latest = latest_set10_file() if any(f.kind == "setretail" for f in files) else None
        context.update({
            "files": files,
            # Stored as data, worded in the reader's language (exports/wording.py).
            "warnings": message_texts([*run.warnings, *(w for f in files for w in f.warnings)]),
            "errors": message_texts([e for f in files for e in f.errors]),
            "skipped": skipped_rows(run.skipped),
            "totals": run.files.aggregate(records=Sum("records"), deletions=Sum("deletions")),
            "promo_rows": promo_rows[:PROMO_ROWS_SHOWN],
            "promo_count": promo_rows.count(),
            "promo_rows_shown": PROMO_ROWS_SHOWN,
            "has_manifest": run.manifest_path is not None and run.manifest_path.is_file(),
            "rejected_files": [f for f in files if f.rejections],
            "resendable": {f.pk for f in files if f.kind == "setretail" and latest is not None and latest.pk == f.pk
                           and not f.in_flight and run.status == ExportRun.Status.SUCCEEDED},
        })
        return context


class ExportFileResendView(MarketerRequiredMixin, FormPostMixin, View):
    """POST «Отправить заново»: upload a Set Retail file again (a new package) and poll it."""

    def form_page(self, run_pk, pk):
        return reverse("exports:run_detail", args=[run_pk])

    def post(self, request, run_pk: int, pk: int):
        run = get_object_or_404(ExportRun.objects.restrict(request.user), pk=run_pk)
        export_file = get_object_or_404(ExportFile.objects.restrict(request.user).filter(run=run), pk=pk)
        try:
            export_file_resend(export_file=export_file, actor=request.user)
        except ExportError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Файл {name} отправляется в Set Retail 10 заново.").format(name=export_file.name))
        return redirect(run)


def _promo_code(value: str | None) -> str | None:
    """A promo code from the query (``P000101`` or a number); anything else: none."""
    if not value:
        return None
    pk = promo_pk_from_code(value) or parse_id(value)
    return promo_code(pk) if pk else None


def _kind(value: str | None) -> str | None:
    return value if value in KIND_LABELS else None


class ChangesMixin(MarketerRequiredMixin):
    """The page «Что изменится на кассе» of a run or a preview: counts per file, the promos with
    changes (paginated), and for ``?promo=`` the drill-down of one promo."""

    template_name = "exports/changes.html"

    def changes_context(self, data: dict) -> dict:
        request = self.request
        promo_code = _promo_code(request.GET.get("promo"))
        kind = _kind(request.GET.get("kind"))
        shown = filtered(data, promo_code=promo_code, kind=kind)
        page = Paginator(shown["promos"], CHANGES_PER_PAGE).get_page(request.GET.get("page"))
        context = {"data": data, "files": data["files"], "promos": page.object_list, "page_obj": page,
                   "kind": kind, "kinds": [(k, str(label)) for k, label in KIND_LABELS.items()],
                   "promo_code": promo_code}
        if promo_code:
            context["drill"] = shown["promos"][0] if shown["promos"] else None
            context["branch_names"] = _branch_names(context["drill"])
        return context


def _branch_names(entry: dict | None) -> dict:
    """``{kind: {code: "B0001 Новосибирск, Ленина 1"}}`` for the codes a drill-down shows (one query per
    system shown)."""
    if not entry:
        return {}
    names: dict = {}
    system_of = {"sap_cond": "sap", "sap_bonusbuy": "sap", "smarket": "smarket", "setretail": "setretail"}
    for item in entry["files"]:
        system = system_of.get(item["kind"])
        detail = item.get("detail") or {}
        codes = {*detail.get("codes_added", []), *detail.get("codes_removed", [])}
        for deletion in detail.get("deletions", []):
            codes.update(deletion.get("codes", []))
        if not system or not codes:
            continue
        attr = CODE_FIELDS[system]
        rows = Branch.objects.filter(**{f"{attr}__in": list(codes)}).values_list(attr, "code", "name")
        names[item["kind"]] = {value: f"{code} {name}" for value, code, name in rows}
    return names


class ExportRunChangesView(ChangesMixin, View):
    def get(self, request, pk: int):
        run = get_object_or_404(ExportRun.objects.restrict(request.user), pk=pk)
        data = reconciliation_of_run(run, promo_code=_promo_code(request.GET.get("promo")),
                                     kind=_kind(request.GET.get("kind")))
        return render(request, self.template_name, {"run": run, **self.changes_context(data)})


class ExportPreviewView(ChangesMixin, View):
    """The dry run of a date: what a run would change, with no run number, file or ledger change."""

    def get(self, request):
        form = ExportPreviewForm(request.GET if "date" in request.GET else None)
        context = {"preview_form": form, "preview": True}
        status = 200
        if form.is_bound:
            if form.is_valid():
                try:
                    data = export_preview(business_date=form.cleaned_data["date"],
                                          systems=parse_systems(form.cleaned_data["system"] or "all"),
                                          actor=request.user)
                except ExportError as exc:
                    form.add_error(exc.field if exc.field in form.fields else None, str(exc))
                    status = 400
                else:
                    context.update(self.changes_context(data))
            else:
                status = 400
        return render(request, self.template_name, context, status=status)


def _inside(folder: Path, name: str) -> Path:
    """The path of ``name`` in ``folder``; a name that is not a plain file name (separators,
    ``..``) or points elsewhere is a 404."""
    if not name or Path(name).name != name or name in (".", ".."):
        raise Http404
    base = folder.resolve()
    path = (base / name).resolve()
    if path.parent != base or not path.is_file():
        raise Http404(_("Файл не найден на диске."))
    return path


class ExportFileDownloadView(MarketerRequiredMixin, View):
    """A file of a run, streamed from the run's folder."""

    def get(self, request, run_pk: int, pk: int):
        run = get_object_or_404(ExportRun.objects.restrict(request.user), pk=run_pk)
        export_file = get_object_or_404(run.files.all(), pk=pk)
        if run.status != ExportRun.Status.SUCCEEDED or not run.folder:
            raise Http404
        path = _inside(Path(run.folder), export_file.name)
        return FileResponse(open(path, "rb"), as_attachment=True, filename=export_file.name)  # noqa: SIM115


class ExportManifestDownloadView(MarketerRequiredMixin, View):
    def get(self, request, pk: int):
        run = get_object_or_404(ExportRun.objects.restrict(request.user), pk=pk)
        if run.status != ExportRun.Status.SUCCEEDED or not run.folder:
            raise Http404
        path = _inside(Path(run.folder), "manifest.json")
        return FileResponse(open(path, "rb"), as_attachment=True,  # noqa: SIM115
                            filename=f"manifest_{run.name}.json", content_type="application/json")
