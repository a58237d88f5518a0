"""The marketer's workspace: the targeting editor (with the resolved branches before saving),
mass corrections (select lines, preview the changes, apply) and the promo calendar drawn as
an SVG picture on a week timeline."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.contrib import messages
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views import View

from branches.targeting import Targeting, resolve
from config.parsing import parse_id
from promo.forms import filtersets
from promo.forms import workflow as wf
from promo.models import Promo, PromoLine
from promo.services import mass_corrections, point_corrections
from promo.services.actions import require_role
from promo.services.errors import WorkflowError
from promo.views.promos import INVALID_STATUS, MarketerRequiredMixin, RoleRequiredMixin, refusal_status
from promo.views.row_texts import PromoTexts, in_force_period, in_force_state, with_force_period

# The most lines one mass correction shows and changes; narrow the filter for more.
MASS_LIMIT = 1000
# The most promos one calendar picture draws.
CALENDAR_LIMIT = 300


# --- Targeting ------------------------------------------------------------------------------

def resolution_day(promo: Promo, today: date) -> date:
    """The day whose open branches the editor shows: the start, or today for a running promo."""
    return max(today, promo.start) if today <= promo.end else promo.start


def targeting_preview(promo: Promo, rules: Targeting, today: date) -> dict:
    """The branches ``rules`` reach, and the rules the promo has saved now (``saved_text``),
    shown next to edited ones: after a refusal (someone saved first), what pressing again
    would overwrite."""
    branches = resolve(rules, on=resolution_day(promo, today), until=promo.end).select_related("city")
    branches = list(branches)
    saved = promo.rules
    return {"preview_branches": branches, "preview_count": len(branches), "preview_text": rules.describe(),
            "saved_text": saved.describe() if saved != rules else ""}


class TargetingEditView(RoleRequiredMixin, View):
    """GET: the editor with the current rules and their branches. POST with ``preview``: the
    branches the edited rules would reach, nothing saved (also the htmx endpoint). POST:
    save through the service."""

    template_name = "promo/targeting_edit.html"

    def get_promo(self, request, pk) -> Promo:
        # Lookup first (a promo the user cannot see is a 404), then the role the service
        # itself asks (403).
        promo = get_object_or_404(Promo.objects.restrict(request.user).select_related("supplier"), pk=pk)
        try:
            require_role("targeting", promo=promo, actor=request.user)
        except WorkflowError as exc:
            refusal_status(exc)
        return promo

    def render_page(self, request, promo, form, *, rules: Targeting | None = None, status: int = 200):
        today = date.today()
        context = {"promo": promo, "form": form}
        context |= targeting_preview(promo, rules if rules is not None else promo.rules, today)
        context["previewing"] = rules is not None
        context["resolution_day"] = resolution_day(promo, today)
        return render(request, self.template_name, context, status=status)

    def get(self, request, pk):
        promo = self.get_promo(request, pk)
        return self.render_page(request, promo, wf.TargetingForm(initial=wf.TargetingForm.initial_for(promo)))

    def post(self, request, pk):
        promo = self.get_promo(request, pk)
        form = wf.TargetingForm(request.POST)
        if not form.is_valid() and "preview" in request.POST and request.htmx:
            # The live preview says why there is nothing to show (as a fragment with a 200: htmx
            # swaps no 4xx, and a preview left as it was would go stale without a word).
            context = {"promo": promo, "previewing": True, "saved_text": promo.rules.describe(),
                       "preview_errors": [str(e) for errors in form.errors.values() for e in errors]}
            return render(request, "promo/inc/targeting_preview.html", context)
        if not form.is_valid():
            messages.error(request, _("Проверьте заполнение формы."))
            return self.render_page(request, promo, form, status=INVALID_STATUS)
        rules = form.targeting()
        if "preview" in request.POST:
            if request.htmx:
                context = {"promo": promo, "previewing": True,
                           "resolution_day": resolution_day(promo, date.today()),
                           **targeting_preview(promo, rules, date.today())}
                return render(request, "promo/inc/targeting_preview.html", context)
            return self.render_page(request, promo, form, rules=rules)
        try:
            point_corrections.promo_set_targeting(promo=promo, actor=request.user, targeting=rules,
                                                  reason=form.cleaned_data["reason"],
                                                  version=form.cleaned_data["version"])
        except WorkflowError as exc:
            status = refusal_status(exc)
            messages.error(request, exc.message)
            promo.refresh_from_db()
            form.showing(promo)
            return self.render_page(request, promo, form, rules=rules, status=status)
        messages.success(request, _("Филиалы промо сохранены."))
        return redirect(promo.get_absolute_url())


# --- Mass corrections -----------------------------------------------------------------------

class MassCorrectionView(MarketerRequiredMixin, View):
    """Select lines with the filter (GET), tick them, choose the change and preview it (POST
    ``action=preview``), then apply it with a reason (POST ``action=apply``) against the
    versions the preview was computed from."""

    template_name = "promo/mass_correction.html"

    def selection(self, request):
        select = filtersets.MassSelectForm(request.GET or None, user=request.user)
        lines = (select.lines(PromoLine.objects.restrict(request.user))
                 .select_related("promo__supplier", "product__category")
                 .order_by("promo_id", "product__article"))
        return select, lines

    def render_page(self, request, *, select, lines, form, preview=None, status=200):
        shown = list(lines[:MASS_LIMIT + 1])
        # Ticked lines: all of the selection at first, then what the user ticked.
        checked = ({parse_id(v) for v in request.POST.getlist("line_ids")} - {None}
                   if request.method == "POST" else {line.pk for line in shown})
        context = {
            "select": select,
            "lines": shown[:MASS_LIMIT],
            "too_many": len(shown) > MASS_LIMIT,
            "limit": MASS_LIMIT,
            "form": form,
            "preview": preview,
            "checked": checked,
        }
        if preview is not None:
            context["preview_errors"] = [change for change in preview if change.error]
            context["preview_versions"] = sorted({(c.promo.pk, c.promo.version) for c in preview})
        return render(request, self.template_name, context, status=status)

    def get(self, request):
        select, lines = self.selection(request)
        return self.render_page(request, select=select, lines=lines,
                                form=wf.MassCorrectionForm(initial={"action": wf.MassCorrectionForm.PREVIEW}))

    def post(self, request):
        select, lines = self.selection(request)
        form = wf.MassCorrectionForm(request.POST, lines=PromoLine.objects.restrict(request.user))
        valid = form.is_valid()
        if not valid and set(form.errors) - {"reason"}:
            messages.error(request, _("Проверьте заполнение формы."))
            return self.render_page(request, select=select, lines=lines, form=form, status=INVALID_STATUS)
        preview = None
        try:
            preview = mass_corrections.mass_correction_preview(
                actor=request.user, lines=form.cleaned_data["line_ids"], **form.params())
            if not (valid and form.is_apply):
                # A preview, or an apply without its reason: show what would change.
                return self.render_page(request, select=select, lines=lines, form=form, preview=preview,
                                        status=200 if valid else INVALID_STATUS)
            mass_corrections.mass_correction_apply(
                actor=request.user, line_ids=form.cleaned_data["line_ids"], reason=form.cleaned_data["reason"],
                versions=form.versions(), **form.params())
        except WorkflowError as exc:
            # Stale (someone changed a promo since the preview) or a broken rule: the message,
            # the changes as they are now, and the reason as typed.
            status = refusal_status(exc)
            messages.error(request, exc.message)
            preview = getattr(exc, "changes", preview)
            return self.render_page(request, select=select, lines=lines, form=form, preview=preview,
                                    status=status)
        messages.success(request, _("Массовая корректировка применена: строк %(n)d.")
                         % {"n": len(form.cleaned_data["line_ids"])})
        query = request.GET.urlencode()
        return redirect(reverse("promo:mass_correction") + (f"?{query}" if query else ""))


# --- Calendar -------------------------------------------------------------------------------

@dataclass
class CalendarBar:
    """One promo's bar, with what the picture writes of it as text (computed once per bar: a
    window draws up to :data:`CALENDAR_LIMIT` of them)."""

    promo: Promo
    x: float
    y: float
    width: float
    label: str
    clipped_left: bool
    clipped_right: bool
    url: str = ""
    code: str = ""
    title: str = ""  # code, name, supplier, period and status, for the bar's tooltip
    svg: dict = field(default_factory=dict)  # x, y, width, text_y as the SVG attributes write them
    kind: str = ""  # the colour: a status («approved» for a revision in force)
    pending: tuple[float, float] | None = None  # x and width of a waiting revision's period, outlined

    @property
    def text_y(self) -> float:
        return self.y + 12

    def __post_init__(self) -> None:
        self.svg = {"x": str(self.x), "y": str(self.y), "width": str(self.width), "text_y": str(self.text_y)}


@dataclass
class CalendarTick:
    x: float
    label: str


class CalendarGeometry:
    """Where things go in the picture: a label column, then one column per day."""

    LABEL_WIDTH = 260
    TIMELINE_WIDTH = 980
    HEADER = 36
    ROW = 24
    BAR = 16

    def __init__(self, first: date, weeks: int):
        self.first = first
        self.days = weeks * 7
        self.last = first + timedelta(days=self.days - 1)
        self.day_width = self.TIMELINE_WIDTH / self.days

    def x(self, day: date) -> float:
        return round(self.LABEL_WIDTH + (day - self.first).days * self.day_width, 2)

    @property
    def width(self) -> int:
        return self.LABEL_WIDTH + self.TIMELINE_WIDTH

    def height(self, rows: int) -> int:
        return self.HEADER + max(rows, 1) * self.ROW + 8

    def ticks(self) -> list[CalendarTick]:
        return [CalendarTick(x=self.x(self.first + timedelta(weeks=week)),
                             label=(self.first + timedelta(weeks=week)).strftime("%d.%m"))
                for week in range(self.days // 7)]

    def span(self, start: date, end: date) -> tuple[float, float] | None:
        """x and width of the days ``start``-``end`` in the window, or None outside it."""
        start, end = max(start, self.first), min(end, self.last)
        if start > end:
            return None
        return self.x(start), round((end - start).days * self.day_width + self.day_width, 2)

    def bar(self, promo: Promo, row: int, texts: PromoTexts | None = None) -> CalendarBar:
        """The promo's bar: its period in its status' colour; for a promo whose approved revision
        is in force while a newer one waits (or was rejected), the period in force as approved,
        with the waiting revision's period outlined over it (``pending``)."""
        texts = texts or PromoTexts()
        label = f"{promo.code} {promo.name}"
        period, kind, pending = (promo.start, promo.end), promo.status, None
        state = f"{texts.period(promo)} · {texts.status(promo)}"
        force = in_force_period(promo)
        if force is not None:
            waits = promo.status == Promo.Status.SUBMITTED
            state = in_force_state(promo, texts)
            if self.span(*force) is not None:
                pending = self.span(promo.start, promo.end) if waits else None
                period, kind = force, Promo.Status.APPROVED
        x, width = self.span(*period) or (self.x(self.first), 0)
        return CalendarBar(
            promo=promo, x=x, y=self.HEADER + row * self.ROW + (self.ROW - self.BAR) / 2,
            width=width, kind=kind, pending=pending,
            label=label if len(label) <= 36 else label[:35] + "…",
            clipped_left=period[0] < self.first, clipped_right=period[1] > self.last,
            url=texts.url(promo), code=promo.code,
            title=f"{promo.code} {promo.name} · {promo.supplier.code} · {state}",
        )

    def bars(self, promos: list[Promo]) -> list[CalendarBar]:
        texts = PromoTexts()  # the link reversed and the statuses translated once for the picture
        return [self.bar(promo, row, texts) for row, promo in enumerate(promos)]


