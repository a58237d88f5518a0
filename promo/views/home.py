"""The home page: what the signed-in person works on, by role: the approval queue (with the
decision due dates) for a category manager, its own promos and uploads for a supplier,
everything for a marketer (with the decisions past their due date, which the escalation mail
links here); and the suppliers' open requests each of them should see (a
marketer: all, a manager: of his categories, a supplier: its own)."""

from dataclasses import dataclass

from django.contrib.auth.mixins import LoginRequiredMixin
from django.utils import timezone
from django.views.generic import TemplateView

from promo.models import Promo, PromoEvent
from promo.selectors import deadline_summary, home_counts
from promo.views.approval import open_requests_for, review_queue, with_line_counts
from promo.views.promos import promo_page_queryset
from promo.views.row_texts import (
    BULK_SHOWN,
    PromoTexts,
    bulk_codes,
    in_force_state,
    pk_url,
    with_force_period,
)
from suppliers.querysets import DECIDE, VIEW
from suppliers.roles import is_category_manager, is_marketer, is_supplier_user

# Rows in each list of the home page; the full lists are a click away.
HOME_ROWS = 10


@dataclass(frozen=True, slots=True)
class RecentRow:
    """A recently changed promo as the home page lists it, its texts written once in Python."""

    promo: Promo
    url: str
    code: str
    name: str
    supplier: str  # the supplier's code
    period: str
    status: str
    status_label: str
    # «действует ревизия 1: …; ревизия 2 на согласовании: …» when an approved revision is in
    # force while a newer one waits or was rejected (the calendar's words), else ""
    in_force: str


def recent_rows(promos: list[Promo]) -> list[RecentRow]:
    texts = PromoTexts()
    return [RecentRow(promo=promo, url=texts.url(promo), code=promo.code, name=promo.name, supplier=promo.supplier.code,
                      period=texts.period(promo), status=promo.status, status_label=texts.status(promo),
                      in_force=in_force_state(promo, texts))
            for promo in promos]


class HomeView(LoginRequiredMixin, TemplateView):
    template_name = "promo/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        today = timezone.localdate()
        context["counts"] = home_counts(user=user)
        if is_category_manager(user) or user.is_superuser:
            queue = with_line_counts(
                list(review_queue(user).order_by("decision_due", "submitted_at", "pk")[:HOME_ROWS]), user)
            for promo in queue:
                promo.overdue = promo.is_overdue(today)
            context["queue"] = queue
        if is_supplier_user(user) or is_marketer(user):
            context["recent_promos"] = recent_rows(
                list(with_force_period(promo_page_queryset(user)).order_by("-updated_at", "-pk")[:HOME_ROWS]))
        if is_marketer(user):
            # The decisions past their due date: what the escalation mail (decision_overdue) tells
            # the marketers about, with its link to this page.
            overdue = list(Promo.objects.filter(status=Promo.Status.SUBMITTED, decision_due__lt=today)
                           .select_related("supplier").order_by("decision_due", "pk")[:HOME_ROWS + 1])
            context["overdue_decisions"] = overdue[:HOME_ROWS]
            context["more_overdue"] = len(overdue) > HOME_ROWS
            events = list(
                PromoEvent.objects.select_related("actor", "promo").order_by("-created_at", "-pk")[:HOME_ROWS]
            )
            bulk, promo_url = bulk_codes(events), pk_url("promo:promo_detail")
            for event in events:  # a reminder or an escalation with its due date and revision, as in the log
                event.summary = deadline_summary(event) or event.get_kind_display()
                # a bulk action's one event: the promos it acted on, as the log names them
                named = bulk.get(event.pk, [])
                event.bulk = [(code, promo_url(pk)) for code, pk in named[:BULK_SHOWN]]
                event.bulk_more = max(0, len(named) - BULK_SHOWN)
            context["recent_events"] = events
        scope = DECIDE if is_category_manager(user) and not is_marketer(user) else VIEW
        context["open_requests"] = list(open_requests_for(user, action=scope)[:HOME_ROWS])
        return context
