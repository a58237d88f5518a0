"""The category manager's approval screen: his queue with counts, the age of the oldest
submission, the decision due dates (overdue in red, counted), filters and sorting, the bulk
bar (accept / reject the ticked promos or all matching the filter: promo/views/bulk.py), the
open requests of suppliers of his categories, and the decisions on one promo (whole promo or
line by line) posted from the promo page."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    Min,
    OuterRef,
    Q,
    Subquery,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy
from django_filters.views import FilterView

from config.pagination import PageInRangeMixin
from promo import economics
from promo.filtersets import PromoFilterSet
from promo.forms import workflow as wf
from promo.models import Promo, PromoLine, SupplierRequest
from promo.services import transitions
from promo.services.conflicts import conflicting_promo_ids
from promo.views.bulk_bar import bulk_context
from promo.views.promos import PromoActionView, RoleRequiredMixin
from promo.views.queue_rows import queue_rows
from suppliers.models import Category, Product
from suppliers.querysets import DECIDE
from suppliers.roles import is_category_manager

# The open requests the queue lists (the requests page has them all).
QUEUE_REQUESTS = 20

SORTS = {
    "due": (F("decision_due").asc(nulls_last=True), "pk"),
    "age": (F("submitted_at").asc(nulls_last=True), "pk"),
    "-age": (F("submitted_at").desc(nulls_last=True), "-pk"),
    "start": ("start", "pk"),
    "supplier": ("supplier__code", "pk"),
    "lines": ("-my_pending", "pk"),
    "code": ("pk",),
}
SORT_LABELS = {
    "due": gettext_lazy("по сроку решения"),
    "age": gettext_lazy("сначала давние"),
    "-age": gettext_lazy("сначала новые"),
    "start": gettext_lazy("по дате начала"),
    "supplier": gettext_lazy("по поставщику"),
    "lines": gettext_lazy("по числу строк к решению"),
    "code": gettext_lazy("по коду"),
}


def review_queue(user):
    """The manager's queue: submitted promos with a line of his categories. ``submitted_at``
    and ``decision_due`` are the current revision's (the kernel's decision clock). Nothing is
    grouped: the counts of lines are read for the page only (:func:`with_line_counts`)."""
    return (
        Promo.objects.restrict(user, DECIDE).pending_review()
        .select_related("supplier", "approved_revision")
        # what is offered reads the approved revision's days, not its frozen lines and diff
        .defer("approved_revision__lines", "approved_revision__diff")
    )


def _pending_lines(user):
    """The lines that wait for ``user``: of his categories, undecided."""
    return PromoLine.objects.filter(product__category__in=Category.objects.restrict(user, DECIDE),
                                    decision=PromoLine.Decision.PENDING)


def with_pending_count(queryset, user):
    """``queryset`` annotated with ``my_pending`` (a subquery per promo), for the one sort
    that needs it for every promo of the queue rather than for a page."""
    count = (_pending_lines(user).filter(promo=OuterRef("pk")).order_by().values("promo")
             .annotate(n=Count("pk")).values("n"))
    return queryset.annotate(my_pending=Coalesce(Subquery(count, output_field=IntegerField()), 0))


def with_line_counts(promos: list[Promo], user) -> list[Promo]:
    """Set ``line_count`` and ``my_pending`` (lines waiting for ``user``) on the promos of a
    page, in one query whatever their number."""
    if not promos:
        return promos
    managed = Category.objects.restrict(user, DECIDE)
    counts = {row["promo_id"]: row for row in (
        PromoLine.objects.filter(promo_id__in=[promo.pk for promo in promos]).order_by().values("promo_id")
        .annotate(total=Count("pk"), pending=Count("pk", filter=Q(product__category__in=managed,
                                                                  decision=PromoLine.Decision.PENDING))))}
    for promo in promos:
        row = counts.get(promo.pk, {})
        promo.line_count = row.get("total", 0)
        promo.my_pending = row.get("pending", 0)
    return promos


def with_line_facts(promos: list[Promo], user) -> list[Promo]:
    """The queue's figures of each promo of its page, from one read of the page's lines:
    ``line_count``, ``my_pending`` (as :func:`with_line_counts`) and ``worst_line``, the line
    with the lowest margin after compensation (:func:`promo.economics.worst_of`)."""
    if not promos:
        return promos
    mine = ExpressionWrapper(Q(product__category__in=Category.objects.restrict(user, DECIDE)),
                             output_field=BooleanField())
    rows = (PromoLine.objects.filter(promo_id__in=[promo.pk for promo in promos]).order_by()
            .annotate(mine=mine).values_list("decision", "mine", *economics.WORST_FIELDS))
    counts = {promo.pk: [0, 0] for promo in promos}
    priced = []
    for decision, in_mine, *facts in rows:
        count = counts[facts[0]]
        count[0] += 1
        if decision == PromoLine.Decision.PENDING and in_mine:
            count[1] += 1
        if decision != PromoLine.Decision.REJECTED and facts[2] is not None:
            priced.append(facts)
    worst = economics.worst_of(priced, {promo.pk: promo.mechanic for promo in promos})
    for promo in promos:
        promo.line_count, promo.my_pending = counts[promo.pk]
        promo.worst_line = worst.get(promo.pk)
    return promos


class ApprovalQueueFilterSet(PromoFilterSet):
    """The queue's filters: those of every promo list plus «only conflicts»."""

    options_list = "queue"

    def __init__(self, *args, only_conflicts: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.only_conflicts = only_conflicts
        # Only what can be in his queue: the categories he decides and the suppliers with
        # products in them (subqueries, no lists of ids).
        managed = Category.objects.restrict(self.request.user if self.request else None, DECIDE)
        self.filters["category"].queryset = managed
        self.filters["supplier"].queryset = self.filters["supplier"].queryset.filter(
            Exists(Product.objects.filter(supplier=OuterRef("pk"), category__in=managed)))

    #: With «only conflicts»: the ids of the promos that conflict, once the rows were filtered.
    conflicting: set[int] | None = None

    @property
    def qs(self):
        queryset = super().qs
        if self.only_conflicts:
            if self.conflicting is None:
                # The conflict check of the rows, over every promo the other filters leave.
                self.conflicting = conflicting_promo_ids(
                    queryset.select_related(None).order_by().only("start", "end", "targeting"))
            queryset = queryset.filter(pk__in=self.conflicting)
        return queryset


class CategoryManagerRequiredMixin(RoleRequiredMixin):
    """Deciding is for category managers (and administrators); other roles get a 403."""

    def role_allowed(self, user) -> bool:
        return is_category_manager(user) or user.is_superuser


class ApprovalQueueView(CategoryManagerRequiredMixin, PageInRangeMixin, FilterView):
    """The category manager's screen."""

    filterset_class = ApprovalQueueFilterSet
    template_name = "promo/approval_queue.html"
    paginate_by = 50

    def sort_key(self) -> str:
        sort = self.request.GET.get("sort", "due")
        return sort if sort in SORTS else "due"

    def get_queryset(self):
        queryset = review_queue(self.request.user)
        if self.sort_key() == "lines":
            queryset = with_pending_count(queryset, self.request.user)
        return queryset.order_by(*SORTS[self.sort_key()])

    def get_filterset_kwargs(self, filterset_class):
        kwargs = super().get_filterset_kwargs(filterset_class)
        kwargs["request"] = self.request
        kwargs["only_conflicts"] = self.request.GET.get("conflicts") == "1"
        return kwargs

    @cached_property
    def totals(self) -> dict:
        """The whole queue's size, its oldest submission and how many are overdue: one query."""
        return review_queue(self.request.user).aggregate(
            total=Count("pk"), oldest=Min("submitted_at"),
            overdue=Count("pk", filter=Q(decision_due__lt=timezone.localdate())))

    def _unfiltered(self) -> bool:
        filterset = self.filterset
        if self.request.GET.get("conflicts") == "1":
            return False
        return not filterset.is_bound or (filterset.is_valid() and not any(
            value not in (None, "") and value != [] for value in filterset.form.cleaned_data.values()))

    def get_paginator(self, queryset, *args, **kwargs):
        paginator = super().get_paginator(queryset, *args, **kwargs)
        if self._unfiltered():
            paginator.count = self.totals["total"]  # the same promos: not counted twice
        return paginator

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        today = timezone.localdate()
        totals = self.totals
        # The line counts and the worst line margin after compensation of each promo on the
        # page: one query for the page, the math in promo/mechanics.py.
        page = with_line_facts(list(context["object_list"]), self.request.user)
        conflicts = self.filterset.conflicting  # «only conflicts» checked them all already
        if conflicts is None:
            conflicts = conflicting_promo_ids(page)
        for promo in page:
            promo.has_conflict = promo.pk in conflicts
        bulk = bulk_context(self.request, page, source="queue")
        context.update({
            "promos": page,
            "rows": queue_rows(page, today=today),
            "totals": totals,
            "today": today,
            "sort": self.sort_key(),
            "sorts": SORT_LABELS,
            "only_conflicts": self.request.GET.get("conflicts") == "1",
            "requests": open_requests_for(self.request.user, action=DECIDE)[:QUEUE_REQUESTS],
            **bulk,
        })
        return context


def open_requests_for(user, *, action: str = "view"):
    """The suppliers' open requests of the promos ``user`` may see (``decide``: of his
    categories), oldest first, on promos that can still be extended or cancelled."""
    return (SupplierRequest.objects.restrict(user, action).open()
            .exclude(promo__status__in=Promo.Status.final())
            .select_related("promo__supplier", "requested_by").order_by("created_at", "pk"))


class PromoApproveView(PromoActionView):
    """Accept every line of the promo this manager may decide."""

    action = "approve"
    success_message = gettext_lazy("Ваши строки промо приняты.")

    def perform(self, promo, form):
        transitions.promo_approve(promo=promo, actor=self.request.user, version=form.cleaned_data["version"],
                                  comment=form.cleaned_data["comment"], below_floor_reason=form.floor_reason())


class PromoRejectView(PromoActionView):
    """Reject every line of the promo this manager may decide, with one reason."""

    action = "reject"
    success_message = gettext_lazy("Ваши строки промо отклонены.")

    def perform(self, promo, form):
        transitions.promo_reject(promo=promo, actor=self.request.user, reason=form.cleaned_data["reason"],
                              version=form.cleaned_data["version"])


class LinesDecideView(PromoActionView):
    """Per-line decisions from the promo page; «accept the rest» accepts undecided lines."""

    action = "lines"
    success_message = gettext_lazy("Решения по строкам сохранены.")

    def get_form(self, promo):
        lines = list(PromoLine.objects.restrict(self.request.user, DECIDE).filter(promo=promo)
                     .select_related("product").order_by("product__article"))
        if not lines:
            # Nobody without a line of his categories in this promo gets a decision form.
            raise PermissionDenied
        return wf.LineDecisionsForm(self.request.POST, lines=lines)

    def perform(self, promo, form):
        decisions = form.decisions(accept_rest="accept_rest" in self.request.POST)
        if not decisions:
            # The decisions the page showed, saved again as they are: nothing to do, and no error.
            self.success_message = wf.DECISIONS_UNCHANGED
            return
        transitions.lines_decide(promo=promo, actor=self.request.user, decisions=decisions,
                                 version=form.cleaned_data["version"], floor_overrides=form.floor_overrides())