def bars_markup(bars: list[CalendarBar], geometry: CalendarGeometry) -> SafeString:
    """The bars of the picture (up to CALENDAR_LIMIT) written in one pass of Python from their
    texts: each a link to its promo with its tooltip, its label and its rectangle, every text
    escaped. As a template loop (about ten variables a bar) they were most of the page's
    rendering."""
    parts = []
    for bar in bars:
        promo, svg, code = bar.promo, bar.svg, escape(bar.code)
        parts.append(
            f'  <a href="{escape(bar.url)}" class="promo-bar" data-promo="{code}">\n'
            f'    <title>{escape(bar.title)}</title>\n'
            f'    <text class="bar-label" x="4" y="{svg["text_y"]}">{escape(bar.label)}</text>\n'
            f'    <rect class="bar {escape(bar.kind or promo.status)}" x="{svg["x"]}" y="{svg["y"]}" '
            f'width="{svg["width"]}" height="{geometry.BAR}" rx="3"></rect>\n')
        if bar.pending is not None:
            parts.append(f'    <rect class="pending" x="{bar.pending[0]}" y="{svg["y"]}" width="{bar.pending[1]}" '
                         f'height="{geometry.BAR}" rx="3"></rect>\n')
        parts.append('  </a>\n')
    return mark_safe("".join(parts))  # noqa: S308 - every text above was escaped


