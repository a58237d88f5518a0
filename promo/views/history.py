"""History: one promo's timeline (uploads, revisions, decisions, comments, field changes)
and the global activity log for marketers, with its .xlsx download."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass

from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import FileResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.views.generic import ListView, TemplateView
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from config.pagination import PageInRangeMixin
from config.spreadsheets import xlsx_text
from promo.changes import ChangeFormatter
from promo.forms.filtersets import ActivityLogFilterForm
from promo.models import Promo, PromoEvent
from promo.selectors import deadline_summary, promo_history
from promo.services.imports.reasons import event_reason
from promo.views.promos import MarketerRequiredMixin
from promo.views.row_texts import BULK_SHOWN, bulk_codes, pk_url

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class PromoHistoryView(LoginRequiredMixin, TemplateView):
    """The promo's timeline as the user may see it (no internal entries for suppliers)."""

    template_name = "promo/promo_history.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        promo = get_object_or_404(Promo.objects.restrict(self.request.user).select_related("supplier"),
                                  pk=kwargs["pk"])
        context["promo"] = promo
        context["entries"] = promo_history(promo=promo, user=self.request.user)
        return context


def activity_events(form: ActivityLogFilterForm):
    """Every event (the log is a marketer's page: marketers see everything), filtered."""
    events = PromoEvent.objects.select_related("actor", "promo__supplier", "upload__supplier")
    return form.filter(events.order_by("-created_at", "-pk"))


# The longest reason or comment the log shows (the rest behind «…»; the .xlsx has it whole).
REASON_SHOWN = 200
@dataclass(frozen=True, slots=True)
class ActivityRow:
    """One event of the activity log's page, every cell's text written out once in Python (a
    template filter, ``{% url %}`` and translation per cell were most of the page's rendering)."""

    event: PromoEvent
    internal: bool
    when: str
    kind: str
    promo_code: str  # "" when the event is not about a promo
    promo_url: str  # the promo's history
    upload: str  # «#id» of the upload an event without a promo is about, else ""
    supplier: str  # the promo's or the upload's supplier code
    actor: str | None  # None for the system
    status_move: str  # «Черновик → На согласовании» when the status moved
    reason: str
    # A bulk action's event: the first of its promos (code, history URL), and how many more.
    bulk: tuple[tuple[str, str], ...] = ()
    bulk_more: int = 0


def activity_rows(events) -> list[ActivityRow]:
    """The rows of a page of ``events`` (read with their actor, promo, upload and suppliers)."""
    statuses = {key: str(label) for key, label in Promo.Status.choices}
    kinds = {key: str(label) for key, label in PromoEvent.Kind.choices}
    history_url = pk_url("promo:promo_history")
    formatter = ChangeFormatter()
    bulk = bulk_codes(events)
    rows = []
    for event in events:
        promo, upload, actor = event.promo, event.upload, event.actor
        named = bulk.get(event.pk, [])
        if promo is not None:
            supplier = promo.supplier.code
        else:
            supplier = upload.supplier.code if upload is not None and upload.supplier is not None else ""
        moved = event.from_status and event.to_status and event.from_status != event.to_status
        rows.append(ActivityRow(
            event=event, internal=event.internal,
            when=f"{timezone.localtime(event.created_at):%d.%m.%Y %H:%M}",
            # a reminder or an escalation with its due date and revision, as the promo's history says it
            kind=deadline_summary(event, formatter) or kinds.get(event.kind, event.kind),
            promo_code=promo.code if promo is not None else "",
            promo_url=history_url(promo.pk) if promo is not None else "",
            upload=f"#{upload.pk}" if promo is None and upload is not None else "",
            bulk=tuple((code, history_url(pk)) for code, pk in named[:BULK_SHOWN]),
            bulk_more=max(0, len(named) - BULK_SHOWN),
            supplier=supplier,
            actor=(actor.get_full_name() or actor.username) if actor is not None else None,
            status_move=(f"{statuses.get(event.from_status, event.from_status)} → "
                         f"{statuses.get(event.to_status, event.to_status)}") if moved else "",
            reason=Truncator(reason).chars(REASON_SHOWN) if (reason := event_reason(event)) else "",
        ))
    return rows


class ActivityLogView(MarketerRequiredMixin, PageInRangeMixin, ListView):
    """Every business event, newest first, with filters; ``?format=xlsx`` downloads the same
    selection as a workbook."""

    template_name = "promo/activity_log.html"
    paginate_by = 50
    context_object_name = "events"

    def get(self, request, *args, **kwargs):
        self.form = ActivityLogFilterForm(request.GET or None, user=request.user)
        if request.GET.get("format") == "xlsx":
            return activity_xlsx_response(activity_events(self.form))
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return activity_events(self.form)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["form"] = self.form
        context["rows"] = activity_rows(context["events"])
        query = self.request.GET.copy()
        query.pop("page", None)
        query["format"] = "xlsx"
        context["xlsx_query"] = query.urlencode()
        return context


def activity_xlsx_headers() -> list[str]:
    return [_("Когда"), _("Событие"), _("Промо"), _("Поставщик"), _("Кто"), _("Статус до"),
            _("Статус после"), _("Причина / комментарий"), _("Внутреннее")]


def activity_xlsx_response(events) -> FileResponse:
    """Write the events row by row (write-only workbook, the queryset read in chunks) to a
    temporary file and stream it back: memory stays flat however long the log is. Every text
    goes through ``xlsx_text``: a comment or a name written by a user stays text."""
    statuses = dict(Promo.Status.choices)
    formatter = ChangeFormatter()
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("События"))
    sheet.freeze_panes = "A2"
    for column, width in zip("ABCDEFGHI", (17, 28, 10, 32, 20, 16, 16, 60, 12), strict=True):
        sheet.column_dimensions[column].width = width
    header = []
    for title in activity_xlsx_headers():
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = Font(bold=True)
        header.append(cell)
    sheet.append(header)
    for event in events.iterator(chunk_size=2000):
        supplier = event.promo.supplier if event.promo else (event.upload.supplier if event.upload else None)
        actor = (event.actor.get_full_name() or event.actor.username) if event.actor else ""
        when = WriteOnlyCell(sheet, value=timezone.localtime(event.created_at).replace(tzinfo=None))
        when.number_format = "DD.MM.YYYY HH:MM"
        texts = (
            deadline_summary(event, formatter) or str(event.get_kind_display()),
            event.promo.code if event.promo else ", ".join(code for code, _pk in bulk_codes([event]).get(event.pk, [])),
            str(supplier) if supplier else "",
            actor,
            str(statuses.get(event.from_status, event.from_status)),
            str(statuses.get(event.to_status, event.to_status)),
            event_reason(event),
            _("да") if event.internal else "",
        )
        sheet.append([when, *(xlsx_text(WriteOnlyCell(sheet, value=text)) for text in texts)])
    # FileResponse closes the file when the download is sent, and a TemporaryFile is gone
    # from the disk as soon as it is closed.
    handle = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115
    workbook.save(handle)
    handle.seek(0)
    filename = f"activity-{timezone.localdate():%Y%m%d}.xlsx"
    return FileResponse(handle, as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE)
