"""Marketer pages of the exports: the runs with status and counts, «run now», a run with its
files to download and the manifest's warnings. Views only parse input and call
exports/services.py; every queryset goes through ``restrict`` (a foreign object is a 404)."""

from __future__ import annotations

from pathlib import Path

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, UserPassesTestMixin
from django.db.models import Count, Sum
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import DetailView, ListView

from exports.forms import ExportRunForm
from exports.models import ExportRun
from exports.services import ExportError, export_run_request, parse_systems
from suppliers.roles import is_marketer

PROMO_ROWS_SHOWN = 500


class MarketerRequiredMixin(LoginRequiredMixin, UserPassesTestMixin):
    """Anonymous: to the login page; signed in without the marketer role: 403."""

    def test_func(self) -> bool:
        return is_marketer(self.request.user)


class ExportRunListView(MarketerRequiredMixin, ListView):
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
        return context


class ExportRunStartView(MarketerRequiredMixin, View):
    """POST «Запустить выгрузку сейчас»: queue a run for the worker and show its page."""

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
        context.update({
            "files": files,
            "warnings": [*run.warnings, *(w for f in files for w in f.warnings)],
            "errors": [e for f in files for e in f.errors],
            "totals": run.files.aggregate(records=Sum("records")),
            "promo_rows": promo_rows[:PROMO_ROWS_SHOWN],
            "promo_count": promo_rows.count(),
            "promo_rows_shown": PROMO_ROWS_SHOWN,
            "has_manifest": run.manifest_path is not None and run.manifest_path.is_file(),
        })
        return context


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