def calendar_promos(user):
    """The promos the calendar may draw for ``user``: not withdrawn or cancelled, nor rejected
    unless an approved revision of theirs is in force; with the period of that revision
    (``force_start``/``force_end``/``force_number``, read by :func:`in_force_period`)."""
    return with_force_period(Promo.objects.restrict(user)
                             .exclude(status__in=[Promo.Status.WITHDRAWN, Promo.Status.CANCELLED])
                             .exclude(status=Promo.Status.REJECTED, approved_revision__isnull=True))


class CalendarView(RoleRequiredMixin, View):
    """Promos as bars on a week timeline (the promos the user may see), filtered by region,
    category and supplier. Withdrawn and cancelled promos are left out, and rejected ones but
    for the approved revision still in force (:func:`calendar_promos`)."""

    template_name = "promo/calendar.html"

    def get(self, request):
        form = filtersets.CalendarFilterForm(request.GET or None, user=request.user)
        first, weeks = form.window()
        geometry = CalendarGeometry(first, weeks)
        promos = form.filter(calendar_promos(request.user).filter(
            Q(start__lte=geometry.last, end__gte=geometry.first) & ~Q(status=Promo.Status.REJECTED)
            | Q(force_start__lte=geometry.last, force_end__gte=geometry.first)))
        shown = list(promos.select_related("supplier").order_by("start", "pk")[:CALENDAR_LIMIT + 1])
        bars = geometry.bars(shown[:CALENDAR_LIMIT])
        today = date.today()
        next_start = None
        if not shown:
            # An empty window is not the end of the story: the first promo after it, if any.
            next_start = form.filter(calendar_promos(request.user).exclude(status=Promo.Status.REJECTED)
                                     .filter(start__gt=geometry.last)).order_by("start").values_list(
                "start", flat=True).first()
        context = {
            "next_start": next_start,
            "next_week": (next_start - timedelta(days=next_start.weekday())).isoformat() if next_start else None,
            "form": form,
            "bars": bars,
            "bars_markup": bars_markup(bars, geometry),
            "too_many": len(shown) > CALENDAR_LIMIT,
            "limit": CALENDAR_LIMIT,
            "geometry": geometry,
            "ticks": geometry.ticks(),
            "svg_height": geometry.height(len(bars)),
            "today_x": geometry.x(today) if geometry.first <= today <= geometry.last else None,
            "previous": (first - timedelta(weeks=weeks)).isoformat(),
            "next": (first + timedelta(weeks=weeks)).isoformat(),
            "first": first,
            "last": geometry.last,
        }
        return render(request, self.template_name, context)
