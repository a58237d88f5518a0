"""The category manager's approval screen: his queue with counts, the age of the oldest
promo, filters and sorting, bulk accept / reject of the selected promos, and the decisions on
one promo (whole promo or line by line) posted from the promo page."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, DateTimeField, Exists, F, Min, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django_filters.views import FilterView

from promo import economics
from promo.filtersets import PromoFilterSet
from promo.forms import workflow as wf
from promo.models import Promo, PromoEvent, PromoLine
from promo.services import transitions
from promo.services.conflicts import LineWindow, overlaps_find
from promo.services.errors import WorkflowError
from promo.views.promos import PromoActionView, RoleRequiredMixin, safe_next
from suppliers.models import Category, Product
from suppliers.querysets import DECIDE
from suppliers.roles import is_category_manager

SORTS = {
    "age": (F("submitted_at").asc(nulls_last=True), "pk"),
    "-age": (F("submitted_at").desc(nulls_last=True), "-pk"),
    "start": ("start", "pk"),
    "supplier": ("supplier__code", "pk"),
    "lines": ("-my_pending", "pk"),
    "code": ("pk",),
}
SORT_LABELS = {
    "age": gettext_lazy("сначала давние"),
    "-age": gettext_lazy("сначала новые"),
    "start": gettext_lazy("по дате начала"),
    "supplier": gettext_lazy("по поставщику"),
    "lines": gettext_lazy("по числу строк к решению"),
    "code": gettext_lazy("по коду"),
}


def conflicting_promo_ids(promos: Iterable[Promo]) -> set[int]:
    """Which of ``promos`` have a line colliding with another live promo (B2's overlap rule,
    a fixed number of queries for any number of promos)."""
    promos = {promo.pk: promo for promo in promos}
    if not promos:
        return set()
    windows = [
        LineWindow(key=(promo_id, product_id), product_id=product_id, start=promos[promo_id].start,
                   end=promos[promo_id].end, targeting=promos[promo_id].targeting)
        for promo_id, product_id in PromoLine.objects.filter(promo_id__in=list(promos))
        .values_list("promo_id", "product_id")
    ]
    found = overlaps_find(windows=windows)
    return {key[0] for key, others in found.items() if any(other.pk != key[0] for other in others)}


def review_queue(user):
    """The manager's queue: submitted promos with a line of his categories, annotated with
    when they were submitted and how many lines wait for him (no query per row)."""
    managed = Category.objects.restrict(user, DECIDE)
    submitted_at = Subquery(
        PromoEvent.objects.filter(promo=OuterRef("pk"), kind=PromoEvent.Kind.PROMO_SUBMITTED)
        .order_by("-created_at").values("created_at")[:1],
        output_field=DateTimeField(),
    )
    return (
        Promo.objects.restrict(user, DECIDE).pending_review()
        .select_related("supplier")
        .annotate(
            submitted_at=Coalesce(submitted_at, F("updated_at")),
            line_count=Count("lines"),
            my_pending=Count("lines", filter=Q(lines__product__category__in=managed,
                                               lines__decision=PromoLine.Decision.PENDING)),
        )
    )


class ApprovalQueueFilterSet(PromoFilterSet):
    """The queue's filters: those of every promo list plus «only conflicts»."""

    def __init__(self, *args, only_conflicts: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.only_conflicts = only_conflicts
        # Only what can be in his queue: the categories he decides and the suppliers with
        # products in them (subqueries, no lists of ids).
        managed = Category.objects.restrict(self.request.user if self.request else None, DECIDE)
        self.filters["category"].queryset = managed
        self.filters["supplier"].queryset = self.filters["supplier"].queryset.filter(
            Exists(Product.objects.filter(supplier=OuterRef("pk"), category__in=managed)))

    @property
    def qs(self):
        queryset = super().qs
        if self.only_conflicts:
            # Candidates in SQL (the same product in another live promo over the same days),
            # then the exact check with branches in memory.
            rival = PromoLine.objects.filter(
                product=OuterRef("product"), promo__start__lte=OuterRef("promo__end"),
                promo__end__gte=OuterRef("promo__start"),
                promo__status__in=[Promo.Status.SUBMITTED, Promo.Status.APPROVED],
            ).exclude(promo=OuterRef("promo")).exclude(decision=PromoLine.Decision.REJECTED)
            candidates = queryset.filter(Exists(
                PromoLine.objects.filter(promo=OuterRef("pk")).filter(Exists(rival))
            ))
            ids = conflicting_promo_ids(Promo.objects.filter(pk__in=candidates.values("pk")))
            queryset = queryset.filter(pk__in=ids)
        return queryset


class CategoryManagerRequiredMixin(RoleRequiredMixin):
    """Deciding is for category managers (and administrators); other roles get a 403."""

    def role_allowed(self, user) -> bool:
        return is_category_manager(user) or user.is_superuser


class ApprovalQueueView(CategoryManagerRequiredMixin, FilterView):
    """The category manager's screen."""

    filterset_class = ApprovalQueueFilterSet
    template_name = "promo/approval_queue.html"
    paginate_by = 50

    def sort_key(self) -> str:
        sort = self.request.GET.get("sort", "age")
        return sort if sort in SORTS else "age"

    def get_queryset(self):
        return review_queue(self.request.user).order_by(*SORTS[self.sort_key()])

    def get_filterset_kwargs(self, filterset_class):
        kwargs = super().get_filterset_kwargs(filterset_class)
        kwargs["request"] = self.request
        kwargs["only_conflicts"] = self.request.GET.get("conflicts") == "1"
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        queue = review_queue(self.request.user)
        totals = queue.aggregate(total=Count("pk", distinct=True), oldest=Min("submitted_at"))
        page = list(context["object_list"])
        conflicts = conflicting_promo_ids(page)
        # The worst line margin after compensation of each promo on the page: one query for
        # the page, the math in promo/mechanics.py.
        worst = economics.worst_margins(page)
        for promo in page:
            promo.has_conflict = promo.pk in conflicts
            promo.worst_line = worst.get(promo.pk)
        context.update({
            "promos": page,
            "totals": totals,
            "sort": self.sort_key(),
            "sorts": SORT_LABELS,
            "only_conflicts": self.request.GET.get("conflicts") == "1",
            "bulk_form": wf.BulkDecisionForm(),
        })
        return context


class ApprovalBulkView(CategoryManagerRequiredMixin, View):
    """Accept or reject the ticked promos of the queue, one service call per promo: the ones
    that succeed are decided, the others are listed with the service's message."""

    http_method_names = ["post"]

    def post(self, request):
        # Any promo the manager decides is a valid choice; one decided meanwhile by someone
        # else is then refused by the service with its own message, the others go through.
        form = wf.BulkDecisionForm(request.POST, queryset=Promo.objects.restrict(request.user, DECIDE))
        back = safe_next(request, reverse("promo:approval_queue"))
        if not form.is_valid():
            for error in form.errors.values():
                messages.error(request, " ".join(str(message) for message in error))
            return redirect(back)
        decided, failed = [], []
        promos = Promo.objects.restrict(request.user, DECIDE).in_bulk(form.cleaned_data["promos"])
        for pk, version in sorted(form.versions().items()):
            promo = promos[pk]
            try:
                if form.cleaned_data["decision"] == form.ACCEPT:
                    transitions.promo_approve(promo=promo, actor=request.user, version=version, comment="")
                else:
                    transitions.promo_reject(promo=promo, actor=request.user, version=version,
                                          reason=form.cleaned_data["reason"])
            except WorkflowError as exc:
                failed.append(f"{promo.code}: {exc.message}")
            else:
                decided.append(promo.code)
        if decided:
            messages.success(request, _("Решение принято по промо (%(n)d): %(codes)s.")
                             % {"n": len(decided), "codes": ", ".join(decided)})
        for failure in failed:
            messages.error(request, failure)
        return redirect(back)


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
        transitions.lines_decide(promo=promo, actor=self.request.user, decisions=decisions,
                                 version=form.cleaned_data["version"], floor_overrides=form.floor_overrides())

